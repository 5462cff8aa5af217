/**
 * The app's settings: the go environment a job fetches with (GOPROXY,
 * GOSUMDB, GONOSUMDB, GOPRIVATE) and the engine and export knobs. Pure
 * functions only; useSettings.ts persists them.
 *
 * Layers, later ones winning: the built-in defaults, the relay's defaults
 * when the app is served by `modcarry` (GET /goproxy/config.json), what this
 * browser saved, and the URL's query parameters (goproxy, gosumdb, gonosumdb,
 * goprivate), so a link can carry a configuration.
 */
import { MAX_CHUNK_SIZE, MIN_CHUNK_SIZE } from '../../engine/settings.ts';
import type { SettingsInput } from '../../engine/settings.ts';
import type { JobEnv } from '../../engine/job.ts';
import type { ToolchainPlatform } from '../../core/plan/createPlan.ts';
import { resolveGoEnv } from '../../core/goproxy/goEnv.ts';

export interface AppSettings {
  goproxy: string;
  gosumdb: string;
  gonosumdb: string;
  goprivate: string;
  /** Zips downloaded at once. */
  concurrency: number;
  /** Range chunk size in KiB. */
  chunkKiB: number;
  /** 'none' for a plain tar, else a gzip level '0'..'9'. */
  gzip: string;
  /** GOOS/GOARCH pairs for toolchain zips, comma or space separated. */
  toolchains: string;
}

/** GOPROXY starts empty: the browser cannot use proxy.golang.org directly (no CORS), so it comes from the relay or the user. */
export const DEFAULT_APP_SETTINGS: Readonly<AppSettings> = Object.freeze({
  goproxy: '',
  gosumdb: 'sum.golang.org',
  gonosumdb: '',
  goprivate: '',
  concurrency: 4,
  chunkKiB: 2048,
  gzip: '1',
  toolchains: '',
});

/** The query parameters a link may carry, by setting. */
export const URL_PARAMS = ['goproxy', 'gosumdb', 'gonosumdb', 'goprivate'] as const;

/** The settings a URL's query string carries (present parameters only, even when empty). */
export function settingsFromQuery(search: string): Partial<AppSettings> {
  const q = new URLSearchParams(search);
  const out: Partial<AppSettings> = {};
  for (const name of URL_PARAMS) {
    const v = q.get(name);
    if (v !== null) out[name] = v.trim();
  }
  return out;
}

/** A link that carries the go settings of s (the other knobs stay per browser). */
export function shareLink(base: string, s: AppSettings): string {
  const u = new URL(base);
  u.search = '';
  for (const name of URL_PARAMS) if (s[name] !== '') u.searchParams.set(name, s[name]);
  return u.href;
}

const NUMBER_FIELDS = ['concurrency', 'chunkKiB'] as const;
const STRING_FIELDS = ['goproxy', 'gosumdb', 'gonosumdb', 'goprivate', 'gzip', 'toolchains'] as const;

/** Saved settings as this browser stored them; anything malformed is dropped, never trusted. */
export function parseStoredSettings(text: string | null): Partial<AppSettings> {
  if (text === null) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof raw !== 'object' || raw === null) return {};
  const r = raw as Record<string, unknown>;
  const out: Partial<AppSettings> = {};
  for (const k of STRING_FIELDS) if (typeof r[k] === 'string') out[k] = r[k];
  for (const k of NUMBER_FIELDS) if (typeof r[k] === 'number' && Number.isFinite(r[k])) out[k] = r[k];
  return out;
}

/** Layers merged left to right over the defaults. */
export function mergeSettings(...layers: readonly Partial<AppSettings>[]): AppSettings {
  return Object.assign({}, DEFAULT_APP_SETTINGS, ...layers) as AppSettings;
}

/**
 * A GOPROXY list with every relative entry ("/goproxy/0") made absolute
 * against origin; separators, `direct`, `off` and absolute URLs are kept.
 */
export function absolutizeProxyList(list: string, origin: string): string {
  return list
    .split(/([,|])/)
    .map((part) => (part.startsWith('/') ? new URL(part, origin).href.replace(/\/$/, '') : part))
    .join('');
}

/** What /goproxy/config.json contributes (src/server/relay/relayConfig.ts RelayConfigJson). */
export interface RelayDefaults {
  settings: Partial<AppSettings>;
  /** Why the server's GOPROXY/GOSUMDB could not be used, as it reports them. */
  problems: string[];
}

/** The relay's defaults from its config.json body (unknown shape: checked field by field). */
export function relayDefaults(config: unknown, origin: string): RelayDefaults {
  const out: RelayDefaults = { settings: {}, problems: [] };
  if (typeof config !== 'object' || config === null) return out;
  const c = config as Record<string, unknown>;
  if (Array.isArray(c['problems'])) out.problems = c['problems'].filter((p): p is string => typeof p === 'string');
  const gp = c['goproxyForBrowser'];
  if (typeof gp === 'string' && gp !== '') out.settings.goproxy = absolutizeProxyList(gp, origin);
  const db = c['sumdb'];
  if (typeof db === 'object' && db !== null) {
    const { key, prefix } = db as Record<string, unknown>;
    if (typeof key === 'string' && typeof prefix === 'string') out.settings.gosumdb = `${key} ${new URL(prefix, origin).href.replace(/\/$/, '')}`;
  } else if (c['gosumdb'] === 'off') {
    out.settings.gosumdb = 'off';
  }
  return out;
}

/** A problem with one field, in words a person can act on. */
export interface FieldProblem {
  field: keyof AppSettings;
  message: string;
}

/** Parses "linux/amd64, darwin/arm64"; throws with the offending item. */
export function parseToolchains(text: string): ToolchainPlatform[] {
  const out: ToolchainPlatform[] = [];
  for (const item of text.split(/[\s,]+/).filter((s) => s !== '')) {
    const m = /^([a-z0-9]+)\/([a-z0-9]+)$/.exec(item);
    if (m === null) throw new Error(`toolchain platforms are GOOS/GOARCH (e.g. linux/amd64), not ${JSON.stringify(item)}`);
    out.push({ goos: m[1]!, goarch: m[2]! });
  }
  return out;
}

/** Every problem with s; empty when a job can be created with it. */
export function validateSettings(s: AppSettings): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (s.goproxy.trim() === '') problems.push({ field: 'goproxy', message: 'Set a GOPROXY: the URL of a Go module proxy this page may reach (the relay of the modcarry server, e.g. https://host/goproxy/0).' });
  else if (s.goproxy.trim() === 'off') problems.push({ field: 'goproxy', message: 'GOPROXY=off disallows all module downloads.' });
  if (s.gosumdb.trim() === '') problems.push({ field: 'gosumdb', message: 'Set GOSUMDB (e.g. sum.golang.org), or off to skip the checksum database.' });
  if (!Number.isInteger(s.concurrency) || s.concurrency < 1 || s.concurrency > 64) problems.push({ field: 'concurrency', message: 'Concurrency must be a whole number from 1 to 64.' });
  const chunk = s.chunkKiB * 1024;
  if (!Number.isInteger(s.chunkKiB) || chunk < MIN_CHUNK_SIZE || chunk > MAX_CHUNK_SIZE) {
    problems.push({ field: 'chunkKiB', message: `Chunk size must be a whole number of KiB from ${MIN_CHUNK_SIZE / 1024} to ${MAX_CHUNK_SIZE / 1024}.` });
  }
  if (!/^(none|[0-9])$/.test(s.gzip)) problems.push({ field: 'gzip', message: 'Gzip level is none or 0 to 9.' });
  try {
    parseToolchains(s.toolchains);
  } catch (err) {
    problems.push({ field: 'toolchains', message: (err as Error).message });
  }
  return problems;
}

/** The go environment of a job with these settings (GONOPROXY and GONOSUMDB default to GOPRIVATE, as in go). */
export function jobEnvOf(s: AppSettings): JobEnv & { GOPRIVATE: string } {
  const e = resolveGoEnv({}, { GOPROXY: s.goproxy.trim(), GOSUMDB: s.gosumdb.trim(), GONOSUMDB: s.gonosumdb.trim(), GOPRIVATE: s.goprivate.trim() });
  return { GOPROXY: e.GOPROXY, GONOPROXY: e.GONOPROXY, GOSUMDB: e.GOSUMDB, GONOSUMDB: e.GONOSUMDB, GOPRIVATE: e.GOPRIVATE };
}

/** The engine settings of a job with these settings. */
export function engineSettingsOf(s: AppSettings): SettingsInput {
  return { chunkSize: s.chunkKiB * 1024, maxConcurrentZips: s.concurrency };
}

/** The export's compression setting. */
export function compressionOf(s: AppSettings): 'none' | number {
  return s.gzip === 'none' ? 'none' : Number(s.gzip);
}

/** module@query items from free text: one per line or separated by spaces; # starts a comment. */
export function parseQueries(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, ''))
    .flatMap((l) => l.split(/[\s,]+/))
    .filter((s) => s !== '');
}
