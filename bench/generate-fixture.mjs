// Writes the bench's Go app: many generated packages of plain Go (no third-party code) plus a
// dependency from the fixture module proxy and a heavy part of the standard library, so a cold
// 2-platform build compiles long enough (>= 30 s here) to show what the caches save.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;

function pkg(i, funcs) {
  const lines = [`// Package p${i} is generated for the benchmark.`, `package p${i}`, '', 'import "fmt"', ''];
  lines.push(
    `type Record${i}[T ~int | ~int64 | ~float64] struct {`,
    '\tID    int',
    '\tName  string',
    '\tValue T',
    '\tTags  map[string]T',
    '}',
    '',
  );
  lines.push(
    `func (r Record${i}[T]) Sum() T {`,
    '\tvar s T = r.Value',
    '\tfor _, v := range r.Tags {',
    '\t\ts += v',
    '\t}',
    '\treturn s',
    '}',
    '',
  );
  for (let f = 0; f < funcs; f++) {
    lines.push(
      `// F${f} mixes arithmetic, branches and maps so the compiler has work to do.`,
      `func F${f}(n int) (int, string) {`,
      '\tacc := make(map[int]int, n)',
      '\tfor i := 0; i < n; i++ {',
      '\t\tswitch {',
      `\t\tcase i%${(f % 7) + 2} == 0:`,
      `\t\t\tacc[i] = i*${f + 3} + ${i}`,
      `\t\tcase i%${(f % 5) + 3} == 1:`,
      `\t\t\tacc[i] = acc[i-1] ^ ${f * 31 + i}`,
      '\t\tdefault:',
      `\t\t\tacc[i] = (i << 2) - ${f}`,
      '\t\t}',
      '\t}',
      `\tr := Record${i}[int]{ID: ${f}, Name: "f${f}", Value: len(acc), Tags: map[string]int{"a": ${f}, "b": ${i}}}`,
      `\treturn r.Sum(), fmt.Sprintf("p${i}.F${f}:%d", len(acc))`,
      '}',
      '',
    );
  }
  lines.push('// Run calls every function once.', 'func Run(n int) int {', '\ttotal := 0');
  for (let f = 0; f < funcs; f++) lines.push(`\tif v, _ := F${f}(n); v > 0 {`, '\t\ttotal += v', '\t}');
  lines.push('\treturn total', '}', '');
  return lines.join('\n');
}

/** Writes the app into `dir`: `packages` generated packages of `funcs` functions each. */
export function generateApp(dir, { packages = 160, funcs = 60 } = {}) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'go.mod'), 'module example.com/benchapp\n\ngo 1.22\n\nrequire example.com/greeting v1.0.0\n');
  copyFileSync(join(ROOT, 'examples/hello/go.sum'), join(dir, 'go.sum'));
  const imports = [];
  const calls = [];
  for (let i = 0; i < packages; i++) {
    const d = join(dir, 'internal', `p${i}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, `p${i}.go`), pkg(i, funcs));
    imports.push(`\t"example.com/benchapp/internal/p${i}"`);
    calls.push(`\ttotal += p${i}.Run(3)`);
  }
  writeFileSync(
    join(dir, 'main.go'),
    [
      '// Command benchapp is the benchmark fixture: a small HTTP service over generated packages.',
      'package main',
      '',
      'import (',
      '\t"encoding/json"',
      '\t"fmt"',
      '\t"net/http"',
      '\t"os"',
      '',
      '\t"example.com/greeting"',
      ...imports,
      ')',
      '',
      '// message is the line the benchmark changes between runs.',
      'const message = "bench run 0"',
      '',
      'func main() {',
      '\ttotal := 0',
      ...calls,
      '\tif len(os.Args) > 1 && os.Args[1] == "-once" {',
      '\t\t_ = json.NewEncoder(os.Stdout).Encode(map[string]any{"total": total, "msg": message, "hi": greeting.Hello("bench")})',
      '\t\treturn',
      '\t}',
      '\thttp.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, greeting.Hello("bench"), message, total) })',
      '\t_ = http.ListenAndServe(":8080", nil)',
      '}',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'Dockerfile'),
    [
      '# The recommended layout (cross-compiling on the build platform), with cache ids in a',
      '# namespace of the benchmark run so no other build on this machine shares its mounts.',
      'ARG GO_IMAGE=golang:1.24-alpine',
      'FROM --platform=$BUILDPLATFORM ${GO_IMAGE} AS build',
      'ARG CACHE_NS=bench',
      'WORKDIR /src',
      'COPY go.mod go.sum ./',
      'RUN --mount=type=cache,id=gomod-${CACHE_NS},target=/go/pkg/mod go mod download',
      'COPY . .',
      'ARG TARGETOS TARGETARCH',
      'RUN --mount=type=cache,id=gomod-${CACHE_NS},target=/go/pkg/mod \\',
      '    --mount=type=cache,id=gobuild-${CACHE_NS},target=/root/.cache/go-build \\',
      '    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -o /out/app .',
      '',
      'FROM scratch',
      'COPY --from=build /out/app /app',
      'USER 65534:65534',
      'ENTRYPOINT ["/app"]',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, '.dockerignore'), '.git\n');
}

/** The one-line change: a new value for `message` in main.go. */
export function changeOneLine(dir, run) {
  const file = join(dir, 'main.go');
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace(/const message = "bench run \d+"/, `const message = "bench run ${run}"`));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: node bench/generate-fixture.mjs <dir> [packages] [funcs]');
  generateApp(dir, { packages: Number(process.argv[3] ?? 160), funcs: Number(process.argv[4] ?? 60) });
  console.log(`wrote ${dir}`);
}
