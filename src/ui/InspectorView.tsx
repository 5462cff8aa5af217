import { useState } from 'preact/hooks';
import { describeFacet, facetSeverity } from '../core/inspect/inspectGoSum.ts';
import type { LineStatus } from '../core/inspect/inspectGoSum.ts';
import type { SumcheckReport } from '../engine/sumcheck.ts';
import type { InspectRequest } from '../app/appCalls.ts';
import { ErrorMessage } from './ErrorMessage.tsx';
import { useServices } from './state/services.ts';

export type LineSeverity = 'security' | 'problem' | 'ok' | 'info';

/** A line's worst severity: security over problem over ok over info. */
export function lineSeverity(l: LineStatus): LineSeverity {
  const order: LineSeverity[] = ['security', 'problem', 'ok', 'info'];
  let best = 3;
  for (const f of l.facets) best = Math.min(best, order.indexOf(facetSeverity(f.kind)));
  return order[best]!;
}

const FILTERS: { value: 'all' | LineSeverity; label: string }[] = [
  { value: 'all', label: 'All lines' },
  { value: 'security', label: 'Security findings' },
  { value: 'problem', label: 'Problems' },
  { value: 'ok', label: 'Verified' },
  { value: 'info', label: 'Other' },
];

/**
 * The go.sum inspector: every line with what the checksum database, the
 * downloaded bytes and the plan say about it, filtered by status. Offline it
 * checks from the proofs stored by earlier downloads.
 */
export function InspectorView({ request, online }: { request: Omit<InspectRequest, 'offline'> | undefined; online: boolean }) {
  const services = useServices();
  const [report, setReport] = useState<SumcheckReport | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [storedOnly, setStoredOnly] = useState(false);
  const [filter, setFilter] = useState<'all' | LineSeverity>('all');

  const run = async () => {
    if (services === undefined || request === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      setReport(await services.app.call('inspect', { ...request, offline: storedOnly || !online }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const counts = new Map<string, number>();
  for (const l of report?.lines ?? []) counts.set(lineSeverity(l), (counts.get(lineSeverity(l)) ?? 0) + 1);
  const shown = (report?.lines ?? []).filter((l) => filter === 'all' || lineSeverity(l) === filter);
  return (
    <section class="panel" aria-labelledby="inspector-heading">
      <h2 id="inspector-heading">go.sum inspector</h2>
      {request === undefined ? (
        <p class="muted">Give a go.sum (or open a job that has one) to inspect it line by line.</p>
      ) : (
        <>
          <div class="actions">
            <button type="button" disabled={busy || services === undefined} onClick={() => void run()}>
              {busy ? 'Checking…' : 'Inspect go.sum'}
            </button>
            <label class="inline">
              <input type="checkbox" checked={storedOnly || !online} disabled={!online} onChange={(e) => setStoredOnly(e.currentTarget.checked)} /> Use stored proofs only (offline)
            </label>
          </div>
          {error !== undefined ? <ErrorMessage error={error} onDismiss={() => setError(undefined)} /> : null}
          {report !== undefined ? (
            <>
              <p class={`verdict ${report.ok ? 'ok' : 'bad'}`} role="status">
                {report.ok ? 'No security finding' : `${report.security} line(s) with a security finding`} in {report.lines.length} lines of {report.file}
                {report.db !== undefined ? ` · checked against ${report.db.name}${report.db.offline ? ' from stored proofs' : ''}${report.db.treeSize !== undefined ? ` (tree size ${report.db.treeSize})` : ''}` : ''}
              </p>
              {report.fatal !== undefined ? <ErrorMessage error={report.fatal} /> : null}
              {report.fork !== undefined ? <ErrorMessage error={report.fork} /> : null}
              <fieldset class="filters">
                <legend>Show</legend>
                {FILTERS.map((f) => (
                  <label key={f.value} class="chip">
                    <input type="radio" name="inspector-filter" value={f.value} checked={filter === f.value} onChange={() => setFilter(f.value)} />
                    {f.label} ({f.value === 'all' ? report.lines.length : (counts.get(f.value) ?? 0)})
                  </label>
                ))}
              </fieldset>
              <div class="table-wrap" tabIndex={0} role="region" aria-label="go.sum lines">
                <table class="inspector">
                  <thead>
                    <tr>
                      <th scope="col" class="num">
                        Line
                      </th>
                      <th scope="col">Entry</th>
                      <th scope="col">Status</th>
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((l) => (
                      <tr key={l.line} class={`sev-${lineSeverity(l)}`}>
                        <td class="num">{l.line}</td>
                        <td class="mono wrap">{l.text}</td>
                        <td>
                          <ul class="facets">
                            {l.facets.length === 0 ? <li class="muted">no finding</li> : null}
                            {l.facets.map((f, i) => (
                              <li key={i} class={`facet-${facetSeverity(f.kind)}`}>
                                {describeFacet(f)}
                              </li>
                            ))}
                          </ul>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {report.missing.length > 0 ? (
                <>
                  <h3>Sums the plan needs that go.sum lacks</h3>
                  <ul class="mono-list">
                    {report.missing.map((d) => (
                      <li key={`${d.path} ${d.version}`}>
                        {d.path} {d.version}
                      </li>
                    ))}
                  </ul>
                </>
              ) : null}
            </>
          ) : null}
        </>
      )}
    </section>
  );
}
