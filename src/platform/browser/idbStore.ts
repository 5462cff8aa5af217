/**
 * The engine's store on IndexedDB (through idb): the browser counterpart of
 * the memory and file-system stores, kept to the EngineStore invariants in
 * src/engine/ports.ts.
 *
 * Layout (DB version = number of migrations, see idbMigrations.ts):
 * - jobs          key id                 engine-owned job records
 * - moduleStates  key [jobId, module]    engine-owned per-module records
 * - files         key path               { record, data: Blob | Uint8Array } (bytes inline up to INLINE_MAX),
 *                                        or { record, chunks: n }: its bytes are chunks [path, 0..n-1]
 * - downloads     key path               DownloadRecord (progress of a ranged download),
 *                                        or { keptBy: 'file' }: the path's chunks are its file's
 * - chunks        key [path, index]      { record, data: Blob }, 1-4 MiB each
 * - log           key seq (autoIncrement), indexes byJob and byJobModule
 * - meta          key string             Uint8Array, compare-and-swap
 *
 * Why these choices:
 * - Blob values: Chromium keeps them as separate files and reads them lazily,
 *   so a zip assembled as new Blob(chunks) stays disk-backed. Small files
 *   (.info, .mod, .ziphash, checksum-database lookups and tiles: most of a
 *   run's files) are stored inline as bytes instead: a Blob value costs a file
 *   of its own, which made every such write several times slower. getFile
 *   gives a Blob either way.
 * - A chunk and the progress record that counts it are written in one
 *   readwrite transaction, so a crash leaves both or neither. The transaction
 *   is opened only after the bytes are in hand: nothing but IndexedDB requests
 *   is awaited inside it (it would auto-commit).
 * - A zip verified from its download's chunks (FilePut.fromDownload) keeps
 *   those chunks as its bytes when their records match its slices, instead
 *   of a new Blob of them: Chromium copies every Blob value into a file of its
 *   own, which cost the zip's size a second time in writes and, until the
 *   chunks were deleted, in quota. The download's progress record is replaced
 *   by a KeptChunks marker in the same transaction, and every write of
 *   chunks (commitChunk, truncateDownload, resetDownload) reads that record
 *   in its own transaction and refuses a marked path, so the chunks stay the
 *   file's until deleteFile (or a put over the file) removes them with it.
 * - Chunk writes use relaxed durability (the default since Chrome 121, about
 *   10x faster for many small writes); a verified file and migrations use
 *   strict, since losing those would cost a re-verification or corrupt data.
 * - QuotaExceededError, and the AbortError Chromium sometimes raises near the
 *   limit instead, become StorageFullError with the numbers from
 *   navigator.storage.estimate(). The connection is then reopened: Firefox can
 *   leave it wedged read-only after a quota error.
 * - When the browser terminates the connection, or another tab needs a newer
 *   version (versionchange), the connection is dropped and the next call opens
 *   a fresh one; a call that hit the closing connection is retried once.
 */
import { openDB } from 'idb';
import type { IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import { StorageFullError } from '../../engine/ports.ts';
import type {
  ChunkRecord,
  DownloadRecord,
  EngineStore,
  FilePut,
  FileRecord,
  JobRecordBase,
  LogEntry,
  ModuleStateRecordBase,
} from '../../engine/ports.ts';
import { IDB_MIGRATIONS } from './idbMigrations.ts';
import type { IdbMigration, KeptChunks, ModcarryDB, StoredFile } from './idbMigrations.ts';
import { bytesEqual } from '../../core/internal/bytes.ts';

export type { ModcarryDB } from './idbMigrations.ts';

/** The default database name; one database per browser profile and origin. */
export const DEFAULT_DB_NAME = 'modcarry';

export interface IdbStoreOptions {
  /** Database name (tests use a fresh one each). */
  name?: string;
  /** Storage estimate for StorageFullError (default navigator.storage.estimate). */
  estimate?: () => Promise<{ usage: number; quota: number } | undefined>;
  /** Schema migrations; the DB version is their count. Tests pass their own list. */
  migrations?: readonly IdbMigration[];
}

/** An EngineStore on IndexedDB, plus close() to release the connection. */
export interface IdbStore extends EngineStore {
  close(): void;
}

type Db = IDBPDatabase<ModcarryDB>;
type Stores = StoreNames<ModcarryDB>;
type WriteTx<S extends Stores[]> = IDBPTransaction<ModcarryDB, S, 'readwrite'>;

/** Opens (creating or migrating) the store's database. */
export async function openIdbStore(options: IdbStoreOptions = {}): Promise<IdbStore> {
  const store = new IdbEngineStore(options);
  await store.connection();
  return store;
}

class IdbEngineStore implements IdbStore {
  readonly #name: string;
  readonly #migrations: readonly IdbMigration[];
  readonly #estimate: () => Promise<{ usage: number; quota: number } | undefined>;
  #db: Promise<Db> | undefined;
  #closed = false;

  constructor(options: IdbStoreOptions) {
    this.#name = options.name ?? DEFAULT_DB_NAME;
    this.#migrations = options.migrations ?? IDB_MIGRATIONS;
    this.#estimate = options.estimate ?? defaultEstimate;
  }

  /** The open connection, opening (and migrating) it when there is none. */
  connection(): Promise<Db> {
    if (this.#closed) return Promise.reject(new Error('modcarry: the IndexedDB store was closed'));
    this.#db ??= this.#open();
    return this.#db;
  }

  #open(): Promise<Db> {
    const migrations = this.#migrations;
    let stepError: unknown;
    const opening = openDB<ModcarryDB>(this.#name, migrations.length, {
      async upgrade(db, oldVersion, newVersion, tx) {
        // idb ignores this promise: a failing step must abort the versionchange
        // transaction itself, or what ran before the failure would commit.
        try {
          for (let v = oldVersion; v < (newVersion ?? migrations.length); v++) {
            const step = migrations[v];
            if (step === undefined) throw new Error(`modcarry: no IndexedDB migration to version ${v + 1}`);
            await step(db, tx);
          }
        } catch (err) {
          stepError = err;
          tx.done.catch(() => undefined);
          try {
            tx.abort();
          } catch {
            // already aborted
          }
        }
      },
      blocking: () => this.#drop(),
      terminated: () => this.#drop(),
    }).catch((err: unknown) => {
      if (this.#db === opening) this.#db = undefined;
      throw stepError ?? err;
    });
    return opening;
  }

  /** Forgets the connection (closing it); the next call reopens. */
  #drop(): void {
    const db = this.#db;
    this.#db = undefined;
    void db?.then((d) => d.close(), () => undefined);
  }

  close(): void {
    this.#drop();
    this.#closed = true;
  }

  /** Runs fn on the connection, retrying once on a fresh one if the old was closing. */
  async #with<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    const db = await this.connection();
    try {
      return await fn(db);
    } catch (err) {
      if (!isClosingConnection(err) || this.#closed) throw err;
      if (this.#db !== undefined && (await this.#db.catch(() => undefined)) === db) this.#drop();
      return fn(await this.connection());
    }
  }

  /**
   * One readwrite transaction over stores. fn issues requests only (no other
   * awaits); a synchronous throw or a failed request aborts the whole
   * transaction. Quota failures become StorageFullError(needed), read once
   * the transaction has failed (a function: what fn found it had to write).
   */
  async #write<S extends Stores[], T>(
    stores: S,
    durability: 'relaxed' | 'strict' | 'default',
    needed: number | (() => number),
    fn: (tx: WriteTx<S>) => Promise<T>,
  ): Promise<T> {
    try {
      return await this.#with(async (db) => {
        const tx = db.transaction(stores, 'readwrite', { durability });
        const done = tx.done;
        try {
          const result = await fn(tx);
          await done;
          return result;
        } catch (err) {
          try {
            tx.abort();
          } catch {
            // The transaction had already aborted (the browser did it: quota,
            // I/O): its own error is the cause, not the follow-on one here.
            throw await done.then(
              () => err,
              (abortErr: unknown) => abortErr ?? err,
            );
          }
          done.catch(() => undefined);
          throw err;
        }
      });
    } catch (err) {
      if (!isStorageFull(err)) throw err;
      this.#drop();
      throw new StorageFullError(typeof needed === 'number' ? needed : needed(), await this.#available(), err);
    }
  }

  async #available(): Promise<number | undefined> {
    try {
      const e = await this.#estimate();
      return e === undefined ? undefined : Math.max(0, e.quota - e.usage);
    } catch {
      return undefined;
    }
  }

  // --- jobs and module states ---------------------------------------------

  async putJob(job: JobRecordBase): Promise<void> {
    await this.#write(['jobs'], 'default', 0, (tx) => tx.objectStore('jobs').put(job));
  }

  getJob(id: string): Promise<JobRecordBase | undefined> {
    return this.#with((db) => db.get('jobs', id));
  }

  listJobs(): Promise<JobRecordBase[]> {
    return this.#with((db) => db.getAll('jobs'));
  }

  /** Deletes the job, its module states and its change log, in one transaction. */
  async deleteJob(id: string): Promise<void> {
    await this.#write(['jobs', 'moduleStates', 'log'], 'default', 0, async (tx) => {
      const entries = await tx.objectStore('log').index('byJob').getAllKeys(id);
      await Promise.all([tx.objectStore('jobs').delete(id), tx.objectStore('moduleStates').delete(jobRange(id)), ...entries.map((seq) => tx.objectStore('log').delete(seq))]);
    });
  }

  async putModuleState(state: ModuleStateRecordBase, log: readonly LogEntry[] = []): Promise<void> {
    if (log.length === 0) {
      await this.#write(['moduleStates'], 'default', 0, (tx) => tx.objectStore('moduleStates').put(state));
      return;
    }
    const entries = log.map(({ seq: _seq, ...entry }) => entry);
    await this.#write(['moduleStates', 'log'], 'default', 0, async (tx) => {
      // Added in order in one transaction: their keys (the log's seq) follow that order.
      await Promise.all([tx.objectStore('moduleStates').put(state), ...entries.map((e) => tx.objectStore('log').add(e))]);
    });
  }

  listModuleStates(jobId: string): Promise<ModuleStateRecordBase[]> {
    return this.#with((db) => db.getAll('moduleStates', jobRange(jobId)));
  }

  // --- files ----------------------------------------------------------------

  async putFile(record: FileRecord, data: Blob | Uint8Array): Promise<void> {
    await this.commitFiles([{ record, data }], []);
  }

  async getFileRecord(path: string): Promise<FileRecord | undefined> {
    return (await this.#with((db) => db.get('files', path)))?.record;
  }

  async getFileRecords(paths: readonly string[]): Promise<(FileRecord | undefined)[]> {
    return this.#with(async (db) => {
      const files = db.transaction('files').objectStore('files');
      return (await Promise.all(paths.map((path) => files.get(path)))).map((f) => f?.record);
    });
  }

  async getFile(path: string): Promise<Blob | undefined> {
    const [data] = await this.getFiles([path]);
    return blobOf(data);
  }

  async getFiles(paths: readonly string[]): Promise<(Blob | Uint8Array | undefined)[]> {
    return this.#with(async (db) => {
      const files = db.transaction('files').objectStore('files');
      const stored = await Promise.all(paths.map((path) => files.get(path)));
      if (!stored.some((f) => f !== undefined && 'chunks' in f)) return stored.map(fileData);
      // Kept chunks are read in a transaction of their own, so reads of the
      // files store never wait on chunk writes; a file deleted in between
      // reads as missing.
      const chunks = db.transaction('chunks').objectStore('chunks');
      return Promise.all(
        stored.map(async (f) => {
          if (f === undefined || !('chunks' in f)) return fileData(f);
          return keptBlob(f.record, f.chunks, await chunks.getAll(chunkRange(f.record.path, 0, f.chunks)));
        }),
      );
    });
  }

  async listFiles(prefix: string): Promise<FileRecord[]> {
    const range = prefix === '' ? undefined : IDBKeyRange.bound(prefix, prefix + '\uffff');
    const all = await this.#with((db) => db.getAll('files', range));
    // The range is by UTF-16 code units; '\uffff' bounds every BMP continuation
    // but not astral ones, so filter exactly.
    return all.filter((f) => f.record.path.startsWith(prefix)).map((f) => f.record);
  }

  async deleteFile(path: string): Promise<void> {
    await this.#write(['files', 'downloads', 'chunks'], 'default', 0, async (tx) => {
      const files = tx.objectStore('files');
      const old = await files.get(path);
      if (old !== undefined && 'chunks' in old) await dropChunks(tx, path);
      await files.delete(path);
    });
  }

  /**
   * One readwrite transaction for every put and deletion: all or none. Its
   * scope is the files store alone unless a put keeps its download's chunks,
   * or a put or deletion replaces a file that kept them (found inside the
   * narrow transaction, which then aborts and the commit runs again with the
   * chunk stores): verdicts and staged metadata do not queue behind chunk
   * writes.
   */
  async commitFiles(puts: readonly FilePut[], deletes: readonly string[]): Promise<void> {
    const entries: { put: FilePut; data: Blob | Uint8Array }[] = [];
    for (const put of puts) {
      const { record, data } = put;
      const size = data instanceof Uint8Array ? data.length : data.size;
      if (size !== record.size) throw new Error(`modcarry: putFile ${record.path}: record says ${record.size} bytes, data has ${size}`);
      let stored: Blob | Uint8Array;
      if (size > INLINE_MAX) stored = data instanceof Uint8Array ? new Blob([bytesPart(data)]) : data;
      // Inline bytes: copied now (the put runs after the transaction's other
      // requests); a small Blob is read in before the transaction, inside
      // which nothing but IndexedDB requests may be awaited.
      else stored = data instanceof Uint8Array ? data.slice() : new Uint8Array(await data.arrayBuffer());
      entries.push({ put, data: stored });
    }
    const durability = puts.some((p) => p.record.verified) ? 'strict' : 'default';
    /** The bytes the commit writes: for a file that keeps its download's chunks, only its record's. */
    let needed = 0;
    const commit = (wide: boolean): Promise<void> =>
      this.#write<Stores[], void>(wide ? ['files', 'downloads', 'chunks'] : ['files'], durability, () => needed, async (tx) => {
        needed = 0;
        const files = tx.objectStore('files');
        /** Removes the chunks a replaced file kept, where this transaction may. */
        const replacing = async (old: StoredFile | undefined, path: string): Promise<void> => {
          if (old === undefined || !('chunks' in old)) return;
          if (!wide) throw new NeedsChunkStores();
          await dropChunks(tx, path);
        };
        for (const { put, data } of entries) {
          const path = put.record.path;
          const old = await files.get(path);
          if (old !== undefined && old.record.verified && !put.record.verified) {
            throw new Error(`modcarry: refusing to overwrite verified ${path} with unverified bytes`);
          }
          await replacing(old, path);
          let value: StoredFile = { record: put.record, data };
          let bytes = put.record.size;
          if (put.fromDownload === true) {
            const kept = data instanceof Blob ? await keepableChunks(tx, put.record) : undefined;
            if (kept !== undefined) {
              value = { record: put.record, chunks: kept };
              bytes = JSON.stringify(put.record).length;
              await Promise.all([tx.objectStore('chunks').delete(chunkRange(path, kept)), tx.objectStore('downloads').put(KEPT, path)]);
            } else {
              // Copied (data): the download ends here all the same.
              await dropChunks(tx, path);
            }
          }
          needed += bytes;
          await files.put(value, path);
        }
        for (const path of deletes) {
          await replacing(await files.get(path), path);
          await files.delete(path);
        }
      });
    try {
      await commit(puts.some((p) => p.fromDownload === true));
    } catch (err) {
      if (!(err instanceof NeedsChunkStores)) throw err;
      await commit(true);
    }
  }

  // --- downloads and chunks -------------------------------------------------

  async getDownload(path: string): Promise<DownloadRecord | undefined> {
    return progressOf(await this.#with((db) => db.get('downloads', path)));
  }

  getDownloads(paths: readonly string[]): Promise<(DownloadRecord | undefined)[]> {
    return this.#with(async (db) => {
      const downloads = db.transaction('downloads').objectStore('downloads');
      return (await Promise.all(paths.map((path) => downloads.get(path)))).map(progressOf);
    });
  }

  async resetDownload(record: DownloadRecord): Promise<void> {
    await this.#write(['downloads', 'chunks'], 'default', 0, async (tx) => {
      await refuseKept(tx, record.path);
      await Promise.all([tx.objectStore('chunks').delete(chunkRange(record.path, 0)), tx.objectStore('downloads').put(record, record.path)]);
    });
  }

  async commitChunk(chunk: ChunkRecord, data: Uint8Array, progress: DownloadRecord): Promise<void> {
    if (chunk.path !== progress.path) throw new Error(`modcarry: commitChunk: chunk of ${chunk.path} with progress of ${progress.path}`);
    if (data.length !== chunk.length) throw new Error(`modcarry: commitChunk ${chunk.path}#${chunk.index}: record says ${chunk.length} bytes, data has ${data.length}`);
    const blob = new Blob([bytesPart(data)]);
    await this.#write(['chunks', 'downloads'], 'relaxed', data.length, async (tx) => {
      await refuseKept(tx, chunk.path);
      // The chunk first: if its put throws, the progress is never queued.
      const put = quiet(tx.objectStore('chunks').put({ record: chunk, data: blob }, [chunk.path, chunk.index]));
      await Promise.all([put, tx.objectStore('downloads').put(progress, progress.path)]);
    });
  }

  /** The chunks of path's download: none when its file keeps them (they are no download's). */
  async listChunks(path: string): Promise<ChunkRecord[]> {
    return this.#with(async (db) => {
      const tx = db.transaction(['downloads', 'chunks']);
      const [marker, all] = await Promise.all([tx.objectStore('downloads').get(path), tx.objectStore('chunks').getAll(chunkRange(path, 0))]);
      return isKept(marker) ? [] : all.map((c) => c.record);
    });
  }

  async getChunk(path: string, index: number): Promise<Blob | undefined> {
    return this.#with(async (db) => {
      const tx = db.transaction(['downloads', 'chunks']);
      const [marker, c] = await Promise.all([tx.objectStore('downloads').get(path), tx.objectStore('chunks').get([path, index])]);
      return isKept(marker) ? undefined : c?.data;
    });
  }

  async truncateDownload(path: string, from: number, progress: DownloadRecord): Promise<void> {
    await this.#write(['chunks', 'downloads'], 'default', 0, async (tx) => {
      await refuseKept(tx, path);
      await Promise.all([tx.objectStore('chunks').delete(chunkRange(path, from)), tx.objectStore('downloads').put(progress, path)]);
    });
  }

  /** A path whose chunks its file keeps has no download: nothing to delete. */
  async deleteDownload(path: string): Promise<void> {
    await this.#write(['chunks', 'downloads'], 'default', 0, async (tx) => {
      if (isKept(await tx.objectStore('downloads').get(path))) return;
      await dropChunks(tx, path);
    });
  }

  // --- change log -------------------------------------------------------------

  async appendLog(entry: LogEntry): Promise<void> {
    const { seq: _seq, ...rest } = entry;
    await this.#write(['log'], 'default', 0, (tx) => tx.objectStore('log').add(rest));
  }

  readLog(jobId: string, opts: { module?: string; afterSeq?: number; limit?: number } = {}): Promise<LogEntry[]> {
    const limit = opts.limit ?? Number.POSITIVE_INFINITY;
    const after = opts.afterSeq ?? -1;
    return this.#with(async (db) => {
      const out: LogEntry[] = [];
      if (limit <= 0) return out;
      const tx = db.transaction('log');
      // Within one index key, records come in primary-key (seq) order, so the
      // cursor jumps straight past afterSeq.
      if (opts.module === undefined) {
        const key = jobId;
        let cursor = await tx.store.index('byJob').openCursor(IDBKeyRange.only(key));
        if (cursor !== null && cursor.primaryKey <= after) cursor = await cursor.continuePrimaryKey(key, after + 1);
        for (; cursor !== null && out.length < limit; cursor = await cursor.continue()) out.push(cursor.value);
      } else {
        const key: [string, string] = [jobId, opts.module];
        let cursor = await tx.store.index('byJobModule').openCursor(IDBKeyRange.only(key));
        if (cursor !== null && cursor.primaryKey <= after) cursor = await cursor.continuePrimaryKey(key, after + 1);
        for (; cursor !== null && out.length < limit; cursor = await cursor.continue()) out.push(cursor.value);
      }
      await tx.done;
      return out;
    });
  }

  // --- meta -------------------------------------------------------------------

  getMeta(key: string): Promise<Uint8Array | undefined> {
    return this.#with((db) => db.get('meta', key));
  }

  casMeta(key: string, expected: Uint8Array | undefined, value: Uint8Array): Promise<boolean> {
    return this.#write(['meta'], 'strict', value.length, async (tx) => {
      const meta = tx.objectStore('meta');
      const current = await meta.get(key);
      if (!bytesEqual(current, expected)) return false;
      await meta.put(value.slice(), key);
      return true;
    });
  }

  // --- usage ------------------------------------------------------------------

  usage(): Promise<number> {
    return this.#with(async (db) => {
      const tx = db.transaction(['files', 'chunks']);
      let total = 0;
      // A file that keeps its chunks is counted by them.
      for await (const c of tx.objectStore('files')) if (!('chunks' in c.value)) total += c.value.record.size;
      for await (const c of tx.objectStore('chunks')) total += c.value.record.length;
      await tx.done;
      return total;
    });
  }
}

/** All moduleStates keys of one job. */
function jobRange(jobId: string): IDBKeyRange {
  // Arrays sort after every string, so [jobId, []] bounds all [jobId, module].
  return IDBKeyRange.bound([jobId], [jobId, []]);
}

/** The chunks of path with from <= index (< to, when given). */
function chunkRange(path: string, from: number, to?: number): IDBKeyRange {
  // Strings sort after every number, so [path, ''] bounds all [path, index].
  return to === undefined ? IDBKeyRange.bound([path, from], [path, '']) : IDBKeyRange.bound([path, from], [path, to], false, true);
}

/** The downloads value that marks a path's chunks as its file's. */
const KEPT: KeptChunks = { keptBy: 'file' };

function isKept(v: DownloadRecord | KeptChunks | undefined): v is KeptChunks {
  return v !== undefined && 'keptBy' in v;
}

/** A downloads value as the engine sees it: a marked path has no download. */
function progressOf(v: DownloadRecord | KeptChunks | undefined): DownloadRecord | undefined {
  return isKept(v) ? undefined : v;
}

/** Thrown inside a files-only commit that has to remove kept chunks: it runs again with the chunk stores. */
class NeedsChunkStores extends Error {}

type ChunkTx = IDBPTransaction<ModcarryDB, Stores[], 'readwrite'>;

/** Refuses (aborting the transaction) a chunk write to a path whose chunks its file keeps. */
async function refuseKept(tx: ChunkTx, path: string): Promise<void> {
  if (isKept(await tx.objectStore('downloads').get(path))) {
    throw new Error(`modcarry: ${path} is stored verified and keeps its downloaded chunks; delete the file before downloading it again`);
  }
}

/** Removes every chunk of path and its downloads value (progress record or KeptChunks marker). */
async function dropChunks(tx: ChunkTx, path: string): Promise<void> {
  await Promise.all([tx.objectStore('chunks').delete(chunkRange(path, 0)), tx.objectStore('downloads').delete(path)]);
}

/**
 * How many chunks of record.path the file can keep as its bytes: all of its
 * download's, when that download is complete with record.size bytes and its
 * chunk records are exactly record.slices (index, offset, length, SHA-256,
 * and a Blob of that length); else undefined, and the file is copied.
 */
async function keepableChunks(tx: ChunkTx, record: FileRecord): Promise<number | undefined> {
  const slices = record.slices;
  const progress = await tx.objectStore('downloads').get(record.path);
  if (slices === undefined || progress === undefined || isKept(progress)) return undefined;
  const n = slices.sha256.length;
  if (!progress.complete || progress.bytes !== record.size || progress.chunks !== n || n === 0) return undefined;
  const chunks = await tx.objectStore('chunks').getAll(chunkRange(record.path, 0, n));
  return isWhole(record, n, chunks) && chunks.every((c, i) => c.record.sha256 === slices.sha256[i] && (i === n - 1 || c.record.length === slices.size)) ? n : undefined;
}

/**
 * The bytes of a file kept as its first n chunks (read in index order): their
 * Blobs joined, when they are all there, contiguous from 0 and add up to
 * record.size; else undefined (the file was deleted meanwhile).
 */
function keptBlob(record: FileRecord, n: number, chunks: readonly { record: ChunkRecord; data: Blob }[]): Blob | undefined {
  return isWhole(record, n, chunks) ? new Blob(chunks.map((c) => c.data)) : undefined;
}

/** Whether chunks (in index order) are n, contiguous from 0, each a Blob of its length, adding up to record.size. */
function isWhole(record: FileRecord, n: number, chunks: readonly { record: ChunkRecord; data: Blob }[]): boolean {
  if (chunks.length !== n) return false;
  let offset = 0;
  for (const [i, c] of chunks.entries()) {
    if (c.record.index !== i || c.record.offset !== offset || c.data.size !== c.record.length) return false;
    offset += c.record.length;
  }
  return offset === record.size;
}

/** A files value's bytes, where they are held in it. */
function fileData(f: StoredFile | undefined): Blob | Uint8Array | undefined {
  return f !== undefined && 'data' in f ? f.data : undefined;
}

/**
 * p, marked as handled: when a later request of the same transaction throws
 * synchronously, p's rejection is reported through the transaction instead.
 */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/** Files up to this size are stored inline, as bytes, not as Blob values. */
const INLINE_MAX = 64 << 10;

/** Stored file data as a Blob: small files are stored inline as bytes. */
function blobOf(data: Blob | Uint8Array | undefined): Blob | undefined {
  return data === undefined || data instanceof Blob ? data : new Blob([bytesPart(data)]);
}

/** A BlobPart of data's bytes (a Uint8Array over a SharedArrayBuffer is copied). */
function bytesPart(data: Uint8Array): Uint8Array<ArrayBuffer> {
  return data.buffer instanceof ArrayBuffer ? (data as Uint8Array<ArrayBuffer>) : new Uint8Array(data);
}

function errorName(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'name' in err && typeof err.name === 'string' ? err.name : undefined;
}

/** The errors browsers raise when a write runs out of space. */
function isStorageFull(err: unknown): boolean {
  const name = errorName(err);
  return name === 'QuotaExceededError' || name === 'AbortError';
}

/** The error of a call on a connection that is closing or was closed under us. */
function isClosingConnection(err: unknown): boolean {
  return errorName(err) === 'InvalidStateError';
}

async function defaultEstimate(): Promise<{ usage: number; quota: number } | undefined> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (storage?.estimate === undefined) return undefined;
  const e = await storage.estimate();
  return e.usage === undefined || e.quota === undefined ? undefined : { usage: e.usage, quota: e.quota };
}
