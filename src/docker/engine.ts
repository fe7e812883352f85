/** Pure: the engine as `docker version` and `docker info` describe it. */
import { normalizePlatform } from '../util/platforms.js';

export interface Engine {
  serverVersion: string;
  /** The engine's own platform (the one a container runs without emulation), in buildx's form. */
  platform: string;
  /** The engine keeps images in containerd, so multi-platform images can be loaded. */
  containerdImageStore: boolean;
}

/** The `docker version` format parseEngine reads. */
export const VERSION_FORMAT = '{{.Server.Version}} {{.Server.Os}}/{{.Server.Arch}}';

/** Pure: whether `docker info` DriverStatus names the containerd snapshotter. */
export function isContainerdStore(driverStatusJson: string): boolean {
  return /io\.containerd\.snapshotter/.test(driverStatusJson);
}

/** Pure: the engine of `docker version --format VERSION_FORMAT` and `docker info`'s DriverStatus JSON. */
export function parseEngine(version: string, driverStatusJson: string): Engine {
  const [serverVersion = '', platform = ''] = version.trim().split(' ');
  return { serverVersion, platform: normalizePlatform(platform) ?? platform, containerdImageStore: isContainerdStore(driverStatusJson) };
}
