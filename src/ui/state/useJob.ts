/**
 * One job as the views see it: its record, progress and change log, kept
 * current from the engine's events (refreshes are coalesced, so a burst of
 * chunk commits costs one read), plus the download speed and, per module,
 * when its next retry is due (from the log's `retry` entries).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { JobProgress } from '../../engine/engine.ts';
import type { JobRecord } from '../../engine/job.ts';
import type { LogEntry } from '../../engine/ports.ts';
import { SpeedMeter } from './format.ts';
import { refresher } from './refresher.ts';
import type { Services } from './services.ts';

export interface JobView {
  job?: JobRecord;
  progress?: JobProgress;
  log: LogEntry[];
  /** Bytes per second over the last seconds. */
  rate: number;
  /** Per module waiting to retry: when the next attempt is due (ms since epoch) and why the last one failed. */
  retryAt: ReadonlyMap<string, PendingRetry>;
  /** The last error reading the job (e.g. another tab's engine went away). */
  error?: string;
  /** Re-reads everything now. */
  refresh(): void;
}

/**
 * The view refreshes at most this often while events arrive (a job's own
 * status still shows at once). Every refresh reads the job, its progress and
 * new log lines, which costs the engine's worker and the browser's storage
 * as much as the page: on a two-core machine, refreshing every 200 ms took
 * CPU the download itself needed (the whole run about 4 s slower with a
 * 162-module plan), and every 500 ms still cost about 0.6 CPU-seconds more
 * per run of the bench set than once a second (3 interleaved pairs).
 */
const REFRESH_MS = 1000;

const RETRY_DETAIL = /next in (\d+) ms/;

export interface PendingRetry {
  at: number;
  error?: string;
}

/** Pending retries by module, from the log: due time and the last error. */
export function retryTimes(log: readonly LogEntry[]): Map<string, PendingRetry> {
  const out = new Map<string, PendingRetry>();
  for (const e of log) {
    if (e.module === '') continue;
    if (e.event === 'retry') {
      const m = RETRY_DETAIL.exec(e.detail ?? '');
      if (m !== null) out.set(e.module, { at: e.time + Number(m[1]), ...(e.error !== undefined ? { error: e.error } : {}) });
    } else if (e.event === 'state' && /-> (verified|failed|fetched)/.test(e.detail ?? '')) {
      out.delete(e.module);
    }
  }
  return out;
}

export function useJob(services: Services | undefined, jobId: string | undefined): JobView {
  const [job, setJob] = useState<JobRecord | undefined>();
  const [progress, setProgress] = useState<JobProgress | undefined>();
  const [log, setLog] = useState<LogEntry[]>([]);
  const [rate, setRate] = useState(0);
  const [error, setError] = useState<string | undefined>();
  const meter = useRef(new SpeedMeter());
  const refreshRef = useRef<() => void>(() => undefined);

  useEffect(() => {
    setJob(undefined);
    setProgress(undefined);
    setLog([]);
    setRate(0);
    setError(undefined);
    meter.current = new SpeedMeter();
    if (services === undefined || jobId === undefined) return undefined;
    let live = true;
    /** Whether the tick below reads again: the job was running at the last read, or that read failed. */
    let ticking = false;
    let lastSeq = -1;
    let entries: LogEntry[] = [];
    const read = async (): Promise<void> => {
      try {
        const [j, p, more] = await Promise.all([
          services.engine.call('getJob', jobId),
          services.engine.call('progress', jobId),
          services.engine.call('readLog', jobId, { afterSeq: lastSeq }),
        ]);
        if (!live) return;
        if (more.length > 0) {
          entries = [...entries, ...more];
          lastSeq = more.at(-1)?.seq ?? lastSeq;
          setLog(entries);
        }
        ticking = p.status === 'running';
        setJob(j);
        setProgress(p);
        const now = Date.now();
        meter.current.add(now, p.bytes);
        setRate(p.status === 'running' ? meter.current.rate(now) : 0);
        setError(undefined);
      } catch (err) {
        ticking = true;
        if (live) setError(err instanceof Error ? err.message : String(err));
      }
    };
    const refresh = refresher(read, REFRESH_MS);
    refreshRef.current = () => refresh.now();
    const off = services.engine.onEvent((e) => {
      if (e.jobId !== jobId) return;
      // The job's own status (done, paused, failed) shows at once; module news at most every REFRESH_MS.
      if (e.type === 'job') refresh.now();
      else refresh.soon();
    });
    // Events carry the news; while the job runs, a slow tick keeps speed and
    // countdowns honest between them (and a failed read is tried again). A
    // job at rest is read again only when an event says it changed (another
    // tab may start it).
    const tick = setInterval(() => {
      if (ticking) refresh.soon();
    }, 1000);
    refresh.now();
    return () => {
      live = false;
      off();
      clearInterval(tick);
      refresh.stop();
    };
  }, [services, jobId]);

  return {
    ...(job !== undefined ? { job } : {}),
    ...(progress !== undefined ? { progress } : {}),
    log,
    rate,
    retryAt: retryTimes(log),
    ...(error !== undefined ? { error } : {}),
    refresh: () => refreshRef.current(),
  };
}
