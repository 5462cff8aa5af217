// The IndexedDB engine store under fake-indexeddb: the shared EngineStore
// suite, then what only IndexedDB
// has: one transaction per chunk and progress, quota errors, migrations,
// reopening after the browser closes the connection.
import { describe, it, expect, afterEach } from 'vitest';
import { openDB } from 'idb';
import { openIdbStore } from '../../../src/platform/browser/idbStore.ts';
import type { IdbStore } from '../../../src/platform/browser/idbStore.ts';
import { IDB_MIGRATIONS } from '../../../src/platform/browser/idbMigrations.ts';
import type { IdbMigration } from '../../../src/platform/browser/idbMigrations.ts';
import { StorageFullError } from '../../../src/engine/ports.ts';
import { KEPT_CHUNK, storeKeptZip, storeSuite } from '../../support/storeSuite.ts';
import type { ChunkRecord, DownloadRecord, FileRecord } from '../../../src/engine/ports.ts';

let dbCounter = 0;
const opened: IdbStore[] = [];

/** A store on a database nobody else uses. */
async function freshStore(opts: Parameters<typeof openIdbStore>[0] = {}): Promise<IdbStore> {
  const store = await openIdbStore({ name: `modcarry-test-${++dbCounter}`, ...opts });
  opened.push(store);
  return store;
}

afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

const ZIP = 'cache/download/example.com/m/@v/v1.0.0.zip';

function progress(chunks: number, bytes: number, over: Partial<DownloadRecord> = {}): DownloadRecord {
  return { formatVersion: 1, path: ZIP, url: 'http://127.0.0.1/m.zip', chunkSize: 4, chunks, bytes, complete: false, ...over };
}

function chunk(index: number, length = 4): ChunkRecord {
  return { path: ZIP, index, offset: index * 4, length, sha256: 'ab'.repeat(32) };
}

async function text(b: Blob | undefined): Promise<string | undefined> {
  return b === undefined ? undefined : new TextDecoder().decode(await b.arrayBuffer());
}

/**
 * Makes the next put into storeName fail the way a full disk does: the
 * request is issued, then the transaction aborts with errorName.
 */
function failNextPut(storeName: string, errorName: 'QuotaExceededError' | 'AbortError', mode: 'throw' | 'abort'): () => void {
  const proto = globalThis.IDBObjectStore.prototype;
  const original = proto.put;
  proto.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>): IDBRequest<IDBValidKey> {
    if (this.name !== storeName) return original.apply(this, args);
    proto.put = original;
    if (mode === 'throw') throw new DOMException('quota exceeded (test)', errorName);
    const req = original.apply(this, args);
    this.transaction.abort();
    return req;
  };
  return () => {
    proto.put = original;
  };
}

/** The database name of each store the suite opened, so reopen can open a second instance on it. */
const names = new WeakMap<object, string>();

storeSuite('idbStore (fake-indexeddb)', {
  async open() {
    const name = `modcarry-test-${++dbCounter}`;
    const s = await freshStore({ name });
    names.set(s, name);
    return s;
  },
  async reopen(store) {
    const name = names.get(store);
    if (name === undefined) throw new Error('reopen: not a store this suite opened');
    return freshStore({ name });
  },
});

describe('IndexedDB store specifics', () => {
  describe('a zip that keeps its download\'s chunks', () => {
    /** The raw values under ZIP, read past the store. */
    async function raw(name: string): Promise<{ file: unknown; download: unknown; chunkKeys: unknown[] }> {
      const db = await openDB(name);
      try {
        const [file, download, chunkKeys] = await Promise.all([db.get('files', ZIP), db.get('downloads', ZIP), db.getAllKeys('chunks')]);
        return { file, download, chunkKeys };
      } finally {
        db.close();
      }
    }

    it('stores no copy: the file is its chunks, counted once, and the download is gone', async () => {
      const name = `modcarry-test-${++dbCounter}`;
      const s = await freshStore({ name });
      const { bytes } = await storeKeptZip(s, ZIP);
      const r = await raw(name);
      expect(r.file).toMatchObject({ chunks: 3 });
      expect(r.file).not.toHaveProperty('data');
      expect(r.download).toEqual({ keptBy: 'file' });
      expect(r.chunkKeys).toEqual([[ZIP, 0], [ZIP, 1], [ZIP, 2]]);
      expect(await s.usage()).toBe(bytes.length);
      expect(new Uint8Array(await (await s.getFile(ZIP))!.arrayBuffer())).toEqual(bytes);
    });

    it('refuses every chunk write to the path while the file keeps them, and loses nothing', async () => {
      const s = await freshStore();
      const { bytes } = await storeKeptZip(s, ZIP);
      const p = progress(1, 4, { chunkSize: KEPT_CHUNK });
      await expect(s.commitChunk(chunk(0), new TextEncoder().encode('evil'), p)).rejects.toThrow(/stored verified and keeps its downloaded chunks/);
      await expect(s.resetDownload(progress(0, 0))).rejects.toThrow(/keeps its downloaded chunks/);
      await expect(s.truncateDownload(ZIP, 0, progress(0, 0))).rejects.toThrow(/keeps its downloaded chunks/);
      // Ending the download the file came from is a no-op: the chunks are the file's.
      await s.deleteDownload(ZIP);
      expect(await s.getDownload(ZIP)).toBeUndefined();
      expect(new Uint8Array(await (await s.getFile(ZIP))!.arrayBuffer())).toEqual(bytes);
      expect(await s.usage()).toBe(bytes.length);
    });

    it('copies the bytes when the chunks are not the ones the record names, and still ends the download', async () => {
      const name = `modcarry-test-${++dbCounter}`;
      const s = await freshStore({ name });
      const { bytes } = await storeKeptZip(s, ZIP, { size: KEPT_CHUNK, sha256: ['a'.repeat(64), 'f'.repeat(64), 'c'.repeat(64)] });
      const r = await raw(name);
      expect(r.file).toHaveProperty('data');
      expect(r.download).toBeUndefined();
      expect(r.chunkKeys).toEqual([]);
      expect(new Uint8Array(await (await s.getFile(ZIP))!.arrayBuffer())).toEqual(bytes);
      expect(await s.usage()).toBe(bytes.length);
    });

    it('counts only what a commit writes when the disk is full: a kept zip its record, a copy its bytes', async () => {
      const s = await freshStore({ estimate: async () => ({ usage: 990, quota: 1000 }) });
      for (const [slices, copied] of [[undefined, false], [{ size: KEPT_CHUNK, sha256: ['a'.repeat(64), 'f'.repeat(64), 'c'.repeat(64)] }, true]] as const) {
        await s.deleteFile(ZIP);
        await s.deleteDownload(ZIP);
        // The chunks commit; the commit of the file is the first put into 'files', and fails.
        const restore = failNextPut('files', 'QuotaExceededError', 'throw');
        try {
          const err = await storeKeptZip(s, ZIP, slices).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(StorageFullError);
          const needed = (err as StorageFullError).needed;
          if (copied) {
            expect(needed).toBe(100_000);
          } else {
            expect(needed).toBeGreaterThan(0);
            expect(needed).toBeLessThan(1000);
          }
          expect((err as StorageFullError).available).toBe(10);
        } finally {
          restore();
        }
        // Nothing was lost: the download still holds every chunk.
        expect((await s.listChunks(ZIP)).map((c) => c.index)).toEqual([0, 1, 2]);
        expect(await s.getFile(ZIP)).toBeUndefined();
      }
    });

    it('drops the kept chunks with the file when a commit replaces or deletes it', async () => {
      const name = `modcarry-test-${++dbCounter}`;
      const s = await freshStore({ name });
      const rec = (size: number): FileRecord => ({ formatVersion: 1, path: ZIP, size, sha256: '00', verified: true, storedAt: 2 });
      await storeKeptZip(s, ZIP);
      // Replaced by bytes of its own: its chunks and their marker go in the same commit.
      await s.commitFiles([{ record: rec(3), data: new TextEncoder().encode('new') }], []);
      let r = await raw(name);
      expect(r.chunkKeys).toEqual([]);
      expect(r.download).toBeUndefined();
      expect(await text(await s.getFile(ZIP))).toBe('new');
      expect(await s.usage()).toBe(3);
      // Deleted by a commit's deletions (the files-only transaction finds the
      // kept chunks, gives way, and the commit runs with the chunk stores).
      await s.deleteFile(ZIP);
      await storeKeptZip(s, ZIP);
      await s.commitFiles([{ record: { ...rec(2), path: 'cache/other.info' }, data: new TextEncoder().encode('{}') }], [ZIP]);
      r = await raw(name);
      expect(r.file).toBeUndefined();
      expect(r.chunkKeys).toEqual([]);
      expect(r.download).toBeUndefined();
      expect(await text(await s.getFile('cache/other.info'))).toBe('{}');
      // And the path downloads again.
      await s.commitChunk(chunk(0), new TextEncoder().encode('abcd'), progress(1, 4));
      expect(await text(await s.getChunk(ZIP, 0))).toBe('abcd');
    });
  });

  it('commitFiles is all or nothing: a refused put undoes the puts and deletions before it', async () => {
    const s = await freshStore();
    const rec = (path: string, size: number, verified: boolean): FileRecord => ({ formatVersion: 1, path, size, sha256: '00', verified, storedAt: 1 });
    await s.putFile(rec('cache/v.mod', 4, true), new TextEncoder().encode('good'));
    await s.putFile(rec('staging/v.mod', 4, false), new TextEncoder().encode('next'));
    await expect(
      s.commitFiles(
        [
          { record: rec('cache/new.info', 2, true), data: new TextEncoder().encode('{}') },
          { record: rec('cache/v.mod', 4, false), data: new TextEncoder().encode('evil') },
        ],
        ['staging/v.mod'],
      ),
    ).rejects.toThrow(/refusing to overwrite verified cache\/v.mod/);
    expect(await s.getFileRecord('cache/new.info')).toBeUndefined();
    expect(await text(await s.getFile('cache/v.mod'))).toBe('good');
    expect(await text(await s.getFile('staging/v.mod'))).toBe('next');
  });

  it('round-trips jobs, module states, files, chunks, log and meta', async () => {
    const s = await freshStore();
    await s.putJob({ formatVersion: 1, id: 'j1' });
    await s.putModuleState({ formatVersion: 1, jobId: 'j1', module: 'a@v1.0.0' });
    await s.putModuleState({ formatVersion: 1, jobId: 'j1', module: 'b@v1.0.0' });
    await s.putModuleState({ formatVersion: 1, jobId: 'j10', module: 'a@v1.0.0' });
    expect((await s.listModuleStates('j1')).map((m) => m.module)).toEqual(['a@v1.0.0', 'b@v1.0.0']);

    const rec: FileRecord = { formatVersion: 1, path: 'cache/download/x/@v/v1.0.0.mod', size: 5, sha256: '00', verified: false, storedAt: 1 };
    await s.putFile(rec, new TextEncoder().encode('hello'));
    expect(await s.getFileRecord(rec.path)).toEqual(rec);
    expect(await text(await s.getFile(rec.path))).toBe('hello');
    expect((await s.listFiles('cache/download/x/')).map((f) => f.path)).toEqual([rec.path]);
    expect(await s.listFiles('cache/download/y/')).toEqual([]);

    await s.deleteJob('j1');
    expect(await s.getJob('j1')).toBeUndefined();
    expect(await s.listModuleStates('j1')).toEqual([]);
    expect(await s.listModuleStates('j10')).toHaveLength(1);
  });

  it('commits a chunk together with its progress record', async () => {
    const s = await freshStore();
    await s.resetDownload(progress(0, 0));
    await s.commitChunk(chunk(0), new TextEncoder().encode('abcd'), progress(1, 4));
    await s.commitChunk(chunk(1, 2), new TextEncoder().encode('ef'), progress(2, 6));
    expect(await s.getDownload(ZIP)).toEqual(progress(2, 6));
    expect((await s.listChunks(ZIP)).map((c) => [c.index, c.length])).toEqual([[0, 4], [1, 2]]);
    expect(await text(await s.getChunk(ZIP, 1))).toBe('ef');
    expect(await s.usage()).toBe(6);

    await s.truncateDownload(ZIP, 1, progress(1, 4));
    expect((await s.listChunks(ZIP)).map((c) => c.index)).toEqual([0]);
    expect(await s.getDownload(ZIP)).toEqual(progress(1, 4));

    await s.resetDownload(progress(0, 0, { url: 'http://127.0.0.1/other.zip' }));
    expect(await s.listChunks(ZIP)).toEqual([]);
    await s.deleteDownload(ZIP);
    expect(await s.getDownload(ZIP)).toBeUndefined();
  });

  it.each(['throw', 'abort'] as const)('leaves neither chunk nor progress when the chunk put fails (%s)', async (mode) => {
    const estimate = async () => ({ usage: 900, quota: 1000 });
    const s = await freshStore({ estimate });
    await s.resetDownload(progress(0, 0));
    await s.commitChunk(chunk(0), new TextEncoder().encode('abcd'), progress(1, 4));

    const restore = failNextPut('chunks', mode === 'throw' ? 'QuotaExceededError' : 'AbortError', mode);
    try {
      const err = await s.commitChunk(chunk(1), new TextEncoder().encode('efgh'), progress(2, 8)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StorageFullError);
      expect((err as StorageFullError).needed).toBe(4);
      expect((err as StorageFullError).available).toBe(100);
      expect((err as StorageFullError).message).toBe('storage is full: 4 more bytes are needed, 100 are available');
    } finally {
      restore();
    }
    // The progress still counts one chunk, and only that chunk exists.
    expect(await s.getDownload(ZIP)).toEqual(progress(1, 4));
    expect((await s.listChunks(ZIP)).map((c) => c.index)).toEqual([0]);
    // The store reopened and works.
    await s.commitChunk(chunk(1), new TextEncoder().encode('efgh'), progress(2, 8));
    expect(await s.getDownload(ZIP)).toEqual(progress(2, 8));
  });

  it('reports StorageFullError without numbers when no estimate is available', async () => {
    const s = await freshStore({ estimate: async () => undefined });
    const restore = failNextPut('files', 'QuotaExceededError', 'throw');
    try {
      const rec: FileRecord = { formatVersion: 1, path: 'p', size: 3, sha256: '00', verified: false, storedAt: 1 };
      await expect(s.putFile(rec, new Uint8Array(3))).rejects.toThrow('storage is full: 3 more bytes are needed');
    } finally {
      restore();
    }
  });

  it('does not map other write errors to StorageFullError', async () => {
    const s = await freshStore();
    const rec: FileRecord = { formatVersion: 1, path: 'p', size: 4, sha256: '00', verified: true, storedAt: 1 };
    await expect(s.putFile(rec, new Uint8Array(3))).rejects.toThrow('record says 4 bytes, data has 3');
    await s.putFile(rec, new Uint8Array(4));
    await expect(s.putFile({ ...rec, verified: false }, new Uint8Array(4))).rejects.toThrow(
      'refusing to overwrite verified p with unverified bytes',
    );
    expect((await s.getFileRecord('p'))?.verified).toBe(true);
  });

  it('reads the log by job and module, after a sequence number, up to a limit', async () => {
    const s = await freshStore();
    for (let i = 0; i < 6; i++) {
      await s.appendLog({ jobId: i % 3 === 2 ? 'other' : 'j', time: i, module: i % 2 === 0 ? 'a@v1' : 'b@v1', event: `e${i}` });
    }
    const all = await s.readLog('j');
    expect(all.map((e) => e.event)).toEqual(['e0', 'e1', 'e3', 'e4']);
    const seqs = all.map((e) => e.seq ?? -1);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(4);
    expect((await s.readLog('j', { afterSeq: seqs[1] })).map((e) => e.event)).toEqual(['e3', 'e4']);
    expect((await s.readLog('j', { module: 'a@v1' })).map((e) => e.event)).toEqual(['e0', 'e4']);
    expect((await s.readLog('j', { module: 'a@v1', afterSeq: seqs[0] })).map((e) => e.event)).toEqual(['e4']);
    expect((await s.readLog('j', { limit: 2 })).map((e) => e.event)).toEqual(['e0', 'e1']);
    expect(await s.readLog('j', { afterSeq: seqs[3] })).toEqual([]);
    expect(await s.readLog('nobody')).toEqual([]);
  });

  it('compares and swaps meta values', async () => {
    const s = await freshStore();
    const a = new Uint8Array([1]);
    const b = new Uint8Array([2]);
    expect(await s.casMeta('k', a, b)).toBe(false);
    expect(await s.casMeta('k', undefined, a)).toBe(true);
    expect(await s.casMeta('k', undefined, b)).toBe(false);
    expect(await s.casMeta('k', new Uint8Array([1]), b)).toBe(true);
    expect(await s.getMeta('k')).toEqual(b);
  });

  it('reopens after the browser terminates the connection or another version needs it', async () => {
    const name = `modcarry-test-${++dbCounter}`;
    const s = await openIdbStore({ name });
    opened.push(s);
    await s.putJob({ formatVersion: 1, id: 'before' });
    // Another tab opens a newer version: our connection gets versionchange and must yield.
    const newer = await openDB(name, IDB_MIGRATIONS.length + 1, { upgrade() {} });
    newer.close();
    // The store's version is now behind the database's; a build with the same
    // migrations cannot reopen it and says so rather than hanging.
    await expect(s.getJob('before')).rejects.toThrow(expect.objectContaining({ name: 'VersionError' }));

    const t = await openIdbStore({ name: `modcarry-test-${++dbCounter}` });
    opened.push(t);
    await t.putJob({ formatVersion: 1, id: 'x' });
    // Simulate the browser closing the connection under us (storage pressure, devtools).
    const db = await (t as unknown as { connection(): Promise<{ close(): void }> }).connection();
    db.close();
    expect(await t.getJob('x')).toEqual({ formatVersion: 1, id: 'x' });
  });
});

describe('IndexedDB store migrations', () => {
  it('creates version 1 with every store and index', async () => {
    const name = `modcarry-test-${++dbCounter}`;
    (await openIdbStore({ name })).close();
    const db = await openDB(name);
    expect(db.version).toBe(IDB_MIGRATIONS.length);
    expect([...db.objectStoreNames].sort()).toEqual(['chunks', 'downloads', 'files', 'jobs', 'log', 'meta', 'moduleStates']);
    const tx = db.transaction('log');
    expect([...tx.store.indexNames].sort()).toEqual(['byJob', 'byJobModule']);
    db.close();
  });

  it('runs only the missing steps, in order, and rewrites old records', async () => {
    const name = `modcarry-test-${++dbCounter}`;
    const v1 = IDB_MIGRATIONS[0] as IdbMigration;
    const first = await openIdbStore({ name, migrations: [v1] });
    await first.putJob({ formatVersion: 0, id: 'legacy' } as never);
    await first.putJob({ formatVersion: 1, id: 'current' });
    first.close();

    const ran: number[] = [];
    const v2: IdbMigration = async (_db, tx) => {
      ran.push(2);
      for await (const c of tx.objectStore('jobs')) {
        if (c.value.formatVersion < 1) await c.update({ ...c.value, formatVersion: 1, migrated: true } as never);
      }
    };
    const v3: IdbMigration = (db) => {
      ran.push(3);
      expect(db.version).toBe(3);
    };
    const s = await openIdbStore({ name, migrations: [v1, v2, v3] });
    opened.push(s);
    expect(ran).toEqual([2, 3]);
    expect(await s.getJob('legacy')).toEqual({ formatVersion: 1, id: 'legacy', migrated: true });
    expect(await s.getJob('current')).toEqual({ formatVersion: 1, id: 'current' });
  });

  it('keeps the old version when a step fails', async () => {
    const name = `modcarry-test-${++dbCounter}`;
    const v1 = IDB_MIGRATIONS[0] as IdbMigration;
    const first = await openIdbStore({ name, migrations: [v1] });
    await first.putJob({ formatVersion: 1, id: 'kept' });
    first.close();
    const broken: IdbMigration = async (db, tx) => {
      await tx.objectStore('jobs').delete('kept');
      db.createObjectStore('jobs'); // already exists: ConstraintError aborts the upgrade
    };
    await expect(openIdbStore({ name, migrations: [v1, broken] })).rejects.toThrow(expect.objectContaining({ name: 'ConstraintError' }));
    const again = await openIdbStore({ name, migrations: [v1] });
    opened.push(again);
    expect(await again.getJob('kept')).toEqual({ formatVersion: 1, id: 'kept' });
  });
});
