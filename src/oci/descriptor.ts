/**
 * OCI and Docker image documents as the registries and `buildx --output type=oci` write them:
 * descriptors, indexes (manifest lists), manifests and image configs. Plain data, no I/O.
 */

/** The platform a descriptor is for, as an index lists it. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** An OCI / Docker content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  mediaType?: string;
  manifests: Descriptor[];
}

export interface ImageManifest {
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  config?: { Entrypoint?: string[] | null; Cmd?: string[] | null; WorkingDir?: string };
  history?: { created_by?: string; empty_layer?: boolean; comment?: string }[];
  /** Read from files as written: check `diff_ids` before use. */
  rootfs?: { type?: string; diff_ids?: unknown };
}

/** Pure: whether a descriptor's platform is `os/arch[/variant]` (no variant asked: any variant). */
export function samePlatform(p: Partial<Platform> | undefined, platform: string): boolean {
  if (!p) return false;
  const [os, arch, variant] = platform.split('/');
  return p.os === os && p.architecture === arch && (variant === undefined || p.variant === variant);
}
