/**
 * Version queries with the go command's semantics (cmd/go/internal/modload
 * Query): `latest`, `upgrade`, `patch`, version prefixes (`v1`, `v1.2`),
 * comparisons (`<v1.2.3`, `>=v1.2.0` …), exact versions, and revisions
 * (branches, commits) that only the proxy's `.info` can resolve.
 *
 * Invariants kept from go:
 * - A whole query runs against one proxy entry; the GOPROXY walk goes round
 *   the query (TryProxies around queryProxy), so a proxy that lists the module
 *   answers all of it. Without per-proxy clients every request walks the list.
 * - Lists ignore pseudo-versions; releases are preferred over pre-releases; the
 *   proxy's latest (`@latest`, else the newest listed time or pseudo-version)
 *   is the fallback only for `latest` and for `upgrade`/`patch` from a pseudo-version.
 * - Allowed versions: not excluded by the main go.mod and not retracted by the
 *   go.mod of the module's latest version (found ignoring retractions). Errors
 *   while loading retractions are ignored, as go ignores them. Revision queries
 *   (exact versions, branches) skip the check, as `go list -m` and `go mod
 *   download` do.
 * - `+incompatible` versions are ignored once a compatible version with a real
 *   go.mod is allowed, unless the query or the current version asks for them.
 *
 * Not modelled: replacement repos (versions added by the main go.mod's replace
 * lines) and the go/toolchain pseudo-modules. When a proxy lists versions but
 * none is allowed, its `@latest` is not consulted (go asks, and only a pseudo-
 * version there that the list lacks could change the answer).
 */
import type { GoModRetract } from '../modfile/gomod.ts';
import { legacyGoMod, parseGoModLax } from '../modfile/gomod.ts';
import { ModuleError } from '../module/errors.ts';
import { matchPrefixPatterns } from '../module/match.ts';
import { canonicalVersion, checkPath, matchPathMajor, splitPathVersion } from '../module/path.ts';
import { isPseudoVersion, pseudoVersionTime } from '../module/pseudo.ts';
import { canonical, compare, isValid, majorMinor, prerelease } from '../semver/semver.ts';
import { utf8Decode, utf8Encode } from '../internal/webstd.ts';
import type { InfoResult } from './client.ts';
import { DirectUnsupportedError, GoproxyClient } from './client.ts';
import { timeBefore, ZERO_TIME } from './goTime.ts';
import type { GoTime } from './goTime.ts';
import type { Http } from './http.ts';
import { isNotExist } from './notExist.ts';
import type { ProxySpec } from './proxyList.ts';
import type { AbortSignalLike } from './tryProxies.ts';
import { noproxyError, proxyOffError, tryProxies, UseProxyError } from './tryProxies.ts';

/** go's NoMatchingVersionError. Not a not-exist error: it stops the GOPROXY walk. */
export class NoMatchingVersionError extends Error {
  constructor(
    readonly query: string,
    readonly current: string,
  ) {
    const suffix = (query === 'upgrade' || query === 'patch') && current !== '' && current !== 'none' ? ` (current version is ${current})` : '';
    super(`no matching versions for query ${JSON.stringify(query)}${suffix}`);
    this.name = 'NoMatchingVersionError';
  }
}

/** `patch` with no current version (go's NoPatchBaseError). */
export class NoPatchBaseError extends Error {
  constructor(readonly path: string) {
    super(`can't query version "patch" of module ${path}: no existing version is required`);
    this.name = 'NoPatchBaseError';
  }
}

/**
 * A version the main go.mod excludes or its author retracted (go's
 * ErrDisallowed family, attributed like module.VersionError):
 * `P@V: excluded by go.mod`, `P@V: retracted by module author[: rationale]`.
 */
export class DisallowedVersionError extends ModuleError {
  constructor(
    path: string,
    version: string,
    readonly reason: 'excluded' | 'retracted',
    readonly rationale: readonly string[] = [],
  ) {
    super(
      path,
      version,
      new Error(
        reason === 'excluded'
          ? 'excluded by go.mod'
          : 'retracted by module author' + (rationale.length > 0 ? ': ' + shortMessage(rationale[0]!, 'retracted by module author') : ''),
      ),
    );
  }
}

/** A malformed query (bad or ambiguous version in a range). */
export class QuerySyntaxError extends Error {
  override name = 'QuerySyntaxError';
}

/** The outcome of a query. */
export interface QueryResult {
  readonly path: string;
  readonly query: string;
  /** The resolved version ('' for the main module under upgrade/patch). */
  readonly version: string;
  /** The resolved version's .info (absent for the main module). */
  readonly info?: InfoResult;
  /** The proxy entry that answered. */
  readonly proxy?: string;
}

/** Per-query settings. */
export interface QueryOptions {
  /** The currently selected version: '' unknown, 'none' not required. */
  readonly current?: string;
  /**
   * Whether excluded and retracted versions are filtered out. Default: yes,
   * except for revision queries (exact versions, branches, commits), as in
   * `go list -m` and `go mod download`.
   */
  readonly checkAllowed?: boolean;
}

/** Where a Querier gets its answers. */
export interface QuerierOptions {
  /** The client over the whole GOPROXY list (go.mod reads, retractions). */
  readonly client: GoproxyClient;
  /**
   * With these, each query runs against one proxy entry at a time (go's
   * queryProxy) through a client for that entry alone.
   */
  readonly perProxy?: { readonly http: Http; readonly gonoproxy?: string; readonly signal?: AbortSignalLike };
  /** The main module path (upgrade/patch of it resolve to ''). */
  readonly mainModule?: string;
  /** The main go.mod's exclude lines. */
  readonly exclude?: readonly { readonly path: string; readonly version: string }[];
  /** Paths whose every version the main go.mod replaces (`path => …`): never checked for retractions. */
  readonly replacedPaths?: ReadonlySet<string>;
}

/** The subset of a proxy the query logic needs. */
interface VersionRepo {
  versions(): Promise<string[]>;
  stat(rev: string): Promise<{ info: InfoResult; proxy: string }>;
  latest(): Promise<{ info: InfoResult; proxy: string }>;
}

/**
 * Whether vers names one revision ("v1.0.0", "master", "0123abcd") rather than
 * choosing among available versions ("latest", ">v1.0.0", "v1.2").
 */
export function isRevisionQuery(vers: string): boolean {
  if (vers === 'latest' || vers === 'upgrade' || vers === 'patch' || vers.startsWith('<') || vers.startsWith('>')) return false;
  return !(isValid(vers) && isVersionPrefix(vers));
}

/** gover.ModIsPrefix for ordinary modules: no '-' or '+', fewer than two dots. */
function isVersionPrefix(vers: string): boolean {
  if (/[-+]/.test(vers)) return false;
  return (vers.match(/\./g) ?? []).length < 2;
}

/** go's ShortMessage: the first line, trimmed; a default when empty; refused when long or unprintable. */
export function shortMessage(message: string, emptyDefault: string): string {
  let m = message;
  const nl = m.indexOf('\n');
  if (nl >= 0) m = m.slice(0, nl);
  m = m.trim();
  if (m === '') return emptyDefault;
  if (utf8Encode(m).length > 500) return '(message omitted: too long)';
  if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}\t\n\v\f\r\u0085\u2028\u2029]*$/u.test(m)) {
    return '(message omitted: contains non-printable characters)';
  }
  return m;
}

interface Matcher {
  prefix: string;
  filter: ((v: string) => boolean) | undefined;
  canStat: boolean;
  preferLower: boolean;
  mayUseLatest: boolean;
  preferIncompatible: boolean;
}

/** go's newQueryMatcher; undefined for a revision query (errRevQuery). */
function newMatcher(path: string, query: string, current: string): Matcher | undefined {
  const matchesMajor = (v: string): boolean => {
    const s = splitPathVersion(path);
    return s.ok && matchPathMajor(v, s.pathMajor);
  };
  const qm: Matcher = {
    prefix: '',
    filter: undefined,
    canStat: false,
    preferLower: false,
    mayUseLatest: false,
    preferIncompatible: current.endsWith('+incompatible'),
  };
  const badVersion = (v: string): QuerySyntaxError => new QuerySyntaxError(`invalid semantic version ${JSON.stringify(v)} in range ${JSON.stringify(query)}`);
  const ambiguous = (v: string): QuerySyntaxError => new QuerySyntaxError(`ambiguous semantic version ${JSON.stringify(v)} in range ${JSON.stringify(query)}`);
  const range = (op: '<=' | '<' | '>=' | '>'): void => {
    const v = query.slice(op.length);
    if (!isValid(v)) throw badVersion(v);
    if ((op === '<=' || op === '>') && isVersionPrefix(v)) throw ambiguous(v);
    qm.filter =
      op === '<=' ? (mv) => compare(mv, v) <= 0 : op === '<' ? (mv) => compare(mv, v) < 0 : op === '>=' ? (mv) => compare(mv, v) >= 0 : (mv) => compare(mv, v) > 0;
    qm.preferLower = op === '>=' || op === '>';
    if (!matchesMajor(v)) qm.preferIncompatible = true;
  };

  if (query === 'latest') {
    qm.mayUseLatest = true;
  } else if (query === 'upgrade') {
    if (current === '' || current === 'none') qm.mayUseLatest = true;
    else {
      qm.mayUseLatest = isPseudoVersion(current);
      qm.filter = (mv) => compare(mv, current) >= 0;
    }
  } else if (query === 'patch') {
    if (current === '' || current === 'none') throw new NoPatchBaseError(path);
    qm.mayUseLatest = isPseudoVersion(current);
    qm.prefix = majorMinor(current) + '.';
    qm.filter = (mv) => compare(mv, current) >= 0;
  } else if (query.startsWith('<=')) range('<=');
  else if (query.startsWith('<')) range('<');
  else if (query.startsWith('>=')) range('>=');
  else if (query.startsWith('>')) range('>');
  else if (isValid(query)) {
    if (isVersionPrefix(query)) {
      qm.prefix = query + '.';
      // "v1.2" must not match versions below v1.2.0, such as its pre-releases (golang.org/issue/31972).
      qm.filter = (mv) => compare(mv, query) >= 0;
    } else {
      qm.canStat = true;
      qm.filter = (mv) => compare(mv, query) === 0;
      qm.prefix = canonical(query);
    }
    if (!matchesMajor(query)) qm.preferIncompatible = true;
  } else {
    return undefined;
  }
  return qm;
}

function goTimeOfDate(d: Date): GoTime {
  const ms = d.getTime();
  return { unixSec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6, offsetSec: 0 };
}

function isZeroTime(t: GoTime): boolean {
  return t.unixSec === ZERO_TIME.unixSec && t.nsec === 0;
}

/** A repo that has no versions and answers every lookup with err (go's emptyRepo, for invalid paths). */
function emptyRepo(err: Error): VersionRepo {
  return {
    versions: () => Promise.resolve([]),
    stat: () => Promise.reject(err),
    latest: () => Promise.reject(err),
  };
}

function clientRepo(client: GoproxyClient, path: string): VersionRepo {
  return {
    async versions() {
      return (await client.versions(path)).value.versions;
    },
    async stat(rev) {
      const r = await client.stat(path, rev);
      return { info: r.value, proxy: r.proxy };
    },
    async latest() {
      const r = await client.latest(path);
      return { info: r.value, proxy: r.proxy };
    },
  };
}

/**
 * Runs queries, caching per module path what go caches per invocation: the
 * latest version ignoring retractions, its retract lines, and whether a
 * version has a real go.mod.
 */
export class Querier {
  readonly #opts: QuerierOptions;
  readonly #excluded: Set<string>;
  readonly #retractions = new Map<string, Promise<readonly GoModRetract[]>>();
  readonly #hasGoMod = new Map<string, Promise<boolean>>();

  constructor(opts: QuerierOptions) {
    this.#opts = opts;
    this.#excluded = new Set((opts.exclude ?? []).map((e) => `${e.path}@${e.version}`));
  }

  /**
   * Resolves path@query. Throws go's errors: a ModuleError wrapping
   * NoMatchingVersionError (`module P: no matching versions for query "Q"`),
   * the proxy's error for a failed .info, DisallowedVersionError, …
   */
  async query(path: string, query: string, opts: QueryOptions = {}): Promise<QueryResult> {
    const current = opts.current ?? '';
    if (this.#opts.mainModule === path && (query === 'upgrade' || query === 'patch')) {
      return { path, query, version: '' };
    }
    const checkAllowed = opts.checkAllowed ?? !isRevisionQuery(query);
    const allowed = checkAllowed ? (v: string) => this.#allowed(path, v) : async () => undefined;
    try {
      if (current !== '' && current !== 'none' && !isValid(current)) {
        throw new Error(`invalid previous version ${path}@${current}`);
      }
      if (path === 'std' || path === 'cmd') {
        throw new Error(`can't query specific version (${JSON.stringify(query)}) of standard-library module ${JSON.stringify(path)}`);
      }
      return await this.#withProxies(path, (repo) => this.#queryRepo(repo, path, query, current, allowed));
    } catch (err) {
      // As `go list -m` and `go mod download` attribute query errors (modinfoError).
      if (err instanceof NoMatchingVersionError) throw new ModuleError(path, '', err);
      if (err instanceof ModuleError || !(err instanceof Error)) throw err;
      throw new ModuleError(path, query, err);
    }
  }

  /**
   * Why path@version is disallowed (excluded or retracted), or undefined. The
   * retractions come from the go.mod of the latest version ignoring
   * retractions; failures to load them count as "allowed", as in go.
   */
  async disallowed(path: string, version: string): Promise<DisallowedVersionError | undefined> {
    return this.#allowed(path, version);
  }

  /** The retract lines of path's latest version (ignoring retractions), cached. Throws when they cannot be loaded. */
  retractions(path: string): Promise<readonly GoModRetract[]> {
    let p = this.#retractions.get(path);
    if (p === undefined) {
      p = (async () => {
        const latest = await this.query(path, 'latest', { checkAllowed: false });
        const data = (await this.#opts.client.goMod(path, latest.version)).value;
        return parseGoModLax('go.mod', data).retract;
      })();
      this.#retractions.set(path, p);
    }
    return p;
  }

  async #allowed(path: string, version: string): Promise<DisallowedVersionError | undefined> {
    if (this.#excluded.has(`${path}@${version}`)) return new DisallowedVersionError(path, version, 'excluded');
    if (version === '' || this.#opts.replacedPaths?.has(path)) return undefined;
    let retract: readonly GoModRetract[];
    try {
      retract = await this.retractions(path);
    } catch {
      return undefined;
    }
    const rationale: string[] = [];
    let retracted = false;
    for (const r of retract) {
      if (compare(r.low, version) <= 0 && compare(version, r.high) <= 0) {
        retracted = true;
        if (r.rationale !== '') rationale.push(r.rationale);
      }
    }
    return retracted ? new DisallowedVersionError(path, version, 'retracted', rationale) : undefined;
  }

  /** Whether path@version has a go.mod of its own (not the synthesized legacy one). */
  #versionHasGoMod(path: string, version: string): Promise<boolean> {
    const k = `${path}@${version}`;
    let p = this.#hasGoMod.get(k);
    if (p === undefined) {
      p = this.#opts.client.goMod(path, version).then((r) => utf8Decode(r.value, false) !== legacyGoMod(path));
      this.#hasGoMod.set(k, p);
    }
    return p;
  }

  /** TryProxies around one repo per entry, or the whole list as one repo. */
  async #withProxies<T>(path: string, f: (repo: VersionRepo) => Promise<T>): Promise<T> {
    let pathErr: Error | undefined;
    try {
      checkPath(path);
    } catch (err) {
      pathErr = err as Error;
    }
    const per = this.#opts.perProxy;
    if (pathErr !== undefined) return f(emptyRepo(pathErr));
    if (per === undefined) return f(clientRepo(this.#opts.client, path));
    const isPrivate = matchPrefixPatterns(per.gonoproxy ?? '', path);
    const proxies = this.#opts.client.proxies();
    return tryProxies(
        proxies,
        async (p: ProxySpec) => {
          if (p.url === 'noproxy') throw isPrivate ? new DirectUnsupportedError() : new UseProxyError();
          if (p.url === 'direct') throw new DirectUnsupportedError();
          if (isPrivate) throw noproxyError();
          if (p.url === 'off') throw proxyOffError();
          const one = new GoproxyClient({ http: per.http, goproxy: p.url, ...(per.signal !== undefined ? { signal: per.signal } : {}) });
          return f(clientRepo(one, path));
        },
        per.signal,
      );
  }

  /** go's queryProxy against one repo. */
  async #queryRepo(
    repo: VersionRepo,
    path: string,
    query: string,
    current: string,
    allowed: (v: string) => Promise<DisallowedVersionError | undefined>,
  ): Promise<QueryResult> {
    const qm = newMatcher(path, query, current);
    if (qm === undefined || qm.canStat) {
      let res: { info: InfoResult; proxy: string };
      try {
        res = await repo.stat(query);
      } catch (err) {
        // A semantic version with +metadata: try the tag without it.
        const cq = canonicalVersion(query);
        if (cq === '' || cq === query) throw err;
        try {
          res = await repo.stat(cq);
        } catch (err2) {
          if (!isNotExist(err2)) throw err2;
          throw err;
        }
      }
      const dis = await allowed(res.info.info.version);
      if (dis !== undefined) throw dis;
      return { path, query, version: res.info.info.version, info: res.info, proxy: res.proxy };
    }

    const all = await repo.versions();
    const listed = all.filter((v) => v.startsWith(qm.prefix));
    const allowsVersion = async (v: string): Promise<boolean> => {
      if (qm.prefix !== '' && !v.startsWith(qm.prefix)) return false;
      if (qm.filter !== undefined && !qm.filter(v)) return false;
      return (await allowed(v)) === undefined;
    };

    // filterVersions: releases and pre-releases, +incompatible ones dropped
    // once a compatible allowed version has a go.mod of its own.
    const releases: string[] = [];
    const prereleases: string[] = [];
    let needIncompatible = qm.preferIncompatible;
    let lastCompatible = '';
    for (const v of listed) {
      if (!(await allowsVersion(v))) continue;
      if (!needIncompatible) {
        if (!v.endsWith('+incompatible')) lastCompatible = v;
        else if (lastCompatible !== '') {
          if (await this.#versionHasGoMod(path, lastCompatible)) break;
          needIncompatible = true;
        }
      }
      (prerelease(v) !== '' ? prereleases : releases).push(v);
    }

    const lookup = async (v: string): Promise<QueryResult> => {
      const res = await repo.stat(v);
      if ((query === 'upgrade' || query === 'patch') && isPseudoVersion(current) && !isZeroTime(res.info.info.time)) {
        // Never "upgrade" from a pseudo-version to a chronologically older version.
        let currentTime: GoTime | undefined;
        try {
          currentTime = goTimeOfDate(pseudoVersionTime(current));
        } catch {
          currentTime = undefined;
        }
        if (currentTime !== undefined && timeBefore(res.info.info.time, currentTime)) {
          const dis = await allowed(current);
          if (dis !== undefined) throw dis;
          const cur = await repo.stat(current);
          return { path, query, version: cur.info.info.version, info: cur.info, proxy: cur.proxy };
        }
      }
      return { path, query, version: res.info.info.version, info: res.info, proxy: res.proxy };
    };

    const pick = (list: string[]): string | undefined => (qm.preferLower ? list[0] : list[list.length - 1]);
    const chosen = pick(releases) ?? pick(prereleases);
    if (chosen !== undefined) return lookup(chosen);

    if (qm.mayUseLatest && all.length === 0) {
      let latest: { info: InfoResult; proxy: string } | undefined;
      try {
        latest = await repo.latest();
      } catch (err) {
        if (!isNotExist(err)) throw err;
      }
      if (latest !== undefined && (await allowsVersion(latest.info.info.version))) return lookup(latest.info.info.version);
    }

    if ((query === 'upgrade' || query === 'patch') && current !== '' && current !== 'none') {
      const dis = await allowed(current);
      if (dis !== undefined) throw dis;
      return lookup(current);
    }
    throw new NoMatchingVersionError(query, current);
  }
}
