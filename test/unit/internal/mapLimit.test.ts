import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../../src/core/internal/mapLimit.ts';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('mapLimit', () => {
  it('returns results in item order with at most limit calls in flight, started in order', async () => {
    let inFlight = 0;
    let most = 0;
    const started: number[] = [];
    const items = Array.from({ length: 40 }, (_, i) => i);
    const out = await mapLimit(items, 6, async (x, i) => {
      expect(i).toBe(x);
      started.push(x);
      most = Math.max(most, ++inFlight);
      // Later items finish first: order must still be the items'.
      for (let k = 0; k < (40 - x) % 7; k++) await tick();
      inFlight--;
      return x * 2;
    });
    expect(out).toEqual(items.map((x) => x * 2));
    expect(most).toBe(6);
    expect(started).toEqual(items);
  });

  it('handles an empty list and a limit above the item count', async () => {
    expect(await mapLimit([], 4, () => Promise.resolve(1))).toEqual([]);
    expect(await mapLimit([1, 2], 100, (x) => Promise.resolve(x + 1))).toEqual([2, 3]);
  });

  it('rejects with the first error and starts nothing after it', async () => {
    const started: number[] = [];
    const run = mapLimit([0, 1, 2, 3, 4, 5, 6, 7], 2, async (x) => {
      started.push(x);
      await tick();
      if (x === 1) throw new Error('item 1 failed');
      return x;
    });
    await expect(run).rejects.toThrow('item 1 failed');
    await tick();
    await tick();
    expect(started.length).toBeLessThanOrEqual(3);
  });
});
