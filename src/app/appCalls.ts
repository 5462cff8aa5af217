/**
 * The page's handle on the app worker (src/worker/appCalls.ts): planning,
 * the go.sum inspector, bundle export and verification, stored jobs,
 * storage use and cleanup. The download engine itself is reached through
 * engineBridge.ts; this worker only reads what the engine stores.
 *
 * The worker's module cannot be imported here (it is typed for a worker
 * global scope, in another TypeScript project), so the call shapes are
 * declared here and the worker's handlers follow them; the e2e journey
 * exercises every call end to end.
 */
import type { Plan } from '../core/plan/types.ts';
import type { ToolchainPlatform } from '../core/plan/createPlan.ts';
import type { JobEnv } from '../engine/job.ts';
import type { SumcheckReport } from '../engine/sumcheck.ts';
import type { VerifyReport } from '../engine/bundle/verifyBundle.ts';

/** What a person typed or dropped, kept with the job so the inspector works later (and offline). */
export interface JobTexts {
  goMod?: string;
  goSum?: string;
  queries: string[];
}

export interface PlanRequest {
  goMod?: string;
  goSum?: string;
  queries: string[];
  toolchains: ToolchainPlatform[];
  env: JobEnv;
}

export interface InspectRequest {
  /** A stored job: its go.sum, settings and plan are used unless given. */
  jobId?: string;
  goSum?: string;
  env?: JobEnv;
  plan?: Plan;
  /** Check from stored proofs only. */
  offline: boolean;
}

export interface ExportRequest {
  jobId: string;
  compression: 'none' | number;
  allowFailures: boolean;
  /** Manifest texts (modcarry-manifest.json) of what the offline side holds: a delta bundle when given. */
  offlineManifests: string[];
  /** A file the person chose with showSaveFilePicker; else the bundle goes to OPFS and comes back as a File. */
  target?: FileSystemFileHandle;
  goprivate: string;
}

export interface ExportSummary {
  name: string;
  /** The bundle, to offer as a normal browser download; absent when written to a chosen file. */
  file?: File;
  bytes: number;
  modules: number;
  files: number;
  delta: boolean;
  /** Planned modules not verified (left out, or listed as failures when allowed). */
  unverified: string[];
}

export interface JobSummary {
  id: string;
  status: string;
  createdAt: number;
  updatedAt: number;
  modules: number;
  mainModule?: string;
  sources: string[];
  bytes: number;
}

export interface StorageReport {
  /** Bytes of module files and chunks in the store. */
  storeBytes: number;
  /** The origin's usage and quota, where the browser tells. */
  usage?: number;
  quota?: number;
  persisted: boolean;
  /** Bundles kept in OPFS. */
  exports: { name: string; size: number }[];
}

export type AppVerifyReport = VerifyReport & { treeHeadsChecked: number };

/** The calls, by name: arguments and result. */
export interface AppCallMap {
  plan: [[PlanRequest], Plan];
  inspect: [[InspectRequest], SumcheckReport];
  exportJob: [[ExportRequest], ExportSummary];
  verify: [[{ file: Blob; sumdbKey?: string }], AppVerifyReport];
  jobs: [[], JobSummary[]];
  storage: [[], StorageReport];
  deleteJob: [[string], { freed: number }];
  deleteExport: [[string], void];
  saveJobTexts: [[string, JobTexts], void];
  jobTexts: [[string], JobTexts | undefined];
}

export type AppCallName = keyof AppCallMap;

/** Progress of a long call: done of total, and what it is at. */
export type ProgressFn = (done: number, total: number, label: string) => void;

export interface AppCalls {
  call<M extends AppCallName>(method: M, ...args: AppCallMap[M][0]): Promise<AppCallMap[M][1]>;
  /** The same, reporting progress while it runs. */
  callWithProgress<M extends AppCallName>(method: M, onProgress: ProgressFn, ...args: AppCallMap[M][0]): Promise<AppCallMap[M][1]>;
  dispose(): void;
}

type FromAppWorker =
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: { name: string; message: string } }
  | { kind: 'progress'; id: number; done: number; total: number; label: string };

/** Starts the app worker and returns its calls. */
export function createAppCalls(worker: Worker = new Worker(new URL('../worker/appCalls.ts', import.meta.url), { type: 'module', name: 'modcarry-app' })): AppCalls {
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; progress?: ProgressFn }>();
  worker.addEventListener('message', (event: MessageEvent) => {
    const msg = event.data as FromAppWorker;
    const p = pending.get(msg.id);
    if (p === undefined) return;
    if (msg.kind === 'progress') {
      p.progress?.(msg.done, msg.total, msg.label);
      return;
    }
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.value);
    else {
      const err = new Error(msg.error.message);
      err.name = msg.error.name;
      p.reject(err);
    }
  });
  worker.addEventListener('error', (event: ErrorEvent) => {
    const err = new Error(`the app worker failed: ${event.message}`);
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  });
  const send = (method: string, args: unknown[], progress?: ProgressFn): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject, ...(progress !== undefined ? { progress } : {}) });
      worker.postMessage({ id, method, args });
    });
  return {
    call: (method, ...args) => send(method, args) as never,
    callWithProgress: (method, onProgress, ...args) => send(method, args, onProgress) as never,
    dispose() {
      worker.terminate();
      const gone = new Error('the app worker was stopped');
      for (const p of pending.values()) p.reject(gone);
      pending.clear();
    },
  };
}
