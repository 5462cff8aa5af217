/**
 * The SumdbChecker of a job, over the core checksum-database client: lookups
 * and tiles through the Http port (via the first GOPROXY entry that supports
 * the database, as go's initBase chooses), the `latest` tree head kept in
 * the store's meta records with compare-and-swap (so two runs never roll it
 * back), and verified lookups and tiles stored as module-cache files under
 * cache/download/sumdb/ for the bundle.
 *
 * Across sessions: every tree head the client proves consistent (older,
 * equal or newer than latest) is appended to a timeline in the store with
 * the time it was first seen, and every proof of a fork is kept there too.
 * The stored latest is what a new engine checks the next head against, so a
 * fork or rollback served to a later session is caught. Once a fork is
 * proven, the checker refuses every further module of its job: a database
 * that lied once vouches for nothing.
 *
 * A lookup can be started ahead of its check (prefetch, while the module's
 * zip downloads), so that verifications never wait on the database in turn.
 */
import { GoproxyClient } from '../core/goproxy/client.ts';
import type { Http } from '../core/goproxy/http.ts';
import { readBody, readBodyPrefix, TransportError } from '../core/goproxy/http.ts';
import { httpError, MAX_ERROR_BODY_BYTES } from '../core/goproxy/httpError.ts';
import { redactURL } from '../core/goproxy/urls.ts';
import { SUMDB_CACHE_DIR } from '../core/modcache/layout.ts';
import { GonosumdbError, SumdbClient, SumdbSecurityError, WriteConflictError } from '../core/sumdb/client.ts';
import type { ClientOps } from '../core/sumdb/client.ts';
import { parseGOSUMDB, useSumDB, joinURL } from '../core/sumdb/gosumdb.ts';
import type { Tree } from '../core/sumdb/tlog.ts';
import { base64Encode } from '../core/sumdb/base64.ts';
import { utf8Decode, utf8Encode } from '../core/internal/webstd.ts';
import { SecurityError } from './classify.ts';
import type { JobEnv } from './job.ts';
import type { Clock, EngineStore } from './ports.ts';
import { sha256Hex } from './rangeDownload.ts';
import type { SumdbChecker, SumdbCheckResult } from './verifyModule.ts';
import { sumdbMismatch } from './verifyModule.ts';
import { bytesEqual } from '../core/internal/bytes.ts';

/** The database's latest verified tree head, for the bundle manifest. */
export interface SumdbHead {
  readonly name: string;
  readonly key: string;
  readonly treeSize: number;
  /** Base64 root hash. */
  readonly treeHash: string;
  readonly note: string;
}

export interface JobSumdb extends SumdbChecker {
  /** undefined when GOSUMDB=off or nothing was looked up yet. */
  head(): Promise<SumdbHead | undefined>;
}

/** The meta key of a checksum-database config file such as `<name>/latest`. */
export function sumdbConfigKey(file: string): string {
  return `sumdb-config/${file}`;
}

/** The meta key of a database's timeline of tree heads. */
export function sumdbTimelineKey(name: string): string {
  return `sumdb-timeline/${name}`;
}

/** One verified tree head. */
export interface TimelineHead {
  readonly size: number;
  /** Base64 root hash. */
  readonly hash: string;
  /** The signed note, as served. */
  readonly note: string;
  /** Milliseconds since the epoch when this store first saw it. */
  readonly firstSeen: number;
}

/** A proven fork: the full SECURITY ERROR report. */
export interface TimelineFork {
  readonly seen: number;
  readonly report: string;
}

/**
 * Every tree head of one database this store has proven consistent, in the
 * order first seen (each was checked against the latest head at the time, so
 * all are prefixes of the newest), and every fork proven against them.
 */
export interface SumdbTimeline {
  readonly formatVersion: 1;
  readonly name: string;
  readonly heads: readonly TimelineHead[];
  readonly forks: readonly TimelineFork[];
}

/** Reads a database's timeline (empty when none is stored). */
export async function readSumdbTimeline(store: Pick<EngineStore, 'getMeta'>, name: string): Promise<SumdbTimeline> {
  const raw = await store.getMeta(sumdbTimelineKey(name));
  if (raw === undefined || raw.length === 0) return { formatVersion: 1, name, heads: [], forks: [] };
  const t = JSON.parse(utf8Decode(raw, false)) as Partial<SumdbTimeline>;
  if (t.formatVersion !== 1) throw new Error(`sumdb timeline of ${name}: unknown format version ${String(t.formatVersion)}`);
  return { formatVersion: 1, name, heads: t.heads ?? [], forks: t.forks ?? [] };
}

/** Applies change to the stored timeline with compare-and-swap; change returns undefined to leave it. */
async function updateTimeline(store: Pick<EngineStore, 'getMeta' | 'casMeta'>, name: string, change: (t: SumdbTimeline) => SumdbTimeline | undefined): Promise<void> {
  const key = sumdbTimelineKey(name);
  for (let attempt = 0; attempt < 100; attempt++) {
    const raw = await store.getMeta(key);
    const next = change(await readSumdbTimeline({ getMeta: () => Promise.resolve(raw) }, name));
    if (next === undefined) return;
    if (await store.casMeta(key, raw, utf8Encode(JSON.stringify(next)))) return;
  }
  throw new Error(`sumdb timeline of ${name}: too many concurrent updates`);
}

/** A checksum-database client whose config, cache and timeline live in an EngineStore. */
export interface StoreSumdb {
  readonly client: SumdbClient;
  readonly name: string;
  /** Keeps a fork proof (a SumdbSecurityError's report) in the timeline. */
  recordFork(report: string): Promise<void>;
}

/**
 * Builds a SumdbClient over the store: `latest` in meta (compare-and-swap),
 * lookups and tiles as verified files under cache/download/sumdb/, tree heads
 * and fork proofs appended to the timeline. readRemote reaches the database.
 */
export function storeSumdbClient(opts: {
  store: EngineStore;
  clock: Clock;
  key: string;
  noSumDB?: string;
  readRemote: (path: string) => Promise<Uint8Array>;
}): StoreSumdb {
  const { store, clock } = opts;
  const name = opts.key.trim().split('+', 1)[0] ?? '';
  const recorded = new Set<string>();
  const ops: ClientOps = {
    readRemote: opts.readRemote,
    async readConfig(file) {
      return (await store.getMeta(sumdbConfigKey(file))) ?? new Uint8Array(0);
    },
    async writeConfig(file, old, next) {
      const key = sumdbConfigKey(file);
      const current = await store.getMeta(key);
      const expected = old.length === 0 && (current === undefined || current.length === 0) ? current : old;
      if (current !== undefined && expected !== undefined && !bytesEqual(current, expected)) throw new WriteConflictError();
      if (!(await store.casMeta(key, expected, next))) throw new WriteConflictError();
    },
    async readCache(file) {
      const blob = await store.getFile(`${SUMDB_CACHE_DIR}/${file}`);
      return blob === undefined ? undefined : new Uint8Array(await blob.arrayBuffer());
    },
    async writeCache(file, data) {
      const path = `${SUMDB_CACHE_DIR}/${file}`;
      await store.putFile({ formatVersion: 1, path, size: data.length, sha256: await sha256Hex(data), verified: true, storedAt: clock.now() }, data);
    },
    securityError() {
      // The SumdbSecurityError thrown with the same report reaches the caller, which keeps it with recordFork.
    },
    async treeVerified(tree: Tree, note: Uint8Array) {
      const hash = base64Encode(tree.hash);
      const id = `${tree.n} ${hash}`;
      if (recorded.has(id)) return;
      await updateTimeline(store, name, (t) =>
        t.heads.some((h) => h.size === tree.n && h.hash === hash)
          ? undefined
          : { ...t, heads: [...t.heads, { size: tree.n, hash, note: utf8Decode(note, false), firstSeen: clock.now() }] },
      );
      recorded.add(id);
    },
  };
  return {
    client: new SumdbClient(ops, { key: opts.key, ...(opts.noSumDB !== undefined ? { noSumDB: opts.noSumDB } : {}) }),
    name,
    recordFork: (report) =>
      updateTimeline(store, name, (t) => (t.forks.some((f) => f.report === report) ? undefined : { ...t, forks: [...t.forks, { seen: clock.now(), report }] })),
  };
}

/** Reads `<base><path>` of a checksum database through the Http port; throws go-style errors. */
export function httpReadRemote(http: Http, baseURL: () => Promise<string>, signal?: AbortSignal): (path: string) => Promise<Uint8Array> {
  return async (path) => {
    const url = joinURL(await baseURL(), path);
    let res;
    try {
      res = await http.get(url, signal ? { signal } : undefined);
    } catch (err) {
      throw new TransportError('Get', redactURL(url), err);
    }
    if (res.status !== 200) {
      const body = await readBodyPrefix(res.body, MAX_ERROR_BODY_BYTES).catch(() => new Uint8Array(0));
      throw httpError(redactURL(url), res.status, res.statusText, res.headers.get('content-type'), body);
    }
    try {
      return (await readBody(res.body, { limit: 16 << 20 })).data;
    } catch (err) {
      throw new TransportError('read', redactURL(url), err);
    }
  };
}

/**
 * The database's base URL as go's initBase picks it: the GOSUMDB URL when
 * given, else the first proxy answering /sumdb/<name>/supported, else
 * https://<name>. Computed once; a failure is retried on the next call.
 */
export function sumdbBaseURL(http: Http, setting: { name: string; url?: string; directURL: string }, env: Pick<JobEnv, 'GOPROXY' | 'GONOPROXY'>, signal?: AbortSignal): () => Promise<string> {
  let base: Promise<string> | undefined;
  return () => {
    base ??= (async () => {
      if (setting.url !== undefined) return setting.url;
      const client = new GoproxyClient({ http, goproxy: env.GOPROXY, gonoproxy: env.GONOPROXY, ...(signal ? { signal } : {}) });
      return (await client.sumdbBase(setting.name, setting.directURL)).base;
    })();
    base.catch(() => (base = undefined));
    return base;
  };
}

/** Builds the checker for a job's GOSUMDB/GONOSUMDB/GOPROXY. */
export async function createSumdbChecker(opts: { http: Http; store: EngineStore; clock: Clock; env: JobEnv; signal?: AbortSignal }): Promise<JobSumdb> {
  const { http, store, env } = opts;
  const setting = await parseGOSUMDB(env.GOSUMDB);
  if (setting.off) {
    return {
      check: () => Promise.resolve({ ok: true, skipped: 'off', detail: 'GOSUMDB=off' }),
      head: () => Promise.resolve(undefined),
    };
  }
  const { client, recordFork } = storeSumdbClient({
    store,
    clock: opts.clock,
    key: setting.key,
    noSumDB: env.GONOSUMDB,
    readRemote: httpReadRemote(http, sumdbBaseURL(http, setting, env, opts.signal), opts.signal),
  });
  let used = false;
  /** The first proof of a fork: every later check fails with it. */
  let fork: SecurityError | undefined;
  /** Lookups prefetch started, by `<path> <vers>`: the next check of that pair takes its answer. */
  const early = new Map<string, Promise<string[]>>();
  const wanted = (path: string): boolean => useSumDB(path, { GOSUMDB: env.GOSUMDB, GONOSUMDB: env.GONOSUMDB, GOPROXY: env.GOPROXY });

  const lookup = async (path: string, vers: string): Promise<string[]> => {
    if (fork !== undefined) throw fork;
    try {
      return await client.lookup(path, vers);
    } catch (err) {
      if (err instanceof SumdbSecurityError) {
        if (fork === undefined) {
          fork = new SecurityError(err.message, { cause: err });
          await recordFork(err.message);
        }
        throw fork;
      }
      throw err;
    }
  };

  return {
    prefetch(path, version, first): void {
      if (fork !== undefined || !wanted(path)) return;
      used = true;
      const vers = first === 'mod' ? `${version}/go.mod` : version;
      // A fresh call on every attempt: the client answers a record it holds
      // without asking again, and asks anew for one that failed, as check() would.
      const p = lookup(path, vers);
      p.catch(() => undefined);
      early.set(`${path} ${vers}`, p);
    },
    async check(path, version, hashes): Promise<SumdbCheckResult> {
      if (!wanted(path)) {
        return { ok: true, skipped: 'gonosumdb', detail: 'GONOSUMDB/GOPRIVATE' };
      }
      used = true;
      const checked: string[] = [];
      for (const kind of ['mod', 'zip'] as const) {
        const hash = hashes[kind];
        if (hash === undefined) continue;
        const vers = kind === 'mod' ? `${version}/go.mod` : version;
        let lines: string[];
        const ahead = early.get(`${path} ${vers}`);
        early.delete(`${path} ${vers}`);
        try {
          lines = await (ahead ?? lookup(path, vers));
        } catch (err) {
          if (err instanceof GonosumdbError) return { ok: true, skipped: 'gonosumdb', detail: err.message };
          throw err;
        }
        const prefix = `${path} ${vers} `;
        if (lines.includes(prefix + hash)) {
          checked.push(vers);
          continue;
        }
        const other = lines.find((l) => l.startsWith(prefix));
        if (other !== undefined) throw sumdbMismatch(path, version, kind, hash, setting.name, other.slice(prefix.length));
        throw new Error(`${path}@${vers}: no hash in the checksum database ${setting.name} record`);
      }
      return { ok: true, detail: `${setting.name}: ${checked.join(', ')}` };
    },
    async head(): Promise<SumdbHead | undefined> {
      if (!used) {
        const stored = await store.getMeta(sumdbConfigKey(`${setting.name}/latest`));
        if (stored === undefined || stored.length === 0) return undefined;
      }
      const { tree, note } = await client.latestTree();
      if (tree.n === 0) return undefined;
      return { name: setting.name, key: setting.key, treeSize: tree.n, treeHash: base64Encode(tree.hash), note: utf8Decode(note, false) };
    },
  };
}
