import { describe, expect, it } from 'vitest';
import { renderBuildSummary } from '../../src/buildx/summary.js';
import type { Finding } from '../../src/checks/catalog.js';
import { renderChecksSummary } from '../../src/checks/summary.js';
import { renderComment, renderSizeMarkdown } from '../../src/report/render.js';
import { renderSmokeSummary } from '../../src/smoke/report.js';
import type { WaitOutcome } from '../../src/smoke/wait.js';
import { colorEnabled } from '../../src/terminal/color.js';
import { ANSI_STYLES, PLAIN_STYLES, decodeReferences, renderInline } from '../../src/terminal/inline.js';
import { renderForTerminal, tableCells } from '../../src/terminal/render.js';
import { displayWidth, wrapWords } from '../../src/terminal/width.js';
import { stripAnsi } from '../../src/util/text.js';
import { escapeMarkdown, inlineCode } from '../../src/util/markdown.js';
import { containerSample, testPlan } from '../support/samples.js';
import { sample } from '../support/size-samples.js';

const plain = (md: string, width?: number): string => renderForTerminal(md, { color: false, width });

/** What a terminal must never show: the markup GitHub would have rendered. */
const MARKUP = /<\/?(details|summary|sub|br)\b|\|-{2,}|-{3}\||&#\d+;|`/;

/** The start column of each cell of a rendered table row, found by the gaps of two or more spaces. */
const starts = (line: string): number[] => [...line.matchAll(/(?:^|(?<= {2}))\S/g)].map((m) => m.index);

describe('renderInline', () => {
  it.each([
    ['`code`', 'code'],
    ['`` a`b ``', 'a`b'],
    ['```a`b``c```', 'a`b``c'],
    ['**GO006** Final stage', 'GO006 Final stage'],
    ['_none_ and snake_case_name', 'none and snake_case_name'],
    ['a &#124; b &#60;img&#62; &#64;team &amp; &#x2a;', 'a | b <img> @team & *'],
    ['&#42;&#42;not bold&#42;&#42;', '**not bold**'],
    ['\\*not emphasis\\*', '*not emphasis*'],
    ['`&#124; stays`', '&#124; stays'],
    ['x<br>y', 'x\ny'],
    ['<sub>small print `code`</sub>', 'small print code'],
    ['an unclosed ` backtick', 'an unclosed ` backtick'],
    ['`<\u200b!-- marker -\u200b->`', '<!-- marker -->'],
  ])('%j reads %j', (md, text) => expect(renderInline(md, PLAIN_STYLES)).toBe(text));

  it.each([
    ['`a\\|b`', 'a|b'],
    ['`a`<br>`b`<br>_note_', 'a, b, note'],
  ])('in a table cell, %j reads %j', (md, text) => expect(renderInline(md, PLAIN_STYLES, true)).toBe(text));

  it('styles with ANSI only when asked', () => {
    expect(renderInline('**b** `c` _i_ <sub>s</sub>', ANSI_STYLES)).toBe(
      '\x1b[1mb\x1b[22m \x1b[36mc\x1b[39m \x1b[3mi\x1b[23m \x1b[2ms\x1b[22m',
    );
  });

  it('decodes character references, leaving unknown ones', () => {
    expect(decodeReferences('&#96;&#x7C;&lt;&bogus;&#0;')).toBe('`|<&bogus;&#0;');
  });
});

describe('widths in a terminal', () => {
  it.each([
    ['abc', 3],
    ['✅', 2],
    ['❌', 2],
    ['⚠️', 2],
    ['ℹ️', 2],
    ['⚠', 1],
    ['—±→Δ•', 5],
    ['\u200bz', 1],
    ['\x1b[1mbold\x1b[22m', 4],
    ['日本', 4],
    ['🧭 x', 4],
  ])('displayWidth(%j) = %i', (text, width) => expect(displayWidth(text)).toBe(width));

  it.each([
    ['a bb ccc dddd', 6, ['a bb', 'ccc', 'dddd']],
    ['averyveryverylongword x', 5, ['averyveryverylongword', 'x']],
    ['', 5, ['']],
  ])('wrapWords(%j, %i)', (text, width, lines) => expect(wrapWords(text, width)).toEqual(lines));

  it.each([
    ['| a | `b\\|c` | d |', ['a', '`b\\|c`', 'd']],
    ['| | x |', ['', 'x']],
    ['a | b', ['a', 'b']],
  ])('tableCells(%j)', (row, cells) => expect(tableCells(row)).toEqual(cells));
});

describe('colorEnabled', () => {
  it.each([
    [{}, true, true],
    [{}, false, false],
    [{ NO_COLOR: '1' }, true, false],
    [{ NO_COLOR: '' }, true, true],
    [{ FORCE_COLOR: '1' }, false, true],
    [{ FORCE_COLOR: '' }, false, true],
    [{ FORCE_COLOR: '0' }, true, false],
    [{ FORCE_COLOR: 'false' }, true, false],
    [{ FORCE_COLOR: '1', NO_COLOR: '1' }, true, false],
    [{ TERM: 'dumb' }, true, false],
  ])('%j on a tty=%s: %s', (env, tty, color) => expect(colorEnabled(env, tty)).toBe(color));
});

describe('renderForTerminal on what our renderers write', () => {
  it('the size report: aligned columns, details as labels, the footnote plain, no markup', () => {
    const { report, baseline } = sample();
    const md = renderSizeMarkdown(report, baseline, { version: '1.2.3', smoke: { status: 'passed', detail: '2 services ready' } });
    const text = plain(md);
    expect(text).not.toMatch(MARKUP);
    const lines = text.split('\n');
    const table = lines.findIndex((l) => l.startsWith('Platform'));
    expect(lines.slice(table, table + 3)).toEqual([
      'Platform      Before    After                  Δ  Budget  Status',
      '───────────  ───────  ───────  ─────────────────  ──────  ──────',
      'linux/amd64  2.60 MB  5.10 MB  +2.50 MB (+96.2%)  +1MB      ❌',
    ]);
    expect(text).toContain('❌ Image size: ghcr.io/org/app:pr-7\n\nWhy: ❌ over the size budget\n');
    expect(text).toContain('\n  • linux/amd64: grew by +2.50 MB, 1.50 MB over the allowed increase of 1MB\n');
    expect(text).toContain('\n▸ All 2 layers of linux/amd64 (12.00 MB unpacked)\n');
    expect(text).toMatch(/\nCompressed sizes: what a pull downloads .* 1 MB = 1,000,000 bytes\.\n$/);
    // Right-aligned numbers end in the same column on every row of the layer table.
    const layerRows = lines.slice(lines.findIndex((l) => /^Layer +Compressed +Unpacked$/.test(l)) + 2).slice(0, 2);
    expect(new Set(layerRows.map((l) => displayWidth(l)))).toHaveProperty('size', 1);
  });

  it('the PR comment: the marker is not shown, the findings table keeps its columns and wraps to the width', () => {
    const { report, baseline } = sample();
    const finding = {
      id: 'GO006',
      title: 'Final stage runs as root',
      level: 'warning',
      file: 'Dockerfile',
      line: 14,
      text: 'FROM scratch',
      message: 'The final stage has no USER, so the program runs as root: add USER 65534:65534 after the last FROM.',
    } as const;
    const text = plain(
      renderComment('ghcr.io/org/app', report, baseline, {
        findings: [finding, { ...finding, id: 'GO009', level: 'notice', line: 9, text: undefined, message: 'add -s -w' }],
      }),
      90,
    );
    expect(text).not.toMatch(MARKUP);
    expect(text).not.toContain('go-container-action:size');
    // The sample grows by more than its 1MB increase budget (mode fail): the worst outcome heads it.
    expect(text.split('\n')[0]).toBe('❌ Image size: ghcr.io/org/app:pr-7');
    const lines = text.split('\n');
    const head = lines.findIndex((l) => /^ +Check +Where +Finding$/.test(l));
    expect(lines[head - 2]).toBe('▸ 🧭 Dockerfile checks: 1 warning, 1 notice');
    const rows = lines.slice(head + 2, lines.indexOf('', head));
    expect(rows[0]).toMatch(/^⚠️ {2}GO006 Final stage runs as root {2}Dockerfile:14, FROM scratch {2}The final stage/);
    expect(rows.every((l) => displayWidth(l) <= 90)).toBe(true);
    // The message wraps under its own column.
    const column = starts(rows[0]!).at(-1)!;
    expect(rows[1]!.slice(0, column).trim()).toBe('');
    expect(rows.at(-1)).toMatch(/^ℹ️ {2}GO009 .* {2}Dockerfile:9 +add -s -w$/);
    expect(rows.length).toBeGreaterThan(2);
  });

  it('the Dockerfile checks summary: escaped Dockerfile text reads as written', () => {
    const findings: Finding[] = [
      {
        id: 'GO007',
        level: 'warning',
        file: 'dockerfile',
        line: 4,
        message: `CMD in shell form: ${'a|b <b>@team</b>'}`,
        text: 'CMD /app --greeting "a|b <b>@team</b>"',
      },
    ];
    const text = plain(renderChecksSummary(findings, { dockerfile: 'app/Dockerfile', dockerignore: 'app/.dockerignore' }, 'warn'));
    expect(text).not.toMatch(MARKUP);
    expect(text).toContain('🧭 Dockerfile checks\n\n1 warning in app/Dockerfile.');
    expect(text).toMatch(
      /⚠️ {2}GO007 Shell-form CMD\/ENTRYPOINT {2}app\/Dockerfile:4, CMD \/app --greeting "a\|b <b>@team<\/b>" {2}CMD in shell form: a\|b <b>@team<\/b>/,
    );
  });

  it('the smoke test summary: logs in fenced blocks stay verbatim, markup and all', () => {
    const outcome: WaitOutcome = {
      ok: false,
      timedOut: false,
      elapsedMs: 3100,
      probes: [],
      services: [
        {
          service: 'app',
          readiness: 'failed',
          state: 'exited 3',
          reason: 'exited with code 3',
          containers: [containerSample('app', { status: 'exited', exitCode: 3 })],
        },
        {
          service: 'cache',
          readiness: 'ready',
          state: 'running',
          reason: 'running',
          readyAfterMs: 800,
          containers: [containerSample('cache')],
        },
      ],
    };
    const logs = 'fatal: **DATABASE_URL** is not set <br> `x` | y\n```\nafter a fence';
    const md = renderSmokeSummary({
      outcome,
      project: 'gca-smoke-1',
      image: 'go-container-action-smoke:gca-smoke-1',
      platform: 'linux/amd64',
      underTest: ['app'],
      logs: new Map([['app', logs]]),
    });
    const text = plain(md);
    expect(text).toContain('🧪 Compose smoke test: ❌ failed after 3.1 s');
    const lines = text.split('\n');
    const head = lines.findIndex((l) => l.startsWith('Service'));
    expect(lines.slice(head, head + 4)).toEqual([
      'Service  State        Ready after  Note',
      '───────  ───────────  ───────────  ──────────────────',
      'app      ❌ exited 3  —            exited with code 3',
      'cache    ✅ running   0.8 s',
    ]);
    expect(text).toContain(
      '▸ app: last 100 log lines\n\n    fatal: **DATABASE_URL** is not set <br> `x` | y\n    ```\n    after a fence\n',
    );
  });

  it('the build summary: a key-value table, tags joined with commas', () => {
    const plan = testPlan({ platforms: ['linux/amd64', 'linux/arm64'], tags: ['ghcr.io/o/a:1.2.3', 'ghcr.io/o/a:latest'], push: true });
    const md = renderBuildSummary({
      plan,
      version: '1.2.3',
      build: { ok: true, metadata: { digest: 'sha256:abc', raw: {} }, log: '' },
      seconds: 12.34,
      tagsNote: 'from the tag v1.2.3',
    });
    const text = plain(md);
    expect(text).not.toMatch(MARKUP);
    expect(text).toContain('\nTags       ghcr.io/o/a:1.2.3, ghcr.io/o/a:latest, from the tag v1.2.3\n');
    expect(text).toContain('\nPlatforms  linux/amd64, linux/arm64\n');
  });

  it('in colour, the same text with ANSI styles', () => {
    const { report, baseline } = sample();
    const md = renderComment('img', report, baseline, { smoke: { status: 'failed', detail: 'app: exited 3' } });
    const colored = renderForTerminal(md, { color: true });
    expect(colored).toContain('\x1b[1m');
    expect(stripAnsi(colored)).toBe(plain(md));
    expect(plain(md)).not.toContain('\x1b');
  });

  it('outside text escaped for markdown reads as written', () => {
    const hostile = 'x | y <b> @team **z** _w_ `q`';
    const md = `| A | B |\n|---|---|\n| ${escapeMarkdown(hostile)} | ${inlineCode(hostile)} |\n\n${escapeMarkdown(hostile)}`;
    expect(plain(md)).toBe(`A${' '.repeat(28)}  B\n${'─'.repeat(29)}  ${'─'.repeat(29)}\n${hostile}  ${hostile}\n\n${hostile}\n`);
  });
});
