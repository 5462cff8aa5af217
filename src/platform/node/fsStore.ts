/**
 * The EngineStore on the file system, for the CLI. Layout under the state
 * directory:
 *
 *   jobs/<id>.json                     job records
 *   states/<jobId>/<enc module>.json   module states
 *   files/<module-cache path>          stored files (files/ is a module cache)
 *   index/<enc path>.json              their FileRecords
 *   downloads/<enc path>/journal.json  DownloadRecord + the ChunkRecords it counts
 *   downloads/<enc path>/<i>.<sha16>   chunk bytes
 *   log/<jobId>.jsonl                  the change log
 *   meta/<enc key>                     meta values
 *
 * Atomicity: every record is written to a temporary file, fsynced and
 * renamed over the old one. A chunk is written under a name that includes
 * its hash, fsynced, and only then is the journal (which names it) replaced;
 * so after a crash the journal either counts the chunk with bytes that are on
 * disk or does not count it at all. Files outside the journal are garbage
 * and removed when the download is reset or deleted. A FileRecord is written
 * after its file's bytes; a file without a record is treated as absent.
 * Blobs are disk-backed (fs.openAsBlob), so a zip assembled from chunks is
 * never in memory whole.
 */
import { openAsBlob } from 'node:fs';
import { appendFile, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ChunkRecord, DownloadRecord, EngineStore, FileRecord, JobRecordBase, LogEntry, ModuleStateRecordBase } from '../../engine/ports.ts';
import { StorageFullError } from '../../engine/ports.ts';
import { VerifiedOverwriteError } from '../../engine/memoryStore.ts';

/** The version of the on-disk layout; a newer one is refused. */
export const FS_STORE_LAYOUT_VERSION = 1;

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

async function syncDir(dir: string): Promise<void> {
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

function bytesEqual(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
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

/** Opens (creating) a file-system store rooted at dir. */
export async function openFsStore(dir: string): Promise<EngineStore & { readonly dir: string; filePath(path: string): string }> {
  await mkdir(dir, { recursive: true });
  const layoutFile = join(dir, 'layout.json');
  const layout = await readJson<{ version: number }>(layoutFile);
  if (layout === undefined) await writeAtomic(layoutFile, JSON.stringify({ version: FS_STORE_LAYOUT_VERSION }));
  else if (layout.version > FS_STORE_LAYOUT_VERSION) throw new Error(`${dir}: state directory layout ${layout.version} is newer than this modcarry understands`);

  const mutex = new KeyedMutex();
  const seqs = new Map<string, number>();
  const p = {
    job: (id: string) => join(dir, 'jobs', enc(id) + '.json'),
    states: (jobId: string) => join(dir, 'states', enc(jobId)),
    file: (path: string) => join(dir, 'files', ...path.split('/')),
    index: (path: string) => join(dir, 'index', enc(path) + '.json'),
    download: (path: string) => join(dir, 'downloads', enc(path)),
    log: (jobId: string) => join(dir, 'log', enc(jobId) + '.jsonl'),
    meta: (key: string) => join(dir, 'meta', enc(key)),
  };
  for (const path of ['files', 'index', 'downloads', 'log', 'meta', 'jobs', 'states']) await mkdir(join(dir, path), { recursive: true });

  const journal = (path: string): Promise<Journal | undefined> => readJson<Journal>(join(p.download(path), 'journal.json'));
  const chunkFile = (path: string, c: ChunkRecord): string => join(p.download(path), `${c.index}.${c.sha256.slice(0, 16)}`);
  const writeJournal = (path: string, j: Journal): Promise<void> => writeAtomic(join(p.download(path), 'journal.json'), JSON.stringify(j));
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

  const store: EngineStore & { readonly dir: string; filePath(path: string): string } = {
    dir,
    filePath: (path) => p.file(path),
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
      await rm(p.log(id), { force: true });
    },
    async putModuleState(state, log) {
      await writeAtomic(join(p.states(state.jobId), enc(state.module) + '.json'), JSON.stringify(state));
      if (log !== undefined) await store.appendLog(log);
    },
    async listModuleStates(jobId) {
      let names: string[];
      try {
        names = await readdir(p.states(jobId));
      } catch {
        return [];
      }
      const out: ModuleStateRecordBase[] = [];
      for (const n of names) {
        if (!n.endsWith('.json')) continue;
        const s = await readJson<ModuleStateRecordBase>(join(p.states(jobId), n));
        if (s !== undefined) out.push(s);
      }
      return out;
    },
    async putFile(record, data) {
      await mutex.run('file:' + record.path, async () => {
        const old = await readJson<FileRecord>(p.index(record.path));
        if (old?.verified && !record.verified) throw new VerifiedOverwriteError(record.path);
        const size = data instanceof Uint8Array ? data.length : data.size;
        if (size !== record.size) throw new Error(`${record.path}: record says ${record.size} bytes, data has ${size}`);
        if (old !== undefined) await rm(p.index(record.path), { force: true });
        await writeAtomic(p.file(record.path), data);
        await writeAtomic(p.index(record.path), JSON.stringify(record));
      });
    },
    getFileRecord: (path) => readJson<FileRecord>(p.index(path)),
    getFileRecords: (paths) => Promise.all(paths.map((path) => readJson<FileRecord>(p.index(path)))),
    async getFile(path) {
      if ((await readJson<FileRecord>(p.index(path))) === undefined) return undefined;
      return blobOf(p.file(path));
    },
    async listFiles(prefix) {
      const out: FileRecord[] = [];
      for (const n of await readdir(join(dir, 'index'))) {
        if (!n.endsWith('.json')) continue;
        const path = decodeURIComponent(n.slice(0, -'.json'.length));
        if (!path.startsWith(prefix)) continue;
        const r = await readJson<FileRecord>(join(dir, 'index', n));
        if (r !== undefined) out.push(r);
      }
      return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },
    async deleteFile(path) {
      await mutex.run('file:' + path, async () => {
        await rm(p.index(path), { force: true });
        await rm(p.file(path), { force: true });
      });
    },
    // No transactions here: the puts in order, then the deletions. A crash
    // between them leaves a prefix done, which is what separate calls would.
    async commitFiles(puts, deletes) {
      for (const f of puts) await store.putFile(f.record, f.data);
      for (const path of deletes) await store.deleteFile(path);
    },
    async getDownload(path) {
      return (await journal(path))?.record;
    },
    getDownloads: (paths) => Promise.all(paths.map(async (path) => (await journal(path))?.record)),
    async resetDownload(record) {
      await mutex.run('dl:' + record.path, async () => {
        const j: Journal = { formatVersion: 1, record, chunks: [] };
        await mkdir(p.download(record.path), { recursive: true });
        await writeJournal(record.path, j);
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
        await writeJournal(chunk.path, j);
        const replaced = old?.chunks.find((c) => c.index === chunk.index);
        if (replaced !== undefined && replaced.sha256.slice(0, 16) !== chunk.sha256.slice(0, 16)) await unlink(chunkFile(chunk.path, replaced)).catch(() => undefined);
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
        await writeJournal(path, j);
        await collect(path, j);
      });
    },
    async deleteDownload(path) {
      await mutex.run('dl:' + path, () => rm(p.download(path), { recursive: true, force: true }));
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
        try {
          await appendFile(p.log(entry.jobId), JSON.stringify({ ...entry, seq }) + '\n');
        } catch (err) {
          if (isNoSpace(err)) throw new StorageFullError(256, undefined, err);
          throw err;
        }
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

/** The log's entries; a torn last line (a crash mid-append) is skipped. */
async function readLogFile(file: string): Promise<LogEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return [];
    throw err;
  }
  const out: LogEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      out.push(JSON.parse(line) as LogEntry);
    } catch {
      // torn write
    }
  }
  return out;
}
