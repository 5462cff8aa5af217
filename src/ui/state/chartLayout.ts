/**
 * Geometry of the two pictures, computed here so it can be tested without a
 * DOM: the bundle size by module as sorted bars, and the time line of a
 * download as one lane per module from its first fetch to its end.
 */
import type { LogEntry } from '../../engine/ports.ts';

export interface BarInput {
  label: string;
  value: number;
}

export interface Bar extends BarInput {
  /** Top of the row, in px. */
  y: number;
  /** Bar length in px (at least 1 for a non-zero value). */
  width: number;
  /** Share of the total, 0-1. */
  share: number;
}

export interface BarsLayout {
  bars: Bar[];
  height: number;
  total: number;
}

/**
 * The largest items first, at most `limit` rows; the rest are summed into one
 * "N more" row so the total stays honest. Widths scale to the largest value.
 */
export function barsLayout(items: readonly BarInput[], opts: { width: number; rowHeight: number; limit?: number }): BarsLayout {
  const limit = Math.max(1, opts.limit ?? 20);
  const sorted = items.filter((i) => i.value > 0).sort((a, b) => b.value - a.value || (a.label < b.label ? -1 : 1));
  const total = sorted.reduce((n, i) => n + i.value, 0);
  let rows: BarInput[] = sorted;
  if (sorted.length > limit) {
    const rest = sorted.slice(limit - 1);
    rows = [...sorted.slice(0, limit - 1), { label: `${rest.length} more modules`, value: rest.reduce((n, i) => n + i.value, 0) }];
  }
  const max = rows.reduce((m, r) => Math.max(m, r.value), 0);
  const bars = rows.map((r, i) => ({
    ...r,
    y: i * opts.rowHeight,
    width: max > 0 ? Math.max(1, Math.round((r.value / max) * opts.width)) : 0,
    share: total > 0 ? r.value / total : 0,
  }));
  return { bars, height: rows.length * opts.rowHeight, total };
}

export type LaneEnd = 'verified' | 'failed' | 'running';

export interface Lane {
  module: string;
  /** ms since the epoch. */
  start: number;
  end: number;
  outcome: LaneEnd;
  /** Retries seen in the lane. */
  retries: number;
  x: number;
  width: number;
  y: number;
}

export interface TimelineLayout {
  lanes: Lane[];
  start: number;
  end: number;
  height: number;
  /** Tick marks: x in px and the offset from start in ms. */
  ticks: { x: number; ms: number }[];
  /** Modules left out beyond the lane limit. */
  hidden: number;
}

const STEPS_MS = [1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000];

/**
 * One lane per module, from its first move to 'fetching' to its move to
 * 'verified' or 'failed' (or now, while it runs), read from the change log's
 * `state` entries ("from -> to"). Lanes are ordered by start; at most `limit`.
 */
export function timelineLayout(entries: readonly LogEntry[], opts: { width: number; laneHeight: number; now: number; limit?: number }): TimelineLayout {
  const byModule = new Map<string, { start?: number; end?: number; outcome: LaneEnd; retries: number }>();
  for (const e of entries) {
    if (e.module === '') continue;
    let lane = byModule.get(e.module);
    if (lane === undefined) byModule.set(e.module, (lane = { outcome: 'running', retries: 0 }));
    if (e.event === 'retry') lane.retries++;
    if (e.event !== 'state' || e.detail === undefined) continue;
    const to = e.detail.split('->')[1]?.trim();
    if (to === 'fetching' && lane.start === undefined) lane.start = e.time;
    if (to === 'verified' || to === 'failed') {
      lane.start ??= e.time;
      lane.end = e.time;
      lane.outcome = to;
    }
  }
  const all = [...byModule.entries()]
    .filter(([, l]) => l.start !== undefined)
    .map(([module, l]) => ({ module, start: l.start!, end: l.end ?? opts.now, outcome: l.outcome, retries: l.retries }))
    .sort((a, b) => a.start - b.start || (a.module < b.module ? -1 : 1));
  const limit = opts.limit ?? 40;
  const shown = all.slice(0, limit);
  if (shown.length === 0) return { lanes: [], start: 0, end: 0, height: 0, ticks: [], hidden: 0 };
  const start = Math.min(...shown.map((l) => l.start));
  const end = Math.max(start + 1, ...shown.map((l) => l.end));
  const scale = opts.width / (end - start);
  const lanes = shown.map((l, i) => ({
    ...l,
    x: Math.round((l.start - start) * scale),
    width: Math.max(2, Math.round((l.end - l.start) * scale)),
    y: i * opts.laneHeight,
  }));
  const span = end - start;
  const step = STEPS_MS.find((s) => span / s <= 6) ?? Math.ceil(span / 6);
  const ticks: { x: number; ms: number }[] = [];
  for (let ms = 0; ms <= span; ms += step) ticks.push({ x: Math.round(ms * scale), ms });
  return { lanes, start, end, height: lanes.length * opts.laneHeight, ticks, hidden: all.length - shown.length };
}
