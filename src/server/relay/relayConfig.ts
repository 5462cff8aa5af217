/**
 * The relays' configuration, derived once at startup from the upstream GOPROXY
 * and GOSUMDB values, and its public form, `/goproxy/config.json`.
 *
 * The relay does not walk the GOPROXY list itself: the browser-side client
 * does, with go's semantics (',' vs '|', 404/410 fall-through, per request).
 * So every http(s) entry of the upstream list gets its own prefix,
 * `/goproxy/<n>` (n counts URL entries from 0), and the app uses
 * `goproxyForBrowser`, the same list with each URL replaced by its prefix,
 * separators kept, and `direct`/`off` kept as they are. The prefixes are
 * relative: the app resolves them against its own origin.
 *
 * file:// entries are not relayed (the server would otherwise serve local
 * files to any page); they are dropped from goproxyForBrowser together with
 * their separator and listed in `skipped`.
 *
 * The checksum database is relayed under `/sumdb/<name>`, to the URL GOSUMDB
 * names, else `https://<name>`. Through a GOPROXY entry it is also reachable as
 * `/goproxy/<n>/sumdb/<name>/...`, as the go command would ask for it.
 */
import { formatGoURL, parseGoURL } from '../../core/goproxy/netUrl.ts';
import { parseProxyList } from '../../core/goproxy/proxyList.ts';
import { parseGOSUMDB } from '../../core/sumdb/gosumdb.ts';

/** One relayed GOPROXY entry. */
export interface RelayEntry {
  /** `/goproxy/<n>`. */
  prefix: string;
  /** The upstream base URL, parsed (with any userinfo, used for Basic auth upstream). */
  upstream: URL;
  /** The upstream URL with any password shown as xxxxx, for config.json and messages. */
  redacted: string;
  fallBackOnError: boolean;
}

export interface RelaySumdb {
  name: string;
  /** `/sumdb/<name>`. */
  prefix: string;
  key: string;
  upstream: URL;
  redacted: string;
}

export interface RelayConfig {
  /** The upstream GOPROXY as given (redacted), or null when none is configured. */
  goproxy: string | null;
  entries: RelayEntry[];
  /** The GOPROXY value the app should use, or null when there is nothing to relay. */
  goproxyForBrowser: string | null;
  /** Upstream entries that are not relayed, with the reason. */
  skipped: { upstream: string; reason: string }[];
  /** The database relayed under /sumdb/, null when GOSUMDB is off or not configured. */
  sumdb: RelaySumdb | null;
  /** The GOSUMDB value as given, or null when none is configured. */
  gosumdb: string | null;
  /** Why GOPROXY or GOSUMDB could not be used (go's error texts); the UI shows them and asks. */
  problems: string[];
}

/** The public form of RelayConfig, served as /goproxy/config.json. */
export interface RelayConfigJson {
  version: 1;
  goproxy: string | null;
  entries: { prefix: string; upstream: string; fallBackOnError: boolean }[];
  goproxyForBrowser: string | null;
  skipped: { upstream: string; reason: string }[];
  gosumdb: string | null;
  sumdb: { name: string; prefix: string; key: string; upstream: string } | null;
  problems: string[];
}

function redact(url: string): string {
  try {
    return formatGoURL(parseGoURL(url), true);
  } catch {
    return url;
  }
}

/** Redacts every URL entry of a GOPROXY list, keeping separators. */
function redactList(goproxy: string): string {
  return goproxy.replace(/[^,|]+/g, (e) => (e.includes('@') ? redact(e.trim()) : e));
}

async function resolveSumdb(gosumdb: string, problems: string[]): Promise<RelaySumdb | null> {
  try {
    const s = await parseGOSUMDB(gosumdb);
    if (s.off) return null;
    const raw = s.url ?? s.directURL;
    const upstream = new URL(raw);
    if (upstream.protocol !== 'https:' && upstream.protocol !== 'http:') {
      problems.push(`GOSUMDB URL ${redact(raw)} is not http(s); the checksum database is not relayed`);
      return null;
    }
    return { name: s.name, prefix: `/sumdb/${s.name}`, key: s.key, upstream, redacted: redact(raw) };
  } catch (e) {
    problems.push(e instanceof Error ? e.message : String(e));
    return null;
  }
}

/**
 * Builds the relay configuration. goproxy/gosumdb undefined or '' mean "not
 * configured" (no defaults are applied here; see resolveRelaySettings). An
 * invalid value is reported in problems, not thrown, so the app still starts
 * and asks.
 */
export async function resolveRelayConfig(goproxy: string | undefined, gosumdb: string | undefined): Promise<RelayConfig> {
  const problems: string[] = [];
  const entries: RelayEntry[] = [];
  const skipped: { upstream: string; reason: string }[] = [];
  let goproxyForBrowser: string | null = null;
  if (goproxy !== undefined && goproxy !== '') {
    try {
      const parts: string[] = [];
      for (const spec of parseProxyList(goproxy)) {
        const sep = spec.fallBackOnError ? '|' : ',';
        if (spec.url === 'direct' || spec.url === 'off') {
          parts.push(spec.url, sep);
          continue;
        }
        const upstream = new URL(spec.url);
        if (upstream.protocol !== 'https:' && upstream.protocol !== 'http:') {
          skipped.push({ upstream: redact(spec.url), reason: `${upstream.protocol}// proxies are not relayed` });
          continue;
        }
        const prefix = `/goproxy/${entries.length}`;
        entries.push({ prefix, upstream, redacted: redact(spec.url), fallBackOnError: spec.fallBackOnError });
        parts.push(prefix, sep);
      }
      parts.pop();
      goproxyForBrowser = parts.length > 0 ? parts.join('') : null;
    } catch (e) {
      problems.push(e instanceof Error ? e.message : String(e));
    }
  }
  const sumdb = gosumdb !== undefined && gosumdb !== '' ? await resolveSumdb(gosumdb, problems) : null;
  return {
    goproxy: goproxy !== undefined && goproxy !== '' ? redactList(goproxy) : null,
    entries,
    goproxyForBrowser,
    skipped,
    sumdb,
    gosumdb: gosumdb !== undefined && gosumdb !== '' ? gosumdb.split(' ').map((f) => (f.includes('://') ? redact(f) : f)).join(' ') : null,
    problems,
  };
}

export function relayConfigJson(c: RelayConfig): RelayConfigJson {
  return {
    version: 1,
    goproxy: c.goproxy,
    entries: c.entries.map((e) => ({ prefix: e.prefix, upstream: e.redacted, fallBackOnError: e.fallBackOnError })),
    goproxyForBrowser: c.goproxyForBrowser,
    skipped: c.skipped,
    gosumdb: c.gosumdb,
    sumdb: c.sumdb === null ? null : { name: c.sumdb.name, prefix: c.sumdb.prefix, key: c.sumdb.key, upstream: c.sumdb.redacted },
    problems: c.problems,
  };
}
