/**
 * A stored file assembled from download chunks carries its slices' SHA-256s
 * (FileRecord.slices): where the runtime has no native incremental SHA-256
 * (a browser; forced here), the export re-checks a file too big to read whole
 * slice by slice with one-shot digests, refuses a changed slice by its byte
 * range, and falls back to the whole hash when the slices do not describe
 * the file.
 */
import { createHash } from 'node:crypto';
import { unpackTar } from 'modern-tar';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type * as webstd from '../../../src/core/internal/webstd.ts';
import type { BundleSourceFile } from '../../../src/engine/bundle/exportBundle.ts';
import { buildFixture, exportInput, exportToBytes, goModule } from './bundleFixture.ts';
import type { Fixture } from './bundleFixture.ts';

vi.mock('../../../src/core/internal/webstd.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof webstd>()),
  hasNativeIncrementalSha256: () => false,
}));

const SLICE = 1 << 20;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

let fx: Fixture;
let big: Uint8Array<ArrayBuffer>;
let path: string;

beforeAll(async () => {
  fx = await buildFixture([goModule('example.com/a', 'v1.0.0', { 'a.go': 'package a\n' })]);
  path = fx.files.find((f) => f.path.endsWith('.zip'))!.path;
  // Bigger than the export's whole-read bound (16 MiB here), so it streams.
  big = new Uint8Array(17 * SLICE + 12345).map((_, i) => (i * 2654435761) >>> 24);
});

/** The fixture with its zip replaced by `body`, recorded with big's hash and the given slices. */
function withBig(body: Uint8Array<ArrayBuffer>, slices: BundleSourceFile['slices']): BundleSourceFile[] {
  return fx.files.map((f) => (f.path === path ? { path, size: big.length, body: new Blob([body]), sha256: sha(big), ...(slices !== undefined ? { slices } : {}) } : f));
}

const sliceHashes = (b: Uint8Array): string[] => Array.from({ length: Math.ceil(b.length / SLICE) }, (_, i) => sha(b.subarray(i * SLICE, (i + 1) * SLICE)));

describe('exporting a file with slice hashes', () => {
  it('writes it whole, as the manifest lists it', async () => {
    const out = await exportToBytes(exportInput(fx, { files: withBig(big, { size: SLICE, sha256: sliceHashes(big) }) }), { compression: 'none' });
    const entry = (await unpackTar(out.bytes)).find((e) => e.header.name === path);
    expect(sha(entry!.data!)).toBe(sha(big));
    expect(out.result.manifest.files.find((f) => f.path === path)?.sha256).toBe(sha(big));
  });

  it('refuses a slice whose bytes changed, naming its byte range', async () => {
    const changed = big.slice();
    changed[2 * SLICE + 7] = changed[2 * SLICE + 7]! ^ 0xff;
    await expect(exportToBytes(exportInput(fx, { files: withBig(changed, { size: SLICE, sha256: sliceHashes(big) }) }), { compression: 'none' })).rejects.toThrow(
      new RegExp(`${path.replace(/[.]/g, '\\.')}: content changed during export \\(bytes ${2 * SLICE}-${3 * SLICE - 1}: SHA-256 [0-9a-f]{64}, recorded ${sliceHashes(big)[2]}\\)`),
    );
  });

  it('hashes the whole file when the slices do not cover it, and still refuses changed bytes', async () => {
    const short = { size: SLICE, sha256: sliceHashes(big).slice(0, 17) };
    const out = await exportToBytes(exportInput(fx, { files: withBig(big, short) }), { compression: 'none' });
    expect(sha((await unpackTar(out.bytes)).find((e) => e.header.name === path)!.data!)).toBe(sha(big));
    const changed = big.slice();
    changed[5] = changed[5]! ^ 1;
    await expect(exportToBytes(exportInput(fx, { files: withBig(changed, short) }), { compression: 'none' })).rejects.toThrow(/content changed during export \(SHA-256 [0-9a-f]{64}, manifest says/);
  });
});
