/**
 * The platform check: the Go program of each platform must run on that platform. Pure, so
 * every rule is a table row. What Go records in the binary (`go version -m`: GOOS, GOARCH,
 * GOARM, GOAMD64, GOARM64, CGO_ENABLED) is compared with the platform the image claims:
 *
 * | Platform              | Program built with                    | Verdict |
 * |-----------------------|---------------------------------------|---------|
 * | linux/arm64           | GOARCH=amd64 (a hard-coded GOARCH)    | error   |
 * | linux/amd64           | GOOS=darwin                           | error   |
 * | linux/arm/v6          | GOARM=7 (needs more than v6)          | error   |
 * | linux/arm/v7          | GOARM=6 (less is fine)                | passes  |
 * | linux/amd64/v2        | GOAMD64=v3 (needs more than v2)       | error   |
 * | linux/amd64           | GOAMD64=v3                            | warning |
 * | linux/arm64           | GOARM64=v8.2                          | warning |
 * | any                   | dynamically linked (cgo, -buildmode=pie), loader not in the image | error |
 * | any                   | CGO_ENABLED=1, statically linked      | passes  |
 *
 * A platform with a variant (linux/amd64/v2, linux/arm/v6) promises exactly that level, so a
 * program needing more breaks a promise: an error. Plain linux/amd64 and linux/arm64 promise
 * only the baseline of the architecture, yet a program built for v3 may be a deliberate choice
 * (every CI runner and most servers have it): a warning that names the CPUs it stops on.
 */
import type { ElfLinking } from '../gobinary/elf.js';

/** What is known about the program of one platform. */
export interface ProgramFacts {
  platform: string;
  /** The program's path in the image; absent when there is none to judge. */
  path?: string;
  /** Its build settings (GOOS, GOARCH, …). */
  settings?: Record<string, string>;
  linking?: ElfLinking;
  /** For a dynamic program: whether its loader is in the image, or why that is not known. */
  loader?: { present: boolean } | { unknown: string };
  /** Why there is no program to judge. */
  missing?: string;
}

export interface PlatformCheck {
  status: 'passed' | 'failed' | 'skipped';
  /** What fails the step: one sentence each, naming the platform, the program and what it was built for. */
  errors: string[];
  /** What is worth knowing but does not fail the step. */
  warnings: string[];
  /** Platforms, or parts of the check, that could not be judged, with why. */
  unchecked: string[];
}

interface Verdict {
  errors: string[];
  warnings: string[];
  unchecked: string[];
}

/** Pure: `os/arch[/variant]` in parts. */
function platformParts(platform: string): { os: string; arch: string; variant?: string } {
  const [os = '', arch = '', variant] = platform.split('/');
  return { os, arch, variant };
}

/** Pure: the level of a `vN` or `vN.M` string as a number (v3 → 3, v8.2 → 8.2); undefined when it is not one. */
function level(text: string | undefined): number | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?/.exec(text ?? '');
  return m ? Number(m[1]) + Number(m[2] ?? 0) / 10 : undefined;
}

/** The CPU-level rules: GOARM, GOAMD64, GOARM64 against the platform's variant. */
function cpuLevel(facts: ProgramFacts, v: Verdict): void {
  const { arch, variant } = platformParts(facts.platform);
  const settings = facts.settings ?? {};
  const rule = {
    arm: { key: 'GOARM', base: 7, name: 'ARMv' },
    amd64: { key: 'GOAMD64', base: 1, name: 'x86-64-v' },
    arm64: { key: 'GOARM64', base: 8, name: 'ARMv' },
  }[arch];
  if (!rule || settings[rule.key] === undefined) return;
  const needs = level(settings[rule.key]);
  const promised = variant !== undefined ? level(variant) : rule.base;
  if (needs === undefined || promised === undefined || needs <= promised) return;
  const built = `${facts.path} was built for ${rule.name}${needs} (${rule.key}=${settings[rule.key]})`;
  if (variant !== undefined) v.errors.push(`${facts.platform}: ${built}, more than the platform's ${variant} promises`);
  else
    v.warnings.push(
      `${facts.platform}: ${built}; the platform promises any ${arch} CPU, so it stops with an illegal instruction on older ones`,
    );
}

/** The loader rule: a dynamically linked program cannot start without its loader. */
function loaderRule(facts: ProgramFacts, v: Verdict): void {
  const { linking, loader } = facts;
  const cgo = facts.settings?.CGO_ENABLED;
  // What made it dynamic, as Go recorded it: cgo, or a position-independent build (no cgo needed).
  const buildmode = facts.settings?.['-buildmode'];
  const causes = [cgo === '1' ? 'CGO_ENABLED=1' : '', buildmode && buildmode !== 'exe' ? `-buildmode=${buildmode}` : ''].filter(Boolean);
  const how = causes.length ? ` (${causes.join(', ')})` : '';
  if (linking?.kind === 'unknown') {
    if (cgo === '1') v.unchecked.push(`${facts.platform}: how ${facts.path} is linked could not be read: ${linking.why}`);
    return;
  }
  if (linking?.kind !== 'dynamic') return;
  if (!loader) return;
  if ('unknown' in loader) {
    v.unchecked.push(
      `${facts.platform}: whether the image holds ${linking.interpreter}, the loader of ${facts.path}, could not be told: ${loader.unknown}`,
    );
    return;
  }
  if (!loader.present) {
    v.errors.push(
      `${facts.platform}: ${facts.path} is dynamically linked${how} and needs ${linking.interpreter}, which the image does not have: ` +
        `link it statically (CGO_ENABLED=0, without -buildmode=pie) or use a base image with this loader and its libc`,
    );
  }
}

/** Pure: the verdict on one platform's program. */
export function checkProgram(facts: ProgramFacts): Verdict {
  const v: Verdict = { errors: [], warnings: [], unchecked: [] };
  if (facts.missing || !facts.path) {
    v.unchecked.push(`${facts.platform}: not checked: ${facts.missing ?? 'no Go binary found'}`);
    return v;
  }
  const { os, arch } = platformParts(facts.platform);
  const goos = facts.settings?.GOOS;
  const goarch = facts.settings?.GOARCH;
  if (!os || !arch || facts.platform === 'unknown') {
    v.unchecked.push(`${facts.platform}: not checked: the image does not say its platform`);
    return v;
  }
  if (!goos || !goarch) {
    v.unchecked.push(`${facts.platform}: not checked: ${facts.path} records no GOOS/GOARCH in its build info`);
    return v;
  }
  if (goos !== os || goarch !== arch) {
    const which = [goos !== os ? `GOOS=${goos}` : '', goarch !== arch ? `GOARCH=${goarch}` : ''].filter(Boolean).join(', ');
    v.errors.push(`${facts.platform}: ${facts.path} was built for ${goos}/${goarch} (${which})`);
    return v;
  }
  cpuLevel(facts, v);
  loaderRule(facts, v);
  return v;
}

/** Pure: the verdict on every platform: failed on any error; skipped when no platform could be judged. */
export function checkPlatforms(programs: readonly ProgramFacts[]): PlatformCheck {
  const all = programs.map(checkProgram);
  const errors = all.flatMap((v) => v.errors);
  const warnings = all.flatMap((v) => v.warnings);
  const unchecked = all.flatMap((v) => v.unchecked);
  const judged = programs.filter((p) => !p.missing && p.path && p.settings?.GOOS && p.settings.GOARCH).length;
  const status = errors.length > 0 ? 'failed' : judged > 0 ? 'passed' : 'skipped';
  return { status, errors, warnings, unchecked };
}

/** Pure: the check as the size report's extras carry it: every problem, errors first. */
export function platformCheckExtras(check: PlatformCheck): { status: PlatformCheck['status']; problems: string[] } {
  return { status: check.status, problems: [...check.errors, ...check.warnings, ...check.unchecked] };
}

/** Pure: the step's failure for a failed check (one line per problem), if it failed. */
export function platformCheckFailure(check: PlatformCheck): string | undefined {
  if (check.status !== 'failed') return undefined;
  return `Platform check failed: a Go binary does not match its platform:\n${check.errors.map((e) => `- ${e}`).join('\n')}`;
}
