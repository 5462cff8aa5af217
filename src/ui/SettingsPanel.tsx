import { useState } from 'preact/hooks';
import type { AppSettings, FieldProblem } from './state/settings.ts';
import { shareLink } from './state/settings.ts';

type TextField = 'goproxy' | 'gosumdb' | 'gonosumdb' | 'goprivate' | 'toolchains';

const TEXT_FIELDS: { field: TextField; label: string; help: string }[] = [
  { field: 'goproxy', label: 'GOPROXY', help: 'Module proxies, as the go command takes them ("," falls through on 404/410, "|" on any error).' },
  { field: 'gosumdb', label: 'GOSUMDB', help: 'The checksum database: a name (sum.golang.org), "key url", or off.' },
  { field: 'gonosumdb', label: 'GONOSUMDB', help: 'Module path patterns never checked against the database (default: GOPRIVATE).' },
  { field: 'goprivate', label: 'GOPRIVATE', help: 'Private module path patterns (also the default of GONOSUMDB).' },
  { field: 'toolchains', label: 'Toolchains (GOOS/GOARCH)', help: 'Also carry Go toolchain zips for these platforms, e.g. linux/amd64, windows/amd64.' },
];

/**
 * The settings, saved in this browser. Open on first run, when no GOPROXY is
 * known yet (not served by a modcarry relay, nothing saved, nothing in the URL).
 */
export function SettingsPanel({
  settings,
  problems,
  relayProblems,
  onChange,
}: {
  settings: AppSettings;
  problems: readonly FieldProblem[];
  relayProblems: readonly string[];
  onChange(change: Partial<AppSettings>): void;
}) {
  const [copied, setCopied] = useState(false);
  /** The person's own choice wins once made; until then it opens when something needs attention. */
  const [openChoice, setOpenChoice] = useState<boolean | undefined>();
  const problemOf = (f: keyof AppSettings) => problems.find((p) => p.field === f)?.message;
  const firstRun = settings.goproxy.trim() === '';
  const num = (f: 'concurrency' | 'chunkKiB') => (e: Event) => onChange({ [f]: Number((e.currentTarget as HTMLInputElement).value) });
  return (
    <details class="panel settings" open={openChoice ?? (firstRun || problems.length > 0)} onToggle={(e) => setOpenChoice(e.currentTarget.open)}>
      <summary>
        <h2>Settings</h2>
        <span class="muted summary-line">
          GOPROXY {settings.goproxy === '' ? '(not set)' : settings.goproxy} · GOSUMDB {settings.gosumdb}
        </span>
      </summary>
      {firstRun ? (
        <p class="callout" role="note">
          This browser needs a GOPROXY it may reach. When modcarry's server runs with a GOPROXY configured, its relay is filled in here by itself; otherwise enter the address of
          a module proxy that allows this page (same origin, or one that sends CORS headers).
        </p>
      ) : null}
      {relayProblems.length > 0 ? (
        <div class="callout warn" role="note">
          <p>The server could not relay its configured settings:</p>
          <ul>
            {relayProblems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <div class="settings-grid">
        {TEXT_FIELDS.map(({ field, label, help }) => {
          const problem = problemOf(field);
          return (
            <div class="field" key={field}>
              <label for={`set-${field}`}>{label}</label>
              <input
                id={`set-${field}`}
                type="text"
                spellcheck={false}
                autocomplete="off"
                value={settings[field]}
                aria-invalid={problem !== undefined}
                aria-describedby={`set-${field}-help`}
                onInput={(e) => onChange({ [field]: e.currentTarget.value })}
              />
              <small id={`set-${field}-help`} class={problem !== undefined ? 'field-problem' : 'muted'}>
                {problem ?? help}
              </small>
            </div>
          );
        })}
        <div class="field">
          <label for="set-concurrency">Concurrent downloads</label>
          <input id="set-concurrency" type="number" min={1} max={64} value={settings.concurrency} aria-describedby="set-concurrency-help" onInput={num('concurrency')} />
          <small id="set-concurrency-help" class={problemOf('concurrency') !== undefined ? 'field-problem' : 'muted'}>
            {problemOf('concurrency') ?? 'Zips fetched at the same time.'}
          </small>
        </div>
        <div class="field">
          <label for="set-chunk">Chunk size (KiB)</label>
          <input id="set-chunk" type="number" min={16} max={4096} step={16} value={settings.chunkKiB} aria-describedby="set-chunk-help" onInput={num('chunkKiB')} />
          <small id="set-chunk-help" class={problemOf('chunkKiB') !== undefined ? 'field-problem' : 'muted'}>
            {problemOf('chunkKiB') ?? 'Zips are fetched and stored in Range chunks of this size (1-4 MiB suits most links).'}
          </small>
        </div>
        <div class="field">
          <label for="set-gzip">Bundle compression</label>
          <select id="set-gzip" value={settings.gzip} onChange={(e) => onChange({ gzip: e.currentTarget.value })}>
            <option value="none">none (plain .tar)</option>
            {['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'].map((l) => (
              <option value={l} key={l}>
                gzip level {l}
                {l === '1' ? ' (default: zips are already compressed)' : ''}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div class="actions">
        <button
          type="button"
          class="quiet"
          onClick={() => {
            void navigator.clipboard
              ?.writeText(shareLink(location.href, settings))
              .then(() => setCopied(true))
              .catch(() => setCopied(false));
          }}
        >
          Copy a link with these settings
        </button>
        {copied ? (
          <span class="note" role="status">
            Copied.
          </span>
        ) : null}
      </div>
    </details>
  );
}
