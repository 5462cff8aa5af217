/**
 * exportBundleBlob: the plain-tar bundle as a Blob of the stored files' own
 * Blobs between tar headers. Same bytes as exportBundle's plain tar, the
 * same checks of every stored file first. Run as in a browser (no native
 * incremental SHA-256), where the app uses it.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type * as webstd from '../../../src/core/internal/webstd.ts';
import { ExportRefusedError, exportBundleBlob } from '../../../src/engine/bundle/exportBundle.ts';
import type { BundleSourceFile, ExportInput } from '../../../src/engine/bundle/exportBundle.ts';
import { buildFixture, exportInput, exportToBytes, goModule } from './bundleFixture.ts';
import type { Fixture } from './bundleFixture.ts';

vi.mock('../../../src/core/internal/webstd.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof webstd>()),
  hasNativeIncrementalSha256: () => false,
}));

const SLICE = 1 << 20;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const sliceHashes = (b: Uint8Array): string[] => Array.from({ length: Math.ceil(b.length / SLICE) }, (_, i) => sha(b.subarray(i * SLICE, (i + 1) * SLICE)));

/** The fixture's files with every body a Blob, as the browser's store gives them. */
async function blobFiles(files: readonly BundleSourceFile[]): Promise<BundleSourceFile[]> {
  return Promise.all(files.map(async (f) => (typeof f.body === 'function' ? { ...f, body: new Blob([await new Response(f.body()).arrayBuffer()]) } : f)));
}

let fx: Fixture;
let big: Uint8Array<ArrayBuffer>;
let files: BundleSourceFile[];
const longPath = `example.com/${'deep/'.repeat(30)}mod`;

beforeAll(async () => {
  fx = await buildFixture(
    [
      goModule('example.com/a', 'v1.0.0', { 'a.go': 'package a\n' }),
      goModule(longPath, 'v1.2.3', { 'l.go': 'package l\n' }),
      goModule('example.com/b', 'v0.1.0', { 'b.go': 'package b\n'.repeat(5000) }),
    ],
    { sumdb: true },
  );
  // Two stored files too big to read whole (16 MiB here): one with slice hashes, one without.
  big = new Uint8Array(17 * SLICE + 12345).map((_, i) => (i * 2654435761) >>> 24);
  const zips = (await blobFiles(fx.files)).filter((f) => f.path.endsWith('.zip'));
  files = (await blobFiles(fx.files)).map((f) =>
    f.path === zips[0]!.path
      ? { path: f.path, size: big.length, body: new Blob([big]), sha256: sha(big), slices: { size: SLICE, sha256: sliceHashes(big) } }
      : f.path === zips[1]!.path
        ? { path: f.path, size: big.length, body: new Blob([big]), sha256: sha(big) }
        : f,
  );
});

const input = (over: Partial<ExportInput> = {}): ExportInput => exportInput(fx, { files, ...over });

describe('exportBundleBlob', () => {
  it('gives the bytes and manifest exportBundle writes as a plain tar', async () => {
    const want = await exportToBytes(input(), { compression: 'none', bundleName: 'b.tar' });
    const got = await exportBundleBlob(input(), { bundleName: 'b.tar' });
    expect(got.bytes).toBe(want.bytes.length);
    expect(got.blob.size).toBe(want.bytes.length);
    expect(got.blob.type).toBe('application/x-tar');
    expect(got.manifest).toEqual(want.result.manifest);
    expect(sha(new Uint8Array(await got.blob.arrayBuffer()))).toBe(sha(want.bytes));
    // The long module path needed a PAX record or a prefix split; the bytes above include them.
    expect(got.manifest.files.some((f) => f.path.length > 100)).toBe(true);
  });

  it('refuses a stored file whose bytes changed: read whole, checked by slices, or hashed whole', async () => {
    const small = files.find((f) => f.path.endsWith('.mod'))!;
    // As the store gives it: with the SHA-256 recorded when it was stored.
    const recorded = sha(new Uint8Array(await (small.body as Blob).arrayBuffer()));
    const changedSmall = files.map((f) => (f === small ? { ...f, sha256: recorded, body: new Blob([new Uint8Array(f.size).fill(0x61)]) } : f));
    await expect(exportBundleBlob(input({ files: changedSmall }))).rejects.toThrow(`${small.path}: content changed during export`);

    const changed = big.slice();
    changed[3 * SLICE + 1] = changed[3 * SLICE + 1]! ^ 1;
    const sliced = files.find((f) => f.slices !== undefined)!;
    const withSlices = files.map((f) => (f === sliced ? { ...f, body: new Blob([changed]) } : f));
    await expect(exportBundleBlob(input({ files: withSlices }))).rejects.toThrow(`${sliced.path}: content changed during export (bytes ${3 * SLICE}-${4 * SLICE - 1}`);

    const whole = files.find((f) => f.size === big.length && f.slices === undefined)!;
    const hashed = files.map((f) => (f === whole ? { ...f, body: new Blob([changed]) } : f));
    await expect(exportBundleBlob(input({ files: hashed }))).rejects.toThrow(`${whole.path}: content changed during export (SHA-256`);
  });

  it('refuses what exportBundle refuses, and bodies that are not Blobs or bytes', async () => {
    const unverified = fx.modules.map((m, i) => (i === 0 ? { ...m, verified: false } : m));
    await expect(exportBundleBlob(input({ modules: unverified }))).rejects.toBeInstanceOf(ExportRefusedError);
    const streamed = files.map((f, i) => (i === 0 ? { ...f, body: () => new Blob([]).stream() } : f));
    await expect(exportBundleBlob(input({ files: streamed }))).rejects.toThrow(TypeError);
  });

  it('takes small files as their bytes, as the store keeps them inline, and checks them the same', async () => {
    const inline = await Promise.all(
      files.map(async (f) => {
        if (!(f.body instanceof Blob) || f.size > 64 << 10) return f;
        const bytes = new Uint8Array(await f.body.arrayBuffer());
        return { ...f, body: bytes, sha256: sha(bytes) };
      }),
    );
    expect(inline.filter((f) => f.body instanceof Uint8Array).length).toBeGreaterThan(3);
    const want = await exportToBytes(input(), { compression: 'none' });
    const got = await exportBundleBlob(input({ files: inline }));
    expect(sha(new Uint8Array(await got.blob.arrayBuffer()))).toBe(sha(want.bytes));
    expect(sha((await exportToBytes(input({ files: inline }), { compression: 'none' })).bytes)).toBe(sha(want.bytes));

    const victim = inline.find((f) => f.body instanceof Uint8Array && f.size > 0)!;
    const changed = inline.map((f) => (f === victim ? { ...f, body: (f.body as Uint8Array).map((b) => b ^ 1) } : f));
    await expect(exportBundleBlob(input({ files: changed }))).rejects.toThrow(`${victim.path}: content changed during export`);
    await expect(exportToBytes(input({ files: changed }), { compression: 'none' })).rejects.toThrow(`${victim.path}: content changed during export`);
  });
});
