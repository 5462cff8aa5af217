/**
 * An EngineStore in memory, for tests and for runs that need no persistence.
 * It keeps the store invariants (see ports.ts) exactly like the persistent
 * stores, including the optional capacity, past which writes fail with
 * StorageFullError and change nothing.
 */
import type { ChunkRecord, DownloadRecord, EngineStore, FilePut, FileRecord, JobRecordBase, LogEntry, ModuleStateRecordBase } from './ports.ts';
import { StorageFullError } from './ports.ts';
import { bytesEqual } from '../core/internal/bytes.ts';

/** Refusal to overwrite a verified file with unverified bytes. */
export class VerifiedOverwriteError extends Error {
  override name = 'VerifiedOverwriteError';
  constructor(path: string) {
    super(`${path}: refusing to replace a verified file with unverified bytes`);
  }
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

export interface MemoryStoreOptions {
  /** Total bytes of files and chunks the store accepts. */
  capacity?: number;
}

export interface MemoryStore extends EngineStore {
  /** Test hook: replaces a stored chunk's bytes without touching its record (simulates storage corruption). */
  corruptChunk(path: string, index: number, data: Uint8Array): void;
}

export function memoryStore(opts: MemoryStoreOptions = {}): MemoryStore {
  const jobs = new Map<string, JobRecordBase>();
  const states = new Map<string, ModuleStateRecordBase>();
  const files = new Map<string, { record: FileRecord; blob: Blob }>();
  const downloads = new Map<string, DownloadRecord>();
  const chunks = new Map<string, Map<number, { record: ChunkRecord; blob: Blob }>>();
  const log: LogEntry[] = [];
  const meta = new Map<string, Uint8Array>();
  let seq = 0;

  const used = (): number => {
    let n = 0;
    for (const f of files.values()) n += f.blob.size;
    for (const m of chunks.values()) for (const c of m.values()) n += c.blob.size;
    return n;
  };
  const reserve = (adding: number, freeing = 0): void => {
    if (opts.capacity === undefined) return;
    const after = used() - freeing + adding;
    if (after > opts.capacity) throw new StorageFullError(adding, Math.max(0, opts.capacity - used() + freeing));
  };
  const stateKey = (jobId: string, module: string): string => `${jobId}\u0000${module}`;
  const toBlob = (data: Blob | Uint8Array): Blob => (data instanceof Uint8Array ? new Blob([data.slice()]) : data);

  const commitFiles = async (puts: readonly FilePut[], deletes: readonly string[]): Promise<void> => {
    // All checks before any change: the commit is all or nothing.
    let grow = 0;
    let shrink = 0;
    const staged = puts.map(({ record, data }) => {
      const old = files.get(record.path);
      if (old?.record.verified && !record.verified) throw new VerifiedOverwriteError(record.path);
      const blob = toBlob(data);
      if (blob.size !== record.size) throw new Error(`${record.path}: record says ${record.size} bytes, data has ${blob.size}`);
      grow += blob.size;
      shrink += old?.blob.size ?? 0;
      return { record: clone(record), blob };
    });
    reserve(grow, shrink);
    for (const f of staged) files.set(f.record.path, f);
    for (const path of deletes) files.delete(path);
    // A file from its download ends that download (kept here as a Blob of its own).
    for (const { record, fromDownload } of puts) {
      if (fromDownload !== true) continue;
      downloads.delete(record.path);
      chunks.delete(record.path);
    }
  };

  return {
    async putJob(job) {
      jobs.set(job.id, clone(job));
    },
    async getJob(id) {
      const j = jobs.get(id);
      return j === undefined ? undefined : clone(j);
    },
    async listJobs() {
      return [...jobs.values()].map(clone);
    },
    async deleteJob(id) {
      jobs.delete(id);
      for (const k of [...states.keys()]) if (k.startsWith(id + '\u0000')) states.delete(k);
      for (let i = log.length - 1; i >= 0; i--) if (log[i]!.jobId === id) log.splice(i, 1);
    },
    async putModuleState(state, entries = []) {
      states.set(stateKey(state.jobId, state.module), clone(state));
      for (const entry of entries) log.push({ ...clone(entry), seq: ++seq });
    },
    async listModuleStates(jobId) {
      return [...states.values()].filter((s) => s.jobId === jobId).map(clone);
    },
    async putFile(record, data) {
      await commitFiles([{ record, data }], []);
    },
    async getFileRecord(path) {
      const f = files.get(path);
      return f === undefined ? undefined : clone(f.record);
    },
    async getFileRecords(paths) {
      return paths.map((path) => {
        const f = files.get(path);
        return f === undefined ? undefined : clone(f.record);
      });
    },
    async getFile(path) {
      return files.get(path)?.blob;
    },
    async getFiles(paths) {
      return paths.map((path) => files.get(path)?.blob);
    },
    async listFiles(prefix) {
      return [...files.values()].filter((f) => f.record.path.startsWith(prefix)).map((f) => clone(f.record)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },
    async deleteFile(path) {
      files.delete(path);
    },
    commitFiles,
    async getDownload(path) {
      const d = downloads.get(path);
      return d === undefined ? undefined : clone(d);
    },
    async getDownloads(paths) {
      return paths.map((path) => {
        const d = downloads.get(path);
        return d === undefined ? undefined : clone(d);
      });
    },
    async resetDownload(record) {
      downloads.set(record.path, clone(record));
      chunks.set(record.path, new Map());
    },
    async commitChunk(chunk, data, progress) {
      if (data.length !== chunk.length) throw new Error(`${chunk.path}: chunk ${chunk.index} has ${data.length} bytes, its record ${chunk.length}`);
      const m = chunks.get(chunk.path) ?? new Map<number, { record: ChunkRecord; blob: Blob }>();
      reserve(data.length, m.get(chunk.index)?.blob.size ?? 0);
      m.set(chunk.index, { record: clone(chunk), blob: new Blob([data.slice()]) });
      chunks.set(chunk.path, m);
      downloads.set(progress.path, clone(progress));
    },
    async listChunks(path) {
      return [...(chunks.get(path)?.values() ?? [])].map((c) => clone(c.record)).sort((a, b) => a.index - b.index);
    },
    async getChunk(path, index) {
      return chunks.get(path)?.get(index)?.blob;
    },
    async truncateDownload(path, from, progress) {
      const m = chunks.get(path);
      if (m !== undefined) for (const i of [...m.keys()]) if (i >= from) m.delete(i);
      downloads.set(path, clone(progress));
    },
    async deleteDownload(path) {
      downloads.delete(path);
      chunks.delete(path);
    },
    async appendLog(entry) {
      log.push({ ...clone(entry), seq: ++seq });
    },
    async readLog(jobId, o = {}) {
      let out = log.filter((e) => e.jobId === jobId && (o.module === undefined || e.module === o.module) && (o.afterSeq === undefined || e.seq! > o.afterSeq));
      if (o.limit !== undefined) out = out.slice(0, o.limit);
      return out.map(clone);
    },
    async getMeta(key) {
      const v = meta.get(key);
      return v === undefined ? undefined : v.slice();
    },
    async casMeta(key, expected, value) {
      if (!bytesEqual(meta.get(key), expected)) return false;
      meta.set(key, value.slice());
      return true;
    },
    async usage() {
      return used();
    },
    corruptChunk(path, index, data) {
      const c = chunks.get(path)?.get(index);
      if (c === undefined) throw new Error(`no chunk ${index} of ${path}`);
      c.blob = new Blob([data.slice()]);
    },
  };
}
