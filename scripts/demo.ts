/**
 * The demo: runs the bundled action on examples/hello exactly as a runner does (INPUT_* with
 * action.yml's defaults, the runner's files, an event payload, then the post step) against the
 * local stack, and prints what it did. Node 24 runs this TypeScript file as it is.
 */
import { execFileSync } from 'node:child_process';
import { runAction } from '../test/support/runner.ts';
import { stack } from '../test/support/stack.ts';
import { removeTempDirs } from '../test/support/temp.ts';
import { copyApp } from '../test/support/workspace.ts';

const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const app = copyApp('examples/hello');
const image = `${stack.registry}/demo/hello`;

try {
  console.log(bold('▶ Running the action on examples/hello: linux/amd64 + linux/arm64, release tags from v1.4.2,'));
  console.log(bold('  pushed to the local registry, a compose smoke test and a 20 MB size budget per platform'));
  const run = await runAction({
    workspace: app.dir,
    ref: 'refs/tags/v1.4.2',
    inputs: {
      platforms: 'linux/amd64,linux/arm64',
      images: image,
      push: 'true',
      'build-args': `GO_IMAGE=${stack.goImage}`,
      'compose-file': 'compose.yaml',
      'size-budget': '20MB',
    },
  });
  console.log(`main step: exit ${run.main.exitCode} in ${(run.main.durationMs / 1000).toFixed(1)} s`);
  console.log(`post step: exit ${run.post?.exitCode} in ${((run.post?.durationMs ?? 0) / 1000).toFixed(1)} s`);
  const problems = run.main.stdout.split('\n').filter((l) => /^::(error|warning|notice)/.test(l));
  if (problems.length) console.log(bold('\nAnnotations:\n') + problems.join('\n'));
  console.log(bold('\nOutputs:'));
  for (const [name, value] of Object.entries(run.main.outputs)) {
    const shown = value.length > 160 ? `${value.slice(0, 157)}...` : value;
    console.log(`  ${name}: ${shown.replace(/\n/g, ', ')}`);
  }
  console.log(bold('\nJob summary:\n'));
  console.log(run.summary.trim());
  if (run.main.exitCode !== 0) {
    console.log('\nThe main step failed; its log:\n' + run.main.stdout.slice(-4000));
    process.exitCode = 1;
  } else {
    const ref = `${image}@${run.main.outputs.digest}`;
    for (const platform of ['linux/amd64', 'linux/arm64']) {
      const out = execFileSync('docker', ['run', '--rm', '--platform', platform, ref, '-version'], { encoding: 'utf8' }).trim();
      console.log(`\n${bold(`docker run --platform ${platform}`)} ${ref} -version  ->  ${out}`);
    }
    console.log(`\nRUNNER_TEMP after the post step: ${run.leftovers.length ? run.leftovers.join(', ') : 'empty'}`);
  }
} finally {
  // The copied app and the runner's directories (files, RUNNER_TEMP).
  removeTempDirs();
}
