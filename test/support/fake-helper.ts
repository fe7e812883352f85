/**
 * Plays the Go cache's helper build for a FakeDocker: reads the script the action wrote into the
 * helper's context, fetches what it streams from the runner's loopback servers, and (a held
 * helper) reports ready and waits for its answer, as the real script does in BuildKit.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildOutput, RunningCommand } from '../../src/docker/client.ts';
import { failed, ok } from './fake-docker.ts';

export interface HelperRun {
  argv: readonly string[];
  /** The script the helper ran (inject.sh or held.sh), read when it started. */
  script: string;
  kind: 'inject' | 'held' | 'extract';
  /** Bodies of the archive URLs it fetched, by URL. */
  fetched: Map<string, Buffer>;
  /** The held helper's answer (extract or stop). */
  answer?: string;
}

const quotedUrls = (script: string): string[] => [...script.matchAll(/'(http:\/\/[^']+)'/g)].map((m) => m[1]!);

async function fetchArchives(run: HelperRun): Promise<boolean> {
  for (const url of quotedUrls(run.script).filter((u) => /\/[12]$/.test(u))) {
    const r = await fetch(url);
    if (r.status !== 200) return false;
    run.fetched.set(url, Buffer.from(await r.arrayBuffer()));
  }
  return true;
}

/** The held helper's conversation: ready, then wait until the answer is not `wait`. */
async function hold(run: HelperRun): Promise<void> {
  const urls = quotedUrls(run.script);
  const ready = urls.find((u) => u.endsWith('/ready'))!;
  const wait = urls.find((u) => u.endsWith('/wait'))!;
  await fetch(ready);
  let answer = 'wait';
  while (answer === 'wait') answer = await (await fetch(wait)).text();
  run.answer = answer;
}

/**
 * A helperBuild answer: `fail` makes a run fail (after reading its script). Each run is pushed
 * to `runs` when it starts.
 */
export function fakeHelper(
  runs: HelperRun[],
  fail: (run: HelperRun) => boolean = () => false,
): (argv: readonly string[]) => RunningCommand {
  return (argv) => {
    const context = argv.at(-1)!;
    const kind = existsSync(join(context, 'held.sh')) ? 'held' : existsSync(join(context, 'extract.sh')) ? 'extract' : 'inject';
    const script = readFileSync(join(context, `${kind}.sh`), 'utf8');
    const run: HelperRun = { argv, script, kind, fetched: new Map() };
    runs.push(run);
    const done = (async (): Promise<BuildOutput> => {
      if (fail(run)) return failed('ERROR: process "/bin/sh /gca-in/inject.sh" did not complete successfully: exit code: 4', 1);
      if (!(await fetchArchives(run))) return failed('ERROR: go-container-action: could not stream the cache into s0', 1);
      if (kind === 'held') await hold(run);
      return ok();
    })();
    return { spawned: Promise.resolve(), done };
  };
}
