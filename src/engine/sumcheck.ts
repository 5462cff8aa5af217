/**
 * Checks a go.sum against the checksum database and the downloaded files in
 * an EngineStore: the engine side of the go.sum inspector.
 *
 * The database is reached through the same store-backed client the download
 * engine uses (its `latest`, cached lookups and tiles, and timeline), so a
 * check online adds to the stored proofs, and a check offline (readRemote
 * refused) verifies from the stored proofs alone: a lookup or tile not stored
 * is reported "not checked (offline)", never guessed. A fork of the database
 * stops all further lookups; its proof is in the report and in the timeline.
 */
import { hashGoMod } from '../core/dirhash/hash.ts';
import type { Http } from '../core/goproxy/http.ts';
import { HTTPError } from '../core/goproxy/httpError.ts';
import { inspectGoSum } from '../core/inspect/inspectGoSum.ts';
import type { DbAnswer, GoSumInspection } from '../core/inspect/inspectGoSum.ts';
import { utf8Decode } from '../core/internal/webstd.ts';
import { modFile, ziphashFile } from '../core/modcache/layout.ts';
import { parseGoSum } from '../core/modfile/gosum.ts';
import type { Plan } from '../core/plan/types.ts';
import { GonosumdbError, SumdbSecurityError } from '../core/sumdb/client.ts';
import { parseGOSUMDB, useSumDB } from '../core/sumdb/gosumdb.ts';
import type { JobEnv } from './job.ts';
import type { Clock, EngineStore } from './ports.ts';
import { httpReadRemote, storeSumdbClient, sumdbBaseURL } from './sumdbChecker.ts';

const OFFLINE_TEXT = 'is not stored (offline)';

/** readRemote's refusal when checking offline. */
export class OfflineError extends Error {
  override name = 'OfflineError';
  constructor(path: string) {
    super(`${path.replace(/^\//, '')} ${OFFLINE_TEXT}`);
  }
}

export interface SumcheckOptions {
  readonly goSum: string | Uint8Array;
  /** The go.sum's name in messages (default "go.sum"). */
  readonly goSumFile?: string;
  /** The plan of the go.sum's module, for not-needed lines and missing sums. */
  readonly plan?: Pick<Plan, 'goSumNotNeeded' | 'goSumMissing'>;
  readonly env: Pick<JobEnv, 'GOPROXY' | 'GONOPROXY' | 'GOSUMDB' | 'GONOSUMDB'>;
  readonly store: EngineStore;
  readonly clock: Clock;
  /** Needed unless offline. */
  readonly http?: Http;
  /** Use the stored proofs only. */
  readonly offline?: boolean;
  readonly signal?: AbortSignal;
}

export interface SumcheckReport extends GoSumInspection {
  readonly file: string;
  /** The message go stops with on this go.sum (a malformed line), if any. */
  readonly fatal?: string;
  /** The database consulted; undefined for GOSUMDB=off. */
  readonly db?: { readonly name: string; readonly key: string; readonly offline: boolean; readonly treeSize?: number };
  /** The SECURITY ERROR report of a fork found during the check. */
  readonly fork?: string;
  /** No security finding and no fork. */
  readonly ok: boolean;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The first error of type C in err's cause chain. */
function findCause<C>(err: unknown, is: (e: unknown) => e is C): C | undefined {
  const seen = new Set<unknown>();
  let e = err;
  while (e !== null && typeof e === 'object' && !seen.has(e)) {
    if (is(e)) return e;
    seen.add(e);
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

const isOffline = (e: unknown): e is OfflineError => e instanceof OfflineError;
const isHTTPError = (e: unknown): e is HTTPError => e instanceof HTTPError;

/** The h1: hashes of the module files the store holds verified, keyed `path version[/go.mod]`. */
async function storedHashes(store: EngineStore, keys: readonly { path: string; version: string }[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const { path, version } of keys) {
    const isMod = version.endsWith('/go.mod');
    const v = isMod ? version.slice(0, -'/go.mod'.length) : version;
    let file: string;
    try {
      file = isMod ? modFile(path, v) : ziphashFile(path, v);
    } catch {
      continue; // not a valid module path or version: nothing can be stored for it
    }
    const rec = await store.getFileRecord(file);
    if (rec?.verified !== true) continue;
    const blob = await store.getFile(file);
    if (blob === undefined) continue;
    const data = new Uint8Array(await blob.arrayBuffer());
    out.set(`${path} ${version}`, isMod ? await hashGoMod(data) : utf8Decode(data, false).trim());
  }
  return out;
}

/** Inspects a go.sum against the database (online, or offline from stored proofs) and the stored downloads. */
export async function sumcheck(opts: SumcheckOptions): Promise<SumcheckReport> {
  const file = opts.goSumFile ?? 'go.sum';
  const parsed = parseGoSum(file, typeof opts.goSum === 'string' ? opts.goSum : utf8Decode(opts.goSum, false));
  const setting = await parseGOSUMDB(opts.env.GOSUMDB);
  const keys = [...new Map(parsed.entries.map((e) => [`${e.path} ${e.version}`, { path: e.path, version: e.version }])).values()];
  const downloaded = await storedHashes(opts.store, keys);
  const base = { ...(opts.plan !== undefined ? { plan: opts.plan } : {}), downloaded };
  const fatal = parsed.fatal !== undefined ? { fatal: parsed.fatal } : {};

  if (setting.off) {
    const r = await inspectGoSum(parsed, { ...base, db: { name: 'GOSUMDB', lookup: () => Promise.resolve({ kind: 'unchecked', detail: 'GOSUMDB=off' }) } });
    return { ...r, file, ...fatal, ok: r.security === 0 };
  }

  const http = opts.http;
  if (!opts.offline && http === undefined) throw new Error('sumcheck: an Http port is needed unless offline');
  const readRemote =
    opts.offline || http === undefined
      ? (path: string): Promise<Uint8Array> => Promise.reject(new OfflineError(path))
      : httpReadRemote(http, sumdbBaseURL(http, setting, opts.env, opts.signal), opts.signal);
  const { client, recordFork } = storeSumdbClient({ store: opts.store, clock: opts.clock, key: setting.key, noSumDB: opts.env.GONOSUMDB, readRemote });

  let fork: string | undefined;
  const lookup = async (path: string, vers: string): Promise<DbAnswer> => {
    if (!useSumDB(path, { GOSUMDB: opts.env.GOSUMDB, GONOSUMDB: opts.env.GONOSUMDB, GOPROXY: opts.env.GOPROXY })) {
      return { kind: 'exempt', detail: 'GONOSUMDB/GOPRIVATE' };
    }
    if (fork !== undefined) return { kind: 'unchecked', detail: `${setting.name} proved inconsistent` };
    try {
      const r = await client.lookupRecord(path, vers);
      return { kind: 'found', lines: r.lines, recordId: r.recordId, treeSize: r.treeSize };
    } catch (err) {
      if (err instanceof GonosumdbError) return { kind: 'exempt', detail: 'GONOSUMDB/GOPRIVATE' };
      if (err instanceof SumdbSecurityError) {
        if (fork === undefined) {
          fork = err.message;
          await recordFork(err.message);
        }
        return { kind: 'unchecked', detail: `${setting.name} proved inconsistent` };
      }
      if (findCause(err, isOffline) !== undefined || errText(err).includes(OFFLINE_TEXT)) return { kind: 'unchecked', detail: 'offline' };
      const h = findCause(err, isHTTPError);
      if (h !== undefined && h.notExist && h.url.includes('/lookup/')) return { kind: 'absent', detail: h.detail !== '' ? h.detail : h.status };
      return { kind: 'unchecked', detail: errText(err) };
    }
  };

  const r = await inspectGoSum(parsed, { ...base, db: { name: setting.name, lookup } });
  let treeSize: number | undefined;
  if (fork === undefined) {
    try {
      const n = (await client.latestTree()).tree.n;
      if (n > 0) treeSize = n;
    } catch {
      // no usable stored tree head (offline without its tiles): the lines say why
    }
  }
  return {
    ...r,
    file,
    ...fatal,
    db: { name: setting.name, key: setting.key, offline: opts.offline === true, ...(treeSize !== undefined ? { treeSize } : {}) },
    ...(fork !== undefined ? { fork } : {}),
    ok: r.security === 0 && fork === undefined,
  };
}

/** The GOPROXY URL under which storeProxyHttp serves the store's verified module files. */
export const STORE_PROXY_URL = 'https://modcarry-store.invalid';

/**
 * An Http port that answers GOPROXY requests below STORE_PROXY_URL from the
 * store's verified cache/download files (404 for anything else), so a plan
 * can be made offline from what earlier downloads stored.
 */
export function storeProxyHttp(store: EngineStore): Http {
  const notFound = { status: 404, statusText: 'Not Found', headers: { get: () => 'text/plain; charset=utf-8' }, body: new Uint8Array(0) };
  return {
    async get(url) {
      if (!url.startsWith(STORE_PROXY_URL + '/')) return notFound;
      let path: string;
      try {
        path = decodeURIComponent(url.slice(STORE_PROXY_URL.length + 1).split(/[?#]/, 1)[0]!);
      } catch {
        return notFound;
      }
      if (path.split('/').some((s) => s === '' || s === '.' || s === '..')) return notFound;
      const file = `cache/download/${path}`;
      const rec = await store.getFileRecord(file);
      const blob = rec?.verified === true ? await store.getFile(file) : undefined;
      if (blob === undefined) return notFound;
      return { status: 200, statusText: 'OK', headers: { get: () => null }, body: new Uint8Array(await blob.arrayBuffer()) };
    },
  };
}
