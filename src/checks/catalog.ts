/**
 * The Go Dockerfile checks: one id each, stable (users grep for them and the README explains
 * them). Each finding's message carries its fix, fitted to the line it is about.
 */
export const CHECKS = {
  GO001: { title: 'Go build under QEMU emulation' },
  GO002: { title: 'Go caches not on cache mounts' },
  GO003: { title: 'Whole context copied before go mod download' },
  GO004: { title: 'Final stage is the Go toolchain image' },
  GO005: { title: 'Static final stage, binary built with cgo' },
  GO006: { title: 'Final stage runs as root' },
  GO007: { title: 'Shell-form CMD/ENTRYPOINT' },
  GO008: { title: '.git sent into the build' },
  GO009: { title: '-ldflags without -s -w' },
  GO010: { title: 'Cross-compiling stage without GOOS/GOARCH' },
  GO011: { title: 'VERSION never reaches the binary' },
  GO012: { title: 'Private modules without the netrc secret' },
  GO013: { title: 'Token in the image history' },
  GO014: { title: 'go build without -trimpath' },
} as const satisfies Record<string, { title: string }>;

export type CheckId = keyof typeof CHECKS;

/** `warning`: the build is slow, huge or fragile. `notice`: worth knowing, no harm done. */
export type FindingLevel = 'warning' | 'notice';

export interface Finding {
  id: CheckId;
  level: FindingLevel;
  /** The file the finding is about: the Dockerfile, or the .dockerignore. */
  file: 'dockerfile' | 'dockerignore';
  /** 1-based line. */
  line: number;
  /** One line, without the id. */
  message: string;
  /** The instruction it is about, as written (for the summary). */
  text?: string;
}

/** A finding as reported: its level under the run's mode, its file relative to the workspace. */
export interface ReportedFinding {
  id: CheckId;
  title: string;
  /** `error` when `dockerfile-checks: error` made a warning fail the step. */
  level: 'error' | 'warning' | 'notice';
  file: string;
  line: number;
  message: string;
  text?: string;
}
