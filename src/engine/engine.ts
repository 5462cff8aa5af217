/**
 * The download engine's public API. One engine per runtime (worker or CLI
 * process); one runner per job at a time, guarded by the job's lock so that
 * two tabs (or processes) never run the same job and so never fetch the same
 * chunk twice. Everything a UI shows (progress, states, the change log) is
 * read from the store, so every tab sees the same numbers.
 */
import type { Plan } from '../core/plan/types.ts';
import { ChangeLog } from './changeLog.ts';
import type { JobInputs, JobRecord, JobStatus } from './job.ts';
import { migrateJob, moduleKey } from './job.ts';
import type { ModuleStateRecord } from './moduleState.ts';
import { migrateModuleState, transition } from './moduleState.ts';
import type { EnginePorts, LogEntry, ModuleState } from './ports.ts';
import { zipFile } from '../core/modcache/layout.ts';
import type { EngineEvent, RunOutcome } from './scheduler.ts';
import { JobRunner } from './scheduler.ts';
import { resolveSettings } from './settings.ts';
import type { SettingsInput } from './settings.ts';
import { createSumdbChecker } from './sumdbChecker.ts';
import type { JobSumdb } from './sumdbChecker.ts';

export type { EngineEvent, RunOutcome } from './scheduler.ts';

/** A module's line in the progress view. */
export interface ModuleProgress {
  readonly module: string;
  readonly state: ModuleState;
  readonly bytes: number;
  readonly totalBytes?: number;
  readonly failure?: { readonly kind: string; readonly message: string };
}

export interface JobProgress {
  readonly jobId: string;
  readonly status: JobStatus;
  readonly pauseReason?: string;
  readonly counts: Readonly<Record<ModuleState, number>>;
  /** Zip bytes committed, and the sum of the sizes known so far. */
  readonly bytes: number;
  readonly totalBytes: number;
  readonly modules: readonly ModuleProgress[];
}

/** What start/resume report: how the run ended, or 'busy' when another tab or process runs the job. */
export type StartResult = RunOutcome | 'busy';

export interface Engine {
  createJob(inputs: JobInputs, plan: Plan, settings?: SettingsInput): Promise<JobRecord>;
  getJob(jobId: string): Promise<JobRecord | undefined>;
  /** Runs the job until every module is verified or failed, or it is paused/cancelled. */
  start(jobId: string): Promise<StartResult>;
  pause(jobId: string, reason?: string): Promise<void>;
  resume(jobId: string): Promise<StartResult>;
  cancel(jobId: string): Promise<void>;
  /** Puts failed modules back to planned and runs the job again. */
  retryFailed(jobId: string): Promise<StartResult>;
  progress(jobId: string): Promise<JobProgress>;
  readLog(jobId: string, opts?: { module?: string; afterSeq?: number; limit?: number }): Promise<LogEntry[]>;
  /** The job's checksum database checker (for its latest tree head). */
  sumdb(jobId: string): Promise<JobSumdb>;
  onEvent(cb: (e: EngineEvent) => void): () => void;
  /** A wake-up from outside (online, visible, timer): offline runs probe now. */
  wake(reason: string): void;
  /** Stops listening for wake-ups; running jobs are paused. */
  close(): Promise<void>;
}

const STATES: readonly ModuleState[] = ['planned', 'fetching', 'fetched', 'verifying', 'verified', 'failed', 'paused'];

function newJobId(): string {
  return globalThis.crypto.randomUUID();
}

export function createEngine(ports: EnginePorts, defaults: SettingsInput = {}): Engine {
  const listeners = new Set<(e: EngineEvent) => void>();
  const emit = (e: EngineEvent): void => {
    for (const l of listeners) {
      try {
        l(e);
      } catch {
        // a listener's failure is not the engine's
      }
    }
  };
  const runners = new Map<string, JobRunner>();
  const checkers = new Map<string, Promise<JobSumdb>>();
  const unsubscribe = ports.connectivity.onWake((reason) => engine.wake(reason));

  const load = async (jobId: string): Promise<JobRecord> => {
    const raw = await ports.store.getJob(jobId);
    if (raw === undefined) throw new Error(`no job ${jobId}`);
    return migrateJob(raw);
  };
  const save = async (job: JobRecord, status: JobStatus, pauseReason?: string): Promise<JobRecord> => {
    const next: JobRecord = { ...job, status, updatedAt: ports.clock.now() };
    if (pauseReason !== undefined) (next as { pauseReason?: string }).pauseReason = pauseReason;
    else delete (next as { pauseReason?: string }).pauseReason;
    await ports.store.putJob(next);
    emit({ type: 'job', jobId: job.id, status, ...(pauseReason !== undefined ? { reason: pauseReason } : {}) });
    return next;
  };
  const logOf = (jobId: string): ChangeLog =>
    new ChangeLog(ports.store, ports.clock, jobId, (e) =>
      emit({ type: 'log', jobId, module: e.module, event: e.event, ...(e.detail !== undefined ? { detail: e.detail } : {}), ...(e.error !== undefined ? { error: e.error } : {}) }),
    );
  const checkerOf = (job: JobRecord): Promise<JobSumdb> => {
    let c = checkers.get(job.id);
    if (c === undefined) {
      c = createSumdbChecker({ http: ports.http, store: ports.store, clock: ports.clock, env: job.inputs.env });
      checkers.set(job.id, c);
      c.catch(() => checkers.delete(job.id));
    }
    return c;
  };

  const run = async (jobId: string): Promise<StartResult> => {
    if (runners.has(jobId)) return 'busy';
    const result = await ports.locks.withLock(
      `modcarry-job:${jobId}`,
      async (): Promise<RunOutcome> => {
        let job = await load(jobId);
        if (job.status === 'cancelled') return 'cancelled';
        const log = logOf(jobId);
        const sumdb = await checkerOf(job);
        const runner = new JobRunner({ ports, job, log, sumdb, emit });
        runners.set(jobId, runner);
        try {
          job = await save(job, 'running');
          await log.record('', 'job-start');
          const outcome = await runner.run();
          const stop = runner.stopRequest;
          if (outcome === 'paused') {
            const reason = stop?.kind === 'pause' ? stop.reason : 'paused';
            await save(job, 'paused', reason);
            await log.record('', 'job-paused', { detail: reason });
          } else if (outcome === 'cancelled') {
            await save(job, 'cancelled');
            await log.record('', 'job-cancelled');
          } else {
            await save(job, 'done');
            const states = await ports.store.listModuleStates(jobId);
            const failed = states.filter((s) => (s as ModuleStateRecord).state === 'failed').length;
            await log.record('', 'job-done', { detail: `${states.length - failed} verified, ${failed} failed` });
          }
          return outcome;
        } finally {
          runners.delete(jobId);
          if (runners.size === 0) ports.zipHasher?.release?.();
        }
      },
      { ifAvailable: true },
    );
    if (result === undefined) {
      await logOf(jobId).record('', 'job-busy', { detail: 'another tab or process runs this job' });
      return 'busy';
    }
    return result;
  };

  /**
   * The sizes of zips seen verified for a module verified in its job. Such a
   * file keeps its size: verified bytes are never replaced by unverified ones
   * (EngineStore.commitFiles), a module version verifies to one zip, and a
   * file goes only with the last job that plans it. So progress need not
   * read it again.
   */
  const verifiedZipSizes = new Map<string, number>();

  const engine: Engine = {
    async createJob(inputs, plan, settings) {
      const now = ports.clock.now();
      const job: JobRecord = {
        formatVersion: 1,
        id: newJobId(),
        createdAt: now,
        updatedAt: now,
        inputs,
        settings: resolveSettings({ ...defaults, ...settings, retry: { ...defaults.retry, ...settings?.retry } }),
        plan,
        status: 'created',
      };
      await ports.store.putJob(job);
      await logOf(job.id).record('', 'job-created', { detail: `${plan.modules.length} module versions planned` });
      return job;
    },
    async getJob(jobId) {
      const raw = await ports.store.getJob(jobId);
      return raw === undefined ? undefined : migrateJob(raw);
    },
    start: run,
    async pause(jobId, reason = 'paused by the user') {
      const r = runners.get(jobId);
      if (r !== undefined) r.stop({ kind: 'pause', reason });
      else {
        const job = await load(jobId);
        if (job.status !== 'done' && job.status !== 'cancelled') await save(job, 'paused', reason);
      }
    },
    async resume(jobId) {
      const job = await load(jobId);
      if (job.status === 'paused') {
        await save(job, 'created');
        await logOf(jobId).record('', 'job-resumed');
      }
      return run(jobId);
    },
    async cancel(jobId) {
      const r = runners.get(jobId);
      if (r !== undefined) r.stop({ kind: 'cancel' });
      else await save(await load(jobId), 'cancelled');
    },
    async retryFailed(jobId) {
      const now = ports.clock.now();
      for (const raw of await ports.store.listModuleStates(jobId)) {
        const s = migrateModuleState(raw);
        if (s.state === 'failed') await ports.store.putModuleState(transition(s, 'planned', now, { attempts: 0 }));
      }
      const job = await load(jobId);
      if (job.status === 'done' || job.status === 'paused') await save(job, 'created');
      return run(jobId);
    },
    async progress(jobId) {
      const job = await load(jobId);
      const states = new Map((await ports.store.listModuleStates(jobId)).map((r) => [r.module, migrateModuleState(r)]));
      const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<ModuleState, number>;
      const modules: ModuleProgress[] = [];
      let bytes = 0;
      let totalBytes = 0;
      // Two batched reads, not two per module: the UI asks for progress while
      // a run keeps the store busy, and a read per module queued behind it.
      // A verified module's zip size is remembered, so those reads shrink as
      // the job goes on (reading a file record also reads the file's bytes or
      // Blob handle in a browser store).
      const zipPaths = job.plan.modules.map((m) => zipFile(m.fetchPath, m.fetchVersion));
      const known = (i: number): number | undefined => (states.get(moduleKey(job.plan.modules[i]!))?.state === 'verified' ? verifiedZipSizes.get(zipPaths[i]!) : undefined);
      const unknown = zipPaths.filter((_, i) => known(i) === undefined);
      const [someDownloads, someRecords] = await Promise.all([ports.store.getDownloads(unknown), ports.store.getFileRecords(unknown)]);
      const read = new Map(unknown.map((path, j) => [path, { d: someDownloads[j], f: someRecords[j] }]));
      for (const [i, m] of job.plan.modules.entries()) {
        const key = moduleKey(m);
        const st = states.get(key);
        const state: ModuleState = st?.state ?? 'planned';
        counts[state]++;
        let b = 0;
        let t: number | undefined;
        if (m.files.includes('zip')) {
          const size = known(i);
          const { d, f } = read.get(zipPaths[i]!) ?? {};
          if (size !== undefined) {
            b = size;
            t = size;
          } else if (d !== undefined) {
            b = d.bytes;
            t = d.totalSize;
          } else if (f?.verified) {
            b = f.size;
            t = f.size;
            if (state === 'verified') verifiedZipSizes.set(zipPaths[i]!, f.size);
          }
        }
        bytes += b;
        totalBytes += t ?? 0;
        modules.push({ module: key, state, bytes: b, ...(t !== undefined ? { totalBytes: t } : {}), ...(st?.failure ? { failure: st.failure } : {}) });
      }
      return { jobId, status: job.status, ...(job.pauseReason !== undefined ? { pauseReason: job.pauseReason } : {}), counts, bytes, totalBytes, modules };
    },
    readLog(jobId, opts) {
      return ports.store.readLog(jobId, opts);
    },
    async sumdb(jobId) {
      return checkerOf(await load(jobId));
    },
    onEvent(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    wake(_reason) {
      for (const r of runners.values()) r.gate.wake();
    },
    async close() {
      unsubscribe();
      for (const r of runners.values()) r.stop({ kind: 'pause', reason: 'the engine closed' });
      await Promise.resolve();
    },
  };
  return engine;
}

export { moduleKey };
