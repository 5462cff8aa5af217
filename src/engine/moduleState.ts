/**
 * The state machine of one module version within a job, and its persisted
 * record. Every change goes through transition(), which refuses moves the
 * machine does not have, so a bug cannot, say, mark a failed module verified.
 *
 *   planned ──▶ fetching ──▶ fetched ──▶ verifying ──▶ verified
 *      │  ▲        │ ▲  ▲         │          │ │
 *      │  │        │ └──┼─────────┘ (resume) │ └──▶ fetching (bad ranges)
 *      ▼  │        ▼    │                    ▼
 *    paused ◀── any non-final            failed ──▶ planned (retryFailed)
 *
 * 'verified' is final. 'fetching' may repeat (a retry is fetching again).
 */
import type { ModuleState, ModuleStateRecordBase } from './ports.ts';
import { migrateRecord } from './job.ts';
import type { Migration } from './job.ts';

export const MODULE_STATE_FORMAT_VERSION = 1;

/** Why a module failed, for the UI and the CLI's exit report. */
export type FailureKind =
  /** A hash differs from go.sum or the checksum database. */
  | 'security'
  /** Every proxy said 404/410 (or 'off'). */
  | 'not-found'
  /** 403 and other client errors, bad GOPROXY, direct-only paths. */
  | 'refused'
  /** The zip breaks the module zip rules (go would refuse to extract it). */
  | 'zip-rules'
  /** Retries were used up. */
  | 'exhausted'
  /** Anything else. */
  | 'error';

/** Where the hashes of a verified module were checked (bundle manifest's CheckSource). */
export type CheckSource = 'go.sum' | 'sumdb' | 'gonosumdb';

export interface ModuleStateRecord extends ModuleStateRecordBase {
  readonly formatVersion: 1;
  readonly jobId: string;
  /** "path@version" as planned. */
  readonly module: string;
  readonly state: ModuleState;
  /** The state a paused module was in. */
  readonly pausedFrom?: ModuleState;
  /** Failed attempts since the last progress. */
  readonly attempts: number;
  /** When the next retry is due (ms since epoch), while waiting. */
  readonly nextAttemptAt?: number;
  readonly failure?: { readonly kind: FailureKind; readonly message: string };
  /** Zip bytes committed, and the zip's size once known. */
  readonly bytes: number;
  readonly totalBytes?: number;
  /** Hashes computed and where they were checked, once verified. */
  readonly zipHash?: string;
  readonly modHash?: string;
  readonly checkedBy?: readonly CheckSource[];
  readonly updatedAt: number;
}

const NEXT: Readonly<Record<ModuleState, readonly ModuleState[]>> = {
  planned: ['fetching', 'paused', 'failed'],
  fetching: ['fetching', 'fetched', 'failed', 'paused'],
  fetched: ['verifying', 'fetching', 'failed', 'paused'],
  verifying: ['verified', 'failed', 'fetching', 'paused'],
  verified: [],
  failed: ['planned'],
  paused: ['planned', 'fetching'],
};

/** Whether the machine has the move from → to. */
export function canTransition(from: ModuleState, to: ModuleState): boolean {
  return NEXT[from].includes(to);
}

/** States a module rests in until someone acts. */
export function isFinal(state: ModuleState): boolean {
  return state === 'verified' || state === 'failed';
}

export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError';
  constructor(
    readonly module: string,
    readonly from: ModuleState,
    readonly to: ModuleState,
  ) {
    super(`${module}: illegal state transition ${from} -> ${to}`);
  }
}

/** The initial record of a planned module. */
export function plannedState(jobId: string, module: string, now: number): ModuleStateRecord {
  return { formatVersion: 1, jobId, module, state: 'planned', attempts: 0, bytes: 0, updatedAt: now };
}

type Patch = Partial<Omit<ModuleStateRecord, 'formatVersion' | 'jobId' | 'module' | 'state'>>;

/**
 * The record after moving to `to` with patch applied; throws
 * IllegalTransitionError for a move the machine does not have. Leaving
 * 'failed' clears the failure; leaving 'paused' clears pausedFrom; entering
 * 'paused' remembers the state it came from.
 */
export function transition(rec: ModuleStateRecord, to: ModuleState, now: number, patch: Patch = {}): ModuleStateRecord {
  if (!canTransition(rec.state, to)) throw new IllegalTransitionError(rec.module, rec.state, to);
  const next: { -readonly [K in keyof ModuleStateRecord]: ModuleStateRecord[K] } = { ...rec, ...patch, state: to, updatedAt: now };
  if (rec.state === 'failed' && patch.failure === undefined) delete next.failure;
  if (to === 'paused') next.pausedFrom = rec.state;
  else delete next.pausedFrom;
  if (to !== 'fetching') delete next.nextAttemptAt;
  return next;
}

/** Module-state migrations keyed by the version they upgrade from. */
export const MODULE_STATE_MIGRATIONS: Readonly<Record<number, Migration>> = {};

export function migrateModuleState(raw: ModuleStateRecordBase, migrations: Readonly<Record<number, Migration>> = MODULE_STATE_MIGRATIONS): ModuleStateRecord {
  return migrateRecord('module state', raw, MODULE_STATE_FORMAT_VERSION, migrations) as unknown as ModuleStateRecord;
}
