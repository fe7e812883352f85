// npm run bench [-- <name>…]: runs the benchmarks one after the other (default: all), each a
// script of its own in bench/ that prints its table and writes its JSON.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const ALL = ['go-cache', 'size', 'smoke', 'tagging', 'handoff', 'vuln'];
const names = process.argv.slice(2).length ? process.argv.slice(2) : ALL;
let failed = false;
for (const name of names) {
  const script = new URL(`./${name}.mjs`, import.meta.url).pathname;
  if (!existsSync(script)) {
    console.error(`no benchmark ${name} (known: ${ALL.join(', ')})`);
    failed = true;
    continue;
  }
  console.log(`\n== bench: ${name} ==`);
  const result = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (result.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
