/**
 * The scheduler's counting semaphore: at most n holders, waiters woken in
 * arrival order, a waiter whose signal aborts leaves with the signal's
 * reason (the others stay queued), and every waiter on one signal shares a
 * single 'abort' listener.
 */
import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../../src/engine/scheduler.ts';

/** A promise with its resolve function. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** Lets every queued promise callback run. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** An AbortController whose signal counts its live 'abort' listeners. */
function countedSignal(): { ac: AbortController; listeners(): number } {
  const ac = new AbortController();
  let live = 0;
  const add = ac.signal.addEventListener.bind(ac.signal);
  const remove = ac.signal.removeEventListener.bind(ac.signal);
  ac.signal.addEventListener = ((type: string, fn: EventListenerOrEventListenerObject, opts?: AddEventListenerOptions | boolean) => {
    if (type === 'abort') live++;
    add(type, fn, opts);
  }) as typeof ac.signal.addEventListener;
  ac.signal.removeEventListener = ((type: string, fn: EventListenerOrEventListenerObject, opts?: EventListenerOptions | boolean) => {
    if (type === 'abort') live--;
    remove(type, fn, opts);
  }) as typeof ac.signal.removeEventListener;
  return { ac, listeners: () => live };
}

describe('Semaphore', () => {
  it('lets at most n run at once and wakes the waiters in arrival order', async () => {
    const sem = new Semaphore(2);
    const signal = new AbortController().signal;
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const runs = gates.map((g, i) =>
      sem.use(signal, async () => {
        started.push(i);
        most = Math.max(most, ++running);
        await g.promise;
        running--;
        return i;
      }),
    );
    await settle();
    expect(started).toEqual([0, 1]);
    gates[1]!.open();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.open();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  it('rejects a waiter whose signal aborts with its reason, and the others keep their turn', async () => {
    const sem = new Semaphore(1);
    const job = new AbortController();
    const other = new AbortController();
    const holder = gate();
    const held = sem.use(job.signal, () => holder.promise);
    const order: string[] = [];
    const a = sem.use(job.signal, async () => void order.push('a'));
    const b = sem.use(other.signal, async () => void order.push('b'));
    const c = sem.use(job.signal, async () => void order.push('c'));
    await settle();
    const reason = new Error('paused');
    other.abort(reason);
    await expect(b).rejects.toBe(reason);
    holder.open();
    await Promise.all([held, a, c]);
    expect(order).toEqual(['a', 'c']);
    // The slot count is intact: one holder at a time still.
    const after = await Promise.all([sem.use(job.signal, async () => 1), sem.use(job.signal, async () => 2)]);
    expect(after).toEqual([1, 2]);
  });

  it('rejects at once on an aborted signal when it would wait, and runs when a slot is free', async () => {
    const sem = new Semaphore(1);
    const ac = new AbortController();
    ac.abort(new Error('cancelled'));
    expect(await sem.use(ac.signal, async () => 'free slot')).toBe('free slot');
    const holder = gate();
    const held = sem.use(new AbortController().signal, () => holder.promise);
    await expect(sem.use(ac.signal, async () => 'never')).rejects.toThrow('cancelled');
    holder.open();
    await held;
  });

  it('gives all the waiters on one signal a single abort listener, removed when the last is woken', async () => {
    const sem = new Semaphore(1);
    const { ac, listeners } = countedSignal();
    const holder = gate();
    const held = sem.use(ac.signal, () => holder.promise);
    const waiting = Array.from({ length: 200 }, (_, i) => sem.use(ac.signal, async () => i));
    await settle();
    expect(listeners()).toBe(1);
    holder.open();
    await held;
    expect((await Promise.all(waiting)).length).toBe(200);
    expect(listeners()).toBe(0);
  });

  it('rejects every waiter on a signal that aborts, through their one listener', async () => {
    const sem = new Semaphore(1);
    const { ac, listeners } = countedSignal();
    const holder = gate();
    const held = sem.use(new AbortController().signal, () => holder.promise);
    const waiting = Array.from({ length: 20 }, () => sem.use(ac.signal, async () => 'ran'));
    await settle();
    expect(listeners()).toBe(1);
    ac.abort(new Error('stop'));
    const results = await Promise.allSettled(waiting);
    expect(results.every((r) => r.status === 'rejected' && (r.reason as Error).message === 'stop')).toBe(true);
    holder.open();
    await held;
    // Nothing was left queued: the next use runs at once.
    expect(await sem.use(new AbortController().signal, async () => 'next')).toBe('next');
  });
});
