import { useState } from 'preact/hooks';
import type { LogEntry } from '../engine/ports.ts';
import { formatTime } from './state/format.ts';

const MAX_ROWS = 500;

/** The change log of a job: searchable, per module, newest last; the engine resumes from the same records. */
export function ChangeLogView({ log }: { log: readonly LogEntry[] }) {
  const [query, setQuery] = useState('');
  const [module, setModule] = useState('*');
  const modules = [...new Set(log.map((e) => e.module).filter((m) => m !== ''))].sort();
  const q = query.trim().toLowerCase();
  const matches = log.filter(
    (e) =>
      (module === '*' || (module === '' ? e.module === '' : e.module === module)) &&
      (q === '' || [e.module, e.event, e.detail ?? '', e.error ?? ''].some((s) => s.toLowerCase().includes(q))),
  );
  const shown = matches.slice(-MAX_ROWS);
  return (
    <section class="panel" aria-labelledby="log-heading">
      <h2 id="log-heading">Change log</h2>
      <div class="filter-row">
        <div class="field">
          <label for="log-search">Search the change log</label>
          <input id="log-search" type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="log-module">Module</label>
          <select id="log-module" value={module} onChange={(e) => setModule(e.currentTarget.value)}>
            <option value="*">All</option>
            <option value="">The job itself</option>
            {modules.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p class="muted small" role="status">
        {matches.length} of {log.length} entries{matches.length > shown.length ? `, the last ${shown.length} shown` : ''}
      </p>
      <div class="table-wrap log-wrap" tabIndex={0} role="region" aria-label="Change log entries">
        <table class="log">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Module</th>
              <th scope="col">Event</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e, i) => (
              <tr key={e.seq ?? i} class={e.error !== undefined ? 'has-error' : ''}>
                <td class="nowrap">{formatTime(e.time)}</td>
                <td class="mono">{e.module === '' ? 'job' : e.module}</td>
                <td>{e.event}</td>
                <td class="wrap">
                  {e.detail ?? ''}
                  {e.error !== undefined ? <div class="failure">{e.error}</div> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
