import { describe, expect, it } from 'vitest';
import { eventBatcher } from '../../../src/platform/browser/eventBatcher.ts';

/** A timer the test fires by hand. */
function manualTimer(): { timer: (fn: () => void, ms: number) => void; fire(): void; pending(): number[] } {
  const queue: { fn: () => void; ms: number }[] = [];
  return {
    timer: (fn, ms) => void queue.push({ fn, ms }),
    fire: () => queue.shift()?.fn(),
    pending: () => queue.map((q) => q.ms),
  };
}

describe('eventBatcher', () => {
  it('sends the events of one interval together, in order, and arms one timer per batch', () => {
    const sent: number[][] = [];
    const t = manualTimer();
    const b = eventBatcher<number>((e) => sent.push(e), 100, undefined, t.timer);
    b.add(1);
    b.add(2);
    b.add(3);
    expect(t.pending()).toEqual([100]);
    expect(sent).toEqual([]);
    t.fire();
    expect(sent).toEqual([[1, 2, 3]]);
    b.add(4);
    expect(t.pending()).toEqual([100]);
    t.fire();
    expect(sent).toEqual([[1, 2, 3], [4]]);
  });

  it('sends nothing for a quiet interval, and flush sends at once', () => {
    const sent: string[][] = [];
    const t = manualTimer();
    const b = eventBatcher<string>((e) => sent.push(e), 100, undefined, t.timer);
    b.flush();
    expect(sent).toEqual([]);
    b.add('a');
    b.flush();
    expect(sent).toEqual([['a']]);
    // The timer armed by 'a' finds nothing left and a new event arms a new one.
    t.fire();
    expect(sent).toEqual([['a']]);
    b.add('b');
    expect(t.pending()).toEqual([100]);
    t.fire();
    expect(sent).toEqual([['a'], ['b']]);
  });

  it('sends an urgent event at once, with the events before it, in order', () => {
    const sent: string[][] = [];
    const t = manualTimer();
    const b = eventBatcher<string>((e) => sent.push(e), 100, (e) => e.startsWith('job'), t.timer);
    b.add('state a');
    b.add('job done');
    expect(sent).toEqual([['state a', 'job done']]);
    // The timer armed by the first event finds nothing left.
    t.fire();
    expect(sent).toEqual([['state a', 'job done']]);
    b.add('job paused');
    expect(sent).toEqual([['state a', 'job done'], ['job paused']]);
    b.add('state b');
    t.fire();
    expect(sent).toEqual([['state a', 'job done'], ['job paused'], ['state b']]);
  });
});
