/**
 * A GOPROXY client with the go command's semantics for exact versions and the
 * `latest` query: every operation (.info, .mod, .zip, list, latest, sumdb
 * `supported`) walks the proxy list from the start (tryProxies); GONOPROXY
 * paths never go to a proxy URL; 'off' refuses; 'direct' cannot work here
 * (no VCS in a browser) and says what to configure instead. Errors carry go's
 * texts, attributed to the module like go's ModuleError.
 */
import { ModuleError, versionError, InvalidVersionError } from '../module/errors.ts';
import { matchPrefixPatterns } from '../module/match.ts';
import { canonicalVersion, check } from '../module/path.ts';
import { isPseudoVersion, pseudoVersionTime } from '../module/pseudo.ts';
import { isValid, sort as semverSort, prerelease } from '../semver/semver.ts';
import { utf8Decode } from '../internal/webstd.ts';
import type { GoTime } from './goTime.ts';
import { parseGoTime, timeBefore, ZERO_TIME } from './goTime.ts';
import type { Http, HttpResponseLike } from './http.ts';
import { BodyTooLargeError, discardBody, readBody, readBodyPrefix, TransportError } from './http.ts';
import { HTTPError, httpError, MAX_ERROR_BODY_BYTES, statusLine } from './httpError.ts';
import type { RevInfo } from './info.ts';
import { parseInfo } from './info.ts';
import { isNotExist, NotExistError } from './notExist.ts';
import type { ProxySpec } from './proxyList.ts';
import { checkProxyURL, parseProxyList } from './proxyList.ts';
import type { AbortSignalLike } from './tryProxies.ts';
import { noproxyError, proxyOffError, tryProxies, UseProxyError } from './tryProxies.ts';
import { latestURL, listURL, redactURL, sumdbProxyBase, sumdbSupportedURL, versionFileURL } from './urls.ts';

/** codehost.MaxZipFile: the largest module zip go accepts (500 MiB). */
export const MAX_ZIP_FILE = 500 << 20;

/** 'direct' in GOPROXY (or a GONOPROXY path): go would fetch from version control, which modcarry cannot. */
export class DirectUnsupportedError extends Error {
  constructor() {
    super(
      'direct fetching (GOPROXY entry "direct", or a GONOPROXY/GOPRIVATE path) is not available in modcarry: ' +
        'it needs git and access to the module\'s origin server, which a browser cannot have. ' +
        'Serve the module through a module proxy (an http(s):// or file:// GOPROXY entry listed before "direct"), ' +
        'and keep its path out of GONOPROXY/GOPRIVATE (use GONOSUMDB to skip the checksum database only).',
    );
    this.name = 'DirectUnsupportedError';
  }
}

/** Settings of a client: the GOPROXY and GONOPROXY values as resolved by resolveGoEnv. */
export interface GoproxyClientOptions {
  readonly http: Http;
  readonly goproxy: string;
  readonly gonoproxy?: string;
  readonly signal?: AbortSignalLike;
}

/** A successful fetch and where it came from. */
export interface Fetched<T> {
  readonly value: T;
  /** The proxy entry that answered. */
  readonly proxy: string;
  /** The request URL (redacted). */
  readonly url: string;
}

/** An .info (or @latest) answer: the decoded RevInfo and the proxy's raw bytes. */
export interface InfoResult {
  readonly info: RevInfo;
  readonly data: Uint8Array;
}

/** The versions a proxy lists, and its raw lines (kept for the pseudo-version fallback of latest). */
export interface VersionList {
  /** Valid, non-pseudo versions, semver-sorted. */
  readonly versions: string[];
  readonly lines: string[];
}

/** A zip destination: reset before every attempt (go truncates its temp file), then the bytes in order. */
export interface ZipSink {
  reset(): void | Promise<void>;
  write(chunk: Uint8Array): void | Promise<void>;
}

/** strings.Fields. */
function fields(line: string): string[] {
  return line.split(/[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u).filter((f) => f !== '');
}

/** The GOPROXY client. The list is parsed lazily: a bad GOPROXY fails each operation, as in go. */
export class GoproxyClient {
  readonly #http: Http;
  readonly #goproxy: string;
  readonly #gonoproxy: string;
  readonly #signal: AbortSignalLike | undefined;
  #list: ProxySpec[] | undefined;

  constructor(opts: GoproxyClientOptions) {
    this.#http = opts.http;
    this.#goproxy = opts.goproxy;
    this.#gonoproxy = opts.gonoproxy ?? '';
    this.#signal = opts.signal;
  }

  /** The parsed proxy list; throws ProxyConfigError (or a URL parse error) for a GOPROXY go would refuse. */
  proxies(): readonly ProxySpec[] {
    this.#list ??= parseProxyList(this.#goproxy, this.#gonoproxy);
    return this.#list;
  }

  /** The list of versions (`@v/list`), as proxyRepo.Versions with an empty prefix. */
  async versions(path: string): Promise<Fetched<VersionList>> {
    return this.#walk(path, '', (base) => this.#versionsFrom(base, path));
  }

  /** The `.info` of rev (a canonical version is checked against the answer). */
  async stat(path: string, rev: string): Promise<Fetched<InfoResult>> {
    return this.#walk(path, rev, (base) => this.#statFrom(base, path, rev));
  }

  /** The `.mod` bytes of a canonical version. */
  async goMod(path: string, version: string): Promise<Fetched<Uint8Array>> {
    this.#requireCanonical(path, version, 'GoMod');
    return this.#walk(path, version, async (base) => {
      const url = versionFileURL(base, path, version, 'mod');
      try {
        return { value: (await this.#getBytes(url)).data, proxy: base, url: redactURL(url) };
      } catch (err) {
        throw this.#versionError(path, version, err);
      }
    });
  }

  /**
   * The `.zip` of a canonical version, streamed to sink (or collected when no
   * sink is given). Bodies over 500 MiB fail with "downloaded zip file too large".
   */
  async zip(path: string, version: string, sink?: ZipSink): Promise<Fetched<{ size: number; data?: Uint8Array }>> {
    this.#requireCanonical(path, version, 'Zip');
    return this.#walk(path, version, async (base) => {
      const url = versionFileURL(base, path, version, 'zip');
      const redacted = redactURL(url);
      try {
        await sink?.reset();
        const res = await this.#get(url);
        await this.#check(res, redacted);
        let body: { data: Uint8Array; size: number };
        try {
          body = await readBody(res.body, { limit: MAX_ZIP_FILE, ...(sink !== undefined ? { onChunk: (c: Uint8Array) => sink.write(c) } : {}) });
        } catch (err) {
          if (err instanceof BodyTooLargeError) throw new Error('downloaded zip file too large', { cause: err });
          throw new TransportError('read', redacted, err);
        }
        return { value: sink !== undefined ? { size: body.size } : { size: body.size, data: body.data }, proxy: base, url: redacted };
      } catch (err) {
        throw this.#versionError(path, version, err);
      }
    });
  }

  /**
   * The `latest` query without retraction or exclusion filtering: the highest
   * release in the list, else the highest pre-release, else `@latest`, else (on
   * not-exist) the newest pseudo-version the list names by time. The chosen
   * version's .info comes from the same proxy.
   */
  async latest(path: string): Promise<Fetched<InfoResult>> {
    return this.#walk(path, '', async (base) => {
      const list = await this.#versionsFrom(base, path);
      const vs = list.value.versions;
      const releases = vs.filter((v) => prerelease(v) === '');
      const chosen = releases.length > 0 ? releases[releases.length - 1] : vs[vs.length - 1];
      if (chosen !== undefined) return this.#statFrom(base, path, chosen);
      const url = latestURL(base, path);
      let data: Uint8Array;
      try {
        data = (await this.#getBytes(url)).data;
      } catch (err) {
        if (!isNotExist(err)) throw this.#versionError(path, '', err);
        return this.#latestFromList(base, path, list.value.lines);
      }
      try {
        return { value: { info: parseInfo(data), data }, proxy: base, url: redactURL(url) };
      } catch (err) {
        throw this.#versionError(path, '', invalidResponse(base, err));
      }
    });
  }

  /**
   * Where to reach checksum database `name` (sumdb initBase): the first proxy
   * that answers 200 for `/sumdb/<name>/supported` serves it exclusively; if
   * the walk ends in not-exist (or at 'direct'/'off'), the direct URL.
   */
  async sumdbBase(name: string, directURL = 'https://' + name): Promise<{ base: string; proxy: string | undefined }> {
    const proxies = this.proxies();
    try {
      return await tryProxies(
        proxies,
        async (p) => {
          if (p.url === 'noproxy') throw new UseProxyError();
          if (p.url === 'direct' || p.url === 'off') throw proxyOffError();
          const url = sumdbSupportedURL(p.url, name);
          await this.#getBytes(url);
          return { base: sumdbProxyBase(p.url, name), proxy: p.url };
        },
        this.#signal,
      );
    } catch (err) {
      if (isNotExist(err)) return { base: directURL, proxy: undefined };
      throw err;
    }
  }

  #requireCanonical(path: string, version: string, op: string): void {
    if (version !== canonicalVersion(version)) {
      throw this.#versionError(path, version, new Error(`internal error: version passed to ${op} is not canonical`));
    }
  }

  /** proxyRepo.versionError: non-canonical versions are reported as invalid versions. */
  #versionError(path: string, version: string, err: unknown): Error {
    const e = err instanceof Error ? err : new Error(String(err));
    if (e instanceof ModuleError) return e;
    if (version !== '' && version !== canonicalVersion(version)) {
      return new ModuleError(path, '', new InvalidVersionError(version, e, isPseudoVersion(version)));
    }
    return new ModuleError(path, version, e);
  }

  /** Walks the list for path, resolving the pseudo-entries as cmd/go's lookup does. */
  async #walk<T>(path: string, version: string, f: (base: string) => Promise<Fetched<T>>): Promise<Fetched<T>> {
    const proxies = this.proxies();
    const private_ = matchPrefixPatterns(this.#gonoproxy, path);
    try {
      return await tryProxies(
        proxies,
        async (p) => {
          if (private_) {
            if (p.url === 'noproxy' || p.url === 'direct') throw new DirectUnsupportedError();
            throw noproxyError();
          }
          switch (p.url) {
            case 'off':
              throw proxyOffError();
            case 'direct':
              throw new DirectUnsupportedError();
            case 'noproxy':
              throw new UseProxyError();
          }
          checkProxyURL(p.url);
          return f(p.url);
        },
        this.#signal,
      );
    } catch (err) {
      if (err instanceof ModuleError || !(err instanceof Error)) throw err;
      throw versionError({ path, version }, err);
    }
  }

  async #versionsFrom(base: string, path: string): Promise<Fetched<VersionList>> {
    const url = listURL(base, path);
    let data: Uint8Array;
    try {
      data = (await this.#getBytes(url)).data;
    } catch (err) {
      throw this.#versionError(path, '', err);
    }
    const lines = utf8Decode(data, false).split('\n');
    const versions: string[] = [];
    for (const line of lines) {
      const f = fields(line)[0];
      if (f !== undefined && isValid(f) && !isPseudoVersion(f)) versions.push(f);
    }
    semverSort(versions);
    return { value: { versions, lines }, proxy: base, url: redactURL(url) };
  }

  async #statFrom(base: string, path: string, rev: string): Promise<Fetched<InfoResult>> {
    let url: string;
    try {
      url = versionFileURL(base, path, rev, 'info');
    } catch (err) {
      throw this.#versionError(path, rev, err);
    }
    let data: Uint8Array;
    try {
      data = (await this.#getBytes(url)).data;
    } catch (err) {
      throw this.#versionError(path, rev, err);
    }
    let info: RevInfo;
    try {
      info = parseInfo(data);
    } catch (err) {
      throw this.#versionError(path, rev, invalidResponse(base, err));
    }
    if (info.version !== rev && rev === canonicalVersion(rev) && checks(path, rev)) {
      throw this.#versionError(path, rev, new Error(`proxy returned info for version ${info.version} instead of requested version`));
    }
    return { value: { info, data }, proxy: base, url: redactURL(url) };
  }

  /** proxyRepo.latestFromList: the newest version by listed time, or by pseudo-version time; tagged versions without a time are skipped. */
  async #latestFromList(base: string, path: string, lines: readonly string[]): Promise<Fetched<InfoResult>> {
    let bestTime: GoTime = ZERO_TIME;
    let bestVersion = '';
    for (const line of lines) {
      const f = fields(line);
      const v = f[0];
      if (v === undefined || !isValid(v)) continue;
      let t: GoTime;
      if (f.length >= 2) {
        try {
          t = parseGoTime(f[1]!);
        } catch {
          t = ZERO_TIME;
        }
      } else if (isPseudoVersion(v)) {
        try {
          const d = pseudoVersionTime(v);
          t = { unixSec: Math.floor(d.getTime() / 1000), nsec: 0, offsetSec: 0 };
        } catch {
          t = ZERO_TIME;
        }
      } else {
        continue;
      }
      if (timeBefore(bestTime, t)) {
        bestTime = t;
        bestVersion = v;
      }
    }
    if (bestVersion === '') throw this.#versionError(path, '', new NotExistError('no commits'));
    return this.#statFrom(base, path, bestVersion);
  }

  async #get(url: string): Promise<HttpResponseLike> {
    try {
      return await this.#http.get(url, this.#signal !== undefined ? { signal: this.#signal } : undefined);
    } catch (err) {
      if (this.#signal?.aborted) throw this.#signal.reason ?? err;
      throw new TransportError('Get', redactURL(url), err);
    }
  }

  /** Throws the HTTPError for a non-200 response, reading the detail go would read. */
  async #check(res: HttpResponseLike, redacted: string): Promise<void> {
    if (res.status === 200) return;
    if (res.fileError !== undefined) {
      await discardBody(res.body);
      throw new HTTPError(redacted, res.status, statusLine(res.status, res.statusText), '', res.fileError);
    }
    const contentType = res.headers.get('content-type');
    const body = await readBodyPrefix(res.body, MAX_ERROR_BODY_BYTES).catch(() => new Uint8Array(0));
    throw httpError(redacted, res.status, res.statusText, contentType, body);
  }

  async #getBytes(url: string): Promise<{ data: Uint8Array }> {
    const redacted = redactURL(url);
    const res = await this.#get(url);
    await this.#check(res, redacted);
    try {
      return { data: (await readBody(res.body)).data };
    } catch (err) {
      if (this.#signal?.aborted) throw this.#signal.reason ?? err;
      throw new TransportError('read', redacted, err);
    }
  }
}

/** Whether module.Check(path, rev) passes. */
function checks(path: string, rev: string): boolean {
  try {
    check(path, rev);
    return true;
  } catch {
    return false;
  }
}

function invalidResponse(base: string, err: unknown): Error {
  return new Error(`invalid response from proxy ${JSON.stringify(redactURL(base))}: ${(err as Error).message}`);
}
