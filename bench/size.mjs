// Size measuring cost: it must grow with the number of layers, not their bytes. Measures, side
// by side in one run, measureImage + findGoBinary on generated OCI layouts (a small image, the
// same with a 100 MB data layer on top, and one with 40 layers), and against reading and
// unpacking every layer (what pulling or `docker save` + unpacking would cost).
// Run: node bench/size.mjs   (prints times and ratios; no assertion on absolute seconds)
import { register } from 'node:module';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, createGunzip } from 'node:zlib';

register('./ts-hooks.mjs', import.meta.url);
const { measureImage } = await import('../src/size/measure.js');
const { findGoBinary } = await import('../src/size/goinfo.js');
const { OciLayoutSource } = await import('../src/size/source.js');
const { buildInfoBlob, MODINFO, tar, tarEntry } = await import('../test/support/size-fixtures.js');

function layout(layers) {
  const dir = mkdtempSync(join(tmpdir(), 'gca-size-bench-'));
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (buf) => {
    const hex = createHash('sha256').update(buf).digest('hex');
    writeFileSync(join(dir, 'blobs', 'sha256', hex), buf);
    return { digest: `sha256:${hex}`, size: buf.length };
  };
  const descs = layers.map((l) => ({
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    ...put(gzipSync(tar(tarEntry(l.name, l.content)), { level: 1 })),
  }));
  const config = put(
    Buffer.from(
      JSON.stringify({
        os: 'linux',
        architecture: 'amd64',
        config: { Entrypoint: ['/hello'] },
        history: layers.map((l) => ({ created_by: `COPY ${l.name} /${l.name}` })),
      }),
    ),
  );
  const manifest = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: descs,
      }),
    ),
  );
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }] }),
  );
  return { dir, bytes: descs.reduce((s, d) => s + d.size, 0), layers: descs };
}

/** A source that counts the bytes it hands out. */
function counting(source) {
  const c = { bytes: 0 };
  return {
    c,
    source: {
      name: source.name,
      root: () => source.root(),
      json: (d) => source.json(d),
      tail: async (digest, size, n) => {
        const b = await source.tail(digest, size, n);
        c.bytes += b.length;
        return b;
      },
      stream: async (digest) => {
        const s = await source.stream(digest);
        s.on('data', (chunk) => (c.bytes += chunk.length));
        return s;
      },
    },
  };
}

async function median(fn, runs = 5) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

async function measureAndFind(dir) {
  const { source, c } = counting(new OciLayoutSource(dir));
  const m = await measureImage(source);
  const p = m.platforms[0];
  const go = await findGoBinary(source, p.layers, p.entrypoint, p.workingDir);
  if (!go) throw new Error('no Go binary found');
  return c.bytes;
}

async function unpackAll(dir, layers) {
  const { createReadStream } = await import('node:fs');
  let n = 0;
  for (const l of layers) {
    for await (const chunk of createReadStream(join(dir, 'blobs', 'sha256', l.digest.slice(7))).pipe(createGunzip())) n += chunk.length;
  }
  return n;
}

// A 6 MB program that does not compress much, with its build info 40% in, as in a real one.
const binary = {
  name: 'hello',
  content: Buffer.concat([
    Buffer.from('\x7fELF', 'latin1'),
    randomBytes(2_400_000),
    buildInfoBlob('go1.24.4', MODINFO),
    randomBytes(3_600_000),
  ]),
};
const images = {
  small: layout([binary]),
  'small + 100 MB data layer': layout([binary, { name: 'data.bin', content: randomBytes(100_000_000) }]),
  '40 layers': layout([binary, ...Array.from({ length: 39 }, (_, i) => ({ name: `f${i}`, content: randomBytes(50_000) }))]),
};

const rows = [];
for (const [name, img] of Object.entries(images)) {
  const bytesRead = await measureAndFind(img.dir);
  const ms = await median(() => measureAndFind(img.dir));
  const unpackMs = await median(() => unpackAll(img.dir, img.layers), 3);
  rows.push({ name, layers: img.layers.length, compressedMB: img.bytes / 1e6, bytesRead, ms, unpackMs });
}
console.log('image                       layers  compressed   read by measure+Go   measure+Go    unpack all   unpack/measure');
for (const r of rows) {
  console.log(
    `${r.name.padEnd(28)}${String(r.layers).padStart(6)}  ${r.compressedMB.toFixed(1).padStart(7)} MB  ${(r.bytesRead / 1e6).toFixed(2).padStart(12)} MB  ${r.ms.toFixed(1).padStart(9)} ms  ${r.unpackMs.toFixed(1).padStart(9)} ms  ${(r.unpackMs / r.ms).toFixed(1).padStart(8)}x`,
  );
}
const [small, big, many] = rows;
console.log(
  `\nratio measure+Go time, +100 MB data layer vs small: ${(big.ms / small.ms).toFixed(2)} (bytes grew ${(big.compressedMB / small.compressedMB).toFixed(0)}x)`,
);
console.log(`ratio measure+Go time, 40 layers vs 1: ${(many.ms / small.ms).toFixed(2)}`);
for (const img of Object.values(images)) rmSync(img.dir, { recursive: true, force: true });
