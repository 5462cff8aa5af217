/**
 * The page's handle on the download engine, which runs in a dedicated worker
 * (src/worker/engine.worker.ts): typed calls that resolve with the worker's
 * answer, engine events pushed to subscribers, and the wake-ups only the page
 * sees forwarded to the worker: the page becoming visible, and the service
 * worker's Background Sync message. The page never waits on the engine's
 * work, only on answers.
 *
 * When the network drops, the bridge registers a Background Sync tag (where
 * the browser has it), so the service worker wakes the engine when the
 * network is back even if no online event reaches the page.
 */
import { SW_WAKE_MESSAGE } from '../platform/browser/browserPorts.ts';
import { fromWireError } from '../platform/browser/engineProtocol.ts';
import type { CallArgs, CallResult, EngineCallName, FromWorker, Role, ToWorker } from '../platform/browser/engineProtocol.ts';
import type { EngineEvent } from '../engine/engine.ts';

/** The Background Sync tag; sw/backgroundSync.ts listens for it. */
export const SYNC_TAG = 'modcarry-downloads';

export interface EngineBridge {
  call<M extends EngineCallName>(method: M, ...args: CallArgs<M>): Promise<CallResult<M>>;
  /** Subscribes to engine events; returns an unsubscribe function. */
  onEvent(fn: (event: EngineEvent) => void): () => void;
  /** This tab's role, once the worker decided it. */
  role(): Role | undefined;
  /** Resolves with the role once decided. */
  ready: Promise<Role>;
  /** Terminates the worker. */
  dispose(): void;
}

/** A worker, as much of it as the bridge needs (tests pass a fake). */
export interface WorkerLike {
  postMessage(message: ToWorker): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  terminate(): void;
}

/** Starts the engine worker and returns its bridge. */
export function createEngineBridge(worker: WorkerLike = startWorker()): EngineBridge {
  let nextId = 1;
  let role: Role | undefined;
  let fatal: Error | undefined;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const listeners = new Set<(e: EngineEvent) => void>();
  let decided!: (r: Role) => void;
  let failed!: (e: Error) => void;
  const ready = new Promise<Role>((res, rej) => {
    decided = res;
    failed = rej;
  });
  ready.catch(() => undefined);

  worker.addEventListener('message', (event) => {
    const msg = event.data as FromWorker;
    switch (msg.kind) {
      case 'result': {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.ok) p?.resolve(msg.value);
        else p?.reject(fromWireError(msg.error));
        break;
      }
      case 'events':
        for (const event of msg.events) for (const l of [...listeners]) l(event);
        break;
      case 'role':
        role = msg.role;
        decided(msg.role);
        break;
      case 'fatal':
        fatal = fromWireError(msg.error);
        failed(fatal);
        for (const p of pending.values()) p.reject(fatal);
        pending.clear();
        break;
    }
  });

  const wake = (reason: string) => worker.postMessage({ kind: 'wake', reason });
  const disposers = forwardPageWakeUps(wake);

  return {
    call<M extends EngineCallName>(method: M, ...args: CallArgs<M>): Promise<CallResult<M>> {
      if (fatal !== undefined) return Promise.reject(fatal);
      const id = nextId++;
      return new Promise<CallResult<M>>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        worker.postMessage({ kind: 'call', id, method, args } as ToWorker);
      });
    },
    onEvent(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    role: () => role,
    ready,
    dispose() {
      for (const d of disposers) d();
      worker.terminate();
      const gone = new Error('the engine worker was stopped');
      for (const p of pending.values()) p.reject(gone);
      pending.clear();
    },
  };
}

function startWorker(): Worker {
  return new Worker(new URL('../worker/engine.worker.ts', import.meta.url), { type: 'module', name: workerName() });
}

/**
 * The worker's name. In 'e2e' builds only, `?e2eQuota=BYTES` on the page URL
 * hands the worker a storage quota of that size (Chromium offers no reliable
 * way to shrink a real quota), so a test can watch the engine pause on it.
 */
function workerName(): string {
  if (import.meta.env.MODE !== 'e2e' || typeof location === 'undefined') return 'modcarry-engine';
  const quota = new URLSearchParams(location.search).get('e2eQuota');
  return quota !== null && /^[0-9]+$/.test(quota) ? `modcarry-engine;quota=${quota}` : 'modcarry-engine';
}

/** Forwards visibility, online and Background Sync wake-ups; returns the removers. */
function forwardPageWakeUps(wake: (reason: string) => void): (() => void)[] {
  if (typeof document === 'undefined') return [];
  const onVisible = () => {
    if (document.visibilityState === 'visible') wake('visible');
  };
  const onOffline = () => void registerSync();
  const onSwMessage = (e: MessageEvent) => {
    const data = e.data as { type?: unknown; reason?: unknown } | null;
    if (data?.type === SW_WAKE_MESSAGE) wake(typeof data.reason === 'string' ? data.reason : 'sync');
  };
  document.addEventListener('visibilitychange', onVisible);
  globalThis.addEventListener('offline', onOffline);
  navigator.serviceWorker?.addEventListener('message', onSwMessage);
  return [
    () => document.removeEventListener('visibilitychange', onVisible),
    () => globalThis.removeEventListener('offline', onOffline),
    () => navigator.serviceWorker?.removeEventListener('message', onSwMessage),
  ];
}

/** Asks the service worker for a Background Sync event when the network is back (Chromium only). */
async function registerSync(): Promise<void> {
  try {
    const reg = (await navigator.serviceWorker?.getRegistration()) as (ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } }) | undefined;
    await reg?.sync?.register(SYNC_TAG);
  } catch {
    // no Background Sync here: the online event and app start still wake the engine
  }
}

/**
 * Exposes a bridge as window.modcarry for development and end-to-end test
 * builds (mode 'development' or 'e2e'); production builds never call it.
 */
export function installEngineHook(): EngineBridge | undefined {
  if (!import.meta.env.DEV && import.meta.env.MODE !== 'e2e') return undefined;
  const bridge = createEngineBridge();
  (globalThis as { modcarry?: EngineBridge }).modcarry = bridge;
  return bridge;
}
