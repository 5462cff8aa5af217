/**
 * The CLI's zip hashing threads (--hash-threads), the parts that need no
 * thread: what crosses to a thread for a zip, how a thread opens it, where
 * the thread's entry is found, and the flag. test/integration/engine/
 * zipHashThreads runs real threads.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { hashZip } from '../../../src/core/dirhash/hash.ts';
import { openZip } from '../../../src/core/zip/reader.ts';
import { bytesSource } from '../../../src/core/zip/source.ts';
import { downloadCommand, MAX_HASH_THREADS } from '../../../src/cli/downloadCommand.ts';
import type { ChunkRecord } from '../../../src/engine/ports.ts';
import { nodeZipWire, openNodeZipWire, zipHashThreadFile } from '../../../src/platform/node/nodeZipHasher.ts';
import { writeZip } from '../../support/zipWriter.ts';

const dir = mkdtempSync(join(tmpdir(), 'modcarry-nodezip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Stored random files: about 9 KB, so chunks of 1000 or 2000 bytes cut through headers and data alike. */
const zip = writeZip([0, 1, 2].map((i) => ({ name: `example.com/m@v1.0.0/f${i}.bin`, data: new Uint8Array(randomBytes(3000)), method: 0 as const })));

/** The zip cut into chunk files of `size` bytes under dir, with their records (chunkFilesSource's own tests cover the reading). */
function storeChunks(size: number): { chunks: ChunkRecord[]; fileOf: (path: string, c: ChunkRecord) => string } {
  const chunks: ChunkRecord[] = [];
  for (let at = 0, i = 0; at < zip.length; at += size, i++) {
    const length = Math.min(size, zip.length - at);
    chunks.push({ path: 'z', index: i, offset: at, length, sha256: `${i}`.padStart(64, '0') });
    writeFileSync(join(dir, `chunk-${size}-${i}`), zip.subarray(at, at + length));
  }
  return { chunks, fileOf: (_path, c) => join(dir, `chunk-${size}-${c.index}`) };
}

describe('nodeZipWire', () => {
  const wire = nodeZipWire((path, chunks) => chunks.map((c) => ({ file: `/state/${path}/${c.index}`, size: c.length })));

  it('sends bytes as they are, a view of part of a larger buffer too (copied only on the way to a thread)', () => {
    expect(wire(zip, undefined)).toBe(zip);
    const view = new Uint8Array(100).subarray(10, 20);
    expect(wire(view, undefined)).toBe(view);
  });

  it('names the chunk files of a Blob assembled from stored chunks, in order, with their sizes', () => {
    const chunks: ChunkRecord[] = [
      { path: 'p', index: 0, offset: 0, length: 3, sha256: 'a' },
      { path: 'p', index: 1, offset: 3, length: 2, sha256: 'b' },
    ];
    expect(wire(new Blob([new Uint8Array(5)]), { path: 'p.zip', chunks })).toEqual({
      files: [
        { file: '/state/p.zip/0', size: 3 },
        { file: '/state/p.zip/1', size: 2 },
      ],
    });
  });

  it('keeps on this thread a Blob it cannot name, or whose chunks do not add up to it', () => {
    expect(wire(new Blob([new Uint8Array(5)]), undefined)).toBeUndefined();
    const chunks: ChunkRecord[] = [{ path: 'p', index: 0, offset: 0, length: 4, sha256: 'a' }];
    expect(wire(new Blob([new Uint8Array(5)]), { path: 'p.zip', chunks })).toBeUndefined();
  });
});

describe('openNodeZipWire', () => {
  it('opens a zip sent as bytes or as its chunk files (read across file boundaries), to the same h1', async () => {
    const want = await hashZip(await openZip(bytesSource(zip)));
    expect(await hashZip(await openNodeZipWire(zip))).toBe(want);
    const { chunks, fileOf } = storeChunks(1000);
    expect(chunks.length).toBeGreaterThan(2);
    const sent = nodeZipWire((path, cs) => cs.map((c) => ({ file: fileOf(path, c), size: c.length })))(new Blob([zip]), { path: 'z', chunks })!;
    expect(await hashZip(await openNodeZipWire(sent))).toBe(want);
  });
});

describe('zipHashThreadFile', () => {
  it('finds the built entry beside the bundle or one directory up (from a shared chunk), else none', () => {
    const built = join(dir, 'dist');
    mkdirSync(join(built, 'chunks'), { recursive: true });
    expect(zipHashThreadFile(pathToFileURL(join(built, 'modcarry.mjs')).href)).toBeUndefined();
    writeFileSync(join(built, 'zip-hash-thread.mjs'), '');
    expect(zipHashThreadFile(pathToFileURL(join(built, 'modcarry.mjs')).href)).toBe(join(built, 'zip-hash-thread.mjs'));
    expect(zipHashThreadFile(pathToFileURL(join(built, 'chunks', 'x.mjs')).href)).toBe(join(built, 'zip-hash-thread.mjs'));
  });

  it('finds none from the TypeScript sources (--hash-threads then refuses, naming it)', () => {
    expect(zipHashThreadFile()).toBeUndefined();
  });
});

describe('--hash-threads', () => {
  const run = (n: string) => downloadCommand(['--hash-threads', n, '--state', join(dir, 'state'), 'example.com/m@v1.0.0'], { write: () => true }, {});

  it('refuses what is not a whole number of threads up to the most, as a usage error', async () => {
    for (const bad of ['-1', 'two', '1.5', '', String(MAX_HASH_THREADS + 1)]) {
      await expect(run(bad)).rejects.toMatchObject({ name: 'UsageError', message: `--hash-threads wants a number of threads from 0 to ${MAX_HASH_THREADS}, not ${JSON.stringify(bad)}` });
    }
  });

  it('names the missing thread entry when run from a copy without one (here, the sources)', async () => {
    await expect(run('2')).rejects.toThrow('--hash-threads: this copy of modcarry has no zip-hash-thread.mjs beside its bundle; rebuild it (npm run build:cli) or leave --hash-threads out');
  });
});
