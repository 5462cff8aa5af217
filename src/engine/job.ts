/**
 * The persisted job: what the user asked for (inputs), the settings it runs
 * with and the plan it executes, plus its run status. Records are versioned;
 * migrateJob brings any older record up to JOB_FORMAT_VERSION one step at a
 * time and refuses records written by a newer modcarry (never guesses).
 */
import type { Plan } from '../core/plan/types.ts';
import type { JobRecordBase } from './ports.ts';
import type { EngineSettings } from './settings.ts';

export const JOB_FORMAT_VERSION = 1;

/** The go environment a job fetches and verifies with. */
export interface JobEnv {
  readonly GOPROXY: string;
  readonly GONOPROXY: string;
  readonly GOSUMDB: string;
  readonly GONOSUMDB: string;
}

/** One input the user gave, for provenance (the bundle manifest lists them). */
export interface JobSource {
  readonly kind: string;
  readonly name: string;
  readonly sha256?: string;
}

export interface JobInputs {
  readonly env: JobEnv;
  readonly sources: readonly JobSource[];
}

export type JobStatus = 'created' | 'running' | 'paused' | 'done' | 'cancelled';

export interface JobRecord extends JobRecordBase {
  readonly formatVersion: 1;
  readonly id: string;
  readonly createdAt: number;
  readonly inputs: JobInputs;
  readonly settings: EngineSettings;
  readonly plan: Plan;
  readonly status: JobStatus;
  /** Why the job is paused (quota numbers, user request, …). */
  readonly pauseReason?: string;
  readonly updatedAt: number;
}

/** A record from a newer modcarry, or one too damaged to read. */
export class RecordFormatError extends Error {
  override name = 'RecordFormatError';
}

/** One migration step: a record of version N to version N+1. */
export type Migration = (raw: Record<string, unknown>) => Record<string, unknown>;

/** Job migrations keyed by the version they upgrade from. None yet: version 1 is the first. */
export const JOB_MIGRATIONS: Readonly<Record<number, Migration>> = {};

/**
 * Applies migrations from raw.formatVersion up to target. Throws
 * RecordFormatError for a version above target or a missing step.
 */
export function migrateRecord(
  kind: string,
  raw: { readonly formatVersion: number },
  target: number,
  migrations: Readonly<Record<number, Migration>>,
): Record<string, unknown> {
  let rec = { ...(raw as unknown as Record<string, unknown>) };
  const fv = rec['formatVersion'];
  if (typeof fv !== 'number' || !Number.isInteger(fv) || fv < 0) throw new RecordFormatError(`${kind} record has no valid formatVersion`);
  let v = fv;
  if (v > target) throw new RecordFormatError(`${kind} record format ${v} is newer than this modcarry understands (${target}); upgrade modcarry`);
  while (v < target) {
    const step = migrations[v];
    if (step === undefined) throw new RecordFormatError(`${kind} record format ${v} cannot be migrated (no migration to ${v + 1})`);
    rec = step(rec);
    if (rec['formatVersion'] !== v + 1) throw new RecordFormatError(`${kind} migration from ${v} produced format ${String(rec['formatVersion'])}`);
    v = v + 1;
  }
  return rec;
}

/** The job in the current format. */
export function migrateJob(raw: JobRecordBase, migrations: Readonly<Record<number, Migration>> = JOB_MIGRATIONS): JobRecord {
  const rec = migrateRecord('job', raw, JOB_FORMAT_VERSION, migrations);
  if (typeof rec['id'] !== 'string' || typeof rec['plan'] !== 'object' || rec['plan'] === null) throw new RecordFormatError('job record is incomplete');
  return rec as unknown as JobRecord;
}

/** The key of a planned module: "path@version" as the go command names it. */
export function moduleKey(m: { readonly path: string; readonly version: string }): string {
  return `${m.path}@${m.version}`;
}
