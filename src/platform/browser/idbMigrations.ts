/**
 * The IndexedDB schema of the engine store and the migrations that build it.
 *
 * The database version is the number of migrations: migration i (0-based)
 * takes a database at version i to version i + 1, inside the versionchange
 * transaction, so a failed step leaves the previous version intact. A step
 * may await only requests of that transaction (no fetch, no timers).
 *
 * Rules for adding a version: append a step, never edit a released one; when a
 * record format changes, bump the record's formatVersion and rewrite the old
 * records in the same step, so the store never hands the engine a record in a
 * format it does not know. Steps that delete data should be rare: a browser
 * that crashes mid-upgrade simply reruns the step from the old version.
 */
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import type { ChunkRecord, DownloadRecord, FileRecord, JobRecordBase, LogEntry, ModuleStateRecordBase } from '../../engine/ports.ts';

/** The schema at the newest version. */
export interface ModcarryDB extends DBSchema {
  jobs: { key: string; value: JobRecordBase };
  moduleStates: { key: [string, string]; value: ModuleStateRecordBase };
  files: { key: string; value: StoredFile };
  downloads: { key: string; value: DownloadRecord | KeptChunks };
  chunks: { key: [string, number]; value: { record: ChunkRecord; data: Blob } };
  log: {
    key: number;
    value: LogEntry & { seq?: number };
    indexes: { byJob: string; byJobModule: [string, string] };
  };
  meta: { key: string; value: Uint8Array };
}

/**
 * A files value. data: bytes inline for small files (idbStore.ts INLINE_MAX),
 * else a Blob. chunks (from version 2): the file's bytes are the first
 * `chunks` chunks of its path in the chunks store, the download it came from
 * (EngineStore FilePut.fromDownload), kept instead of copied.
 */
export type StoredFile = { readonly record: FileRecord; readonly data: Blob | Uint8Array } | { readonly record: FileRecord; readonly chunks: number };

/**
 * In the downloads store (from version 2), in place of a path's progress
 * record: its chunks belong to its file (StoredFile with chunks), so no
 * download of the path may write them until the file is deleted.
 */
export interface KeptChunks {
  readonly keptBy: 'file';
}

/** One schema step, run inside the upgrade's versionchange transaction. */
export type IdbMigration = (
  db: IDBPDatabase<ModcarryDB>,
  tx: IDBPTransaction<ModcarryDB, StoreNames<ModcarryDB>[], 'versionchange'>,
) => void | Promise<void>;

/** Version 1: every store of the engine store. */
const v1: IdbMigration = (db) => {
  db.createObjectStore('jobs', { keyPath: 'id' });
  db.createObjectStore('moduleStates', { keyPath: ['jobId', 'module'] });
  db.createObjectStore('files');
  db.createObjectStore('downloads');
  db.createObjectStore('chunks');
  const log = db.createObjectStore('log', { keyPath: 'seq', autoIncrement: true });
  log.createIndex('byJob', 'jobId');
  log.createIndex('byJobModule', ['jobId', 'module']);
  db.createObjectStore('meta');
};

/**
 * Version 2: a file may keep the chunks of its download as its bytes
 * (StoredFile's chunks, KeptChunks). No store changes and no record to
 * rewrite: the step exists so that a build that does not know these values
 * (an old tab still open after an update) can no longer open the database
 * and take such a file for missing, or its chunks for a download.
 */
const v2: IdbMigration = () => undefined;

/** The migrations of this build; IDB_MIGRATIONS.length is the DB version. */
export const IDB_MIGRATIONS: readonly IdbMigration[] = [v1, v2];
