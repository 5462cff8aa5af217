/**
 * The ports through which the engine reaches the world. The engine runs in a
 * dedicated worker (browser) and in Node (CLI); each runtime supplies these:
 * src/platform/browser (IndexedDB via idb, fetch, Web Locks, navigator.onLine)
 * and src/platform/node (files, fetch/undici, process-local locks). Tests use
 * the memory implementations.
 *
 * Persistence invariants every EngineStore keeps:
 * - A chunk and the download progress that counts it commit together
 *   (commitChunk is one transaction): after a crash, either both are there or
 *   neither is, so a resumed download never trusts bytes it did not record.
 * - Nothing verified is ever overwritten by unverified bytes: files are written
 *   under their module-cache path only once their hash was checked
 *   (putFile with verified=true), and a failed check leaves what was stored.
 *   Chunks a file keeps as its bytes (FilePut.fromDownload) are part of it:
 *   no download of the path writes, truncates or resets them.
 * - Every record carries formatVersion; opening a store migrates older records.
 */
import type { Http } from '../core/goproxy/http.ts';
import type { ZipHashResult } from './verifyModule.ts';
import type { ZipEntry } from '../core/zip/reader.ts';
import type { RandomAccessSource } from '../core/zip/source.ts';

export type { Http } from '../core/goproxy/http.ts';

/** Wall clock and timers. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after ms, or rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Randomness for backoff jitter; tests pass a seeded one. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
}

/** Connectivity hints. `online` is only a hint: the engine confirms with a real request. */
export interface Connectivity {
  isOnline(): boolean;
  /**
   * Calls wake whenever work may be able to continue: the `online` event, the
   * page becoming visible, a Background Sync event, app start. Returns an
   * unsubscribe function.
   */
  onWake(wake: (reason: string) => void): () => void;
}

/** Mutual exclusion across tabs (Web Locks) or processes (a lock file). */
export interface Locks {
  /**
   * Runs fn holding the named exclusive lock. With ifAvailable, returns
   * undefined at once (fn not called) when another holder has it.
   */
  withLock<T>(name: string, fn: () => Promise<T>, opts?: { ifAvailable?: boolean; signal?: AbortSignal }): Promise<T | undefined>;
}

/** Storage quota, as navigator.storage reports it. */
export interface Quota {
  /** Bytes used and available to this origin/store, when known. */
  estimate(): Promise<{ usage: number; quota: number } | undefined>;
  /** Asks for persistent storage; resolves whether it is granted. */
  persist(): Promise<boolean>;
}

/** The store ran out of space (QuotaExceededError and friends), with the numbers. */
export class StorageFullError extends Error {
  override name = 'StorageFullError';
  constructor(
    readonly needed: number,
    readonly available: number | undefined,
    cause?: unknown,
  ) {
    super(
      `storage is full: ${needed} more bytes are needed${available === undefined ? '' : `, ${available} are available`}`,
      { cause },
    );
  }
}

// ---------------------------------------------------------------------------
// Persisted records. Paths are module-cache relative paths with escaped module
// paths and versions, e.g. "cache/download/golang.org/x/text/@v/v0.3.0.zip".

/** The states of one module version within a job. */
export type ModuleState = 'planned' | 'fetching' | 'fetched' | 'verifying' | 'verified' | 'failed' | 'paused';

/** A stored file: metadata files whole, zips assembled from chunks. */
export interface FileRecord {
  readonly formatVersion: 1;
  /** Module-cache relative path. */
  readonly path: string;
  readonly size: number;
  /** Lowercase hex SHA-256 of the whole file. */
  readonly sha256: string;
  /** Whether its hash was checked (h1 against go.sum/sumdb, or a tile authenticated). */
  readonly verified: boolean;
  /** Milliseconds since the epoch. */
  readonly storedAt: number;
  /**
   * For a file assembled from download chunks: the SHA-256 of each
   * consecutive slice of `size` bytes (the last may be shorter), the chunks'
   * own hashes. A re-check can then take one-shot digests slice by slice
   * (WebCrypto) instead of one incremental hash of the whole in JS.
   */
  readonly slices?: FileSlices;
}

/** SHA-256s of a file's consecutive slices of `size` bytes; the last slice may be shorter. */
export interface FileSlices {
  readonly size: number;
  readonly sha256: readonly string[];
}

/** Progress of one ranged download (a zip), keyed by its module-cache path. */
export interface DownloadRecord {
  readonly formatVersion: 1;
  readonly path: string;
  /** The URL the bytes come from (after proxy choice); a change restarts the download. */
  readonly url: string;
  /** Total size from Content-Range/Content-Length, when known. */
  readonly totalSize?: number;
  /** The validator used in If-Range: a strong ETag, else Last-Modified. */
  readonly etag?: string;
  readonly lastModified?: string;
  readonly chunkSize: number;
  /** Number of contiguous chunks committed from offset 0. */
  readonly chunks: number;
  /** Bytes committed (sum of the committed chunks' lengths). */
  readonly bytes: number;
  readonly complete: boolean;
}

/** One committed chunk of a download. */
export interface ChunkRecord {
  readonly path: string;
  readonly index: number;
  readonly offset: number;
  readonly length: number;
  /** Lowercase hex SHA-256 of the chunk's bytes. */
  readonly sha256: string;
}

/** One line of the change log. */
export interface LogEntry {
  /** Assigned by the store, increasing. */
  readonly seq?: number;
  readonly jobId: string;
  readonly time: number;
  /** "path@version", or "" for job-wide events. */
  readonly module: string;
  readonly event: string;
  readonly bytes?: number;
  readonly error?: string;
  readonly detail?: string;
}

/** The persistent store of the engine. */
export interface EngineStore {
  // Jobs and module states are opaque JSON-able records owned by the engine.
  putJob(job: JobRecordBase): Promise<void>;
  getJob(id: string): Promise<JobRecordBase | undefined>;
  listJobs(): Promise<JobRecordBase[]>;
  deleteJob(id: string): Promise<void>;

  /**
   * Writes a module's state and appends the change-log entries that lead to
   * it, in order, in the same commit (one IndexedDB transaction instead of
   * several: every state change is logged, and the transactions are the
   * app's bottleneck).
   */
  putModuleState(state: ModuleStateRecordBase, log?: readonly LogEntry[]): Promise<void>;
  listModuleStates(jobId: string): Promise<ModuleStateRecordBase[]>;

  /** Stores a whole file (metadata, or an assembled zip marked verified). */
  putFile(record: FileRecord, data: Blob | Uint8Array): Promise<void>;
  getFileRecord(path: string): Promise<FileRecord | undefined>;
  /** The records of several files at once (one IndexedDB transaction), in the order asked. */
  getFileRecords(paths: readonly string[]): Promise<(FileRecord | undefined)[]>;
  /** The file's bytes as a Blob (disk-backed where the store allows). */
  getFile(path: string): Promise<Blob | undefined>;
  /**
   * The bytes of several files at once (one IndexedDB transaction), in the
   * order asked: each a Blob, or the bytes themselves where the store keeps a
   * small file inline (a Blob made for each costs more than the file).
   */
  getFiles(paths: readonly string[]): Promise<(Blob | Uint8Array | undefined)[]>;
  listFiles(prefix: string): Promise<FileRecord[]>;
  deleteFile(path: string): Promise<void>;
  /**
   * Writes several files and deletes others as one commit: all or none where
   * the store has transactions (IndexedDB), else the puts (each atomic, in
   * any order: after a crash any of them may be there without the others, so
   * the engine trusts a stored zip only beside its .ziphash), then the
   * deletions. Each put obeys putFile's rules. A module's verdict is one
   * commit: in IndexedDB every readwrite transaction on the files store waits
   * for the one before, so one per module instead of one per file is what
   * keeps a large plan from queueing on it.
   */
  commitFiles(puts: readonly FilePut[], deletes: readonly string[]): Promise<void>;

  getDownload(path: string): Promise<DownloadRecord | undefined>;
  /** The progress records of several downloads at once (one IndexedDB transaction), in the order asked. */
  getDownloads(paths: readonly string[]): Promise<(DownloadRecord | undefined)[]>;
  /** Creates or replaces a download's progress record and drops all its chunks (a restart). */
  resetDownload(record: DownloadRecord): Promise<void>;
  /**
   * Commits one chunk and the progress that counts it, atomically. Committing
   * an index that is already stored replaces that chunk (same offset and
   * length, new bytes and SHA-256): the re-fetch of one bad range. data is
   * the caller's buffer, refilled for the next chunk once the returned promise
   * resolves: a store writes or copies it before then and keeps no reference.
   */
  commitChunk(chunk: ChunkRecord, data: Uint8Array, progress: DownloadRecord): Promise<void>;
  listChunks(path: string): Promise<ChunkRecord[]>;
  getChunk(path: string, index: number): Promise<Blob | undefined>;
  /**
   * Optional: the bytes of a download's chunks (those given, in order) as a
   * RandomAccessSource, where the store reads them faster that way than as
   * the Blob of getChunk's Blobs (Node's file-backed Blobs). A read of a
   * chunk that is gone or changed fails.
   */
  openChunks?(path: string, chunks: readonly ChunkRecord[]): RandomAccessSource;
  /** Drops chunks index >= from and sets the progress record, atomically (re-fetch of a bad range). */
  truncateDownload(path: string, from: number, progress: DownloadRecord): Promise<void>;
  deleteDownload(path: string): Promise<void>;

  appendLog(entry: LogEntry): Promise<void>;
  readLog(jobId: string, opts?: { module?: string; afterSeq?: number; limit?: number }): Promise<LogEntry[]>;

  /** Small key/value settings and state (e.g. sumdb tree heads), compare-and-swap on write. */
  getMeta(key: string): Promise<Uint8Array | undefined>;
  /** Writes value if the current value equals expected (undefined = absent); returns whether it wrote. */
  casMeta(key: string, expected: Uint8Array | undefined, value: Uint8Array): Promise<boolean>;

  /** Bytes the store holds, for the storage view. */
  usage(): Promise<number>;
}

/** What the store requires of a job record; the engine's JobRecord extends it. */
export interface JobRecordBase {
  readonly formatVersion: number;
  readonly id: string;
}

/** What the store requires of a module-state record; keyed by (jobId, module). */
export interface ModuleStateRecordBase {
  readonly formatVersion: number;
  readonly jobId: string;
  /** "path@version". */
  readonly module: string;
}

/** One file of commitFiles: its record and its bytes. */
export interface FilePut {
  readonly record: FileRecord;
  readonly data: Blob | Uint8Array;
  /**
   * Set when data is the complete download of record.path, assembled from its
   * committed chunks (assembleChunks), and record.slices holds their SHA-256s.
   * The commit then also ends that download, as deleteDownload would: after
   * it there is no progress record and no chunk of it to resume. A store may
   * keep the file as those very chunks instead of a copy of them (IndexedDB:
   * a Blob value is copied into a file of its own, so the copy would cost the
   * zip's size twice, in time and in quota), but only where their records
   * still match record.slices; they then belong to the file, and a download
   * of the path is refused until the file is deleted.
   */
  readonly fromDownload?: boolean;
}

/**
 * Hashes module zips on other threads (a browser's workers, Node's worker
 * threads), so that two zips hash at once and the engine's own thread goes on
 * downloading meanwhile.
 * Without one the engine hashes on its own thread.
 */
export interface ZipHasher {
  /**
   * hashZipOrLocate (verifyModule.ts) of the zip held in data; rejects as that
   * would throw. entries, the zip's central directory as the caller read it,
   * lets the hasher split the work by entries; stored, where the zip is kept
   * when data was assembled from stored chunks, lets a hasher that cannot send
   * the Blob itself to another thread name the chunks instead.
   */
  hash(data: Blob | Uint8Array, entries?: readonly ZipEntry[], stored?: StoredZip): Promise<ZipHashResult>;
  /**
   * Nothing more to hash for now (the engine's last running job has ended):
   * frees what hashing holds between zips, such as worker threads and their
   * heaps. Hashing after it works as before.
   */
  release?(): void;
}

/** Where a zip the engine assembled from stored chunks is kept: its download's path and its chunks, in order. */
export interface StoredZip {
  readonly path: string;
  readonly chunks: readonly ChunkRecord[];
}

/** Everything the engine needs from its runtime. */
export interface EnginePorts {
  readonly http: Http;
  readonly store: EngineStore;
  readonly clock: Clock;
  readonly random: Random;
  readonly connectivity: Connectivity;
  readonly locks: Locks;
  readonly quota: Quota;
  readonly zipHasher?: ZipHasher;
}
