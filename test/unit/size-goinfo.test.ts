import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BuildInfoScanner, parseBuildInfoBlob, parseModInfo, type GoModule } from '../../src/gobinary/buildinfo.js';
import { diffModules, entrypointPath, findGoBinary, imagePath, layerReadOrder, scanLayerTar } from '../../src/size/goinfo.js';
import type { LayerSize } from '../../src/size/measure.js';
import type { BlobSource } from '../../src/size/source.js';
import { buildInfoBlob, fakeGoBinary, MODINFO, paxEntry, tar, tarEntry } from '../support/size-fixtures.js';

/** Feeds a buffer in chunks of the given size, as a stream would. */
async function* chunks(buf: Buffer, size: number): AsyncIterable<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

describe('build info', () => {
  it('parses the module text', () => {
    const info = parseModInfo('go1.24.4', MODINFO);
    expect(info.path).toBe('example.com/hello');
    expect(info.main).toEqual({ path: 'example.com/hello', version: '(devel)' });
    expect(info.deps).toEqual([
      { path: 'example.com/greeting', version: 'v1.1.0' },
      { path: 'golang.org/x/text', version: 'v0.3.0', replacedBy: { path: '../text', version: '(devel)' } },
    ]);
    expect(info.settings).toEqual({ '-compiler': 'gc', GOARCH: 'arm64' });
  });

  it.each([
    ['a complete blob', buildInfoBlob('go1.24.4', MODINFO), 'go1.24.4'],
    ['a blob without modules (GOPATH build)', buildInfoBlob('go1.22.0', ''), 'go1.22.0'],
    ['a devel toolchain', buildInfoBlob('devel go1.25-abc', MODINFO), 'devel go1.25-abc'],
  ])('reads %s', (_n, blob, version) => {
    const info = parseBuildInfoBlob(blob);
    expect(info).not.toBe('more');
    expect(info).not.toBe('invalid');
    expect((info as { goVersion: string }).goVersion).toBe(version);
  });

  it.each([
    ['a header cut short', buildInfoBlob('go1.24.4', MODINFO).subarray(0, 20), 'more'],
    ['module text cut short', buildInfoBlob('go1.24.4', MODINFO).subarray(0, 80), 'more'],
    ['a pre-1.18 pointer header', buildInfoBlob('go1.17', MODINFO, 0x0), 'invalid'],
    ['a string that is no Go version', buildInfoBlob('hello', MODINFO), 'invalid'],
  ])('says %s is %s', (_n, blob, verdict) => {
    expect(parseBuildInfoBlob(blob)).toBe(verdict);
  });

  it.each([1, 7, 13, 64, 4096, 1 << 20])('finds the blob behind a decoy in chunks of %i bytes', (size) => {
    const scanner = new BuildInfoScanner();
    const bin = fakeGoBinary();
    for (let i = 0; i < bin.length; i += size) scanner.push(bin.subarray(i, i + size));
    expect(scanner.sawElf).toBe(true);
    expect(scanner.result?.goVersion).toBe('go1.24.4');
    expect(scanner.result?.deps.map((d) => d.path)).toEqual(['example.com/greeting', 'golang.org/x/text']);
  });

  it('finds nothing in a file without build info, and looks past a false magic string', () => {
    // The magic string in a script, with more than a header's worth of bytes after it.
    const script = Buffer.from('#!/bin/sh\necho "\xff Go buildinf: is only a string in this script, not a header"\n', 'latin1');
    expect(parseBuildInfoBlob(script.subarray(script.indexOf('\xff Go buildinf:', 0, 'latin1')))).toBe('invalid');
    const scanner = new BuildInfoScanner();
    scanner.push(script);
    expect(scanner.result).toBeUndefined();
    const both = new BuildInfoScanner();
    both.push(Buffer.concat([script, buildInfoBlob('go1.24.4', MODINFO)]));
    expect(both.result?.goVersion).toBe('go1.24.4');
  });
});

describe('scanLayerTar', () => {
  const bin = fakeGoBinary();
  it.each([512, 1000, 65536])('finds the entrypoint in chunks of %i, with pax long names and other files first', async (size) => {
    const longDir = `usr/local/${'very-long-directory-name/'.repeat(6)}`;
    const layer = tar(
      tarEntry('etc/passwd', Buffer.from('root:x:0:0\n'), '0', 0o644),
      paxEntry(`${longDir}tool`),
      tarEntry('tool', Buffer.from('\x7fELF not go', 'latin1')),
      tarEntry('./app/server', bin),
    );
    const scan = await scanLayerTar(chunks(layer, size), { path: '/app/server' });
    expect(scan.binary?.path).toBe('/app/server');
    expect(scan.binary?.sizeBytes).toBe(bin.length);
    expect(scan.binary?.buildInfo?.goVersion).toBe('go1.24.4');
  });

  it('without an entrypoint, takes the first executable Go program and skips non-ELF files', async () => {
    const layer = tar(
      tarEntry('bin/script', Buffer.from('#!/bin/sh\n')),
      tarEntry('bin/notgo', Buffer.from('\x7fELF', 'latin1')),
      tarEntry('bin/svc', bin),
    );
    const scan = await scanLayerTar(chunks(layer, 4096), undefined);
    expect(scan.binary?.path).toBe('/bin/svc');
  });

  it('finds an entrypoint given by name (through PATH) among other executables', async () => {
    const layer = tar(tarEntry('usr/bin/helper', fakeGoBinary(100)), tarEntry('usr/local/bin/svc', bin));
    const scan = await scanLayerTar(chunks(layer, 4096), { name: 'svc' });
    expect(scan.binary?.path).toBe('/usr/local/bin/svc');
  });

  it('reports a whiteout of the entrypoint', async () => {
    const scan = await scanLayerTar(chunks(tar(tarEntry('app/.wh.server', Buffer.alloc(0))), 512), { path: '/app/server' });
    expect(scan).toEqual({ deleted: true });
  });

  it('reports an opaque directory above the entrypoint', async () => {
    const scan = await scanLayerTar(chunks(tar(tarEntry('app/.wh..wh..opq', Buffer.alloc(0))), 512), { path: '/app/server' });
    expect(scan).toEqual({ deleted: true });
  });

  it('finds nothing in a layer without it', async () => {
    const scan = await scanLayerTar(chunks(tar(tarEntry('etc/hosts', Buffer.from('127.0.0.1 localhost\n'))), 512), { path: '/app/server' });
    expect(scan).toEqual({ deleted: false });
  });
});

describe('findGoBinary', () => {
  it('reads layers from the top down and stops at the first that has the binary', async () => {
    const blobs: Record<string, Buffer> = {
      'sha256:base': gzipSync(tar(tarEntry('etc/os-release', Buffer.from('ID=test\n'), '0', 0o644))),
      'sha256:app': gzipSync(tar(tarEntry('hello', fakeGoBinary()))),
      'sha256:top': gzipSync(tar(tarEntry('config.yaml', Buffer.from('a: 1\n'), '0', 0o644))),
    };
    const opened: string[] = [];
    const source: BlobSource = {
      name: 'memory',
      root: () => Promise.reject(new Error('unused')),
      json: () => Promise.reject(new Error('unused')),
      tail: () => Promise.reject(new Error('unused')),
      stream: async (digest) => {
        opened.push(digest);
        return Readable.from([blobs[digest]!]);
      },
    };
    const layer = (digest: string): LayerSize => ({
      digest,
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      compressedBytes: blobs[digest]!.length,
      uncompressedBytes: null,
      instruction: null,
    });
    const found = await findGoBinary(source, [layer('sha256:base'), layer('sha256:app'), layer('sha256:top')], ['/hello'], '/');
    expect(found?.path).toBe('/hello');
    expect(found?.layerDigest).toBe('sha256:app');
    expect(found?.buildInfo.main?.path).toBe('example.com/hello');
    expect(opened).toEqual(['sha256:top', 'sha256:app']);
    // With the history's instructions, the layer that names the program is read first, and only it.
    opened.length = 0;
    const named = [
      layer('sha256:base'),
      { ...layer('sha256:app'), instruction: 'COPY /out/hello /hello' },
      { ...layer('sha256:top'), instruction: 'COPY data /data' },
    ];
    expect((await findGoBinary(source, named, ['/hello'], '/'))?.layerDigest).toBe('sha256:app');
    expect(opened).toEqual(['sha256:app']);
  });

  it.each([
    ['no hint: top down', [null, null, null], { path: '/app' }, [], [2, 1, 0]],
    ['the COPY that names the program', ['FROM x', 'COPY /out/app /app', 'COPY big /data'], { path: '/app' }, [1], [2, 1, 0]],
    ['a name through PATH', ['ADD rootfs /', 'COPY svc /usr/bin/svc', 'RUN svc --selftest'], { name: 'svc' }, [2, 1], [2, 1, 0]],
    ['no entrypoint', ['COPY /out/app /app'], undefined, [], [0]],
  ] as const)('layerReadOrder: %s', (_n, instructions, target, hinted, topDown) => {
    expect(
      layerReadOrder(
        instructions.map((instruction) => ({ instruction })),
        target,
      ),
    ).toEqual({ hinted, topDown });
  });
});

describe('paths', () => {
  it.each([
    ['./app/server', '/app/server'],
    ['app//server', '/app/server'],
    ['/a/../b', '/b'],
  ])('imagePath(%j) = %s', (raw, path) => expect(imagePath(raw)).toBe(path));

  it.each([
    [['/hello'], '/', { path: '/hello' }],
    [['./server', '--port=1'], '/app', { path: '/app/server' }],
    [['bin/server'], '/srv', { path: '/srv/bin/server' }],
    [['server'], '/app', { name: 'server' }],
    [['/bin/sh', '-c', 'exec /app'], '/', undefined],
    [['/sbin/tini', '--', '/app'], '/', undefined],
    [[], '/', undefined],
  ])('entrypointPath(%j, %s) = %o', (entry, wd, target) => expect(entrypointPath(entry, wd)).toEqual(target));
});

describe('diffModules', () => {
  const m = (path: string, version: string, replacedBy?: GoModule['replacedBy']): GoModule => ({
    path,
    version,
    ...(replacedBy ? { replacedBy } : {}),
  });
  it.each([
    ['nothing changed', [m('a', 'v1')], [m('a', 'v1')], { added: [], removed: [], changed: [] }],
    [
      'a new module',
      [m('a', 'v1')],
      [m('a', 'v1'), m('example.org/x', 'v1.3.0')],
      { added: [{ path: 'example.org/x', after: 'v1.3.0' }], removed: [], changed: [] },
    ],
    ['a removed module', [m('a', 'v1'), m('b', 'v2')], [m('a', 'v1')], { added: [], removed: [{ path: 'b', before: 'v2' }], changed: [] }],
    [
      'a version change',
      [m('a', 'v1.0.0')],
      [m('a', 'v1.1.0')],
      { added: [], removed: [], changed: [{ path: 'a', before: 'v1.0.0', after: 'v1.1.0' }] },
    ],
    [
      'a new replacement',
      [m('a', 'v1')],
      [m('a', 'v1', { path: '../a', version: '' })],
      { added: [], removed: [], changed: [{ path: 'a', before: 'v1', after: 'v1 => ../a' }] },
    ],
  ])('%s', (_n, before, after, diff) => expect(diffModules(before, after)).toEqual(diff));
});
