import { describe, it, expect } from 'vitest';
import { etaMs, formatBytes, formatDuration, formatRate, percent, SpeedMeter } from '../../../src/ui/state/format.ts';

describe('formatting', () => {
  it('formats byte sizes in binary units with at most three significant digits', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(12.34 * 1024 * 1024)).toBe('12.3 MiB');
    expect(formatBytes(150 * 1024 ** 3)).toBe('150 GiB');
    expect(formatBytes(-1)).toBe('–');
  });

  it('formats durations, rates, percentages and the time left', () => {
    expect(formatDuration(400)).toBe('0 s');
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatDuration(2 * 3600_000 + 7 * 60_000)).toBe('2 h 07 min');
    expect(formatRate(1.5 * 1024 * 1024)).toBe('1.5 MiB/s');
    expect(formatRate(0)).toBe('–');
    expect(percent(1, 3)).toBe(33);
    expect(percent(5, 0)).toBeUndefined();
    expect(percent(7, 5)).toBe(100);
    expect(etaMs(25, 100, 5)).toBe(15_000);
    expect(etaMs(100, 100, 5)).toBeUndefined();
    expect(etaMs(1, 100, 0)).toBeUndefined();
  });
});

describe('SpeedMeter', () => {
  it('measures over its window, drops to zero when nothing arrives, and restarts on a smaller total', () => {
    const m = new SpeedMeter(5000);
    expect(m.rate(0)).toBe(0);
    m.add(0, 0);
    m.add(1000, 1000);
    m.add(2000, 3000);
    expect(m.rate(2000)).toBe(1500);
    // Old samples fall out of the window.
    m.add(9000, 10_000);
    m.add(10_000, 11_000);
    expect(m.rate(10_000)).toBe(1000);
    // Nothing for longer than the window: zero.
    expect(m.rate(16_000)).toBe(0);
    m.add(17_000, 500);
    expect(m.rate(17_000)).toBe(0);
    m.add(18_000, 2500);
    expect(m.rate(18_000)).toBe(2000);
  });
});
