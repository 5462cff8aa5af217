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
import { openZipData, SPLIT_MIN_BYTES, splitEntries, workerZipHasher } from '../../../src/engine/workerZipHasher.ts';
import type { ZipData } from '../../../src/engine/workerZipHasher.ts';
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

  it('release terminates idle workers, busy ones once their zip is hashed, and the next zip starts them again', async () => {
    const log = workerLog();
    const hasher = workerZipHasher(() => fakeWorker(log), 2);
    const want = { ok: true, hash: await hashZip(await openZip(bytesSource(good))) };
    expect(await Promise.all([hasher.hash(good), hasher.hash(good)])).toEqual([want, want]);
    expect(log.spawned).toBe(2);
    hasher.release!();
    expect(log.terminated).toBe(2);
    hasher.release!(); // nothing left to terminate
    expect(log.terminated).toBe(2);

    // Released while one worker is busy: it hashes its zip, then stops.
    const pending = hasher.hash(good);
    expect(log.spawned).toBe(3);
    hasher.release!();
    expect(log.terminated).toBe(2);
    expect(await pending).toEqual(want);
    expect(log.terminated).toBe(3);

    // A zip asked for after release cancels it: both workers stay until the next release.
    const again = hasher.hash(good);
    hasher.release!();
    expect(await hasher.hash(good)).toEqual(want);
    expect(await again).toEqual(want);
    expect(log.spawned).toBe(5);
    expect(log.terminated).toBe(3);
    hasher.release!();
    expect(log.terminated).toBe(5);
  });

  it('hashes on this thread where no worker can start', async () => {
    const hasher = workerZipHasher(() => {
      throw new Error('no workers here');
    }, 2);
    expect(await hasher.hash(good)).toEqual({ ok: true, hash: await hashZip(await openZip(bytesSource(good))) });
  });

  describe('with this thread as one more slot (openHere)', () => {
    /** A hasher over workers of log and this thread, which counts the zips it opens. */
    const withHere = (log: ReturnType<typeof workerLog>, workers: number, here: { opened: number }) =>
      workerZipHasher(() => fakeWorker(log), workers, (data: ZipData) => data, (data: ZipData) => {
        here.opened++;
        return openZipData(data);
      });

    it('takes a zip only while every worker is busy, to the same h1', async () => {
      const log = workerLog();
      const here = { opened: 0 };
      const hasher = withHere(log, 1, here);
      const want = { ok: true, hash: await hashZip(await openZip(bytesSource(good))) };
      // One at a time: the worker has each.
      expect(await hasher.hash(good)).toEqual(want);
      expect(await hasher.hash(new Blob([good]))).toEqual(want);
      expect(here.opened).toBe(0);
      // Six at once: the worker and this thread share them, one zip each at a time.
      const zips = Array.from({ length: 6 }, (_, i) => writeZip([...files, { name: `example.com/m@v1.0.0/extra${i}.go`, data: enc.encode(`// ${i}\n`) }]));
      const got = await Promise.all(zips.map((z) => hasher.hash(z)));
      expect(got).toEqual(await Promise.all(zips.map(async (z) => ({ ok: true, hash: await hashZip(await openZip(bytesSource(z))) }))));
      expect(log.spawned).toBe(1);
      expect(log.maxInFlight).toBe(1);
      expect(here.opened).toBeGreaterThan(0);
      expect(log.requests.length - 2 + here.opened).toBe(6);
    });

    it('reports a bad zip it hashed as a worker does: the byte ranges, and the error with its kind', async () => {
      const bad = writeZip(files.map((f, i) => (i === 3 ? { ...f, crc32: 1234 } : f)));
      const log = workerLog();
      const here = { opened: 0 };
      const hasher = withHere(log, 1, here);
      // The worker has the first zip of each pair, so this thread has the second.
      const [, got] = await Promise.all([hasher.hash(good), hasher.hash(bad)]);
      const want = await workerZipHasher(() => fakeWorker(workerLog()), 1).hash(bad);
      const [, err] = await Promise.all([hasher.hash(good), hasher.hash(enc.encode('not a zip')).catch((e: unknown) => e)]);
      expect(log.requests).toEqual(['whole', 'whole']);
      expect(here.opened).toBe(2);
      expect(got.ok).toBe(false);
      if (got.ok || want.ok) return;
      expect(got.badRanges).toEqual(want.badRanges);
      expect(got.error).toBeInstanceOf(ZipFormatError);
      expect((got.error as ZipFormatError).code).toBe('checksum');
      expect(err).toBeInstanceOf(ZipFormatError);
      expect((err as ZipFormatError).code).toBe('format');
    });
  });

  describe('a large zip split among the workers', () => {
    // Stored entries of distinct bytes, just over SPLIT_MIN_BYTES together.
    const piece = (i: number): Uint8Array => {
      const b = new Uint8Array(SPLIT_MIN_BYTES / 16 + 1);
      for (let j = 0; j < b.length; j += 64) b[j] = (i * 31 + j / 64) & 0xff;
      return b;
    };
    const bigFiles = Array.from({ length: 16 }, (_, i) => ({ name: `example.com/big@v1.0.0/f${(i * 7) % 16}.bin`, data: piece(i), method: 0 as const }));
    const big = writeZip([...bigFiles, { name: 'example.com/big@v1.0.0/go.mod', data: enc.encode('module example.com/big\n') }]);
    const opened = async (z: Uint8Array) => openZip(bytesSource(z));

    it('hashes it in one part per worker, to the h1 of the engine thread', async () => {
      const zip = await opened(big);
      expect(zip.size).toBeGreaterThanOrEqual(SPLIT_MIN_BYTES);
      const log = workerLog();
      const hasher = workerZipHasher(() => fakeWorker(log), 2);
      const want = { ok: true, hash: await hashZip(zip) };
      expect(await hasher.hash(new Blob([big]), zip.entries)).toEqual(want);
      expect(log.requests).toEqual(splitEntries(zip.entries, 2));
      expect(log.requests).toHaveLength(2);
      expect(log.maxInFlight).toBe(2);
      // Without the entries, or with one worker, or below the size: whole.
      const plain = workerLog();
      expect(await workerZipHasher(() => fakeWorker(plain), 2).hash(big)).toEqual(want);
      expect(await workerZipHasher(() => fakeWorker(plain), 1).hash(big, zip.entries)).toEqual(want);
      const smallZip = await opened(good);
      expect(await workerZipHasher(() => fakeWorker(plain), 2).hash(good, smallZip.entries)).toEqual({ ok: true, hash: await hashZip(smallZip) });
      expect(plain.requests).toEqual(['whole', 'whole', 'whole']);
    });

    it('gives this thread a part of its own beside the workers\' parts', async () => {
      const zip = await opened(big);
      const log = workerLog();
      const here = { opened: 0 };
      const hasher = workerZipHasher(() => fakeWorker(log), 1, (data: ZipData) => data, (data: ZipData) => {
        here.opened++;
        return openZipData(data);
      });
      expect(await hasher.hash(big, zip.entries)).toEqual({ ok: true, hash: await hashZip(zip) });
      const runs = splitEntries(zip.entries, 2);
      expect(runs).toHaveLength(2);
      expect(log.requests).toEqual([runs[0]]);
      expect(here.opened).toBe(1);
    });

    it('sends a view of part of a larger buffer to the workers as one copy of its bytes, and gives this thread the view itself', async () => {
      const zip = await opened(big);
      const want = { ok: true, hash: await hashZip(zip) };
      const outer = new Uint8Array(big.length + 100);
      outer.set(big, 40);
      const view = outer.subarray(40, 40 + big.length);
      const log = workerLog();
      const sent: unknown[] = [];
      const here: ZipData[] = [];
      const spawn = () => {
        const w = fakeWorker(log);
        return { ...w, postMessage: (m: Parameters<typeof w.postMessage>[0]) => (sent.push(m.data), w.postMessage(m)) };
      };
      const hasher = workerZipHasher(spawn, 2, (data: ZipData) => data, (data: ZipData) => (here.push(data), openZipData(data)));
      expect(await hasher.hash(view, zip.entries)).toEqual(want);
      expect(sent).toHaveLength(2);
      const [a, b] = sent as Uint8Array[];
      expect(a === b).toBe(true);
      expect(a === view).toBe(false);
      expect(a!.buffer.byteLength).toBe(big.length);
      // (Identity only: a deep comparison of megabytes is slow.)
      expect(here.length).toBe(1);
      expect(here[0] === view).toBe(true);
      // Bytes that own their buffer cross as they are.
      sent.length = 0;
      expect(await hasher.hash(big)).toEqual(want);
      expect(sent.length).toBe(1);
      expect(sent[0] === big).toBe(true);
    });

    it('reports a bad entry as the whole zip does: the zip is hashed whole when a part fails', async () => {
      const bad = writeZip(bigFiles.map((f, i) => (i === 11 ? { ...f, crc32: 77 } : f)));
      const zip = await opened(bad);
      const log = workerLog();
      const got = await workerZipHasher(() => fakeWorker(log), 2).hash(new Blob([bad]), zip.entries);
      const want = await workerZipHasher(() => fakeWorker(workerLog()), 1).hash(bad);
      expect(got.ok).toBe(false);
      if (got.ok || want.ok) return;
      expect(got.badRanges).toEqual(want.badRanges);
      expect((got.error as ZipFormatError).code).toBe('checksum');
      expect(log.requests.slice(0, 2)).toEqual(splitEntries(zip.entries, 2));
      expect(log.requests[2]).toBe('whole');
    });

    it('hashes the zip whole when a worker dies with a part, or its zip does not match the entries given', async () => {
      const zip = await opened(big);
      const want = { ok: true, hash: await hashZip(zip) };
      const log = workerLog();
      expect(await workerZipHasher(() => fakeWorker(log, { crashOnPart: true }), 2).hash(big, zip.entries)).toEqual(want);
      expect(log.requests.filter((r) => r === 'whole')).toHaveLength(1);
      // Entries that are not this zip's (one fewer): the workers' count differs.
      const other = workerLog();
      expect(await workerZipHasher(() => fakeWorker(other), 2).hash(big, zip.entries.slice(1))).toEqual(want);
      expect(other.requests.at(-1)).toBe('whole');
    });
  });
});

describe('splitEntries', () => {
  const entry = (size: number) => ({ compressedSize: size, uncompressedSize: size }) as never;

  it('cuts adjacent runs of about equal work that cover every entry once', () => {
    const entries = [5, 1, 1, 1, 1, 1, 5, 100, 2, 2].map((k) => entry(k * 10_000));
    for (const n of [1, 2, 3, 4]) {
      const runs = splitEntries(entries, n);
      expect(runs.length).toBeLessThanOrEqual(n);
      expect(runs[0]![0]).toBe(0);
      expect(runs.at(-1)![1]).toBe(entries.length);
      for (let i = 1; i < runs.length; i++) expect(runs[i]![0]).toBe(runs[i - 1]![1]);
      for (const [a, b] of runs) expect(b).toBeGreaterThan(a);
    }
    expect(splitEntries(entries, 2)).toEqual([
      [0, 8],
      [8, 10],
    ]);
    expect(splitEntries([entry(10)], 2)).toEqual([[0, 1]]);
    expect(splitEntries([], 2)).toEqual([]);
  });
});
