/**
 * Which GOPROXY and checksum-database requests the service worker may answer
 * from Cache Storage, decided from the URL alone (pure, so it is unit-tested
 * in Node).
 *
 * - 'immutable' (cache first): `.info` and `.mod` of a canonical version,
 *   checksum-database lookups, and full tiles. Their bytes never change:
 *   the go command itself caches them forever, and the sumdb signs them.
 * - 'mutable' (network first, the cache only when the network fails):
 *   `@v/list`, `@latest`, `.info` of a non-canonical query (a branch name),
 *   partial tiles (`.p/<width>`), `/latest` and `/supported`.
 * - 'zip': module zips. They never enter the Cache API (they go to IndexedDB
 *   in chunks; Cache.put refuses the 206 answers of Range requests, and a
 *   500 MiB response in the cache would double the storage).
 * - undefined: not metadata; the service worker leaves the request alone.
 *
 * The URLs covered are the same-origin relays (/goproxy/..., /sumdb/...) and
 * any absolute proxy URL the app configured. The tail after the proxy base
 * is the GOPROXY protocol path: <escaped module>/@v/<escaped version>.<ext>,
 * <escaped module>/@v/list, <escaped module>/@latest; checksum-database
 * paths (also reached through a proxy as <proxy>/sumdb/<name>/...) are
 * lookup/<module>@<version>, tile/<H>/<L>/<N...>[.p/<W>], latest, supported.
 */
import { unescapeVersion } from '../src/core/module/escape.ts';
import { canonicalVersion } from '../src/core/module/path.ts';
import { isValid } from '../src/core/semver/semver.ts';

export type MetadataKind = 'immutable' | 'mutable' | 'zip';

/** The relay configuration the app reads at start (src/server/relay/relayConfig.ts). */
export const RELAY_CONFIG_PATH = '/goproxy/config.json';

/** The same-origin relay prefixes of the app's server. */
export const RELAY_PREFIXES: readonly string[] = ['/goproxy/', '/sumdb/'];

/**
 * The kind of url, or undefined when the service worker must not touch it.
 * origin is the app's origin; proxies are configured absolute base URLs.
 */
export function classifyMetadataUrl(url: URL, origin: string, proxies: readonly string[]): MetadataKind | undefined {
  let tail: string | undefined;
  // The relay's own configuration: kept for offline starts, refreshed when online.
  if (url.origin === origin && url.pathname === RELAY_CONFIG_PATH && url.search === '') return 'mutable';
  if (url.origin === origin) {
    const prefix = RELAY_PREFIXES.find((p) => url.pathname.startsWith(p));
    if (prefix !== undefined) tail = url.pathname.slice(prefix.length);
  }
  if (tail === undefined) {
    const href = url.origin + url.pathname;
    for (const base of proxies) {
      const b = base.endsWith('/') ? base : base + '/';
      if (href.startsWith(b)) {
        tail = href.slice(b.length);
        break;
      }
    }
  }
  if (tail === undefined || url.search !== '') return undefined;
  return classifyProtocolPath(tail);
}

/** The kind of a path relative to a GOPROXY or checksum-database base. */
export function classifyProtocolPath(tail: string): MetadataKind | undefined {
  // GOPROXY shapes first: a module path may itself contain "lookup/" or "tile/".
  if (tail.endsWith('/@v/list') || tail.endsWith('/@latest')) return 'mutable';
  const m = /\/@v\/([^/]+)\.(info|mod|zip)$/.exec(tail);
  if (m !== null) {
    const [, escaped = '', ext] = m;
    if (ext === 'zip') return 'zip';
    return isCanonicalEscapedVersion(escaped) ? 'immutable' : 'mutable';
  }
  if (tail.includes('/@v/')) return undefined;
  const sumdb = /(?:^|\/)(lookup\/[^@]+@[^/]+|tile\/\d+\/(?:\d+|data)\/[x\d/]+(?:\.p\/\d+)?|latest|supported)$/.exec(tail);
  const p = sumdb?.[1];
  if (p === undefined) return undefined;
  if (p === 'latest' || p === 'supported') return 'mutable';
  if (p.startsWith('lookup/')) return 'immutable';
  return /\.p\/\d+$/.test(p) ? 'mutable' : 'immutable';
}

/** Whether escaped is the escaped form of a canonical semantic version. */
function isCanonicalEscapedVersion(escaped: string): boolean {
  let v: string;
  try {
    v = unescapeVersion(decodeURIComponentSafe(escaped));
  } catch {
    return false;
  }
  return isValid(v) && canonicalVersion(v) === v;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
