/**
 * The SumdbChecker of a job, over the core checksum-database client: lookups
 * and tiles through the Http port (via the first GOPROXY entry that supports
 * the database, as go's initBase chooses), the `latest` tree head kept in
 * the store's meta records with compare-and-swap (so two runs never roll it
 * back), and verified lookups and tiles stored as module-cache files under
 * cache/download/sumdb/ for the bundle.
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
import { base64Encode } from '../core/sumdb/base64.ts';
import { utf8Decode } from '../core/internal/webstd.ts';
import { SecurityError } from './classify.ts';
import type { JobEnv } from './job.ts';
import type { Clock, EngineStore } from './ports.ts';
import { sha256Hex } from './rangeDownload.ts';
import type { SumdbChecker, SumdbCheckResult } from './verifyModule.ts';
import { sumdbMismatch } from './verifyModule.ts';

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

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
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
  let base: Promise<string> | undefined;
  const baseURL = (): Promise<string> => {
    base ??= (async () => {
      if (setting.url !== undefined) return setting.url;
      const client = new GoproxyClient({ http, goproxy: env.GOPROXY, gonoproxy: env.GONOPROXY, ...(opts.signal ? { signal: opts.signal } : {}) });
      return (await client.sumdbBase(setting.name, setting.directURL)).base;
    })();
    base.catch(() => (base = undefined));
    return base;
  };
  const ops: ClientOps = {
    async readRemote(path) {
      const url = joinURL(await baseURL(), path);
      let res;
      try {
        res = await http.get(url, opts.signal ? { signal: opts.signal } : undefined);
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
    },
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
      await store.putFile({ formatVersion: 1, path, size: data.length, sha256: await sha256Hex(data), verified: true, storedAt: opts.clock.now() }, data);
    },
    securityError() {
      // The SumdbSecurityError thrown with the same report fails the module.
    },
  };
  const client = new SumdbClient(ops, { key: setting.key, noSumDB: env.GONOSUMDB });
  let used = false;

  const lookup = async (path: string, vers: string): Promise<string[]> => {
    try {
      return await client.lookup(path, vers);
    } catch (err) {
      if (err instanceof SumdbSecurityError) throw new SecurityError(err.message, { cause: err });
      throw err;
    }
  };

  return {
    async check(path, version, hashes): Promise<SumdbCheckResult> {
      if (!useSumDB(path, { GOSUMDB: env.GOSUMDB, GONOSUMDB: env.GONOSUMDB, GOPROXY: env.GOPROXY })) {
        return { ok: true, skipped: 'gonosumdb', detail: 'GONOSUMDB/GOPRIVATE' };
      }
      used = true;
      const checked: string[] = [];
      for (const kind of ['mod', 'zip'] as const) {
        const hash = hashes[kind];
        if (hash === undefined) continue;
        const vers = kind === 'mod' ? `${version}/go.mod` : version;
        let lines: string[];
        try {
          lines = await lookup(path, vers);
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
