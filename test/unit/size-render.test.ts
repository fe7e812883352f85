import { describe, expect, it } from 'vitest';
import { COMMENT_LIMIT, commentMarker, renderComment, renderSizeMarkdown } from '../../src/size/render.js';
import type { Baseline, PlatformReport, SizeReport } from '../../src/size/report.js';
import { buildReport, changedLayers } from '../../src/size/report.js';
import type { GoBinary } from '../../src/size/goinfo.js';

const HOSTILE = [
  'a`b``c',
  'x | y',
  '<!-- hidden -->',
  '-->',
  '@octocat please',
  '[click](javascript:alert(1))',
  '<img src=x onerror=alert(1)>',
  '**bold** _it_ # h',
  'line1\nline2',
];

function layer(digest: string, bytes: number, instruction: string | null): PlatformReport['layers'][number] {
  return { digest, compressedBytes: bytes, uncompressedBytes: bytes * 2, instruction };
}

function sample(opts: { hostile?: string; layers?: number; modules?: number } = {}): { report: SizeReport; baseline: Baseline } {
  const h = opts.hostile ?? 'COPY . .';
  const extraLayers = Array.from({ length: opts.layers ?? 0 }, (_, i) => layer(`sha256:x${i}`, 1000 + i, `RUN step ${i} ${'x'.repeat(80)}`));
  const go = (modules: { path: string; version: string }[], size: number): GoBinary => ({
    path: `/app/${h}`,
    sizeBytes: size,
    layerDigest: 'sha256:n2',
    buildInfo: { goVersion: 'go1.24.4', path: 'example.com/hello', main: { path: `example.com/${h}`, version: '(devel)' }, deps: modules, settings: {} },
  });
  const many = Array.from({ length: opts.modules ?? 0 }, (_, i) => ({ path: `example.com/mod${i}/${'p'.repeat(40)}`, version: `v1.${i}.0` }));
  const baseline: Baseline = {
    label: `ghcr.io/org/app@sha256:${'a'.repeat(64)}`,
    source: 'cache',
    platforms: [
      {
        platform: 'linux/amd64',
        compressedBytes: 2_600_000,
        uncompressedBytes: 6_000_000,
        layers: [layer('sha256:base', 100_000, 'FROM alpine'), layer('sha256:o2', 2_500_000, h)],
        go: { path: `/app/${h}`, sizeBytes: 6_000_000, goVersion: 'go1.24.4', package: 'example.com/hello', mainModule: 'example.com/hello', modules: [{ path: 'example.com/greeting', version: 'v1.0.0' }, { path: 'gone.example/y', version: 'v0.1.0' }] },
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
    go: { 'linux/amd64': go([{ path: 'example.com/greeting', version: 'v1.1.0' }, { path: `example.org/${h}`, version: 'v1.3.0' }, ...many], 6_100_000) },
    baseline,
    budget: { perPlatform: {} },
    increase: { all: { kind: 'bytes', bytes: 1_000_000, text: '1MB' }, perPlatform: {} },
    mode: 'fail',
  });
  return { report, baseline };
}

describe('renderSizeMarkdown', () => {
  it('shows before, after, signed delta with percent, budget and status, and why it grew', () => {
    const { report, baseline } = sample();
    const md = renderSizeMarkdown(report, baseline, { version: '1.2.3', smoke: { status: 'passed', detail: '2 services ready' } });
    expect(md).toContain('| `linux/amd64` | 2.60 MB | 5.10 MB | +2.50 MB (+96.2%) | +1MB | ❌ |');
    expect(md).toContain('version `1.2.3`');
    expect(md).toContain('smoke test ✅ passed: 2 services ready');
    expect(md).toContain('**Over budget:**');
    expect(md).toContain('- linux/amd64: grew by +2.50 MB, 1.50 MB over the allowed increase of 1MB');
    // The changed layer pairs by instruction.
    expect(md).toContain('| `COPY . .` | 2.50 MB | 5.00 MB | +2.50 MB |');
    expect(md).toContain('Go binary `/app/COPY . .` (`go1.24.4`, `example.com/COPY . .`): 6.00 MB → 6.10 MB (+100.0 KB), 2 modules');
    expect(md).toContain('- new: `example.org/COPY . .` `v1.3.0`');
    expect(md).toContain('- removed: `gone.example/y` `v0.1.0`');
    expect(md).toContain('- changed: `example.com/greeting` `v1.0.0` → `v1.1.0`');
    expect(md).toContain('<details><summary>All 2 layers of linux/amd64');
  });

  it.each([
    [{ status: 'passed' }, 'smoke test ✅ passed'],
    [{ status: 'failed', detail: 'api exited with code 2' }, 'smoke test ❌ failed: api exited with code 2'],
    [{ status: 'skipped', detail: 'not the runner\'s platform' }, 'smoke test ⏭️ skipped: not the runner\'s platform'],
    [{ status: 'skipped' }, undefined],
    [undefined, undefined],
  ] as const)('shows the smoke test %j', (smoke, text) => {
    const { report, baseline } = sample();
    const md = renderSizeMarkdown(report, baseline, smoke ? { smoke: { ...smoke } } : {});
    if (text) expect(md).toContain(text);
    else expect(md).not.toContain('smoke test');
  });

  it('says when there is no baseline', () => {
    const { report } = sample();
    const none = { ...report, baseline: null, baselineNote: 'no cached size report of the base branch yet', platforms: report.platforms.map((p) => ({ ...p, baselineCompressedBytes: null, deltaBytes: null })) };
    const md = renderSizeMarkdown(none, null);
    expect(md).toContain('no baseline (no cached size report of the base branch yet)');
    expect(md).toContain('| `linux/amd64` | — | 5.10 MB | — |');
  });

  it.each(HOSTILE)('keeps hostile text %j from breaking or injecting markdown', (hostile) => {
    const { report, baseline } = sample({ hostile });
    const md = renderSizeMarkdown(report, baseline, { smoke: { status: 'failed', detail: hostile } });
    // Outside the code spans, no raw markup survives.
    const outsideCode = md.replace(/(`+)[\s\S]*?\1/g, '');
    expect(outsideCode).not.toMatch(/<!--|-->|<img|\]\(javascript:|@octocat|\*\*bold/);
    // Every table row keeps its cells: pipes inside text are escaped.
    for (const line of md.split('\n').filter((l) => l.startsWith('| `linux/amd64`'))) {
      expect(line.replace(/\\\|/g, '').split('|').length).toBe(8);
    }
    for (const line of md.split('\n').filter((l) => l.startsWith('| `') && !l.startsWith('| `linux'))) {
      const cells = line.replace(/\\\|/g, '').split('|').length;
      expect([5, 6]).toContain(cells);
    }
    // No line break from outside text splits a row.
    expect(md).not.toContain('line1\nline2');
  });

  it('puts code spans around backticks with a longer fence', () => {
    const { report, baseline } = sample({ hostile: 'a`b``c' });
    expect(renderSizeMarkdown(report, baseline)).toContain('```a`b``c```');
  });
});

describe('renderComment', () => {
  it('starts with the marker, which cannot end early', () => {
    const { report, baseline } = sample();
    const body = renderComment('ghcr.io/org/app', report, baseline);
    expect(body.startsWith(commentMarker('ghcr.io/org/app'))).toBe(true);
    expect(commentMarker('evil --> <b>x</b>')).toBe('<!-- go-container-action:size image=evil%20--%3E%20%3Cb%3Ex%3C%2Fb%3E -->');
  });

  it('stays under 65,536 characters: drops the details first, then cuts at a line', () => {
    const { report, baseline } = sample({ layers: 900, modules: 900 });
    const full = renderSizeMarkdown(report, baseline);
    expect(full.length).toBeGreaterThan(COMMENT_LIMIT);
    const body = renderComment('img', report, baseline);
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body).toContain('| `linux/amd64` |');
    expect(body).toContain("cut to fit GitHub's comment limit");
    const tiny = renderComment('img', report, baseline, {}, 600);
    expect(tiny.length).toBeLessThanOrEqual(600);
    expect(tiny.startsWith(commentMarker('img'))).toBe(true);
  });
});

describe('changedLayers', () => {
  it.each([
    ['identical', [layer('a', 1, 'X')], [layer('a', 1, 'X')], []],
    ['same instruction, new digest', [layer('a', 1, 'X')], [layer('b', 3, 'X')], [{ instruction: 'X', before: 1, after: 3 }]],
    ['a new layer', [layer('a', 1, 'X')], [layer('a', 1, 'X'), layer('c', 5, 'Y')], [{ instruction: 'Y', before: null, after: 5 }]],
    ['a removed layer', [layer('a', 1, 'X'), layer('c', 5, 'Y')], [layer('a', 1, 'X')], [{ instruction: 'Y', before: 5, after: null }]],
  ])('%s', (_n, before, after, changes) => expect(changedLayers(before, after)).toEqual(changes));
});

describe('no HTML comment from outside text reaches the comment (the marker is how the comment is found)', () => {
  const OTHER = commentMarker('ghcr.io/org/other');
  const count = (text: string, part: string): number => text.split(part).length - 1;
  it.each([
    OTHER,
    `RUN echo '${OTHER}' > /etc/motd`,
    '<!--',
    '-->',
    '--!>',
    '<!---->',
    '<<!--!-->>',
    '---->',
    '<!',
    '<\u200b!-- already split --\u200b>',
    `\`\`${OTHER}\`\``,
    `a|${OTHER}|b`,
    `line\n${OTHER}\nline`,
  ])('%j', (hostile) => {
    const { report, baseline } = sample({ hostile });
    report.image = `ghcr.io/org/app:${hostile}`;
    report.baselineNote = hostile;
    report.platforms[0]!.go!.modules.push({ path: hostile, version: hostile });
    for (const withBaseline of [baseline, null]) {
      const body = renderComment('ghcr.io/org/app', report, withBaseline, { version: hostile, smoke: { status: 'failed', detail: hostile } });
      expect(body.startsWith(`${commentMarker('ghcr.io/org/app')}\n`)).toBe(true);
      // The marker's own opener and closer, and no other.
      expect(count(body, '<!--')).toBe(1);
      expect(count(body, '-->')).toBe(1);
      expect(count(body, '--!>')).toBe(0);
      expect(body).not.toContain(OTHER);
    }
  });

  it('the neutralised text still reads the same, with a zero-width space in the opener', () => {
    const { report, baseline } = sample({ hostile: OTHER });
    const body = renderComment('ghcr.io/org/app', report, baseline);
    expect(body).toContain('`<\u200b!-- go-container-action:size image=ghcr.io%2Forg%2Fother -\u200b->`');
  });
});
