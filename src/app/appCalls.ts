/**
 * The page's handle on the app worker (src/worker/appCalls.ts): planning,
 * the go.sum inspector, bundle export and verification, stored jobs,
 * storage use and cleanup. The download engine itself is reached through
 * engineBridge.ts; this worker only reads what the engine stores.
 *
 * The call shapes live in src/platform/browser/appProtocol.ts, which the
 * worker compiles against too.
 */
import type { AppCallMap, AppCallName, FromAppWorker, ProgressFn } from '../platform/browser/appProtocol.ts';

export type {
  AppCallMap,
  AppCallName,
  AppVerifyReport,
  ExportRequest,
  ExportSummary,
  InspectRequest,
  JobSummary,
  JobTexts,
  PlanRequest,
  ProgressFn,
  StorageReport,
} from '../platform/browser/appProtocol.ts';

export interface AppCalls {
  call<M extends AppCallName>(method: M, ...args: AppCallMap[M][0]): Promise<AppCallMap[M][1]>;
  /** The same, reporting progress while it runs. */
  callWithProgress<M extends AppCallName>(method: M, onProgress: ProgressFn, ...args: AppCallMap[M][0]): Promise<AppCallMap[M][1]>;
  dispose(): void;
}

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
