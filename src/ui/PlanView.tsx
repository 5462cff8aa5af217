import type { ComponentChildren } from 'preact';
import type { Plan } from '../core/plan/types.ts';
import type { JobProgress } from '../engine/engine.ts';
import { formatBytes } from './state/format.ts';

const REASON_TEXT: Record<string, string> = {
  'build-list': 'build list',
  graph: 'module graph (go.mod only)',
  'go.sum': 'go.sum',
  query: 'requested',
  toolchain: 'toolchain',
};

/**
 * The plan before anything downloads: every module version and the files it
 * needs, sizes as they become known, and how go.sum differs from what the
 * module graph needs.
 */
export function PlanView({ plan, progress, children }: { plan: Plan; progress?: JobProgress | undefined; children?: ComponentChildren }) {
  const sizes = new Map(progress?.modules.map((m) => [m.module, m.totalBytes]) ?? []);
  const zips = plan.modules.filter((m) => m.files.includes('zip')).length;
  const known = plan.modules.reduce((n, m) => n + (sizes.get(`${m.path}@${m.version}`) ?? 0), 0);
  return (
    <section class="panel" aria-labelledby="plan-heading">
      <h2 id="plan-heading">Plan</h2>
      <p class="plan-summary">
        {plan.mainModule !== undefined ? (
          <>
            Main module <code>{plan.mainModule}</code>
            {plan.go !== undefined ? <> (go {plan.go})</> : null}:{' '}
          </>
        ) : null}
        <strong>{plan.modules.length}</strong> module versions, <strong>{zips}</strong> zips to fetch{known > 0 ? <>, {formatBytes(known)} known so far</> : null}.
      </p>
      {children}
      {plan.warnings.length > 0 ? (
        <div class="callout warn">
          <h3>Warnings</h3>
          <ul>
            {plan.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {plan.goSumMissing.length > 0 || plan.goSumNotNeeded.length > 0 ? (
        <div class="gosum-diff">
          <h3>go.sum differences</h3>
          {plan.goSumMissing.length > 0 ? (
            <>
              <p>
                Missing from go.sum ({plan.goSumMissing.length}): the go command would need these sums.
              </p>
              <ul class="mono-list">
                {plan.goSumMissing.map((d) => (
                  <li key={`m ${d.path} ${d.version}`}>
                    {d.path} {d.version}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          {plan.goSumNotNeeded.length > 0 ? (
            <>
              <p>Not needed by the module graph ({plan.goSumNotNeeded.length}):</p>
              <ul class="mono-list">
                {plan.goSumNotNeeded.map((d) => (
                  <li key={`n ${d.path} ${d.version} ${d.line ?? ''}`}>
                    {d.line !== undefined ? `line ${d.line}: ` : ''}
                    {d.path} {d.version}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
      ) : null}
      {plan.notCarried.length > 0 ? (
        <p class="muted">
          Not carried (replaced by local directories): {plan.notCarried.map((n) => `${n.path} ${n.version} => ${n.dir}`).join('; ')}
        </p>
      ) : null}
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Planned modules">
        <table>
          <thead>
            <tr>
              <th scope="col">Module</th>
              <th scope="col">Version</th>
              <th scope="col">Files</th>
              <th scope="col">Why</th>
              <th scope="col" class="num">
                Zip size
              </th>
            </tr>
          </thead>
          <tbody>
            {plan.modules.map((m) => {
              const size = sizes.get(`${m.path}@${m.version}`);
              return (
                <tr key={`${m.path}@${m.version}`}>
                  <td class="mono">
                    {m.path}
                    {m.fetchPath !== m.path || m.fetchVersion !== m.version ? <span class="muted"> ⇒ {`${m.fetchPath} ${m.fetchVersion}`}</span> : null}
                  </td>
                  <td class="mono">{m.version}</td>
                  <td>{m.files.map((f) => `.${f}`).join(' ')}</td>
                  <td>{m.reasons.map((r) => REASON_TEXT[r] ?? r).join(', ')}</td>
                  <td class="num">{size !== undefined ? formatBytes(size) : m.files.includes('zip') ? '…' : '–'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
