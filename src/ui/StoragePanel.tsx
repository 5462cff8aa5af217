import { useCallback, useEffect, useState } from 'preact/hooks';
import type { JobSummary, StorageReport } from '../app/appCalls.ts';
import { ErrorMessage } from './ErrorMessage.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { formatBytes, formatTime } from './state/format.ts';
import { useServices } from './state/services.ts';

/**
 * Stored jobs (they open offline too), the storage they use, and cleanup:
 * deleting a job frees the module files no other job needs; exported
 * bundles kept in the browser can be removed one by one.
 */
export function StoragePanel({ currentJobId, onOpen, revision }: { currentJobId: string | undefined; onOpen(jobId: string): void; revision: number }) {
  const services = useServices();
  const [jobs, setJobs] = useState<JobSummary[] | undefined>();
  const [storage, setStorage] = useState<StorageReport | undefined>();
  const [confirm, setConfirm] = useState<string | undefined>();
  const [note, setNote] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();

  const load = useCallback(async () => {
    if (services === undefined) return;
    try {
      const [j, s] = await Promise.all([services.app.call('jobs'), services.app.call('storage')]);
      setJobs(j);
      setStorage(s);
    } catch (err) {
      setError(err);
    }
  }, [services]);
  useEffect(() => void load(), [load, revision]);

  const remove = async (jobId: string) => {
    if (services === undefined) return;
    setConfirm(undefined);
    try {
      const { freed } = await services.app.call('deleteJob', jobId);
      setNote(`Deleted the job; ${formatBytes(freed)} freed.`);
      await load();
    } catch (err) {
      setError(err);
    }
  };
  const removeExport = async (name: string) => {
    if (services === undefined) return;
    try {
      await services.app.call('deleteExport', name);
      setNote(`Removed ${name}.`);
      await load();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section class="panel" aria-labelledby="storage-heading">
      <h2 id="storage-heading">Stored jobs and storage</h2>
      {storage !== undefined ? (
        <div class="storage-use">
          {storage.usage !== undefined && storage.quota !== undefined ? (
            <>
              <ProgressBar label="Storage used" value={storage.usage} max={storage.quota} />
              <p class="small">
                This site uses {formatBytes(storage.usage)} of {formatBytes(storage.quota)} the browser allows ({formatBytes(storage.storeBytes)} in downloaded modules).{' '}
                {storage.persisted ? 'Storage is persistent.' : 'Storage is not persistent: the browser may clear it under pressure.'}
              </p>
            </>
          ) : (
            <p class="small">{formatBytes(storage.storeBytes)} in downloaded modules.</p>
          )}
        </div>
      ) : null}
      {note !== undefined ? (
        <p class="note" role="status">
          {note}
        </p>
      ) : null}
      {error !== undefined ? <ErrorMessage error={error} onDismiss={() => setError(undefined)} /> : null}
      {jobs !== undefined && jobs.length === 0 ? <p class="muted">No stored jobs yet.</p> : null}
      {jobs !== undefined && jobs.length > 0 ? (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Stored jobs">
          <table>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Modules
                </th>
                <th scope="col" class="num">
                  Size
                </th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((j) => {
                const name = j.mainModule ?? (j.sources.join(', ') || j.id.slice(0, 8));
                return (
                  <tr key={j.id} class={j.id === currentJobId ? 'current' : ''}>
                    <td class="mono">{name}</td>
                    <td class="nowrap">{formatTime(j.createdAt)}</td>
                    <td>{j.status}</td>
                    <td class="num">{j.modules}</td>
                    <td class="num">{formatBytes(j.bytes)}</td>
                    <td class="nowrap">
                      <button type="button" disabled={j.id === currentJobId} aria-label={`Open job ${name}`} onClick={() => onOpen(j.id)}>
                        {j.id === currentJobId ? 'Open' : 'Open'}
                      </button>{' '}
                      {confirm === j.id ? (
                        <>
                          <button type="button" class="danger" aria-label={`Confirm deleting job ${name}`} onClick={() => void remove(j.id)}>
                            Confirm delete
                          </button>{' '}
                          <button type="button" class="quiet" onClick={() => setConfirm(undefined)}>
                            Keep
                          </button>
                        </>
                      ) : (
                        <button type="button" class="quiet" disabled={j.status === 'running'} aria-label={`Delete job ${name}`} onClick={() => setConfirm(j.id)}>
                          Delete
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {storage !== undefined && storage.exports.length > 0 ? (
        <>
          <h3>Bundles kept in this browser</h3>
          <ul class="plain">
            {storage.exports.map((e) => (
              <li key={e.name}>
                <span class="mono">{e.name}</span> ({formatBytes(e.size)}){' '}
                <button type="button" class="quiet" aria-label={`Remove ${e.name}`} onClick={() => void removeExport(e.name)}>
                  Remove
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <div class="actions">
        <button type="button" class="quiet" onClick={() => void load()}>
          Refresh
        </button>
      </div>
    </section>
  );
}
