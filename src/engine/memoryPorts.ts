/**
 * In-process implementations of the small ports, for tests and for a
 * single-process engine: locks (one holder per name, FIFO), a seeded PRNG,
 * a settable connectivity hint, and a settable quota.
 */
import type { Connectivity, Locks, Quota, Random } from './ports.ts';

/** Exclusive named locks within one JavaScript realm, like navigator.locks. */
export function memoryLocks(): Locks {
  const tails = new Map<string, Promise<void>>();
  return {
    async withLock(name, fn, opts = {}) {
      const prev = tails.get(name);
      if (prev !== undefined && opts.ifAvailable) return undefined;
      let release!: () => void;
      const mine = new Promise<void>((r) => (release = r));
      const tail = (prev ?? Promise.resolve()).then(() => mine);
      tails.set(name, tail);
      try {
        if (prev !== undefined) {
          const signal = opts.signal;
          await new Promise<void>((resolve, reject) => {
            if (signal?.aborted) return reject(signal.reason);
            const onAbort = (): void => reject(signal?.reason);
            signal?.addEventListener('abort', onAbort, { once: true });
            void prev.then(() => {
              signal?.removeEventListener('abort', onAbort);
              resolve();
            });
          });
        }
        return await fn();
      } finally {
        release();
        if (tails.get(name) === tail) tails.delete(name);
      }
    },
  };
}

/** mulberry32: a small seeded PRNG. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** A connectivity hint the caller sets; wake() calls the subscribers. */
export function settableConnectivity(online = true): Connectivity & { setOnline(v: boolean): void; wake(reason: string): void } {
  let state = online;
  const subs = new Set<(reason: string) => void>();
  return {
    isOnline: () => state,
    onWake(wake) {
      subs.add(wake);
      return () => subs.delete(wake);
    },
    setOnline(v) {
      state = v;
    },
    wake(reason) {
      for (const s of [...subs]) s(reason);
    },
  };
}

/** A quota the caller sets (undefined: unknown, as when estimate() is missing). */
export function settableQuota(value?: { usage: number; quota: number }): Quota & { set(v: { usage: number; quota: number } | undefined): void } {
  let v = value;
  return {
    estimate: () => Promise.resolve(v),
    persist: () => Promise.resolve(false),
    set(next) {
      v = next;
    },
  };
}
