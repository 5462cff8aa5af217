import { describe, it, expect } from 'vitest';
import { barsLayout, timelineLayout } from '../../../src/ui/state/chartLayout.ts';
import type { LogEntry } from '../../../src/engine/ports.ts';

describe('barsLayout', () => {
  it('sorts by size, scales to the largest, and sums the rest into one row', () => {
    const items = [
      { label: 'a', value: 10 },
      { label: 'b', value: 40 },
      { label: 'c', value: 0 },
      { label: 'd', value: 20 },
      { label: 'e', value: 30 },
    ];
    const l = barsLayout(items, { width: 200, rowHeight: 10, limit: 3 });
    expect(l.bars.map((b) => [b.label, b.value, b.width, b.y])).toEqual([
      ['b', 40, 200, 0],
      ['e', 30, 150, 10],
      ['2 more modules', 30, 150, 20],
    ]);
    expect(l.total).toBe(100);
    expect(l.height).toBe(30);
    expect(l.bars[0]!.share).toBeCloseTo(0.4);
    expect(barsLayout([{ label: 'tiny', value: 1 }, { label: 'big', value: 1e9 }], { width: 100, rowHeight: 5 }).bars[1]!.width).toBe(1);
    expect(barsLayout([], { width: 100, rowHeight: 5 })).toEqual({ bars: [], height: 0, total: 0 });
  });
});

const entry = (time: number, module: string, event: string, detail?: string): LogEntry => ({ jobId: 'j', time, module, event, ...(detail !== undefined ? { detail } : {}) });

describe('timelineLayout', () => {
  it('draws one lane per module from its first fetch to its end, running lanes up to now', () => {
    const log = [
      entry(1000, '', 'job-start'),
      entry(1000, 'a@v1', 'state', 'planned -> fetching'),
      entry(2000, 'b@v1', 'state', 'planned -> fetching'),
      entry(2500, 'b@v1', 'retry', 'attempt 1 failed; next in 500 ms'),
      entry(3000, 'a@v1', 'state', 'verifying -> verified'),
      entry(3000, 'b@v1', 'state', 'verifying -> fetching'),
      entry(4000, 'b@v1', 'state', 'verifying -> failed'),
      entry(4500, 'c@v1', 'state', 'planned -> fetching'),
      entry(4600, 'd@v1', 'file-stored'),
    ];
    const t = timelineLayout(log, { width: 400, laneHeight: 10, now: 5000 });
    expect(t.start).toBe(1000);
    expect(t.end).toBe(5000);
    expect(t.lanes.map((l) => [l.module, l.outcome, l.x, l.width, l.y, l.retries])).toEqual([
      ['a@v1', 'verified', 0, 200, 0, 0],
      ['b@v1', 'failed', 100, 200, 10, 1],
      ['c@v1', 'running', 350, 50, 20, 0],
    ]);
    expect(t.ticks[0]).toEqual({ x: 0, ms: 0 });
    expect(t.ticks.length).toBeGreaterThan(1);
    expect(t.ticks.length).toBeLessThanOrEqual(7);
    expect(t.ticks.at(-1)!.x).toBeLessThanOrEqual(400);
  });

  it('limits lanes and says how many are hidden', () => {
    const log = Array.from({ length: 5 }, (_, i) => entry(i * 1000, `m${i}@v1`, 'state', 'planned -> fetching'));
    const t = timelineLayout(log, { width: 100, laneHeight: 10, now: 10_000, limit: 2 });
    expect(t.lanes.map((l) => l.module)).toEqual(['m0@v1', 'm1@v1']);
    expect(t.hidden).toBe(3);
    expect(timelineLayout([], { width: 100, laneHeight: 10, now: 0 }).lanes).toEqual([]);
  });
});
