import { gunzipSync } from 'node:zlib';
import { unpackTar } from 'modern-tar';
import { beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_FILE, README_FILE, parseManifest } from '../../../src/core/bundle/manifest.ts';
import type { BundleManifest } from '../../../src/core/bundle/manifest.ts';
import { bytesSource } from '../../../src/core/zip/source.ts';
import { ExportRefusedError } from '../../../src/engine/bundle/exportBundle.ts';
import { indexTar, memorySpool, readBundle } from '../../../src/engine/bundle/readBundle.ts';
import { verifyBundle } from '../../../src/engine/bundle/verifyBundle.ts';
import type { VerifyOptions, VerifyReport } from '../../../src/engine/bundle/verifyBundle.ts';
import { TestLog } from '../../support/sumdbServer.ts';
import { buildFixture, dec, enc, exportInput, exportToBytes, goModule, repack } from './bundleFixture.ts';
import type { Fixture } from './bundleFixture.ts';

const A = goModule('example.com/alpha', 'v1.0.0', { 'alpha.go': 'package alpha\n' });
const B = goModule('example.com/Beta', 'v1.2.0', { 'beta.go': 'package beta\n' });
const B2 = goModule('example.com/Beta', 'v1.10.0', { 'beta.go': 'package beta // 10\n' });
const C = { ...goModule('example.com/gomodonly', 'v0.1.0'), zip: undefined };

const ZIP_A = 'cache/download/example.com/alpha/@v/v1.0.0.zip';
const LOOKUP_A = 'cache/download/sumdb/sum.example.test/lookup/example.com/alpha@v1.0.0';
const LOOKUP_B = 'cache/download/sumdb/sum.example.test/lookup/example.com/!beta@v1.2.0';

let fx: Fixture;
let tar: Uint8Array;
let manifest: BundleManifest;

async function verify(bytes: Uint8Array, opts: VerifyOptions = {}): Promise<VerifyReport> {
  return verifyBundle(readBundle(bytesSource(bytes)), opts);
}

function failed(r: VerifyReport): string[] {
  const out: string[] = [];
  for (const m of r.modules) for (const c of m.checks) if (!c.ok) out.push(`${m.module} ${c.name}`);
  for (const c of r.bundle) if (!c.ok) out.push(`bundle ${c.name}`);
  return out;
}

function detail(r: VerifyReport, module: string, check: string): string {
  return r.modules.find((m) => m.module === module)?.checks.find((c) => c.name === check)?.detail ?? '';
}

beforeAll(async () => {
  fx = await buildFixture([A, B, B2, C], { sumdb: true });
  const out = await exportToBytes(exportInput(fx), { compression: 'none' });
  tar = out.bytes;
  manifest = out.result.manifest;
});

describe('exportBundle', () => {
  it('writes the manifest and README first, then the cache tree in byte order with directories', async () => {
    const entries = await unpackTar(tar);
    const names = entries.map((e) => e.header.name);
    expect(names.slice(0, 2)).toEqual([MANIFEST_FILE, README_FILE]);
    expect(names).toContain('cache/');
    expect(names).toContain('cache/download/example.com/!beta/@v/');
    const files = names.filter((n) => !n.endsWith('/')).slice(2);
    expect(files).toEqual([...files].sort());
    for (const e of entries) {
      expect(e.header.mtime?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
      expect(e.header.uid).toBe(0);
      expect(e.header.gid).toBe(0);
      expect(e.header.mode).toBe(e.header.type === 'directory' ? 0o755 : 0o644);
    }
    const byName = new Map(entries.map((e) => [e.header.name, e.data]));
    // list regenerated from the .mod files, semver order; ziphash 47 bytes; supported and latest present.
    expect(dec(byName.get('cache/download/example.com/!beta/@v/list')!)).toBe('v1.2.0\nv1.10.0\n');
    expect(byName.get('cache/download/example.com/alpha/@v/v1.0.0.ziphash')!.length).toBe(47);
    expect(byName.get('cache/download/sumdb/sum.example.test/supported')!.length).toBe(0);
    expect(dec(byName.get('gopath/pkg/sumdb/sum.example.test/latest')!)).toBe(fx.sumdb!.note);
    expect(dec(byName.get('cache/download/example.com/alpha/@v/v1.0.0.info')!)).toBe('{"Version":"v1.0.0","Time":"2024-03-04T05:06:07.89+01:00"}');
    expect(names.some((n) => n.includes('gomodonly/@v/v0.1.0.zip'))).toBe(false);
    // The manifest lists every other file with its size.
    const m = parseManifest(byName.get(MANIFEST_FILE)!);
    expect(m.files.map((f) => f.path).sort()).toEqual(files.concat(README_FILE).sort());
    for (const f of m.files) expect(byName.get(f.path)!.length).toBe(f.size);
    expect(m.modules.map((x) => `${x.path}@${x.version}`)).toEqual(['example.com/Beta@v1.2.0', 'example.com/Beta@v1.10.0', 'example.com/alpha@v1.0.0', 'example.com/gomodonly@v0.1.0']);
    expect(m.sumdb?.treeSize).toBe(304);
  });

  it('is deterministic: the same input gives the same bytes', async () => {
    const again = await exportToBytes(exportInput(fx), { compression: 'none' });
    expect(Buffer.compare(again.bytes, tar)).toBe(0);
    const gz1 = await exportToBytes(exportInput(fx), { compression: 6 });
    const gz2 = await exportToBytes(exportInput(fx), { compression: 6 });
    expect(Buffer.compare(gz1.bytes, gz2.bytes)).toBe(0);
  });

  it('gzips at the chosen level (default 1), every level decoding to the plain tar', async () => {
    const sizes = new Map<string, number>();
    for (const level of [undefined, 0, 1, 9] as const) {
      const { bytes, result } = await exportToBytes(exportInput(fx), level === undefined ? {} : { compression: level });
      expect(bytes[0]).toBe(0x1f);
      expect(bytes[1]).toBe(0x8b);
      expect(result.manifest.settings.compression).toBe(level ?? 1);
      expect(result.bytes).toBe(bytes.length);
      const inner = gunzipSync(bytes);
      // The manifest differs only in its compression setting; the rest of the tar is identical.
      const names = (await unpackTar(inner)).map((e) => e.header.name);
      expect(names).toEqual((await unpackTar(tar)).map((e) => e.header.name));
      sizes.set(String(level), bytes.length);
      expect((await verify(bytes)).ok).toBe(true);
    }
    expect(sizes.get('0')!).toBeGreaterThan(sizes.get('9')!);
    expect(sizes.get('undefined')).toBe(sizes.get('1'));
  });

  it('refuses unverified modules unless told, then marks the manifest', async () => {
    const bad = fx.modules.map((m) => (m.path === 'example.com/alpha' ? { ...m, verified: false, problems: ['zip hash mismatch'] } : m));
    await expect(exportToBytes(exportInput(fx, { modules: bad }))).rejects.toThrow(ExportRefusedError);
    await expect(exportToBytes(exportInput(fx, { modules: bad }))).rejects.toThrow(/example\.com\/alpha@v1\.0\.0: zip hash mismatch/);
    const { bytes, result } = await exportToBytes(exportInput(fx, { modules: bad }), { allowFailures: true, compression: 'none' });
    expect(result.manifest.exportedWithFailures).toBe(true);
    const r = await verify(bytes);
    expect(r.ok).toBe(false);
    expect(failed(r)).toEqual(['example.com/alpha@v1.0.0 export']);
    expect(detail(r, 'example.com/alpha@v1.0.0', 'export')).toContain('zip hash mismatch');
  });

  it('aborts when a body no longer has the SHA-256 the store recorded for it', async () => {
    const files = fx.files.map((f) => (f.path === ZIP_A ? { ...f, sha256: '0'.repeat(64) } : f));
    await expect(exportToBytes(exportInput(fx, { files }), { compression: 'none' })).rejects.toThrow(/v1\.0\.0\.zip: content changed during export \(SHA-256 [0-9a-f]{64}, manifest says 0{64}\)/);
  });

  it('aborts when a body does not match its declared size', async () => {
    const files = fx.files.map((f) => (f.path === ZIP_A ? { ...f, size: f.size + 1 } : f));
    await expect(exportToBytes(exportInput(fx, { files }))).rejects.toThrow(/v1\.0\.0\.zip: body has \d+ bytes/);
  });
});

describe('readBundle', () => {
  it('indexes a plain tar without copying and streams a .tar.gz through the spool', async () => {
    const idx = await indexTar(bytesSource(tar));
    expect(idx[0]!.path).toBe(MANIFEST_FILE);
    const zipEntry = idx.find((e) => e.path === ZIP_A)!;
    const zipBytes = await (fx.files.find((f) => f.path === ZIP_A)!.body as Blob).bytes();
    expect(Buffer.compare(tar.subarray(zipEntry.offset, zipEntry.offset + zipEntry.size), zipBytes)).toBe(0);

    const gz = (await exportToBytes(exportInput(fx), { compression: 1 })).bytes;
    const spool = memorySpool();
    let spooled = 0;
    const stream = new Blob([gz as Uint8Array<ArrayBuffer>]).stream();
    for await (const e of readBundle(stream, { spool, inMemoryMax: 64 })) {
      if (e.size > 64) spooled++;
      expect(spool.live).toBeLessThanOrEqual(1); // one large body at a time
      if (e.path === ZIP_A) expect(Buffer.compare(await e.bytes(), zipBytes)).toBe(0);
    }
    expect(spooled).toBeGreaterThan(3);
    expect(spool.live).toBe(0);
  });
});

describe('verifyBundle', () => {
  it('passes a good bundle, plain or gzipped, with every check named per module', async () => {
    const r = await verify(tar);
    expect(failed(r)).toEqual([]);
    expect(r.ok).toBe(true);
    const alpha = r.modules.find((m) => m.module === 'example.com/alpha@v1.0.0')!;
    expect(alpha.checks.map((c) => c.name)).toEqual(['manifest', 'mod', 'zip', 'zip-rules', 'ziphash', 'info', 'list', 'sumdb']);
    expect(detail(r, 'example.com/gomodonly@v0.1.0', 'sumdb')).toContain('record included');
    expect(r.newTreeHead && dec(r.newTreeHead)).toBe(fx.sumdb!.note);
    const gz = (await exportToBytes(exportInput(fx), { compression: 1 })).bytes;
    const r2 = await verifyBundle(readBundle(new Blob([gz as Uint8Array<ArrayBuffer>]).stream(), { spool: memorySpool(), inMemoryMax: 100 }));
    expect(failed(r2)).toEqual([]);
  });

  it('fails on one byte changed in a bundled zip, naming the module', async () => {
    const idx = await indexTar(bytesSource(tar));
    const e = idx.find((x) => x.path === ZIP_A)!;
    const bad = tar.slice();
    const nameLen = bad[e.offset + 26]! | (bad[e.offset + 27]! << 8);
    const extraLen = bad[e.offset + 28]! | (bad[e.offset + 29]! << 8);
    const dataAt = e.offset + 30 + nameLen + extraLen + 2; // inside the first entry's data, past its local header
    bad[dataAt] = bad[dataAt]! ^ 0x01;
    const r = await verify(bad);
    expect(r.ok).toBe(false);
    expect(failed(r)).toContain('example.com/alpha@v1.0.0 manifest');
    expect(failed(r)).toContain('example.com/alpha@v1.0.0 zip');
    expect(failed(r).every((f) => f.startsWith('example.com/alpha@v1.0.0'))).toBe(true);
  });

  it('fails on a removed tile, for every module whose proof needs it', async () => {
    const tile = manifest.files.find((f) => f.path.includes('/tile/8/0/'))!.path;
    for (const sneaky of [false, true]) {
      const bad = await repack(tar, (files) => files.delete(tile), sneaky);
      const r = await verify(bad);
      expect(r.ok).toBe(false);
      const sumdbFails = r.modules.filter((m) => m.checks.some((c) => c.name === 'sumdb' && !c.ok));
      expect(sumdbFails.length).toBeGreaterThan(0);
      expect(sumdbFails[0]!.checks.find((c) => c.name === 'sumdb')!.detail).toContain('is not in the bundle');
      if (!sneaky) expect(r.bundle.some((c) => !c.ok && c.detail.includes(`${tile}: listed in the manifest but missing`))).toBe(true);
    }
  });

  it('fails on an edited manifest entry, naming the module and the hash', async () => {
    const bad = await repack(tar, (files) => {
      const m = parseManifest(files.get(MANIFEST_FILE)!);
      const alpha = m.modules.find((x) => x.path === 'example.com/alpha')!;
      alpha.zip = fx.hashes.get('example.com/Beta@v1.2.0')!.zip!;
      files.set(MANIFEST_FILE, enc(JSON.stringify(m)));
    });
    const r = await verify(bad);
    expect(failed(r)).toEqual(['example.com/alpha@v1.0.0 zip']);
    expect(detail(r, 'example.com/alpha@v1.0.0', 'zip')).toMatch(/zip hash h1:.*, manifest says h1:/);
  });

  it('fails on swapped lookups even when the manifest is rewritten to match', async () => {
    const bad = await repack(
      tar,
      (files) => {
        const a = files.get(LOOKUP_A)!;
        files.set(LOOKUP_A, files.get(LOOKUP_B)!);
        files.set(LOOKUP_B, a);
      },
      true,
    );
    const r = await verify(bad);
    expect(failed(r).sort()).toEqual(['example.com/Beta@v1.2.0 sumdb', 'example.com/alpha@v1.0.0 sumdb']);
    expect(detail(r, 'example.com/alpha@v1.0.0', 'sumdb')).toContain('no line for example.com/alpha');
  });

  it('fails on a wrong .ziphash and a wrong list, naming the module', async () => {
    const zh = 'cache/download/example.com/alpha/@v/v1.0.0.ziphash';
    const bad = await repack(tar, (files) => files.set(zh, enc(fx.hashes.get('example.com/Beta@v1.2.0')!.zip!)), true);
    expect(failed(await verify(bad))).toEqual(['example.com/alpha@v1.0.0 ziphash']);
    const nl = await repack(tar, (files) => files.set(zh, enc(fx.hashes.get('example.com/alpha@v1.0.0')!.zip! + '\n')), true);
    expect(failed(await verify(nl))).toEqual(['example.com/alpha@v1.0.0 ziphash']);

    const list = 'cache/download/example.com/!beta/@v/list';
    const badList = await repack(tar, (files) => files.set(list, enc('v1.10.0\nv1.2.0\n')), true);
    const r = await verify(badList);
    expect(failed(r).sort()).toEqual(['example.com/Beta@v1.10.0 list', 'example.com/Beta@v1.2.0 list']);
    expect(detail(r, 'example.com/Beta@v1.2.0', 'list')).toContain('go would write "v1.2.0\\nv1.10.0\\n"');
  });

  it('wants the .info of a module carried with its zip, not of a go.mod-only one (go never reads that)', async () => {
    const info = (path: string, v: string): string => `cache/download/${path}/@v/${v}.info`;
    const drop = async (path: string, v: string): Promise<VerifyReport> =>
      verify(
        await repack(tar, (files) => {
          files.delete(info(path, v));
          const m = parseManifest(files.get(MANIFEST_FILE)!);
          m.files = m.files.filter((f) => f.path !== info(path, v));
          files.set(MANIFEST_FILE, enc(JSON.stringify(m)));
        }),
      );
    const modOnly = await drop('example.com/gomodonly', 'v0.1.0');
    expect(failed(modOnly)).toEqual([]);
    expect(modOnly.modules.find((m) => m.module === 'example.com/gomodonly@v0.1.0')!.checks.map((c) => c.name)).not.toContain('info');
    const withZip = await drop('example.com/alpha', 'v1.0.0');
    expect(failed(withZip)).toEqual(['example.com/alpha@v1.0.0 info']);
    expect(detail(withZip, 'example.com/alpha@v1.0.0', 'info')).toContain('v1.0.0.info is missing');
  });

  it('fails on files the manifest does not list and on a missing manifest', async () => {
    const extra = await repack(tar, (files) => files.set('cache/download/evil.example/@v/v1.0.0.mod', enc('module evil.example\n')));
    const r = await verify(extra);
    expect(failed(r)).toContain('evil.example@v1.0.0 manifest');
    const none = await repack(tar, (files) => files.delete(MANIFEST_FILE));
    const r2 = await verify(none);
    expect(r2.ok).toBe(false);
    expect(r2.bundle.find((c) => c.name === 'manifest')?.detail).toBe(`${MANIFEST_FILE} is missing`);
  });

  it('checks consistency with tree heads seen before: a prefix passes, a fork fails', async () => {
    const log = fx.log!;
    // 256 records: one level-8 hash, which the bundle's tile/8/1/000.p/1 holds.
    const older = await (await log.prefix(256)).signedTree();
    expect(failed(await verify(tar, { treeHeadsSeen: [older] }))).toEqual([]);
    // 200 records would need tile/8/0/000, which no lookup in the bundle needed: reported, not guessed.
    const r200 = await verify(tar, { treeHeadsSeen: [await (await log.prefix(200)).signedTree()] });
    expect(r200.bundle.find((c) => c.name === 'tree-consistency' && !c.ok)?.detail).toContain('tile tile/8/0/000 is not in the bundle');
    const fork = await (await log.fork(5, enc('forged record\n'))).prefix(256);
    const r = await verify(tar, { treeHeadsSeen: [await fork.signedTree()] });
    expect(r.ok).toBe(false);
    expect(r.bundle.find((c) => c.name === 'tree-consistency' && !c.ok)?.detail).toContain('SECURITY ERROR');
    const other = await TestLog.create('other.example.test');
    await other.addFiller(3);
    expect((await verify(tar, { treeHeadsSeen: [await other.signedTree()] })).ok).toBe(true); // another database: skipped
  });

  it('refuses a bundle whose key is not the trusted one', async () => {
    const r = await verify(tar, { sumdbKey: (await TestLog.create()).vkey });
    expect(r.ok).toBe(false);
    expect(r.bundle.find((c) => c.name === 'sumdb-key')?.detail).toContain('trusted key');
  });
});

describe('delta bundles', () => {
  it('ships only what the offline side lacks and verifies on its own', async () => {
    const D = goModule('example.com/delta', 'v1.0.0', { 'd.go': 'package delta\n' });
    const B3 = goModule('example.com/Beta', 'v1.3.0', { 'beta.go': 'package beta // 3\n' });
    const fx2 = await buildFixture([A, B, B2, C, D, B3], { sumdb: true, log: fx.log! });
    const { bytes, result } = await exportToBytes(exportInput(fx2, { offlineManifests: [manifest] }), { compression: 'none' });
    const m = result.manifest;
    expect(m.delta?.baseManifests).toHaveLength(1);
    expect(m.modules.map((x) => `${x.path}@${x.version}`)).toEqual(['example.com/Beta@v1.3.0', 'example.com/delta@v1.0.0']);
    const paths = m.files.map((f) => f.path);
    expect(paths).not.toContain(ZIP_A);
    expect(paths).toContain('cache/download/example.com/delta/@v/v1.0.0.zip');
    const entries = new Map((await unpackTar(bytes)).map((e) => [e.header.name, e.data]));
    expect(dec(entries.get('cache/download/example.com/!beta/@v/list')!)).toBe('v1.2.0\nv1.3.0\nv1.10.0\n');
    expect(dec(entries.get(README_FILE)!)).toContain('DELTA bundle');
    const r = await verify(bytes, { treeHeadsSeen: [new TextEncoder().encode(manifest.sumdb!.note)] });
    expect(failed(r)).toEqual([]);
  });
});
