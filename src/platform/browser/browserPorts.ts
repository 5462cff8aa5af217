/**
 * The engine's ports in a browser page or dedicated worker: fetch, the wall
 * clock, crypto.getRandomValues, connectivity hints, Web Locks and the
 * storage quota, each behind the small interfaces of src/engine/ports.ts.
 *
 * Everything here runs in both a Window and a DedicatedWorkerGlobalScope, so
 * the runtime is reached through narrow structural types of globalThis rather
 * than DOM-only names (document exists only in the page: the page forwards
 * visibility and service-worker wake-ups to the worker, see wake()).
 */
import type { Clock, Connectivity, EnginePorts, EngineStore, Locks, Quota, Random } from '../../engine/ports.ts';
import { fetchHttp } from './fetchHttp.ts';
import type { FetchHttpOptions } from './fetchHttp.ts';

/** The message the service worker posts to its clients on a Background Sync event. */
export const SW_WAKE_MESSAGE = 'modcarry:wake';

/** The Web Locks API, as much of it as Locks needs. */
export interface LockManagerLike {
  request<T>(name: string, options: { mode?: 'exclusive'; ifAvailable?: boolean; signal?: AbortSignal }, callback: (lock: unknown) => Promise<T>): Promise<T>;
}

interface BrowserGlobals {
  navigator?: {
    onLine?: boolean;
    locks?: LockManagerLike;
    storage?: { estimate?(): Promise<{ usage?: number; quota?: number }>; persist?(): Promise<boolean> };
  };
  crypto: { getRandomValues<T extends ArrayBufferView>(array: T): T };
  addEventListener?(type: string, listener: () => void): void;
  removeEventListener?(type: string, listener: () => void): void;
}

const g = globalThis as unknown as BrowserGlobals;

/** Date.now and setTimeout. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

/** Uniform floats in [0, 1) from crypto.getRandomValues (53 random bits). */
export const cryptoRandom: Random = {
  next(): number {
    const w = g.crypto.getRandomValues(new Uint32Array(2));
    return ((w[0] ?? 0) * 2 ** 21 + ((w[1] ?? 0) >>> 11)) / 2 ** 53;
  },
};

/** Connectivity plus the entry point for wake-ups that arrive as messages. */
export interface BrowserConnectivity extends Connectivity {
  /** Tells every subscriber work may continue (page visible, Background Sync, app start). */
  wake(reason: string): void;
  /** Removes the global listeners. */
  dispose(): void;
}

/**
 * Connectivity from the global scope's online/offline events and
 * navigator.onLine (both exist in pages and workers), plus wake() for the
 * hints only the page or the service worker sees.
 */
export function browserConnectivity(scope: BrowserGlobals = g): BrowserConnectivity {
  const subscribers = new Set<(reason: string) => void>();
  const wake = (reason: string) => {
    for (const s of [...subscribers]) {
      try {
        s(reason);
      } catch (err) {
        console.error('modcarry: a wake subscriber failed', err);
      }
    }
  };
  const onOnline = () => wake('online');
  scope.addEventListener?.('online', onOnline);
  return {
    isOnline: () => scope.navigator?.onLine ?? true,
    onWake(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
    wake,
    dispose() {
      scope.removeEventListener?.('online', onOnline);
      subscribers.clear();
    },
  };
}

const NOT_GRANTED = Symbol('lock not granted');

/**
 * Locks over navigator.locks (shared by every tab and worker of the origin).
 * Where the API is missing, a process-local queue gives the same semantics
 * within this one context.
 */
export function webLocks(manager: LockManagerLike | undefined = g.navigator?.locks): Locks {
  if (manager === undefined) return localLocks();
  return {
    async withLock<T>(name: string, fn: () => Promise<T>, opts: { ifAvailable?: boolean; signal?: AbortSignal } = {}) {
      const result = await manager.request<T | typeof NOT_GRANTED>(
        name,
        { mode: 'exclusive', ...(opts.ifAvailable ? { ifAvailable: true } : {}), ...(opts.signal ? { signal: opts.signal } : {}) },
        async (lock) => (lock === null ? NOT_GRANTED : fn()),
      );
      return result === NOT_GRANTED ? undefined : result;
    },
  };
}

/** Exclusive locks within this JavaScript context only. */
export function localLocks(): Locks {
  const tails = new Map<string, Promise<void>>();
  const held = new Set<string>();
  return {
    async withLock<T>(name: string, fn: () => Promise<T>, opts: { ifAvailable?: boolean; signal?: AbortSignal } = {}) {
      if (opts.ifAvailable && (held.has(name) || tails.has(name))) return undefined;
      opts.signal?.throwIfAborted();
      const before = tails.get(name) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((r) => (release = r));
      const tail = before.then(() => mine);
      tails.set(name, tail);
      try {
        await before;
        if (opts.signal?.aborted) throw opts.signal.reason;
        held.add(name);
        return await fn();
      } finally {
        held.delete(name);
        release();
        if (tails.get(name) === tail) tails.delete(name);
      }
    },
  };
}

/** Quota from navigator.storage, where the browser has it. */
export function storageQuota(storage = g.navigator?.storage): Quota {
  return {
    async estimate() {
      if (storage?.estimate === undefined) return undefined;
      const e = await storage.estimate();
      return e.usage === undefined || e.quota === undefined ? undefined : { usage: e.usage, quota: e.quota };
    },
    async persist() {
      if (storage?.persist === undefined) return false;
      try {
        return await storage.persist();
      } catch {
        return false;
      }
    },
  };
}

export interface BrowserPortsOptions {
  http?: FetchHttpOptions;
  /** Overrides the quota port (tests inject a small quota). */
  quota?: Quota;
}

/** The engine's ports in this browser context, around store. */
export function browserPorts(store: EngineStore, options: BrowserPortsOptions = {}): EnginePorts & { connectivity: BrowserConnectivity } {
  return {
    http: fetchHttp(options.http),
    store,
    clock: systemClock,
    random: cryptoRandom,
    connectivity: browserConnectivity(),
    locks: webLocks(),
    quota: options.quota ?? storageQuota(),
  };
}
