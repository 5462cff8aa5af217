/**
 * Numbers as people read them: byte sizes in binary units, durations, rates
 * and the estimated time left. Pure; the same output for the same input.
 */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 0 B, 512 B, 1.5 KiB, 12.3 MiB, 120 MiB (three significant digits at most). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '–';
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${v} B`;
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  const text = digits === 0 ? v.toFixed(0) : v.toFixed(digits).replace(/\.?0+$/, '');
  return `${text} ${UNITS[u]}`;
}

/** 45 s, 3 min 05 s, 2 h 07 min; under a second is "0 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Bytes per second, e.g. "1.5 MiB/s". */
export function formatRate(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '–';
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/** A percentage with no decimals, clamped to 0-100; unknown totals give undefined. */
export function percent(done: number, total: number | undefined): number | undefined {
  if (total === undefined || !(total > 0)) return undefined;
  return Math.max(0, Math.min(100, Math.floor((done / total) * 100)));
}

/** Milliseconds left at the given rate, or undefined when it cannot be told. */
export function etaMs(done: number, total: number, bytesPerSecond: number): number | undefined {
  if (!(total > 0) || !(bytesPerSecond > 0) || done >= total) return undefined;
  return ((total - done) / bytesPerSecond) * 1000;
}

/** A local date and time, e.g. "2024-05-01 14:03:07". */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * Download speed over a sliding window of (time, bytes) samples: robust to
 * bursty chunk commits, and it falls to zero when nothing arrives.
 */
export class SpeedMeter {
  readonly #window: number;
  #samples: { t: number; bytes: number }[] = [];

  constructor(windowMs = 5000) {
    this.#window = windowMs;
  }

  /** Records the total bytes seen at time t (ms). A smaller total (a restart) starts over. */
  add(t: number, bytes: number): void {
    const last = this.#samples.at(-1);
    if (last !== undefined && bytes < last.bytes) this.#samples = [];
    this.#samples.push({ t, bytes });
    while (this.#samples.length > 2 && this.#samples[0]!.t < t - this.#window) this.#samples.shift();
  }

  /** Bytes per second over the window ending at now. */
  rate(now: number): number {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (first === undefined || last === undefined || last === first) return 0;
    if (now - last.t > this.#window) return 0;
    const dt = Math.max(now, last.t) - first.t;
    return dt > 0 ? ((last.bytes - first.bytes) / dt) * 1000 : 0;
  }
}
