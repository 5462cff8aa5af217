// The small browser ports: clock, random, connectivity, locks and quota, with
// the browser objects they wrap replaced by fakes that follow the specs.
import { describe, it, expect } from 'vitest';
import {
  browserConnectivity,
  cryptoRandom,
  localLocks,
  storageQuota,
  systemClock,
  webLocks,
} from '../../../src/platform/browser/browserPorts.ts';
import type { LockManagerLike } from '../../../src/platform/browser/browserPorts.ts';

/** A LockManager with the Web Locks semantics for exclusive locks on one name. */
function fakeLockManager(): LockManagerLike & { held: Set<string> } {
  const held = new Set<string>();
  const queues = new Map<string, (() => void)[]>();
  return {
    held,
    async request<T>(name: string, options: { ifAvailable?: boolean; signal?: AbortSignal }, cb: (lock: unknown) => Promise<T>) {
      if (held.has(name)) {
        if (options.ifAvailable) return cb(null);
        await new Promise<void>((resolve) => {
          const q = queues.get(name) ?? [];
          q.push(resolve);
          queues.set(name, q);
        });
      }
      held.add(name);
      try {
        return await cb({ name });
      } finally {
        held.delete(name);
        queues.get(name)?.shift()?.();
      }
    },
  };
}

describe('systemClock', () => {
  it('sleeps, and rejects with the reason when aborted', async () => {
    const before = systemClock.now();
    await systemClock.sleep(5);
    expect(systemClock.now()).toBeGreaterThanOrEqual(before);
    const ac = new AbortController();
    const sleeping = systemClock.sleep(60_000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    await expect(systemClock.sleep(1, ac.signal)).rejects.toThrow('stop');
  });
});

describe('cryptoRandom', () => {
  it('gives floats in [0, 1) that vary', () => {
    const xs = Array.from({ length: 1000 }, () => cryptoRandom.next());
    for (const x of xs) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
    expect(new Set(xs).size).toBeGreaterThan(990);
    expect(xs.some((x) => x < 0.1)).toBe(true);
    expect(xs.some((x) => x > 0.9)).toBe(true);
  });
});

describe('browserConnectivity', () => {
  it('wakes subscribers on the online event and on forwarded hints', () => {
    const scope = Object.assign(new EventTarget(), { navigator: { onLine: false }, crypto: globalThis.crypto });
    const c = browserConnectivity(scope);
    const seen: string[] = [];
    const off = c.onWake((r) => seen.push(r));
    expect(c.isOnline()).toBe(false);
    scope.navigator.onLine = true;
    scope.dispatchEvent(new Event('online'));
    scope.dispatchEvent(new Event('offline'));
    c.wake('visible');
    expect(c.isOnline()).toBe(true);
    expect(seen).toEqual(['online', 'visible']);
    off();
    c.wake('sync');
    expect(seen).toEqual(['online', 'visible']);
    c.onWake((r) => seen.push(r));
    c.dispose();
    scope.dispatchEvent(new Event('online'));
    expect(seen).toEqual(['online', 'visible']);
  });
});

describe('webLocks', () => {
  it('runs fn holding the lock and serialises holders', async () => {
    const manager = fakeLockManager();
    const locks = webLocks(manager);
    const order: string[] = [];
    let release!: () => void;
    const first = locks.withLock('engine', async () => {
      order.push('first in');
      await new Promise<void>((r) => (release = r));
      order.push('first out');
      return 1;
    });
    await Promise.resolve();
    expect(manager.held.has('engine')).toBe(true);
    // ifAvailable: another holder has it, so fn is not called.
    expect(await locks.withLock('engine', async () => order.push('never'), { ifAvailable: true })).toBeUndefined();
    const second = locks.withLock('engine', async () => {
      order.push('second');
      return 2;
    });
    release();
    expect(await first).toBe(1);
    expect(await second).toBe(2);
    expect(order).toEqual(['first in', 'first out', 'second']);
    expect(await locks.withLock('engine', async () => 'free', { ifAvailable: true })).toBe('free');
  });

  it('falls back to process-local locks with the same semantics', async () => {
    for (const locks of [webLocks(undefined), localLocks()]) {
      let release!: () => void;
      const order: string[] = [];
      const first = locks.withLock('x', async () => {
        await new Promise<void>((r) => (release = r));
        order.push('first');
      });
      await Promise.resolve();
      expect(await locks.withLock('x', async () => 'no', { ifAvailable: true })).toBeUndefined();
      const second = locks.withLock('x', async () => order.push('second'));
      expect(await locks.withLock('y', async () => 'other name')).toBe('other name');
      release();
      await Promise.all([first, second]);
      expect(order).toEqual(['first', 'second']);
      await expect(locks.withLock('x', async () => 1, { signal: AbortSignal.abort(new Error('gone')) })).rejects.toThrow('gone');
      expect(await locks.withLock('x', async () => 'free', { ifAvailable: true })).toBe('free');
    }
  });

  it('releases the lock when fn throws', async () => {
    const locks = localLocks();
    await expect(locks.withLock('x', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await locks.withLock('x', async () => 'ok', { ifAvailable: true })).toBe('ok');
  });
});

describe('storageQuota', () => {
  it('reports navigator.storage numbers and the persist answer', async () => {
    const q = storageQuota({ estimate: async () => ({ usage: 10, quota: 100 }), persist: async () => true });
    expect(await q.estimate()).toEqual({ usage: 10, quota: 100 });
    expect(await q.persist()).toBe(true);
  });

  it('says unknown when the browser has no storage manager or partial numbers', async () => {
    expect(await storageQuota(undefined).estimate()).toBeUndefined();
    expect(await storageQuota(undefined).persist()).toBe(false);
    const partial = storageQuota({ estimate: async () => ({ usage: 10 }), persist: async () => Promise.reject(new Error('denied')) });
    expect(await partial.estimate()).toBeUndefined();
    expect(await partial.persist()).toBe(false);
  });
});
