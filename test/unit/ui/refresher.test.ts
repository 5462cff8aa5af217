import { describe, expect, it } from 'vitest';
import { refresher } from '../../../src/ui/state/refresher.ts';
import type { RefreshTimers } from '../../../src/ui/state/refresher.ts';

/** Timers the test fires by hand. */
function manualTimers(): RefreshTimers & { fire(): void; pending(): number[] } {
  let next = 1;
  const queue = new Map<number, { fn: () => void; ms: number }>();
  return {
    set: (fn, ms) => {
      queue.set(next, { fn, ms });
      return next++;
    },
    clear: (h) => void queue.delete(h as number),
    fire: () => {
      const first = [...queue.entries()][0];
      if (first === undefined) return;
      queue.delete(first[0]);
      first[1].fn();
    },
    pending: () => [...queue.values()].map((q) => q.ms),
  };
}

/** A read the test finishes by hand. */
function manualRead(): { read: () => Promise<void>; started: () => number; finish(): Promise<void> } {
  const open: (() => void)[] = [];
  let started = 0;
  return {
    read: () =>
      new Promise<void>((resolve) => {
        started++;
        open.push(resolve);
      }),
    started: () => started,
    finish: async () => {
      open.shift()?.();
      // Let the refresher's finally run.
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
  };
}

describe('refresher', () => {
  it('reads once per delay however often soon is asked', async () => {
    const t = manualTimers();
    const r = manualRead();
    const f = refresher(r.read, 500, t);
    f.soon();
    f.soon();
    f.soon();
    expect(t.pending()).toEqual([500]);
    expect(r.started()).toBe(0);
    t.fire();
    expect(r.started()).toBe(1);
    await r.finish();
    expect(r.started()).toBe(1);
    expect(t.pending()).toEqual([]);
  });

  it('reads at once on now, dropping a read that was waiting on the delay', () => {
    const t = manualTimers();
    const r = manualRead();
    const f = refresher(r.read, 500, t);
    f.soon();
    f.now();
    expect(r.started()).toBe(1);
    expect(t.pending()).toEqual([]);
  });

  it('runs one read at a time: now during a read reads again right after it', async () => {
    const t = manualTimers();
    const r = manualRead();
    const f = refresher(r.read, 500, t);
    f.now();
    f.now();
    f.now();
    expect(r.started()).toBe(1);
    await r.finish();
    expect(r.started()).toBe(2);
    await r.finish();
    expect(r.started()).toBe(2);
  });

  it('keeps going after a failed read, and reads nothing once stopped', async () => {
    const t = manualTimers();
    let calls = 0;
    const f = refresher(() => (calls++ === 0 ? Promise.reject(new Error('gone')) : Promise.resolve()), 500, t);
    f.now();
    for (let i = 0; i < 5; i++) await Promise.resolve();
    f.now();
    expect(calls).toBe(2);
    f.soon();
    f.stop();
    expect(t.pending()).toEqual([]);
    f.now();
    f.soon();
    expect(calls).toBe(2);
  });
});
