import type { JobProgress } from '../engine/engine.ts';
import type { ModuleState } from '../engine/ports.ts';
import { ProgressBar } from './ProgressBar.tsx';
import type { PendingRetry } from './state/useJob.ts';
import { etaMs, formatBytes, formatDuration, formatRate, percent } from './state/format.ts';
import { useNow } from './state/useNow.ts';

const STATE_TEXT: Record<ModuleState, string> = {
  planned: 'waiting',
  fetching: 'downloading',
  fetched: 'downloaded',
  verifying: 'verifying',
  verified: 'verified',
  failed: 'failed',
  paused: 'paused',
};

const STATUS_TEXT: Record<string, string> = {
  created: 'Ready to start',
  running: 'Downloading',
  paused: 'Paused',
  done: 'Finished',
  cancelled: 'Cancelled',
};

function toneOf(state: ModuleState): 'normal' | 'done' | 'failed' | 'paused' {
  return state === 'verified' ? 'done' : state === 'failed' ? 'failed' : state === 'paused' ? 'paused' : 'normal';
}

/**
 * The download as it runs: overall and per-module bars, bytes, speed, time
 * left, each module's state, retry countdowns and failures, and the
 * controls (Pause, Resume, Cancel, Retry failed).
 */
export function ProgressView({
  progress,
  rate,
  online = true,
  retryAt,
  onPause,
  onResume,
  onCancel,
  onRetry,
}: {
  progress: JobProgress;
  rate: number;
  /** The browser's network hint: a running job waits while it is false. */
  online?: boolean;
  retryAt: ReadonlyMap<string, PendingRetry>;
  onPause(): void;
  onResume(): void;
  onCancel(): void;
  onRetry(): void;
}) {
  const p = progress;
  const running = p.status === 'running';
  // The engine holds its work (without spending retries) until the network is back.
  const waiting = running && !online;
  // Retry countdowns tick only while some module waits for one.
  const now = useNow(running && retryAt.size > 0);
  const total = p.modules.length;
  const verified = p.counts.verified;
  const failed = p.counts.failed;
  const eta = running && !waiting ? etaMs(p.bytes, p.totalBytes, rate) : undefined;
  const pct = percent(p.bytes, p.totalBytes);
  const allVerified = p.status === 'done' && verified === total;
  return (
    <section class="panel" aria-labelledby="progress-heading">
      <h2 id="progress-heading">Download</h2>
      <div class="progress-head">
        <p class={`job-status status-${p.status}${allVerified ? ' status-verified' : ''}`} role="status" aria-live="polite">
          {allVerified
            ? `All ${total} module versions verified`
            : waiting
              ? 'Waiting for the network: the download goes on by itself when it is back'
              : (STATUS_TEXT[p.status] ?? p.status)}
          {p.status === 'done' && failed > 0 ? ` with ${failed} failed` : ''}
          {p.status === 'paused' && p.pauseReason !== undefined ? `: ${p.pauseReason}` : ''}
        </p>
        <div class="actions">
          <button type="button" disabled={!running} onClick={onPause}>
            Pause
          </button>
          <button type="button" disabled={p.status !== 'paused' && p.status !== 'created'} onClick={onResume}>
            Resume
          </button>
          <button type="button" disabled={p.status === 'done' || p.status === 'cancelled'} class="quiet" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" disabled={failed === 0 || running} onClick={onRetry}>
            Retry failed
          </button>
        </div>
      </div>
      <ProgressBar label="Overall progress" value={p.bytes} max={p.totalBytes > 0 ? p.totalBytes : undefined} tone={allVerified ? 'done' : failed > 0 ? 'failed' : p.status === 'paused' ? 'paused' : 'normal'} />
      <dl class="stats">
        <div>
          <dt>Verified</dt>
          <dd>
            {verified} of {total}
          </dd>
        </div>
        <div>
          <dt>Bytes</dt>
          <dd>
            {formatBytes(p.bytes)}
            {p.totalBytes > 0 ? ` of ${formatBytes(p.totalBytes)}` : ''}
            {pct !== undefined ? ` (${pct}%)` : ''}
          </dd>
        </div>
        <div>
          <dt>Speed</dt>
          <dd>{running && !waiting ? formatRate(rate) : '–'}</dd>
        </div>
        <div>
          <dt>Time left</dt>
          <dd>{eta !== undefined ? formatDuration(eta) : '–'}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd>{failed}</dd>
        </div>
      </dl>
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Modules in this download">
        <table class="modules">
          <thead>
            <tr>
              <th scope="col">Module</th>
              <th scope="col">State</th>
              <th scope="col" class="bar-col">
                Progress
              </th>
              <th scope="col" class="num">
                Bytes
              </th>
            </tr>
          </thead>
          <tbody>
            {p.modules.map((m) => {
              const retry = retryAt.get(m.module);
              const pending = retry !== undefined && m.state !== 'verified' && m.state !== 'failed' ? retry : undefined;
              const wait = pending !== undefined && pending.at > now ? pending.at - now : undefined;
              return (
                <tr key={m.module} class={`state-${m.state}`}>
                  <td class="mono">
                    {m.module}
                    {pending?.error !== undefined ? <div class="failure">last attempt: {pending.error.split('\n')[0]}</div> : null}
                    {m.failure !== undefined ? (
                      <div class="failure">
                        {m.failure.kind}: {m.failure.message}
                      </div>
                    ) : null}
                  </td>
                  <td>
                    <span class={`badge badge-${m.state}`}>{STATE_TEXT[m.state]}</span>
                    {wait !== undefined ? <div class="muted small">retry in {formatDuration(wait)}</div> : null}
                  </td>
                  <td class="bar-col">
                    <ProgressBar label={`${m.module} progress`} value={m.state === 'verified' ? (m.totalBytes ?? 1) : m.bytes} max={m.state === 'verified' ? (m.totalBytes ?? 1) : m.totalBytes} tone={toneOf(m.state)} />
                  </td>
                  <td class="num">
                    {formatBytes(m.bytes)}
                    {m.totalBytes !== undefined ? ` / ${formatBytes(m.totalBytes)}` : ''}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
