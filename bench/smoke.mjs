// Cost of putting the image under test into the image store for the compose smoke test: the
// second, fully cached `buildx build --load` for the runner's platform only, against the
// 2-platform build it follows (a warm rebuild with a new VERSION, as in CI), side by side in
// one run on the smoke-test fixture; plus the time `docker image rm` of the tag takes.
// Run: node bench/smoke.mjs   (prints times and ratios; no assertion on absolute seconds)
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

register('./ts-hooks.mjs', import.meta.url);
const { stack } = await import('../test/support/stack.ts');

const root = new URL('..', import.meta.url).pathname;
const goImage = stack.goImage;
const host = `linux/${execFileSync('docker', ['version', '--format', '{{.Server.Arch}}'], { encoding: 'utf8' }).trim()}`;
const app = mkdtempSync(join(tmpdir(), 'gca-smoke-bench-'));
cpSync(join(root, 'test/fixtures/smoke'), app, { recursive: true });

const seconds = (fn) => {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
};
const build = (args) =>
  execFileSync('docker', ['buildx', 'build', '--build-arg', `GO_IMAGE=${goImage}`, ...args, app], { stdio: ['ignore', 'ignore', 'pipe'] });

const rows = [];
try {
  for (let i = 0; i < 3; i++) {
    const version = `bench-${Date.now().toString(36)}-${i}`;
    const common = ['--build-arg', `VERSION=${version}`, '--label', `org.opencontainers.image.version=${version}`];
    const layout = join(app, `oci-${i}`);
    const tag = `go-container-action-smoke:bench-${version}`;
    const first = seconds(() =>
      build([...common, '--platform', 'linux/amd64,linux/arm64', '--output', `type=oci,dest=${layout},tar=false`]),
    );
    const second = seconds(() => build([...common, '--platform', host, '--tag', tag, '--load']));
    const untag = seconds(() => execFileSync('docker', ['image', 'rm', tag], { stdio: 'ignore' }));
    rows.push({ first, second, untag });
    rmSync(layout, { recursive: true, force: true });
  }
} finally {
  rmSync(app, { recursive: true, force: true });
}

const med = (k) => rows.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
console.log('| run | 2-platform build (OCI layout) | cached --load for ' + host + ' | ratio | image rm |');
console.log('|---|--:|--:|--:|--:|');
rows.forEach((r, i) =>
  console.log(
    `| ${i + 1} | ${r.first.toFixed(2)} s | ${r.second.toFixed(2)} s | ${(r.second / r.first).toFixed(2)} | ${r.untag.toFixed(2)} s |`,
  ),
);
console.log(
  `| median | ${med('first').toFixed(2)} s | ${med('second').toFixed(2)} s | ${(med('second') / med('first')).toFixed(2)} | ${med('untag').toFixed(2)} s |`,
);
