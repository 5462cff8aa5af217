import { useEffect, useState } from 'preact/hooks';
import type { OfflineStatus, UpdateOffer } from '../app/swBridge.ts';
import type { JobTexts } from '../app/appCalls.ts';
import type { Plan } from '../core/plan/types.ts';
import type { JobEnv, JobSource } from '../engine/job.ts';
import { ChangeLogView } from './ChangeLogView.tsx';
import { ErrorMessage } from './ErrorMessage.tsx';
import { ExportPanel } from './ExportPanel.tsx';
import { InputsPanel } from './InputsPanel.tsx';
import type { InputTexts } from './InputsPanel.tsx';
import { InspectorView } from './InspectorView.tsx';
import { OfflineBanner } from './OfflineBanner.tsx';
import { PlanView } from './PlanView.tsx';
import { ProgressView } from './ProgressView.tsx';
import { SettingsPanel } from './SettingsPanel.tsx';
import { SizeChart } from './SizeChart.tsx';
import { StoragePanel } from './StoragePanel.tsx';
import { TimelineChart } from './TimelineChart.tsx';
import { UpdateToast } from './UpdateToast.tsx';
import { VerifyPanel } from './VerifyPanel.tsx';
import { selectLine } from './state/inputs.ts';
import { ServicesContext } from './state/services.ts';
import type { Services } from './state/services.ts';
import { compressionOf, engineSettingsOf, jobEnvOf, parseQueries, parseToolchains, validateSettings } from './state/settings.ts';
import { useJob } from './state/useJob.ts';
import { useOnline } from './state/useOnline.ts';
import { useSettings } from './state/useSettings.ts';

const OFFLINE_TEXT: Record<OfflineStatus, string> = {
  unavailable: 'Offline use is not available in this browser or build.',
  preparing: 'Preparing for offline use…',
  ready: 'Ready to work offline.',
};

/** The job shown when the app starts again. */
const CURRENT_JOB_KEY = 'modcarry-current-job';

interface Draft {
  plan: Plan;
  texts: InputTexts;
  env: JobEnv;
}

async function sha256Hex(text: string): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function sourcesOf(t: InputTexts): Promise<JobSource[]> {
  const out: JobSource[] = [];
  if (t.goMod.trim() !== '') out.push({ kind: 'go.mod', name: t.goModName ?? 'go.mod', sha256: await sha256Hex(t.goMod) });
  if (t.goSum.trim() !== '') out.push({ kind: 'go.sum', name: t.goSumName ?? 'go.sum', sha256: await sha256Hex(t.goSum) });
  for (const q of parseQueries(t.queries)) out.push({ kind: 'query', name: q });
  return out;
}

function readCurrentJob(): string | undefined {
  try {
    return localStorage.getItem(CURRENT_JOB_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** The app: inputs and settings, the plan, the download, the inspector and log, export, verification and storage. */
export function App({ offline, update, services }: { offline: OfflineStatus; update?: UpdateOffer | undefined; services?: Services | undefined }) {
  const online = useOnline();
  const settingsState = useSettings();
  const { settings } = settingsState;
  const problems = validateSettings(settings);
  const [texts, setTexts] = useState<InputTexts>({ goMod: '', goSum: '', queries: '' });
  const [draft, setDraft] = useState<Draft | undefined>();
  const [planning, setPlanning] = useState(false);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<unknown>();
  const [jobId, setJobIdState] = useState<string | undefined>(readCurrentJob);
  const [jobTexts, setJobTexts] = useState<JobTexts | undefined>();
  const [revision, setRevision] = useState(0);
  const view = useJob(services, jobId);
  const progress = view.progress;

  const setJobId = (id: string | undefined) => {
    setJobIdState(id);
    try {
      if (id === undefined) localStorage.removeItem(CURRENT_JOB_KEY);
      else localStorage.setItem(CURRENT_JOB_KEY, id);
    } catch {
      // not remembered across visits; the job is still in the store
    }
  };

  useEffect(() => {
    setJobTexts(undefined);
    if (services === undefined || jobId === undefined) return;
    services.app.call('jobTexts', jobId).then(setJobTexts, () => undefined);
  }, [services, jobId]);
  // A remembered job that was deleted elsewhere: forget it.
  useEffect(() => {
    if (view.error !== undefined && /^no job /.test(view.error)) setJobId(undefined);
  }, [view.error]);
  useEffect(() => {
    if (progress?.status === 'done') setRevision((r) => r + 1);
  }, [progress?.status]);

  const canPlan = texts.goMod.trim() !== '' || texts.goSum.trim() !== '' || parseQueries(texts.queries).length > 0;

  const makePlan = async () => {
    if (services === undefined) return;
    setError(undefined);
    if (problems.length > 0) {
      setError(new Error(problems.map((p) => p.message).join(' ')));
      return;
    }
    setPlanning(true);
    try {
      const env = jobEnvOf(settings);
      const plan = await services.app.call('plan', {
        ...(texts.goMod.trim() !== '' ? { goMod: texts.goMod } : {}),
        ...(texts.goSum.trim() !== '' ? { goSum: texts.goSum } : {}),
        queries: parseQueries(texts.queries),
        toolchains: parseToolchains(settings.toolchains),
        env,
      });
      setDraft({ plan, texts, env });
    } catch (err) {
      setError(err);
    } finally {
      setPlanning(false);
    }
  };

  const download = async () => {
    if (services === undefined || draft === undefined) return;
    setError(undefined);
    setStarting(true);
    try {
      const inputs = { env: draft.env, sources: await sourcesOf(draft.texts) };
      const job = await services.engine.call('createJob', inputs, draft.plan, engineSettingsOf(settings));
      await services.app.call('saveJobTexts', job.id, {
        ...(draft.texts.goMod.trim() !== '' ? { goMod: draft.texts.goMod } : {}),
        ...(draft.texts.goSum.trim() !== '' ? { goSum: draft.texts.goSum } : {}),
        queries: parseQueries(draft.texts.queries),
      });
      setJobId(job.id);
      setDraft(undefined);
      setRevision((r) => r + 1);
      services.engine.call('start', job.id).catch(setError);
    } catch (err) {
      setError(err);
    } finally {
      setStarting(false);
    }
  };

  const control = (what: 'pause' | 'resume' | 'cancel' | 'retryFailed') => () => {
    if (services === undefined || jobId === undefined) return;
    setError(undefined);
    services.engine
      .call(what, jobId)
      .then(() => view.refresh())
      .catch(setError);
    setTimeout(view.refresh, 100);
  };

  const inspectRequest =
    draft !== undefined && draft.texts.goSum.trim() !== ''
      ? { goSum: draft.texts.goSum, env: draft.env, plan: draft.plan }
      : jobId !== undefined && jobTexts?.goSum !== undefined
        ? { jobId }
        : undefined;
  const verifiedAll = progress !== undefined && progress.status === 'done' && progress.counts.verified === progress.modules.length;
  const sizes = (progress?.modules ?? []).filter((m) => m.totalBytes !== undefined).map((m) => ({ label: m.module, value: m.totalBytes! }));

  return (
    <ServicesContext.Provider value={services}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="app-header">
        <img src="/icon.svg" alt="" />
        <div class="brand">
          <h1>modcarry</h1>
          <p class="tagline">Go modules through a GOPROXY, verified like the go command, carried across an air gap.</p>
        </div>
        <p class="app-status" role="status">
          {OFFLINE_TEXT[offline]}
        </p>
      </header>
      <OfflineBanner online={online} />
      <UpdateToast offer={update} downloading={progress?.status === 'running'} />
      <main class="app-main" id="main" tabIndex={-1}>
        {error !== undefined ? (
          <ErrorMessage
            error={error}
            onDismiss={() => setError(undefined)}
            onLocate={(loc) => selectLine(loc.file.endsWith('.sum') ? 'gosum' : 'gomod', loc.line)}
          />
        ) : null}
        {services === undefined ? (
          <p class="muted" role="status">
            Starting…
          </p>
        ) : null}
        <InputsPanel texts={texts} onChange={setTexts} onPlan={() => void makePlan()} planning={planning} canPlan={canPlan && services !== undefined} />
        <SettingsPanel settings={settings} problems={problems} relayProblems={settingsState.relayProblems} onChange={settingsState.update} />
        {draft !== undefined ? (
          <PlanView plan={draft.plan}>
            <div class="actions">
              <button type="button" class="primary" disabled={starting || services === undefined || problems.length > 0} onClick={() => void download()}>
                Download
              </button>
              <span class="muted">Fetches and verifies every file listed below.</span>
            </div>
          </PlanView>
        ) : view.job !== undefined ? (
          <PlanView plan={view.job.plan} progress={progress} />
        ) : null}
        {progress !== undefined ? (
          <>
            <ProgressView
              progress={progress}
              rate={view.rate}
              online={online}
              retryAt={view.retryAt}
              onPause={control('pause')}
              onResume={control('resume')}
              onCancel={control('cancel')}
              onRetry={control('retryFailed')}
            />
            {sizes.length > 0 || view.log.length > 0 ? (
              <section class="panel charts" aria-labelledby="charts-heading">
                <h2 id="charts-heading">At a glance</h2>
                <div class="chart-row">
                  <SizeChart items={sizes} />
                  <TimelineChart log={view.log} running={progress.status === 'running'} />
                </div>
              </section>
            ) : null}
          </>
        ) : null}
        <InspectorView request={inspectRequest} online={online} />
        {jobId !== undefined && view.log.length > 0 ? <ChangeLogView log={view.log} /> : null}
        {jobId !== undefined && progress !== undefined ? (
          <ExportPanel jobId={jobId} ready={verifiedAll} failed={progress.counts.failed} compression={compressionOf(settings)} goprivate={settings.goprivate} />
        ) : null}
        <VerifyPanel />
        <StoragePanel currentJobId={jobId} onOpen={(id) => setJobId(id)} revision={revision} />
      </main>
    </ServicesContext.Provider>
  );
}
