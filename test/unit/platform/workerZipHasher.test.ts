/**
 * The browser's zip hashing workers, with each "worker" an in-process pair of
 * ports running the real worker side (serveZipHashes): the same verdicts as
 * hashing on the engine's thread, errors that keep their kind, a queue
 * beyond the workers, and a failed worker's zip hashed here instead.
 */
import { describe, expect, it } from 'vitest';
import { hashZip } from '../../../src/core/dirhash/hash.ts';
import { ZipFormatError } from '../../../src/core/zip/errors.ts';
import { openZip } from '../../../src/core/zip/reader.ts';
import { bytesSource } from '../../../src/core/zip/source.ts';
import { workerZipHasher } from '../../../src/platform/browser/workerZipHasher.ts';
import { fakeWorker, workerLog } from '../../support/fakeZipHashWorker.ts';
import { writeZip } from '../../support/zipWriter.ts';

const enc = new TextEncoder();

const files = Array.from({ length: 20 }, (_, i) => ({ name: `example.com/m@v1.0.0/f${i}.go`, data: enc.encode(`package m // ${i}\n`.repeat(50 + i)) }));
const good = writeZip(files);

describe('workerZipHasher', () => {
  it('hashes zips held as bytes or as Blobs to the h1 of the engine thread', async () => {
    const log = workerLog();
    const hasher = workerZipHasher(() => fakeWorker(log), 2);
    const want = await hashZip(await openZip(bytesSource(good)));
    expect(await hasher.hash(good)).toEqual({ ok: true, hash: want });
    expect(await hasher.hash(new Blob([good]))).toEqual({ ok: true, hash: want });
  });

  it('runs at most one zip per worker and queues the rest', async () => {
    const log = workerLog();
    const hasher = workerZipHasher(() => fakeWorker(log), 2);
    const zips = Array.from({ length: 6 }, (_, i) => writeZip([...files, { name: `example.com/m@v1.0.0/extra${i}.go`, data: enc.encode(`// ${i}\n`) }]));
    const got = await Promise.all(zips.map((z) => hasher.hash(z)));
    const want = await Promise.all(zips.map(async (z) => ({ ok: true, hash: await hashZip(await openZip(bytesSource(z))) })));
    expect(got).toEqual(want);
    expect(log.spawned).toBe(2);
    expect(log.maxInFlight).toBe(2);
  });

  it('returns the byte ranges of failing entries with a ZipFormatError, as on the engine thread', async () => {
    const log = workerLog();
    const hasher = workerZipHasher(() => fakeWorker(log), 1);
    const bad = writeZip(files.map((f, i) => (i === 3 ? { ...f, crc32: 1234 } : f)));
    const r = await hasher.hash(bad);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBeInstanceOf(ZipFormatError);
    expect((r.error as ZipFormatError).code).toBe('checksum');
    expect(r.badRanges).toHaveLength(1);
    const zip = await openZip(bytesSource(bad));
    const e3 = zip.entries[3]!;
    expect(r.badRanges[0]).toEqual([e3.localHeaderOffset, zip.entries[4]!.localHeaderOffset]);
  });

  it('rejects with the error a zip that cannot be read at all', async () => {
    const log = workerLog();
    const hasher = workerZipHasher(() => fakeWorker(log), 1);
    const err = await hasher.hash(enc.encode('not a zip')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZipFormatError);
    expect((err as ZipFormatError).code).toBe('format');
  });

  it('hashes the zip of a worker that died on this thread, and starts another for the next', async () => {
    const log = workerLog();
    let n = 0;
    const hasher = workerZipHasher(() => fakeWorker(log, { crashOnFirst: n++ === 0 }), 1);
    const want = { ok: true, hash: await hashZip(await openZip(bytesSource(good))) };
    expect(await hasher.hash(good)).toEqual(want);
    expect(log.terminated).toBe(1);
    expect(await hasher.hash(good)).toEqual(want);
    expect(log.spawned).toBe(2);
  });

  it('hashes on this thread where no worker can start', async () => {
    const hasher = workerZipHasher(() => {
      throw new Error('no workers here');
    }, 2);
    expect(await hasher.hash(good)).toEqual({ ok: true, hash: await hashZip(await openZip(bytesSource(good))) });
  });
});
