import { describe, expect, it } from 'vitest';
import type { ReportedFinding } from '../../src/checks/catalog.js';
import {
  COMMENT_LIMIT,
  commentMarker,
  rebuiltLine,
  renderComment,
  renderSizeMarkdown,
  type ReportExtras,
} from '../../src/report/render.js';
import { changedLayers, REBUILT_TOLERANCE_BYTES, type PlatformReport } from '../../src/size/report.js';
import { runOutcome } from '../../src/report/outcome.js';
import { findingCounts } from '../../src/report/render-checks.js';
import { sample } from '../support/size-samples.js';

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
    [{ status: 'skipped', detail: "not the runner's platform" }, "smoke test ⏭️ skipped: not the runner's platform"],
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
    const none = {
      ...report,
      baseline: null,
      baselineNote: 'no cached size report of the base branch yet',
      platforms: report.platforms.map((p) => ({ ...p, baselineCompressedBytes: null, deltaBytes: null })),
    };
    const md = renderSizeMarkdown(none, null);
    expect(md).toContain('no baseline (no cached size report of the base branch yet)');
    expect(md).toContain('| `linux/amd64` | — | 5.10 MB | — |');
  });

  it.each(HOSTILE)('keeps hostile text %j from breaking or injecting markdown', (hostile) => {
    const { report, baseline } = sample({ hostile });
    const findings = [finding({ title: hostile, message: hostile, file: hostile, text: hostile })];
    const md = renderSizeMarkdown(report, baseline, {
      smoke: { status: 'failed', detail: hostile },
      findings,
      platformCheck: { status: 'failed', problems: [hostile] },
    });
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
    const findingRows = md.split('\n').filter((l) => l.startsWith('| ⚠️ |'));
    expect(findingRows).toHaveLength(1);
    expect(findingRows[0]!.replace(/\\\|/g, '').split('|')).toHaveLength(6);
    // No line break from outside text splits a row.
    expect(md).not.toContain('line1\nline2');
  });

  it('puts code spans around backticks with a longer fence', () => {
    const { report, baseline } = sample({ hostile: 'a`b``c' });
    expect(renderSizeMarkdown(report, baseline)).toContain('```a`b``c```');
  });
});

const finding = (over: Partial<ReportedFinding> = {}): ReportedFinding => ({
  id: 'GO006',
  title: 'Final stage runs as root',
  level: 'warning',
  file: 'app/Dockerfile',
  line: 14,
  message: 'The final stage has no USER: add USER 65534:65534.',
  text: 'FROM scratch',
  ...over,
});

describe("a platform whose manifest is the baseline's", () => {
  it('is identical to the baseline, not a zero delta, with no layer or module list', () => {
    const { report, baseline } = sample({ baselineManifest: 'sha256:m1' });
    expect(report.platforms[0]!.identicalToBaseline).toBe(true);
    const md = renderSizeMarkdown(report, baseline);
    expect(md).toContain('| identical to the baseline |');
    expect(md).toContain('Identical to the baseline: the same manifest (`sha256:m1`), so no layer and no byte changed.');
    expect(md).not.toContain('| Layer | Before | After | Δ |');
    expect(md).not.toContain('- changed: ');
  });

  it('another manifest is compared as before', () => {
    const { report, baseline } = sample({ baselineManifest: 'sha256:other' });
    expect(report.platforms[0]!.identicalToBaseline).toBe(false);
    const md = renderSizeMarkdown(report, baseline);
    expect(md).not.toContain('identical to the baseline');
    expect(md).toContain('| Layer | Before | After | Δ |');
  });
});

describe('the headline shows the worst outcome of the run, and why', () => {
  type Case = [string, 'pass' | 'warn' | 'fail', Omit<ReportExtras, 'version'>, string, string | undefined];
  it.each<Case>([
    [
      'everything passed',
      'pass',
      { smoke: { status: 'passed' }, platformCheck: { status: 'passed', problems: [] }, findings: [finding({ level: 'notice' })] },
      '✅',
      undefined,
    ],
    [
      'the smoke test failed, the size passed',
      'pass',
      { smoke: { status: 'failed', detail: 'app: exited 3' } },
      '❌',
      '**Why:** ❌ smoke test failed',
    ],
    [
      'the platform check failed',
      'pass',
      { platformCheck: { status: 'failed', problems: ['linux/arm64: the binary is for amd64'] } },
      '❌',
      '**Why:** ❌ platform check failed',
    ],
    ['over the budget', 'fail', {}, '❌', '**Why:** ❌ over the size budget'],
    ['over the budget, warning only', 'warn', {}, '⚠️', '**Why:** ⚠️ over the size budget (warning only)'],
    [
      'a finding at level error',
      'pass',
      { findings: [finding({ level: 'error' }), finding({ level: 'error', id: 'GO002' })] },
      '❌',
      '**Why:** ❌ 2 Dockerfile check errors (GO006, GO002)',
    ],
    [
      'warning findings',
      'pass',
      { findings: [finding(), finding(), finding({ level: 'notice', id: 'GO009' })] },
      '⚠️',
      '**Why:** ⚠️ 2 Dockerfile warnings (GO006)',
    ],
    [
      'a warning and a failed smoke test: the failure first',
      'warn',
      { smoke: { status: 'failed' }, findings: [finding()] },
      '❌',
      '**Why:** ❌ smoke test failed · ⚠️ over the size budget (warning only) · ⚠️ 1 Dockerfile warning (GO006)',
    ],
    [
      'a skipped smoke test changes nothing',
      'pass',
      { smoke: { status: 'skipped', detail: "not the runner's platform" } },
      '✅',
      undefined,
    ],
  ])('%s', (_name, budget, extras, icon, why) => {
    const { report, baseline } = sample();
    report.status = budget;
    const md = renderSizeMarkdown(report, baseline, extras);
    expect(md.startsWith(`### ${icon} Image size: \`ghcr.io/org/app:pr-7\`\n\n`)).toBe(true);
    if (why) expect(md.split('\n')[2]).toBe(why);
    else expect(md).not.toContain('**Why:**');
    expect(runOutcome(report, extras).status).toBe({ '✅': 'pass', '⚠️': 'warn', '❌': 'fail' }[icon]);
  });
});

describe('the Dockerfile findings and the platform check reach the reviewer', () => {
  it('collapses the findings under a line that counts them, each with file:line, id, title and message', () => {
    const { report, baseline } = sample();
    const md = renderSizeMarkdown(report, baseline, {
      findings: [
        finding({ level: 'notice', id: 'GO009', title: '-ldflags without -s -w', line: 9, text: undefined, message: 'Add -s -w.' }),
        finding(),
      ],
    });
    expect(md).toContain(
      [
        '<details><summary>🧭 Dockerfile checks: 1 warning, 1 notice</summary>',
        '',
        '| | Check | Where | Finding |',
        '|---|---|---|---|',
        '| ⚠️ | **GO006** Final stage runs as root | `app/Dockerfile:14`<br>`FROM scratch` | The final stage has no USER: add USER 65534:65534. |',
        '| ℹ️ | **GO009** -ldflags without -s -w | `app/Dockerfile:9` | Add -s -w. |',
        '',
        '</details>',
      ].join('\n'),
    );
  });

  it('keeps the findings when the comment drops the layer details to fit', () => {
    const { report, baseline } = sample({ layers: 900, modules: 900 });
    const body = renderComment('img', report, baseline, { findings: [finding()] });
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body).toContain('`app/Dockerfile:14`');
  });

  it.each([
    [[], ''],
    [[finding({ level: 'notice' })], '1 notice'],
    [[finding({ level: 'notice' }), finding(), finding({ level: 'error' }), finding()], '1 error, 2 warnings, 1 notice'],
  ])('counts findings by level, worst first: %#', (findings, text) => expect(findingCounts(findings)).toBe(text));

  it('shows no findings section without findings', () => {
    const { report, baseline } = sample();
    expect(renderSizeMarkdown(report, baseline, { findings: [] })).not.toContain('Dockerfile checks');
  });

  it.each([
    [{ status: 'passed', problems: [] }, 'platform check ✅ passed', false],
    [
      { status: 'failed', problems: ['linux/arm64: /app is an amd64 binary', 'linux/arm64: /app needs libc'] },
      '**❌ Platform check failed:**\n\n- linux/arm64: /app is an amd64 binary\n- linux/arm64: /app needs libc\n',
      true,
    ],
    [{ status: 'skipped', problems: [] }, undefined, false],
  ] as const)('shows the platform check %j', (check, text, failed) => {
    const { report, baseline } = sample();
    const md = renderSizeMarkdown(report, baseline, { platformCheck: { status: check.status, problems: [...check.problems] } });
    if (text) expect(md).toContain(text);
    else expect(md).not.toContain('latform check');
    expect(md.includes('platform check failed')).toBe(failed);
  });
});

describe('clean numbers', () => {
  it.each([
    [-2, '| -2 B |'],
    [0, '| ±0 B |'],
    [1, '| +1 B |'],
    [260, '| +260 B (+0.01%) |'],
    [2_600, '| +2.60 KB (+0.1%) |'],
  ])('a change of %i B of 2.60 MB reads %s, never with a percentage of zero', (delta, cell) => {
    const { report, baseline } = sample();
    const p = report.platforms[0]!;
    p.compressedBytes = p.baselineCompressedBytes! + delta;
    p.deltaBytes = delta;
    const md = renderSizeMarkdown(report, baseline);
    expect(md).toContain(cell);
    expect(md).not.toMatch(/[-+±]0\.00%|±0%/);
  });

  it.each([
    [1, 'The 1 layer of linux/amd64'],
    [2, 'All 2 layers of linux/amd64'],
  ])('%i layer(s) in the details', (count, text) => {
    const { report, baseline } = sample();
    report.platforms[0]!.layers = report.platforms[0]!.layers.slice(0, count);
    expect(renderSizeMarkdown(report, baseline)).toContain(`<details><summary>${text} (`);
  });

  it.each([
    [[], '0 modules'],
    [[{ path: 'a.example/x', version: 'v1.0.0' }], '1 module\n'],
  ])('counts the Go modules: %j', (modules, text) => {
    const { report } = sample();
    report.platforms[0]!.go!.modules = modules;
    expect(renderSizeMarkdown(report, null)).toContain(text);
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

type Row = PlatformReport['layers'][number];
const row = (
  digest: string,
  compressedBytes: number,
  instruction: string | null,
  uncompressedBytes: number | null = 4096,
  diffId?: string,
): Row => ({
  digest,
  compressedBytes,
  uncompressedBytes,
  instruction,
  ...(diffId ? { diffId } : {}),
});
const ID_A = `sha256:${'a'.repeat(64)}`;
const ID_B = `sha256:${'b'.repeat(64)}`;
const T = REBUILT_TOLERANCE_BYTES;

describe('changedLayers: a rebuilt layer of the same size is counted, not listed', () => {
  it.each<
    [string, Row[], Row[], { changed: { instruction: string | null; before: number | null; after: number | null }[]; rebuilt: number }]
  >([
    ['identical digests', [row('a', 1, 'X')], [row('a', 1, 'X')], { changed: [], rebuilt: 0 }],
    [
      'a real change of the same instruction',
      [row('a', 1000, 'X', 2048)],
      [row('b', 3000, 'X', 6144)],
      { changed: [{ instruction: 'X', before: 1000, after: 3000 }], rebuilt: 0 },
    ],
    ['new timestamps: +1 B, the same unpacked size', [row('a', 1000, 'X')], [row('b', 1001, 'X')], { changed: [], rebuilt: 1 }],
    ['new timestamps: ±0 B', [row('a', 1000, 'X')], [row('b', 1000, 'X')], { changed: [], rebuilt: 1 }],
    ['at the tolerance', [row('a', 1000, 'X')], [row('b', 1000 - T, 'X')], { changed: [], rebuilt: 1 }],
    [
      'one byte over the tolerance',
      [row('a', 1000, 'X')],
      [row('b', 1001 + T, 'X')],
      { changed: [{ instruction: 'X', before: 1000, after: 1001 + T }], rebuilt: 0 },
    ],
    [
      '+1 B but 512 B more unpacked: a real change',
      [row('a', 1000, 'X', 4096)],
      [row('b', 1001, 'X', 4608)],
      { changed: [{ instruction: 'X', before: 1000, after: 1001 }], rebuilt: 0 },
    ],
    [
      'unpacked size unknown (zstd): the download decides',
      [row('a', 1000, 'X', null)],
      [row('b', 1003, 'X', null)],
      { changed: [], rebuilt: 1 },
    ],
    ['same diff ID, compressed again', [row('a', 1000, 'X', 4096, ID_A)], [row('b', 990, 'X', 4096, ID_A)], { changed: [], rebuilt: 1 }],
    [
      'other diff ID, same sizes (timestamps)',
      [row('a', 1000, 'X', 4096, ID_A)],
      [row('b', 1000, 'X', 4096, ID_B)],
      { changed: [], rebuilt: 1 },
    ],
    [
      'same diff ID but the download grew past the tolerance',
      [row('a', 1000, 'X', 4096, ID_A)],
      [row('b', 2000, 'X', 4096, ID_A)],
      { changed: [{ instruction: 'X', before: 1000, after: 2000 }], rebuilt: 0 },
    ],
    [
      'a new layer of 1 B is listed',
      [row('a', 1, 'X')],
      [row('a', 1, 'X'), row('c', 1, 'Y')],
      { changed: [{ instruction: 'Y', before: null, after: 1 }], rebuilt: 0 },
    ],
    [
      'a removed layer is listed',
      [row('a', 1, 'X'), row('c', 5, 'Y')],
      [row('a', 1, 'X')],
      { changed: [{ instruction: 'Y', before: 5, after: null }], rebuilt: 0 },
    ],
    [
      'layers without an instruction are not paired',
      [row('a', 7, null)],
      [row('b', 7, null)],
      {
        changed: [
          { instruction: null, before: null, after: 7 },
          { instruction: null, before: 7, after: null },
        ],
        rebuilt: 0,
      },
    ],
    [
      'four rebuilt layers and one real change',
      [
        row('a1', 100, 'FROM x'),
        row('a2', 200, 'COPY go.mod .'),
        row('a3', 300, 'RUN go mod download'),
        row('a4', 400, 'COPY . .', 8192),
        row('a5', 500, 'USER 1'),
      ],
      [
        row('b1', 101, 'FROM x'),
        row('b2', 200, 'COPY go.mod .'),
        row('b3', 301, 'RUN go mod download'),
        row('b4', 90_000, 'COPY . .', 200_000),
        row('b5', 500, 'USER 1'),
      ],
      { changed: [{ instruction: 'COPY . .', before: 400, after: 90_000 }], rebuilt: 4 },
    ],
  ])('%s', (_name, before, after, expected) => {
    const result = changedLayers(before, after);
    expect(result.changed).toEqual(expected.changed);
    expect(result.rebuilt).toHaveLength(expected.rebuilt);
  });

  it.each([
    [[{ instruction: 'X', before: 5, after: 5 }], '1 layer rebuilt with the same size, not listed.'],
    [
      [
        { instruction: 'X', before: 5, after: 6 },
        { instruction: 'Y', before: 9, after: 9 },
        { instruction: 'Z', before: 9, after: 7 },
      ],
      '3 layers rebuilt with the same size (within ±2 B), not listed.',
    ],
  ])('counts them in one line: %j', (rebuilt, text) => expect(rebuiltLine(rebuilt)).toBe(text));

  it('renders a PR where four layers were only rebuilt as one line, not a table of +1 B / ±0 B rows', () => {
    const { report, baseline } = sample();
    const base = baseline.platforms[0]!;
    base.layers = [
      row('a1', 100, 'FROM x'),
      row('a2', 200, 'COPY go.mod .'),
      row('a3', 300, 'RUN go mod download'),
      row('a4', 400, 'COPY . .'),
    ];
    const now = report.platforms[0]!;
    now.layers = [
      row('b1', 101, 'FROM x'),
      row('b2', 200, 'COPY go.mod .'),
      row('b3', 301, 'RUN go mod download'),
      row('b4', 400, 'COPY . .'),
    ];
    const md = renderSizeMarkdown(report, baseline);
    expect(md).toContain('No layer changed in size.\n4 layers rebuilt with the same size (within ±1 B), not listed.');
    expect(md).not.toContain('| Layer | Before | After | Δ |');
    expect(md).not.toMatch(/\+1 B|±0 B/);
  });
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
      const extras: ReportExtras = {
        version: hostile,
        smoke: { status: 'failed', detail: hostile },
        findings: [finding({ message: hostile, file: hostile, text: hostile })],
        platformCheck: { status: 'failed', problems: [hostile] },
      };
      const body = renderComment('ghcr.io/org/app', report, withBaseline, extras);
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
