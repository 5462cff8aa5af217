/**
 * The EngineStore on the file system, for the CLI. Layout under the state
 * directory:
 *
 *   jobs/<id>.json                     job records
 *   states/<jobId>.jsonl               module states, appended (the last line per module wins)
 *   states/<jobId>/<enc module>.json   module states of layout 1 (read before the journal)
 *   files/<module-cache path>          stored files (files/ is a module cache)
 *   records/<enc group>.json           their FileRecords, one file per record group
 *                                      (a module version's .info/.mod/.zip/.ziphash
 *                                      share one; see recordGroup)
 *   index/<enc path>.json              FileRecords of layout 2 and before, still read
 *   downloads/<enc path>/journal.json  DownloadRecord + the ChunkRecords it counts
 *   downloads/<enc path>/<i>.<sha16>   chunk bytes
 *   log/<jobId>.jsonl                  the change log
 *   meta/<enc key>                     meta values
 *
 * Atomicity: everything is written to a temporary file and renamed over the
 * old one, so a name holds a whole old or a whole new file. Durability splits
 * in two:
 * - Data (files/, chunks, jobs, meta) is fsynced before its rename, and a new
 *   name's directory after it.
 * - Records that only say how far work got (FileRecords, module states,
 *   download journals) are renamed without fsync: after a power loss
 *   such a record may be missing, one step older, or empty, and each reads as
 *   absent or older, which only means redoing work. What a record names was
 *   made durable before the record was renamed into place, so no record that
 *   survives points at bytes that did not. (The go command fsyncs nothing.)
 * A chunk is written under a name that includes its hash, and only then is
 * the journal (which names it) replaced; so the journal either counts the
 * chunk with bytes that are on disk or does not count it at all (and chunks
 * from an earlier run are checked against their SHA-256 before use). Files
 * outside the journal are garbage and removed when the download is reset or
 * deleted. A FileRecord is written after its file's bytes; a file without a
 * record is treated as absent. Blobs are disk-backed (fs.openAsBlob), so a
 * zip assembled from chunks is never in memory whole; the engine reads such
 * a zip through openChunks, the chunk files themselves, which is faster.
 */
import { appendFileSync, closeSync, fstatSync, mkdirSync, openAsBlob, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import type { RandomAccessSource } from '../../core/zip/source.ts';
import type { ChunkRecord, DownloadRecord, EngineStore, FilePut, FileRecord, JobRecordBase, LogEntry, ModuleStateRecordBase } from '../../engine/ports.ts';
import { StorageFullError } from '../../engine/ports.ts';
import { VerifiedOverwriteError } from '../../engine/memoryStore.ts';
import { chunkFilesSource } from './chunkFilesSource.ts';
import type { ChunkFile } from './chunkFilesSource.ts';
import { bytesEqual } from '../../core/internal/bytes.ts';

/**
 * The version of the on-disk layout; a newer one is refused. 2: module states
 * are appended to one journal per job (layout 1's state files are still
 * read). 3: FileRecords are kept by record group in records/ (index/, one file
 * per record, is still read).
 */
export const FS_STORE_LAYOUT_VERSION = 3;

/** The FileRecords of one record group, by path. */
interface RecordGroup {
  formatVersion: 1;
  records: Record<string, FileRecord>;
}

/**
 * The group a file's record is kept in: a module version's .info, .mod, .zip
 * and .ziphash (staged or not) share one, since a verdict writes them
 * together and each record file costs a file creation; any other file (a
 * checksum-database tile or lookup) is a group of its own. A group's files
 * all have the group as a prefix.
 */
export function recordGroup(path: string): string {
  const m = /^(.*\/@v\/[^/]+)\.(?:info|mod|zip|ziphash)$/.exec(path);
  return m === null ? path : m[1]!;
}

/** items by the record group of their paths. */
function byRecordGroup<T>(items: readonly T[], pathOf: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const g = recordGroup(pathOf(item));
    const list = out.get(g);
    if (list === undefined) out.set(g, [item]);
    else list.push(item);
  }
  return out;
}

interface Journal {
  formatVersion: 1;
  record: DownloadRecord;
  chunks: ChunkRecord[];
}

function enc(s: string): string {
  return encodeURIComponent(s).replaceAll('.', '%2E');
}

function isNoSpace(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

let tmpCounter = 0;

/** Writes data to path atomically: temp file, fsync, rename, fsync of the directory. */
/**
 * Directories this process created or found, and files it has renamed into
 * place. A replaced file needs no directory fsync: after a crash the name holds
 * either the old complete file or the new one (both were fsync'd), and every
 * record the store replaces (states, progress, indexes) is safe to find one
 * step older (the work is then redone). A new name does need it, or the file
 * could vanish. Both sets only skip work: a directory removed since is made
 * again on ENOENT.
 */
const knownDirs = new Set<string>();
const placed = new Set<string>();

/** Forgets the placed files under a removed directory (its names are new again). */
function forgetPlaced(prefix: string): void {
  for (const path of placed) if (path.startsWith(prefix)) placed.delete(path);
}

/**
 * Writes data to path atomically and durably: temporary file, fsync, rename,
 * then (for a new name) its directory's fsync. Records use writeRecord.
 */
async function writeAtomic(path: string, data: Uint8Array | string | Blob): Promise<void> {
  const dir = dirname(path);
  if (!knownDirs.has(dir)) {
    await mkdir(dir, { recursive: true });
    knownDirs.add(dir);
  }
  const tmp = `${path}.${process.pid}.${++tmpCounter}.tmp`;
  const size = typeof data === 'string' ? Buffer.byteLength(data) : data instanceof Uint8Array ? data.length : data.size;
  try {
    let fh;
    try {
      fh = await open(tmp, 'w');
    } catch (err) {
      // The directory was removed since it was seen (a deleted job or download).
      if ((err as { code?: string }).code !== 'ENOENT') throw err;
      await mkdir(dir, { recursive: true });
      fh = await open(tmp, 'w');
    }
    try {
      if (data instanceof Blob) {
        const reader = data.stream().getReader();
        for (;;) {
          const r = await reader.read();
          if (r.done) break;
          await fh.write(r.value);
        }
      } else {
        await fh.writeFile(data);
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    if (isNoSpace(err)) throw new StorageFullError(size, undefined, err);
    throw err;
  }
  if (!placed.has(path)) {
    await syncDir(dir);
    placed.add(path);
  }
}

/**
 * Group commit of directory fsyncs. A caller needs an fsync that starts after
 * its call (its rename happened before it); one already running may have
 * started too early, so callers arriving meanwhile share the next one, which
 * starts when the running one ends. Under load a directory (index/, a
 * module's @v/) gets one fsync per wave of renames instead of one per file.
 */
interface DirSync {
  running?: Promise<void>;
  queued?: Promise<void>;
}
const dirSyncs = new Map<string, DirSync>();

function syncDir(dir: string): Promise<void> {
  const cur = dirSyncs.get(dir);
  if (cur?.running === undefined) return startDirSync(dir);
  return (cur.queued ??= cur.running.then(() => startDirSync(dir)));
}

function startDirSync(dir: string): Promise<void> {
  const entry: DirSync = {};
  dirSyncs.set(dir, entry);
  entry.running = fsyncDir(dir).finally(() => {
    if (dirSyncs.get(dir) === entry && entry.queued === undefined) dirSyncs.delete(dir);
  });
  return entry.running;
}

async function fsyncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // some file systems cannot fsync a directory; the rename is still atomic
  }
}

/**
 * Writes a record atomically (temporary file, rename) without fsync (see the
 * file comment: a record lost or torn reads as absent), synchronously: with
 * no fsync every step is a page-cache operation of a few microseconds, far
 * less than the thread-pool round trip and promise of an asynchronous call.
 */
function writeRecord(path: string, data: string): void {
  const dir = dirname(path);
  if (!knownDirs.has(dir)) {
    mkdirSync(dir, { recursive: true });
    knownDirs.add(dir);
  }
  const tmp = `${path}.${process.pid}.${++tmpCounter}.tmp`;
  try {
    try {
      writeFileSync(tmp, data);
    } catch (err) {
      // The directory was removed since it was seen (a deleted job or download).
      if ((err as { code?: string }).code !== 'ENOENT') throw err;
      mkdirSync(dir, { recursive: true });
      writeFileSync(tmp, data);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    if (isNoSpace(err)) throw new StorageFullError(Buffer.byteLength(data), undefined, err);
    throw err;
  }
}

/**
 * Appends one line to file, synchronously (no fsync: a page-cache write, as
 * for records; a power loss may cost the last lines, which read as older).
 * Before a file's first append in this process, a last line torn by a crash
 * is ended, so it cannot swallow this one. reserve: the bytes reported if the
 * disk is full. endsWithNewline: the files this store has appended to.
 */
function appendLine(file: string, line: string, reserve: number, endsWithNewline: Set<string>): void {
  let text = line + '\n';
  if (!endsWithNewline.has(file) && !endsCleanly(file)) text = '\n' + text;
  try {
    try {
      appendFileSync(file, text);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') throw err;
      mkdirSync(dirname(file), { recursive: true });
      appendFileSync(file, text);
    }
  } catch (err) {
    if (isNoSpace(err)) throw new StorageFullError(reserve, undefined, err);
    throw err;
  }
  endsWithNewline.add(file);
}

/** f's result, or undefined when the file it opens does not exist. */
function unlessMissing<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Whether file is absent, empty, or ends with a newline. */
function endsCleanly(file: string): boolean {
  const fd = unlessMissing(() => openSync(file, 'r'));
  if (fd === undefined) return true;
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

/**
 * A record written by writeRecord, read synchronously as it is written (a
 * small file in the page cache). One that a power loss left empty or torn
 * reads as absent, like a missing one.
 */
function readRecordSync<T>(path: string): T | undefined {
  const text = unlessMissing(() => readFileSync(path, 'utf8'));
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function dirSize(dir: string): Promise<number> {
  let n = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += await dirSize(p);
    else if (e.isFile()) n += (await stat(p)).size;
  }
  return n;
}

/** A tiny in-process mutex per key (the state directory lock keeps other processes out). */
class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.#tails.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}

/** The file-system store: an EngineStore, and where it keeps things on disk. */
export interface FsStore extends EngineStore {
  readonly dir: string;
  /** The file holding the stored file at a module-cache path. */
  filePath(path: string): string;
  /**
   * The files holding chunks of a download, in the order given, with their
   * lengths. A chunk file's name carries its index and SHA-256, and it is
   * only ever written whole (renamed into place), so while the journal names
   * the chunk the file holds its bytes.
   */
  chunkFiles(path: string, chunks: readonly ChunkRecord[]): ChunkFile[];
  /** The chunks' files read directly (chunkFilesSource), not through file-backed Blobs. */
  openChunks(path: string, chunks: readonly ChunkRecord[]): RandomAccessSource;
}

/** Opens (creating) a file-system store rooted at dir. */
export async function openFsStore(dir: string): Promise<FsStore> {
  await mkdir(dir, { recursive: true });
  const layoutFile = join(dir, 'layout.json');
  const layout = await readJson<{ version: number }>(layoutFile);
  if (layout !== undefined && layout.version > FS_STORE_LAYOUT_VERSION) throw new Error(`${dir}: state directory layout ${layout.version} is newer than this modcarry understands`);
  // An older layout is read as it is; the mark keeps older modcarry versions, which would miss the journals, out.
  if (layout === undefined || layout.version < FS_STORE_LAYOUT_VERSION) await writeAtomic(layoutFile, JSON.stringify({ version: FS_STORE_LAYOUT_VERSION }));

  const mutex = new KeyedMutex();
  /** Files this store has appended a line to: they end with a newline. */
  const appended = new Set<string>();
  const seqs = new Map<string, number>();
  const p = {
    job: (id: string) => join(dir, 'jobs', enc(id) + '.json'),
    states: (jobId: string) => join(dir, 'states', enc(jobId)),
    stateLog: (jobId: string) => join(dir, 'states', enc(jobId) + '.jsonl'),
    file: (path: string) => join(dir, 'files', ...path.split('/')),
    index: (path: string) => join(dir, 'index', enc(path) + '.json'),
    records: (group: string) => join(dir, 'records', enc(group) + '.json'),
    download: (path: string) => join(dir, 'downloads', enc(path)),
    log: (jobId: string) => join(dir, 'log', enc(jobId) + '.jsonl'),
    meta: (key: string) => join(dir, 'meta', enc(key)),
  };
  for (const path of ['files', 'records', 'index', 'downloads', 'log', 'meta', 'jobs', 'states']) await mkdir(join(dir, path), { recursive: true });
  /** Paths whose record is still a layout-2 file in index/: read there, and removed when their record is next written. */
  const legacy = new Set((await readdir(join(dir, 'index'))).filter((n) => n.endsWith('.json')).map((n) => decodeURIComponent(n.slice(0, -'.json'.length))));
  const readGroup = (group: string): RecordGroup => readRecordSync<RecordGroup>(p.records(group)) ?? { formatVersion: 1, records: {} };
  const legacyRecord = (path: string): FileRecord | undefined => (legacy.has(path) ? readRecordSync<FileRecord>(p.index(path)) : undefined);
  const recordIn = (g: RecordGroup, path: string): FileRecord | undefined => g.records[path] ?? legacyRecord(path);
  const recordOf = (path: string): FileRecord | undefined => recordIn(readGroup(recordGroup(path)), path);
  const writeGroup = (group: string, g: RecordGroup): void => {
    if (Object.keys(g.records).length === 0) rmSync(p.records(group), { force: true });
    else writeRecord(p.records(group), JSON.stringify(g));
  };
  const dropLegacy = (path: string): void => {
    if (legacy.delete(path)) rmSync(p.index(path), { force: true });
  };
  /**
   * Puts files of one record group: every check first, the records of files
   * being replaced out (their bytes are about to change), the bytes, then the
   * records in one write.
   */
  const putGroup = (group: string, puts: readonly FilePut[]): Promise<void> =>
    mutex.run('records:' + group, async () => {
      const g = readGroup(group);
      for (const { record, data } of puts) {
        if (recordIn(g, record.path)?.verified && !record.verified) throw new VerifiedOverwriteError(record.path);
        const size = data instanceof Uint8Array ? data.length : data.size;
        if (size !== record.size) throw new Error(`${record.path}: record says ${record.size} bytes, data has ${size}`);
      }
      const replaced = puts.filter((f) => recordIn(g, f.record.path) !== undefined);
      if (replaced.length > 0) {
        for (const f of replaced) {
          delete g.records[f.record.path];
          dropLegacy(f.record.path);
        }
        writeGroup(group, g);
      }
      await Promise.all(puts.map((f) => writeAtomic(p.file(f.record.path), f.data)));
      for (const f of puts) g.records[f.record.path] = f.record;
      writeGroup(group, g);
    });
  /** Deletes files of one record group: their records, then their bytes. */
  const deleteGroup = (group: string, paths: readonly string[]): Promise<void> =>
    mutex.run('records:' + group, async () => {
      const g = readGroup(group);
      for (const path of paths) {
        delete g.records[path];
        dropLegacy(path);
      }
      writeGroup(group, g);
      for (const path of paths) {
        await rm(p.file(path), { force: true });
        // A later put makes a new name again, whose directory entry needs its fsync.
        placed.delete(p.file(path));
      }
    });

  const journal = async (path: string): Promise<Journal | undefined> => readRecordSync<Journal>(join(p.download(path), 'journal.json'));
  const chunkFile = (path: string, c: ChunkRecord): string => join(p.download(path), `${c.index}.${c.sha256.slice(0, 16)}`);
  const chunkFiles = (path: string, chunks: readonly ChunkRecord[]): ChunkFile[] => chunks.map((c) => ({ file: chunkFile(path, c), size: c.length }));
  const writeJournal = (path: string, j: Journal): void => writeRecord(join(p.download(path), 'journal.json'), JSON.stringify(j));
  /** Removes chunk files the journal does not name. */
  const collect = async (path: string, j: Journal | undefined): Promise<void> => {
    const keep = new Set((j?.chunks ?? []).map((c) => `${c.index}.${c.sha256.slice(0, 16)}`));
    let names: string[];
    try {
      names = await readdir(p.download(path));
    } catch {
      return;
    }
    for (const n of names) if (n !== 'journal.json' && !n.endsWith('.tmp') && !keep.has(n)) await unlink(join(p.download(path), n)).catch(() => undefined);
  };
  const blobOf = async (file: string): Promise<Blob | undefined> => {
    try {
      return (await openAsBlob(file)) as unknown as Blob;
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return undefined;
      throw err;
    }
  };

  const store: FsStore = {
    dir,
    filePath: (path) => p.file(path),
    chunkFiles,
    openChunks: (path, chunks) => chunkFilesSource(chunkFiles(path, chunks)),
    async putJob(job) {
      await writeAtomic(p.job(job.id), JSON.stringify(job));
    },
    getJob: (id) => readJson<JobRecordBase>(p.job(id)),
    async listJobs() {
      const out: JobRecordBase[] = [];
      for (const n of await readdir(join(dir, 'jobs'))) {
        if (!n.endsWith('.json')) continue;
        const j = await readJson<JobRecordBase>(join(dir, 'jobs', n));
        if (j !== undefined) out.push(j);
      }
      return out;
    },
    async deleteJob(id) {
      await rm(p.job(id), { force: true });
      await rm(p.states(id), { recursive: true, force: true });
      await rm(p.stateLog(id), { force: true });
      await rm(p.log(id), { force: true });
    },
    // A job's states are written only by the process running it (the job's
    // lock), so one journal per job has one writer.
    async putModuleState(state, log = []) {
      appendLine(p.stateLog(state.jobId), JSON.stringify(state), 1024, appended);
      for (const entry of log) await store.appendLog(entry);
    },
    async listModuleStates(jobId) {
      const latest = new Map<string, ModuleStateRecordBase>();
      let names: string[] = [];
      try {
        names = await readdir(p.states(jobId));
      } catch {
        // no layout-1 state files
      }
      for (const n of names) {
        if (!n.endsWith('.json')) continue;
        const s = readRecordSync<ModuleStateRecordBase>(join(p.states(jobId), n));
        if (s !== undefined) latest.set(s.module, s);
      }
      for (const s of await readLines<ModuleStateRecordBase>(p.stateLog(jobId))) latest.set(s.module, s);
      return [...latest.values()];
    },
    async putFile(record, data) {
      await putGroup(recordGroup(record.path), [{ record, data }]);
    },
    getFileRecord: async (path) => recordOf(path),
    getFileRecords: async (paths) => paths.map(recordOf),
    async getFile(path) {
      if (recordOf(path) === undefined) return undefined;
      return blobOf(p.file(path));
    },
    getFiles: (paths) => Promise.all(paths.map((path) => (recordOf(path) === undefined ? undefined : blobOf(p.file(path))))),
    async listFiles(prefix) {
      const byPath = new Map<string, FileRecord>();
      for (const path of legacy) {
        if (!path.startsWith(prefix)) continue;
        const r = legacyRecord(path);
        if (r !== undefined) byPath.set(path, r);
      }
      for (const n of await readdir(join(dir, 'records'))) {
        if (!n.endsWith('.json')) continue;
        const group = decodeURIComponent(n.slice(0, -'.json'.length));
        // A group's paths all start with it: it holds some under prefix only if one starts with the other.
        if (!group.startsWith(prefix) && !prefix.startsWith(group)) continue;
        for (const r of Object.values(readGroup(group).records)) if (r.path.startsWith(prefix)) byPath.set(r.path, r);
      }
      return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },
    async deleteFile(path) {
      await deleteGroup(recordGroup(path), [path]);
    },
    // No transactions here: the record groups side by side (each group's puts
    // are one write of their records after their bytes), then the deletions.
    // A crash leaves some groups done, which is what separate calls would.
    async commitFiles(puts, deletes) {
      await Promise.all([...byRecordGroup(puts, (f) => f.record.path)].map(([g, fs]) => putGroup(g, fs)));
      await Promise.all([...byRecordGroup(deletes, (path) => path)].map(([g, paths]) => deleteGroup(g, paths)));
      // A file from its download ends that download: its bytes were written as a file of their own.
      await Promise.all(puts.filter((f) => f.fromDownload === true).map((f) => store.deleteDownload(f.record.path)));
    },
    async getDownload(path) {
      return (await journal(path))?.record;
    },
    getDownloads: (paths) => Promise.all(paths.map(async (path) => (await journal(path))?.record)),
    async resetDownload(record) {
      await mutex.run('dl:' + record.path, async () => {
        const j: Journal = { formatVersion: 1, record, chunks: [] };
        await mkdir(p.download(record.path), { recursive: true });
        writeJournal(record.path, j);
        await collect(record.path, j);
      });
    },
    async commitChunk(chunk, data, progress) {
      if (data.length !== chunk.length) throw new Error(`${chunk.path}: chunk ${chunk.index} has ${data.length} bytes, its record ${chunk.length}`);
      await mutex.run('dl:' + chunk.path, async () => {
        const old = await journal(chunk.path);
        await writeAtomic(chunkFile(chunk.path, chunk), data);
        const chunks = (old?.chunks ?? []).filter((c) => c.index !== chunk.index);
        chunks.push(chunk);
        chunks.sort((a, b) => a.index - b.index);
        const j: Journal = { formatVersion: 1, record: progress, chunks };
        writeJournal(chunk.path, j);
        // A chunk this replaces stays until the download is reset or deleted:
        // the journal is not fsynced, and the one a power loss leaves may still name it.
      });
    },
    async listChunks(path) {
      return (await journal(path))?.chunks ?? [];
    },
    async getChunk(path, index) {
      const c = (await journal(path))?.chunks.find((x) => x.index === index);
      return c === undefined ? undefined : blobOf(chunkFile(path, c));
    },
    async truncateDownload(path, from, progress) {
      await mutex.run('dl:' + path, async () => {
        const old = await journal(path);
        const j: Journal = { formatVersion: 1, record: progress, chunks: (old?.chunks ?? []).filter((c) => c.index < from) };
        writeJournal(path, j);
        await collect(path, j);
      });
    },
    async deleteDownload(path) {
      await mutex.run('dl:' + path, async () => {
        await rm(p.download(path), { recursive: true, force: true });
        forgetPlaced(p.download(path) + sep);
      });
    },
    async appendLog(entry) {
      await mutex.run('log:' + entry.jobId, async () => {
        let seq = seqs.get(entry.jobId);
        if (seq === undefined) {
          const all = await readLogFile(p.log(entry.jobId));
          seq = all.length === 0 ? 0 : (all[all.length - 1]!.seq ?? all.length);
        }
        seq++;
        seqs.set(entry.jobId, seq);
        appendLine(p.log(entry.jobId), JSON.stringify({ ...entry, seq }), 256, appended);
      });
    },
    async readLog(jobId, o = {}) {
      let out = (await readLogFile(p.log(jobId))).filter((e) => (o.module === undefined || e.module === o.module) && (o.afterSeq === undefined || (e.seq ?? 0) > o.afterSeq));
      if (o.limit !== undefined) out = out.slice(0, o.limit);
      return out;
    },
    async getMeta(key) {
      try {
        return new Uint8Array(await readFile(p.meta(key)));
      } catch (err) {
        if ((err as { code?: string }).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async casMeta(key, expected, value) {
      return mutex.run('meta:' + key, async () => {
        const cur = await store.getMeta(key);
        if (!bytesEqual(cur, expected)) return false;
        await writeAtomic(p.meta(key), value);
        return true;
      });
    },
    async usage() {
      return (await dirSize(join(dir, 'files'))) + (await dirSize(join(dir, 'downloads')));
    },
  };
  return store;
}

/** The log's entries; a torn line (a crash mid-append) is skipped. */
function readLogFile(file: string): Promise<LogEntry[]> {
  return readLines<LogEntry>(file);
}

/** The JSON values of a file of lines (see appendLine); torn or unreadable lines are skipped. */
async function readLines<T>(file: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return [];
    throw err;
  }
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // torn write
    }
  }
  return out;
}
