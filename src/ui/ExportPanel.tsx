import { useEffect, useState } from 'preact/hooks';
import type { ExportSummary } from '../app/appCalls.ts';
import { ErrorMessage } from './ErrorMessage.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { formatBytes } from './state/format.ts';
import { useServices } from './state/services.ts';

type SaveFilePicker = (opts: { suggestedName?: string; types?: { description: string; accept: Record<string, string[]> }[] }) => Promise<FileSystemFileHandle>;

/** Offers file as a normal browser download and returns the object URL (revoke it when done). */
function offerDownload(file: File): string {
  const url = URL.createObjectURL(file);
  const a = document.createElement('a');
  a.href = url;
  a.download = file.name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  return url;
}

/**
 * Bundle export: full, or a delta against the manifests the offline side
 * holds; the bundle is made in the worker (a .tar.gz written to OPFS, a plain
 * .tar as a Blob of the stored files) and offered as a
 * normal browser download, or saved straight to a chosen file where the
 * browser has showSaveFilePicker. Enabled once every module is verified
 * (or, when the person allows it, with failures recorded in the manifest).
 */
export function ExportPanel({ jobId, ready, failed, compression, goprivate }: { jobId: string; ready: boolean; failed: number; compression: 'none' | number; goprivate: string }) {
  const services = useServices();
  const [manifests, setManifests] = useState<{ name: string; text: string }[]>([]);
  const [allowFailures, setAllowFailures] = useState(false);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<{ done: number; total: number } | undefined>();
  const [result, setResult] = useState<(ExportSummary & { url?: string; savedTo?: string }) | undefined>();
  const [error, setError] = useState<unknown>();
  const picker = (globalThis as { showSaveFilePicker?: SaveFilePicker }).showSaveFilePicker;

  useEffect(() => () => void (result?.url !== undefined && URL.revokeObjectURL(result.url)), [result]);
  const enabled = services !== undefined && !busy && (ready || (allowFailures && failed > 0));

  const run = async (toChosenFile: boolean) => {
    if (services === undefined) return;
    setError(undefined);
    let target: FileSystemFileHandle | undefined;
    if (toChosenFile && picker !== undefined) {
      try {
        target = await picker({
          suggestedName: compression === 'none' ? 'modcarry-bundle.tar' : 'modcarry-bundle.tar.gz',
          types: [{ description: 'modcarry bundle', accept: { 'application/gzip': ['.gz', '.tgz'], 'application/x-tar': ['.tar'] } }],
        });
      } catch {
        return; // the person closed the picker
      }
    }
    setBusy(true);
    setProgress(undefined);
    try {
      const r = await services.app.callWithProgress('exportJob', (done, total) => setProgress({ done, total }), {
        jobId,
        compression,
        allowFailures,
        offlineManifests: manifests.map((m) => m.text),
        goprivate,
        ...(target !== undefined ? { target } : {}),
      });
      const url = r.file !== undefined ? offerDownload(r.file) : undefined;
      setResult({ ...r, ...(url !== undefined ? { url } : {}), ...(target !== undefined ? { savedTo: target.name } : {}) });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="export-heading">
      <h2 id="export-heading">Export</h2>
      <p class="muted">
        A bundle is the module cache the go command needs offline (with the checksum database proofs and a README with the exact environment), as a{' '}
        {compression === 'none' ? 'plain tar' : `tar.gz (gzip level ${compression})`}; change the compression in Settings.
      </p>
      <div class="field">
        <label for="delta-manifests">Delta: manifests the offline side already has (optional)</label>
        <input
          id="delta-manifests"
          type="file"
          multiple
          accept=".json,application/json"
          onChange={(e) => {
            const files = Array.from(e.currentTarget.files ?? []);
            void Promise.all(files.map(async (f) => ({ name: f.name, text: await f.text() }))).then(setManifests);
          }}
        />
        <small class="muted">{manifests.length > 0 ? `A delta bundle against ${manifests.map((m) => m.name).join(', ')}.` : 'None chosen: a full bundle.'}</small>
      </div>
      {failed > 0 ? (
        <label class="inline">
          <input type="checkbox" checked={allowFailures} onChange={(e) => setAllowFailures(e.currentTarget.checked)} /> Export although {failed} module(s) failed (the manifest records them)
        </label>
      ) : null}
      <div class="actions">
        <button type="button" class="primary" disabled={!enabled} onClick={() => void run(false)}>
          Export bundle
        </button>
        {picker !== undefined ? (
          <button type="button" disabled={!enabled} onClick={() => void run(true)}>
            Save bundle to a file…
          </button>
        ) : null}
        {!ready && failed === 0 ? <span class="muted">Available once every module is verified.</span> : null}
      </div>
      {busy ? <ProgressBar label="Export progress" value={progress?.done ?? 0} max={progress?.total} /> : null}
      {error !== undefined ? <ErrorMessage error={error} onDismiss={() => setError(undefined)} /> : null}
      {result !== undefined ? (
        <p class="verdict ok" role="status">
          {result.delta ? 'Delta bundle' : 'Bundle'} {result.name}: {result.modules} module versions, {result.files} files, {formatBytes(result.bytes)}
          {result.savedTo !== undefined ? `, saved to ${result.savedTo}.` : '. '}
          {result.url !== undefined ? (
            <a href={result.url} download={result.name}>
              Download it again
            </a>
          ) : null}
        </p>
      ) : null}
    </section>
  );
}
