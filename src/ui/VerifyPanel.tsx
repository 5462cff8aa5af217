import { useState } from 'preact/hooks';
import type { AppVerifyReport } from '../app/appCalls.ts';
import { ErrorMessage } from './ErrorMessage.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { formatBytes } from './state/format.ts';
import { useServices } from './state/services.ts';

/**
 * The offline side: open a bundle (file picker or drop), stream through it
 * and re-check every .mod and zip hash, every .ziphash, the manifest, the
 * inclusion proofs and consistency with the tree heads this browser saw.
 * Reports per module and overall. Needs no network.
 */
export function VerifyPanel() {
  const services = useServices();
  const [file, setFile] = useState<File | undefined>();
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<{ done: number; total: number; label: string } | undefined>();
  const [report, setReport] = useState<AppVerifyReport | undefined>();
  const [error, setError] = useState<unknown>();
  const [dragging, setDragging] = useState(false);
  const [onlyFailed, setOnlyFailed] = useState(false);

  const run = async () => {
    if (services === undefined || file === undefined) return;
    setBusy(true);
    setError(undefined);
    setReport(undefined);
    try {
      setReport(await services.app.callWithProgress('verify', (done, total, label) => setProgress({ done, total, label }), { file, ...(key.trim() !== '' ? { sumdbKey: key.trim() } : {}) }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      setProgress(undefined);
    }
  };
  const failedModules = report?.modules.filter((m) => !m.ok).length ?? 0;
  const modules = (report?.modules ?? []).filter((m) => !onlyFailed || !m.ok);
  return (
    <section
      class={`panel${dragging ? ' dragging' : ''}`}
      aria-labelledby="verify-heading"
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        const f = e.dataTransfer?.files[0];
        if (f !== undefined) setFile(f);
      }}
    >
      <h2 id="verify-heading">Verify a bundle</h2>
      <p class="muted">For the offline side: re-checks a bundle before anyone trusts it. Works without a network. Drop a bundle here, or choose it.</p>
      <div class="two-col">
        <div class="field">
          <label for="verify-file">Bundle file (.tar or .tar.gz)</label>
          <input id="verify-file" type="file" accept=".tar,.gz,.tgz,application/gzip,application/x-tar" onChange={(e) => setFile(e.currentTarget.files?.[0])} />
          {file !== undefined ? (
            <small class="muted">
              {file.name}, {formatBytes(file.size)}
            </small>
          ) : null}
        </div>
        <div class="field">
          <label for="verify-key">Trusted checksum database key (optional)</label>
          <input id="verify-key" type="text" spellcheck={false} value={key} onInput={(e) => setKey(e.currentTarget.value)} aria-describedby="verify-key-help" />
          <small id="verify-key-help" class="muted">
            sum.golang.org's key is built in; for another database, pin its key here, or the bundle's own is used.
          </small>
        </div>
      </div>
      <div class="actions">
        <button type="button" class="primary" disabled={busy || file === undefined || services === undefined} onClick={() => void run()}>
          Verify bundle
        </button>
      </div>
      {busy ? (
        <>
          <ProgressBar label="Verification progress" value={progress?.done ?? 0} max={progress?.total} />
          <p class="muted small mono">{progress?.label ?? 'Opening the bundle…'}</p>
        </>
      ) : null}
      {error !== undefined ? <ErrorMessage error={error} onDismiss={() => setError(undefined)} /> : null}
      {report !== undefined ? (
        <>
          <p class={`verdict ${report.ok ? 'ok' : 'bad'}`} role="status">
            {report.ok
              ? `Bundle verified: ${report.modules.length} module versions, every check passed`
              : `Verification FAILED: ${failedModules} of ${report.modules.length} module versions, ${report.bundle.filter((c) => !c.ok).length} bundle check(s)`}
            {report.treeHeadsChecked > 0 ? ` · consistent with ${report.treeHeadsChecked} tree head(s) seen before` : ''}
          </p>
          {report.bundle.some((c) => !c.ok) ? (
            <ul class="checks">
              {report.bundle
                .filter((c) => !c.ok)
                .map((c, i) => (
                  <li key={i} class="check-bad">
                    <strong>{c.name}</strong>: {c.detail}
                  </li>
                ))}
            </ul>
          ) : null}
          <label class="inline">
            <input type="checkbox" checked={onlyFailed} onChange={(e) => setOnlyFailed(e.currentTarget.checked)} /> Only failed modules
          </label>
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Verification by module">
            <table>
              <thead>
                <tr>
                  <th scope="col">Module</th>
                  <th scope="col">Result</th>
                  <th scope="col">Checks</th>
                </tr>
              </thead>
              <tbody>
                {modules.map((m) => (
                  <tr key={m.module}>
                    <td class="mono">{m.module}</td>
                    <td>
                      <span class={`badge ${m.ok ? 'badge-verified' : 'badge-failed'}`}>{m.ok ? 'ok' : 'FAILED'}</span>
                    </td>
                    <td>
                      <ul class="checks checks-inline">
                        {m.checks.map((c, i) => (
                          <li key={i} class={c.ok ? 'check-ok' : 'check-bad'} title={c.detail}>
                            {c.ok ? '✓' : '✗'} {c.name}
                            {c.ok ? '' : `: ${c.detail}`}
                          </li>
                        ))}
                      </ul>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}
