/** The Go Dockerfile checks: one id each, stable (users grep for them and the README explains them). */
export const CHECKS = {
  GO001: { title: 'Go build under QEMU emulation', fix: 'FROM --platform=$BUILDPLATFORM <go image> AS build, then GOOS=$TARGETOS GOARCH=$TARGETARCH go build' },
  GO002: { title: 'Go caches not on cache mounts', fix: 'RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build …' },
  GO003: { title: 'Whole context copied before go mod download', fix: 'COPY go.mod go.sum ./ then RUN go mod download, then COPY . .' },
  GO004: { title: 'Final stage is the Go toolchain image', fix: 'build in a stage, then COPY --from=build the binary into scratch or distroless/static' },
  GO005: { title: 'Static final stage, binary built with cgo', fix: 'CGO_ENABLED=0 go build …' },
  GO006: { title: 'Final stage runs as root', fix: 'USER 65534:65534 (or a nonroot base such as distroless/static:nonroot)' },
  GO007: { title: 'Shell-form CMD/ENTRYPOINT', fix: 'ENTRYPOINT ["/app"] (exec form)' },
  GO008: { title: '.dockerignore missing or not excluding .git', fix: 'a .dockerignore in the context with .git (and build outputs) in it' },
  GO009: { title: '-ldflags without -s -w', fix: 'go build -ldflags="-s -w …"' },
  GO010: { title: 'Cross-compiling stage without GOOS/GOARCH', fix: 'ARG TARGETOS TARGETARCH, then GOOS=$TARGETOS GOARCH=$TARGETARCH go build' },
} as const satisfies Record<string, { title: string; fix: string }>;

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
