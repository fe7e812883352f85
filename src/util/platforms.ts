/** Platforms buildx can target, os/arch[/variant]. */
const KNOWN_PLATFORMS = new Set([
  'linux/amd64',
  'linux/amd64/v2',
  'linux/amd64/v3',
  'linux/amd64/v4',
  'linux/arm64',
  'linux/arm64/v8',
  'linux/arm/v5',
  'linux/arm/v6',
  'linux/arm/v7',
  'linux/386',
  'linux/ppc64le',
  'linux/s390x',
  'linux/riscv64',
  'linux/mips64le',
  'linux/mips64',
  'linux/loong64',
  'windows/amd64',
  'windows/arm64',
]);

/** Validates one platform; returns the canonical form or undefined when unknown. */
export function normalizePlatform(raw: string): string | undefined {
  const p = raw.trim().toLowerCase();
  if (p === 'linux/arm64/v8') return 'linux/arm64';
  if (p === 'linux/arm') return 'linux/arm/v7';
  return KNOWN_PLATFORMS.has(p) ? p : undefined;
}

/** The platform of the machine running the action, in buildx's form. */
export function hostPlatform(arch: string = process.arch): string {
  const map: Record<string, string> = {
    x64: 'linux/amd64',
    arm64: 'linux/arm64',
    arm: 'linux/arm/v7',
    ppc64: 'linux/ppc64le',
    s390x: 'linux/s390x',
    riscv64: 'linux/riscv64',
    ia32: 'linux/386',
  };
  return map[arch] ?? `linux/${arch}`;
}
