/**
 * The EngineStore contract as a shared suite: every store (memory, file
 * system, IndexedDB) runs it. `reopen`, when given, opens a second instance
 * over the same storage, to prove records survive a restart.
 */
import { describe, expect, it } from 'vitest';
import type { ChunkRecord, DownloadRecord, EngineStore, FileRecord } from '../../src/engine/ports.ts';

export interface StoreSuiteOptions {
  /** A fresh, empty store. */
  open(): Promise<EngineStore>;
  /** Another instance over the same storage as store (a restart). */
  reopen?(store: EngineStore): Promise<EngineStore>;
}

const enc = new TextEncoder();

async function bytesOf(blob: Blob | undefined): Promise<Uint8Array | undefined> {
  return blob === undefined ? undefined : new Uint8Array(await blob.arrayBuffer());
}

function fileRecord(path: string, data: Uint8Array, verified: boolean): FileRecord {
  return { formatVersion: 1, path, size: data.length, sha256: 'x'.repeat(64), verified, storedAt: 1 };
}

function dl(path: string, patch: Partial<DownloadRecord> = {}): DownloadRecord {
  return { formatVersion: 1, path, url: 'http://127.0.0.1/x.zip', chunkSize: 4, chunks: 0, bytes: 0, complete: false, ...patch };
}

function chunk(path: string, index: number, length = 4, sha = String(index).repeat(64).slice(0, 64)): ChunkRecord {
  return { path, index, offset: index * 4, length, sha256: sha };
}

/** The chunk size of storeKeptZip's download: three chunks make a file larger than any store keeps inline. */
export const KEPT_CHUNK = 40_000;

/**
 * Downloads 100 000 bytes to path in three chunks of KEPT_CHUNK (the last
 * shorter), then commits the verified file made of them with fromDownload,
 * as the engine's verdict does; slices, when given, replaces the record's.
 */
export async function storeKeptZip(s: EngineStore, path: string, slices?: FileRecord['slices']): Promise<{ bytes: Uint8Array; record: FileRecord; blob: Blob }> {
  const lengths = [KEPT_CHUNK, KEPT_CHUNK, 100_000 - 2 * KEPT_CHUNK];
  const bytes = new Uint8Array(100_000);
  const shas = lengths.map((_, i) => 'abc'[i]!.repeat(64));
  let offset = 0;
  for (const [i, length] of lengths.entries()) {
    const data = new Uint8Array(length).fill(0x41 + i);
    bytes.set(data, offset);
    const last = i === lengths.length - 1;
    await s.commitChunk({ path, index: i, offset, length, sha256: shas[i]! }, data, dl(path, { chunkSize: KEPT_CHUNK, chunks: i + 1, bytes: offset + length, complete: last, ...(last ? { totalSize: 100_000 } : {}) }));
    offset += length;
  }
  const parts = await Promise.all(lengths.map((_, i) => s.getChunk(path, i)));
  const blob = new Blob(parts.map((p) => p!));
  const record: FileRecord = { ...fileRecord(path, bytes, true), slices: slices ?? { size: KEPT_CHUNK, sha256: shas } };
  await s.commitFiles([{ record, data: blob, fromDownload: true }], []);
  return { bytes, record, blob };
}

export function storeSuite(name: string, opts: StoreSuiteOptions): void {
  describe(`EngineStore contract: ${name}`, () => {
    it('keeps jobs by id and deletes them', async () => {
      const s = await opts.open();
      await s.putJob({ formatVersion: 1, id: 'a', extra: 1 } as never);
      await s.putJob({ formatVersion: 1, id: 'b' });
      expect(await s.getJob('a')).toEqual({ formatVersion: 1, id: 'a', extra: 1 });
      expect((await s.listJobs()).map((j) => j.id).sort()).toEqual(['a', 'b']);
      await s.putModuleState({ formatVersion: 1, jobId: 'a', module: 'example.com/a@v1.0.0', state: 'planned' } as never);
      await s.putModuleState({ formatVersion: 1, jobId: 'b', module: 'example.com/a@v1.0.0', state: 'planned' } as never);
      await s.appendLog({ jobId: 'a', time: 1, module: '', event: 'job-start' });
      await s.appendLog({ jobId: 'b', time: 2, module: '', event: 'job-start' });
      await s.appendLog({ jobId: 'a', time: 3, module: 'example.com/a@v1.0.0', event: 'state' });
      await s.deleteJob('a');
      expect(await s.getJob('a')).toBeUndefined();
      expect((await s.listJobs()).map((j) => j.id)).toEqual(['b']);
      // Everything of the job goes with it: its module states and its change log.
      expect(await s.listModuleStates('a')).toEqual([]);
      expect(await s.readLog('a')).toEqual([]);
      expect((await s.listModuleStates('b')).length).toBe(1);
      expect((await s.readLog('b')).map((e) => e.event)).toEqual(['job-start']);
      // The same id can be used again (a store that remembers directories must notice they went).
      await s.putModuleState({ formatVersion: 1, jobId: 'a', module: 'example.com/a@v1.0.0', state: 'fetching' } as never);
      expect((await s.listModuleStates('a')).map((r) => (r as unknown as { state: string }).state)).toEqual(['fetching']);
    });

    it('keys module states by job and module, replacing on put', async () => {
      const s = await opts.open();
      await s.putModuleState({ formatVersion: 1, jobId: 'j', module: 'example.com/a@v1.0.0', state: 'planned' } as never);
      await s.putModuleState({ formatVersion: 1, jobId: 'j', module: 'example.com/a@v1.0.0', state: 'fetching' } as never);
      await s.putModuleState({ formatVersion: 1, jobId: 'j', module: 'example.com/b@v1.0.0', state: 'planned' } as never);
      await s.putModuleState({ formatVersion: 1, jobId: 'k', module: 'example.com/a@v1.0.0', state: 'verified' } as never);
      const j = await s.listModuleStates('j');
      expect(j.map((r) => [r.module, (r as unknown as { state: string }).state]).sort()).toEqual([
        ['example.com/a@v1.0.0', 'fetching'],
        ['example.com/b@v1.0.0', 'planned'],
      ]);
      expect(await s.listModuleStates('k')).toHaveLength(1);
      expect(await s.listModuleStates('none')).toEqual([]);
    });

    it('writes a module state and the change-log entries leading to it together, in order', async () => {
      const s = await opts.open();
      const a = 'example.com/a@v1.0.0';
      await s.appendLog({ jobId: 'j', time: 1, module: '', event: 'job-start' });
      await s.putModuleState({ formatVersion: 1, jobId: 'j', module: a, state: 'fetching' } as never, [{ jobId: 'j', time: 2, module: a, event: 'state', detail: 'planned -> fetching' }]);
      expect((await s.listModuleStates('j')).map((r) => (r as unknown as { state: string }).state)).toEqual(['fetching']);
      await s.putModuleState({ formatVersion: 1, jobId: 'j', module: a, state: 'verifying' } as never, [
        { jobId: 'j', time: 3, module: a, event: 'state', detail: 'fetching -> fetched' },
        { jobId: 'j', time: 3, module: a, event: 'state', detail: 'fetched -> verifying' },
      ]);
      expect((await s.listModuleStates('j')).map((r) => (r as unknown as { state: string }).state)).toEqual(['verifying']);
      const log = await s.readLog('j');
      expect(log.map((e) => [e.event, e.detail])).toEqual([
        ['job-start', undefined],
        ['state', 'planned -> fetching'],
        ['state', 'fetching -> fetched'],
        ['state', 'fetched -> verifying'],
      ]);
      for (let i = 1; i < log.length; i++) expect(log[i]!.seq).toBeGreaterThan(log[i - 1]!.seq!);
      expect((await s.readLog('j', { module: a })).map((e) => e.detail)).toEqual(['planned -> fetching', 'fetching -> fetched', 'fetched -> verifying']);
    });

    it('stores whole files with records, lists by prefix in path order, deletes', async () => {
      const s = await opts.open();
      const a = enc.encode('module example.com/a\n');
      await s.putFile(fileRecord('cache/download/example.com/a/@v/v1.0.0.mod', a, true), a);
      await s.putFile(fileRecord('cache/download/example.com/a/@v/v1.0.0.info', enc.encode('{}'), true), new Blob([enc.encode('{}')]));
      await s.putFile(fileRecord('staging/x', enc.encode('x'), false), enc.encode('x'));
      expect(await bytesOf(await s.getFile('cache/download/example.com/a/@v/v1.0.0.mod'))).toEqual(a);
      expect((await s.getFileRecord('cache/download/example.com/a/@v/v1.0.0.mod'))?.verified).toBe(true);
      expect((await s.listFiles('cache/')).map((f) => f.path)).toEqual(['cache/download/example.com/a/@v/v1.0.0.info', 'cache/download/example.com/a/@v/v1.0.0.mod']);
      expect((await s.getFileRecords(['staging/x', 'nothing/here', 'cache/download/example.com/a/@v/v1.0.0.mod'])).map((r) => r && [r.path, r.verified])).toEqual([
        ['staging/x', false],
        undefined,
        ['cache/download/example.com/a/@v/v1.0.0.mod', true],
      ]);
      expect(await s.getFileRecords([])).toEqual([]);
      const got = await s.getFiles(['cache/download/example.com/a/@v/v1.0.0.info', 'nothing/here', 'cache/download/example.com/a/@v/v1.0.0.mod']);
      expect(await Promise.all(got.map(async (b) => (b === undefined || b instanceof Uint8Array ? b : bytesOf(b))))).toEqual([enc.encode('{}'), undefined, a]);
      expect(await s.getFiles([])).toEqual([]);
      await s.deleteFile('staging/x');
      expect(await s.getFile('staging/x')).toBeUndefined();
      expect(await s.getFileRecord('staging/x')).toBeUndefined();
      expect(await s.usage()).toBeGreaterThan(0);
    });

    it('never overwrites a verified file with unverified bytes', async () => {
      const s = await opts.open();
      const good = enc.encode('good');
      await s.putFile(fileRecord('cache/f', good, true), good);
      await expect(s.putFile(fileRecord('cache/f', enc.encode('evil'), false), enc.encode('evil'))).rejects.toThrow(/verified/);
      expect(await bytesOf(await s.getFile('cache/f'))).toEqual(good);
      const better = enc.encode('newer');
      await s.putFile(fileRecord('cache/f', better, true), better);
      expect(await bytesOf(await s.getFile('cache/f'))).toEqual(better);
    });

    it('commits several files and deletions at once (a module verdict)', async () => {
      const s = await opts.open();
      const mod = enc.encode('module example.com/a\n');
      const info = enc.encode('{"Version":"v1.0.0"}');
      const zip = new Blob([enc.encode('PK zip bytes')]);
      await s.putFile(fileRecord('staging/cache/a.mod', mod, false), mod);
      await s.putFile(fileRecord('staging/cache/a.info', info, false), info);
      await s.commitFiles(
        [
          { record: { ...fileRecord('cache/a.zip', new Uint8Array(zip.size), true), slices: { size: 8, sha256: ['a'.repeat(64), 'b'.repeat(64)] } }, data: zip },
          { record: fileRecord('cache/a.mod', mod, true), data: mod },
          { record: fileRecord('cache/a.info', info, true), data: info },
        ],
        ['staging/cache/a.mod', 'staging/cache/a.info', 'staging/never-there'],
      );
      expect((await s.listFiles('cache/')).map((f) => [f.path, f.verified])).toEqual([
        ['cache/a.info', true],
        ['cache/a.mod', true],
        ['cache/a.zip', true],
      ]);
      expect(await bytesOf(await s.getFile('cache/a.zip'))).toEqual(enc.encode('PK zip bytes'));
      // A record's slice hashes are kept with it.
      expect((await s.getFileRecords(['cache/a.zip']))[0]?.slices).toEqual({ size: 8, sha256: ['a'.repeat(64), 'b'.repeat(64)] });
      expect(await s.listFiles('staging/')).toEqual([]);
      // Nothing to do is not an error.
      await s.commitFiles([], []);
      // A put that breaks putFile's rules fails the commit and leaves that file as it was.
      await expect(
        s.commitFiles([{ record: fileRecord('cache/a.mod', enc.encode('evil'), false), data: enc.encode('evil') }], ['cache/a.info']),
      ).rejects.toThrow(/verified/);
      expect(await bytesOf(await s.getFile('cache/a.mod'))).toEqual(mod);
      expect(await s.getFileRecord('cache/a.info')).toBeDefined();
      await expect(s.commitFiles([{ record: fileRecord('cache/b', enc.encode('abc'), true), data: enc.encode('ab') }], [])).rejects.toThrow(/3 bytes/);
      expect(await s.getFileRecord('cache/b')).toBeUndefined();
    });

    it('commits chunks with their progress, replaces an index, truncates and resets', async () => {
      const s = await opts.open();
      const path = 'cache/download/example.com/a/@v/v1.0.0.zip';
      await s.resetDownload(dl(path));
      expect(await s.getDownload(path)).toEqual(dl(path));
      await s.commitChunk(chunk(path, 0), enc.encode('abcd'), dl(path, { chunks: 1, bytes: 4 }));
      await s.commitChunk(chunk(path, 1), enc.encode('efgh'), dl(path, { chunks: 2, bytes: 8 }));
      await s.commitChunk(chunk(path, 2, 2), enc.encode('ij'), dl(path, { chunks: 3, bytes: 10, complete: true, totalSize: 10 }));
      expect((await s.getDownload(path))?.bytes).toBe(10);
      expect((await s.listChunks(path)).map((c) => [c.index, c.offset, c.length])).toEqual([[0, 0, 4], [1, 4, 4], [2, 8, 2]]);
      expect(await bytesOf(await s.getChunk(path, 1))).toEqual(enc.encode('efgh'));

      // Replacing chunk 1 (a re-fetched bad range) keeps the others and the progress.
      await s.commitChunk(chunk(path, 1, 4, 'f'.repeat(64)), enc.encode('EFGH'), dl(path, { chunks: 3, bytes: 10, complete: true, totalSize: 10 }));
      expect(await bytesOf(await s.getChunk(path, 1))).toEqual(enc.encode('EFGH'));
      expect((await s.listChunks(path)).map((c) => c.sha256[0])).toEqual(['0', 'f', '2']);
      expect(await bytesOf(await s.getChunk(path, 0))).toEqual(enc.encode('abcd'));

      await s.truncateDownload(path, 1, dl(path, { chunks: 1, bytes: 4 }));
      expect((await s.listChunks(path)).map((c) => c.index)).toEqual([0]);
      expect(await s.getChunk(path, 1)).toBeUndefined();
      expect((await s.getDownload(path))?.chunks).toBe(1);

      await s.resetDownload(dl(path, { url: 'http://127.0.0.1/other.zip' }));
      expect(await s.listChunks(path)).toEqual([]);
      expect(await s.getChunk(path, 0)).toBeUndefined();
      expect((await s.getDownload(path))?.url).toBe('http://127.0.0.1/other.zip');

      await s.deleteDownload(path);
      expect(await s.getDownload(path)).toBeUndefined();
      expect(await s.listChunks(path)).toEqual([]);
    });

    it('ends a download in the commit of the file made of its chunks (FilePut.fromDownload)', async () => {
      const s = await opts.open();
      const path = 'cache/download/example.com/a/@v/v1.0.0.zip';
      const { bytes, record } = await storeKeptZip(s, path);
      expect(await s.getDownload(path)).toBeUndefined();
      expect(await s.listChunks(path)).toEqual([]);
      expect(await s.getChunk(path, 0)).toBeUndefined();
      expect(await s.getFileRecord(path)).toEqual(record);
      expect(await bytesOf(await s.getFile(path))).toEqual(bytes);
      const [got] = await s.getFiles([path]);
      expect(got instanceof Uint8Array ? got : await bytesOf(got)).toEqual(bytes);
      if (opts.reopen !== undefined) {
        const t = await opts.reopen(s);
        expect(await bytesOf(await t.getFile(path))).toEqual(bytes);
        expect(await t.getDownload(path)).toBeUndefined();
        expect(await t.listChunks(path)).toEqual([]);
      }
      // Once the file is deleted, the path downloads again from nothing.
      await s.deleteFile(path);
      expect(await s.getFile(path)).toBeUndefined();
      await s.commitChunk(chunk(path, 0), enc.encode('wxyz'), dl(path, { chunks: 1, bytes: 4 }));
      expect((await s.listChunks(path)).map((c) => c.index)).toEqual([0]);
      expect(await bytesOf(await s.getChunk(path, 0))).toEqual(enc.encode('wxyz'));
    });

    it('assigns increasing sequence numbers to log entries and filters them', async () => {
      const s = await opts.open();
      await s.appendLog({ jobId: 'j', time: 1, module: '', event: 'job-start' });
      await s.appendLog({ jobId: 'j', time: 2, module: 'm@v1.0.0', event: 'retry', error: 'boom', bytes: 3 });
      await s.appendLog({ jobId: 'other', time: 3, module: 'm@v1.0.0', event: 'state' });
      await s.appendLog({ jobId: 'j', time: 4, module: 'm@v1.0.0', event: 'state', detail: 'fetching -> fetched' });
      const all = await s.readLog('j');
      expect(all.map((e) => e.event)).toEqual(['job-start', 'retry', 'state']);
      const seqs = all.map((e) => e.seq!);
      expect(seqs[0]! < seqs[1]! && seqs[1]! < seqs[2]!).toBe(true);
      expect((await s.readLog('j', { module: 'm@v1.0.0' })).map((e) => e.event)).toEqual(['retry', 'state']);
      expect((await s.readLog('j', { afterSeq: seqs[0]! })).map((e) => e.event)).toEqual(['retry', 'state']);
      expect(await s.readLog('j', { limit: 1 })).toHaveLength(1);
      expect(all[1]).toMatchObject({ error: 'boom', bytes: 3, time: 2 });
    });

    it('compare-and-swaps meta values', async () => {
      const s = await opts.open();
      expect(await s.getMeta('k')).toBeUndefined();
      expect(await s.casMeta('k', enc.encode('x'), enc.encode('v1'))).toBe(false);
      expect(await s.casMeta('k', undefined, enc.encode('v1'))).toBe(true);
      expect(await s.casMeta('k', undefined, enc.encode('v2'))).toBe(false);
      expect(await s.casMeta('k', enc.encode('v0'), enc.encode('v2'))).toBe(false);
      expect(await s.casMeta('k', enc.encode('v1'), enc.encode('v2'))).toBe(true);
      expect(await s.getMeta('k')).toEqual(enc.encode('v2'));
    });

    if (opts.reopen !== undefined) {
      const reopen = opts.reopen;
      it('keeps everything across a restart', async () => {
        const s = await opts.open();
        const path = 'cache/download/example.com/a/@v/v1.0.0.zip';
        await s.putJob({ formatVersion: 1, id: 'j' });
        await s.resetDownload(dl(path));
        await s.commitChunk(chunk(path, 0), enc.encode('abcd'), dl(path, { chunks: 1, bytes: 4 }));
        await s.appendLog({ jobId: 'j', time: 1, module: '', event: 'a' });
        await s.casMeta('k', undefined, enc.encode('v'));
        const t = await reopen(s);
        expect(await t.getJob('j')).toEqual({ formatVersion: 1, id: 'j' });
        expect((await t.getDownload(path))?.bytes).toBe(4);
        expect(await bytesOf(await t.getChunk(path, 0))).toEqual(enc.encode('abcd'));
        await t.appendLog({ jobId: 'j', time: 2, module: '', event: 'b' });
        const log = await t.readLog('j');
        expect(log.map((e) => e.event)).toEqual(['a', 'b']);
        expect(log[1]!.seq! > log[0]!.seq!).toBe(true);
        expect(await t.getMeta('k')).toEqual(enc.encode('v'));
      });
    }
  });
}
