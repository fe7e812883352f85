/** Size reports for the render tests: a real report built by buildReport from a measurement and a baseline. */
import type { GoBinary } from '../../src/size/goinfo.ts';
import { buildReport, type Baseline, type PlatformReport, type SizeReport } from '../../src/size/report.ts';

export function layer(digest: string, bytes: number, instruction: string | null): PlatformReport['layers'][number] {
  return { digest, compressedBytes: bytes, uncompressedBytes: bytes * 2, instruction };
}

export function sample(opts: { hostile?: string; layers?: number; modules?: number; baselineManifest?: string } = {}): {
  report: SizeReport;
  baseline: Baseline;
} {
  const h = opts.hostile ?? 'COPY . .';
  const extraLayers = Array.from({ length: opts.layers ?? 0 }, (_, i) =>
    layer(`sha256:x${i}`, 1000 + i, `RUN step ${i} ${'x'.repeat(80)}`),
  );
  const go = (modules: { path: string; version: string }[], size: number): GoBinary => ({
    path: `/app/${h}`,
    sizeBytes: size,
    layerDigest: 'sha256:n2',
    buildInfo: {
      goVersion: 'go1.24.4',
      path: 'example.com/hello',
      main: { path: `example.com/${h}`, version: '(devel)' },
      deps: modules,
      settings: {},
    },
  });
  const many = Array.from({ length: opts.modules ?? 0 }, (_, i) => ({
    path: `example.com/mod${i}/${'p'.repeat(40)}`,
    version: `v1.${i}.0`,
  }));
  const baseline: Baseline = {
    label: `ghcr.io/org/app@sha256:${'a'.repeat(64)}`,
    source: 'cache',
    platforms: [
      {
        platform: 'linux/amd64',
        ...(opts.baselineManifest ? { manifestDigest: opts.baselineManifest } : {}),
        compressedBytes: 2_600_000,
        uncompressedBytes: 6_000_000,
        layers: [layer('sha256:base', 100_000, 'FROM alpine'), layer('sha256:o2', 2_500_000, h)],
        go: {
          path: `/app/${h}`,
          sizeBytes: 6_000_000,
          goVersion: 'go1.24.4',
          package: 'example.com/hello',
          mainModule: 'example.com/hello',
          modules: [
            { path: 'example.com/greeting', version: 'v1.0.0' },
            { path: 'gone.example/y', version: 'v0.1.0' },
          ],
        },
      },
    ],
  };
  const report = buildReport({
    image: 'ghcr.io/org/app:pr-7',
    digest: 'sha256:' + 'b'.repeat(64),
    version: `1.0.0-${h}`,
    measured: {
      digest: 'sha256:' + 'b'.repeat(64),
      platforms: [
        {
          platform: 'linux/amd64',
          manifestDigest: 'sha256:m1',
          configDigest: 'sha256:c1',
          compressedBytes: 5_100_000 + extraLayers.reduce((s, l) => s + l.compressedBytes, 0),
          uncompressedBytes: 12_000_000,
          layers: [
            { ...layer('sha256:base', 100_000, 'FROM alpine'), mediaType: 'gz' },
            { ...layer('sha256:n2', 5_000_000, h), mediaType: 'gz' },
            ...extraLayers.map((l) => ({ ...l, mediaType: 'gz' })),
          ],
          entrypoint: [],
          workingDir: '/',
        },
      ],
    },
    go: {
      'linux/amd64': go(
        [{ path: 'example.com/greeting', version: 'v1.1.0' }, { path: `example.org/${h}`, version: 'v1.3.0' }, ...many],
        6_100_000,
      ),
    },
    baseline,
    budget: { perPlatform: {} },
    increase: { all: { kind: 'bytes', bytes: 1_000_000, text: '1MB' }, perPlatform: {} },
    mode: 'fail',
  });
  return { report, baseline };
}
