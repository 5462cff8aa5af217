/**
 * The message protocol between the page (src/app/engineBridge.ts) and the
 * engine's dedicated worker (src/worker/engine.worker.ts). Every message is
 * a discriminated union member and structured-cloneable; calls carry ids and
 * get exactly one result; engine events are pushed to the page unasked.
 *
 * Roles: the worker that holds the profile's engine lock ('leader') runs the
 * engine; a second tab's worker ('follower') answers read-only calls from the
 * store and relays the leader's events from a BroadcastChannel, and refuses
 * commands with NotLeaderError's message. When the leader's tab closes, the
 * lock passes to a waiting follower, which then starts its own engine.
 */
import type { Engine, EngineEvent } from '../../engine/engine.ts';
import type { WireError } from '../../engine/wireError.ts';

export { fromWireError, toWireError } from '../../engine/wireError.ts';
export type { WireError } from '../../engine/wireError.ts';

/** The Web Lock that makes one worker per profile the engine's leader. */
export const ENGINE_LOCK = 'modcarry-engine';
/** The BroadcastChannel on which the leader republishes engine events. */
export const ENGINE_CHANNEL = 'modcarry-engine-events';

/** The engine methods the page may call. */
export type EngineCallName = 'createJob' | 'getJob' | 'start' | 'pause' | 'resume' | 'cancel' | 'retryFailed' | 'progress' | 'readLog' | 'listJobs';
/** The calls a follower answers itself (they only read the store). */
export const READ_ONLY_CALLS: readonly EngineCallName[] = ['getJob', 'progress', 'readLog', 'listJobs'];

/** The engine's own methods the page may call. */
export type EngineMethods = Pick<Engine, Exclude<EngineCallName, 'listJobs'>>;

/** The callable surface: the engine's own methods plus a list of jobs. */
export interface EngineCalls extends EngineMethods {
  listJobs(): Promise<{ id: string; status: string }[]>;
}

export type CallArgs<M extends EngineCallName> = Parameters<EngineCalls[M]>;
export type CallResult<M extends EngineCallName> = Awaited<ReturnType<EngineCalls[M]>>;

/** Page -> worker. */
export type ToWorker =
  | { [M in EngineCallName]: { kind: 'call'; id: number; method: M; args: CallArgs<M> } }[EngineCallName]
  /** A hint that work may continue: page visible, Background Sync, online. */
  | { kind: 'wake'; reason: string };

export type Role = 'leader' | 'follower';

/** Worker -> page. */
export type FromWorker =
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: WireError }
  /** Engine events in the order they happened, gathered for up to 100 ms (eventBatcher). */
  | { kind: 'events'; events: EngineEvent[] }
  | { kind: 'role'; role: Role }
  /** The worker could not start (no IndexedDB, blocked upgrade …). */
  | { kind: 'fatal'; error: WireError };

/** A follower refused a command. */
export class NotLeaderError extends Error {
  override name = 'NotLeaderError';
  constructor(method: string) {
    super(`${method}: another tab runs the downloads of this browser profile; use that tab, or close it and this one takes over`);
  }
}

