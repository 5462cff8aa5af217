/**
 * Which request paths the relays forward, and in which spelling.
 *
 * The browser controls only the path after a relay prefix; the upstream host
 * comes from configuration. To keep that path from ever reaching anything but
 * a GOPROXY or checksum-database resource, it must decode (percent escapes
 * included) to one of the protocol's shapes, with a valid escaped module path
 * and version (golang.org/x/mod/module rules, which already exclude `.`/`..`
 * elements, empty elements and backslashes). Anything that could be read as
 * another path by some layer is refused outright rather than normalised:
 * encoded `/`, `\` or `%`, control characters (CR/LF), query strings,
 * fragments, dot segments, `//`, and absolute URLs.
 *
 * The forwarded path is re-encoded from the decoded one the way the go command
 * writes it (url.PathEscape per element: `!` as %21, `+` and `@` literal), so
 * every client spelling of one resource reaches the upstream identically.
 */
import { pathEscape } from '../../core/goproxy/netUrl.ts';
import { unescapePath, unescapeVersion } from '../../core/module/escape.ts';

export type RelayPathResult = { ok: true; path: string } | { ok: false; reason: string };

const VERSION_FILE = /^(.+)\.(info|mod|zip)$/;
const TILE = /^tile\/[1-9][0-9]?\/(?:[0-9]+|data)\/(?:x[0-9]{3}\/)*[0-9]{3}(?:\.p\/[1-9][0-9]*)?$/;
/** A checksum-database name: host[:port][/path], as GOSUMDB names are. */
const SUMDB_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?(?:\/[A-Za-z0-9._~-]+)*$/;

/** Whether s has a UTF-16 unit outside lo..hi (so control characters, with lo above 0x1f). */
function hasCharOutside(s: string, lo: number, hi: number): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < lo || c > hi) return true;
  }
  return false;
}

/**
 * Decodes the raw (still percent-encoded) path, refusing escapes and characters
 * that no GOPROXY path contains and that some layer might reinterpret.
 */
export function decodeRelayPath(raw: string): RelayPathResult {
  if (raw === '') return { ok: false, reason: 'empty path' };
  if (/[?#]/.test(raw)) return { ok: false, reason: 'query strings and fragments are not part of the GOPROXY protocol' };
  if (raw.includes('\\') || hasCharOutside(raw, 0x21, 0x7e)) return { ok: false, reason: 'control, space, backslash or non-ASCII character in path' };
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(raw)) return { ok: false, reason: 'absolute URL in path' };
  const bad = /%(?![0-9A-Fa-f]{2})|%(?:2[Ff]|5[Cc]|25|[01][0-9A-Fa-f]|7[Ff]|3[Ff]|23)/.exec(raw);
  if (bad !== null) return { ok: false, reason: `escape ${JSON.stringify(raw.slice(bad.index, bad.index + 3))} is not allowed in path` };
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return { ok: false, reason: 'invalid UTF-8 in percent escapes' };
  }
  if (hasCharOutside(path, 0x20, 0x7e)) return { ok: false, reason: 'control or non-ASCII character in path' };
  if (path.startsWith('/') || path.includes('//')) return { ok: false, reason: 'empty path element' };
  if (path.split('/').some((e) => e === '.' || e === '..')) return { ok: false, reason: 'dot segment in path' };
  return { ok: true, path };
}

/** url.PathEscape of each element, joined by '/' (Go's RawPath for a proxy request). */
function encodePath(path: string): string {
  return path.split('/').map(pathEscape).join('/');
}

function checkModuleFile(path: string): string | undefined {
  const latest = path.endsWith('/@latest') ? path.slice(0, -'/@latest'.length) : undefined;
  if (latest !== undefined) return moduleError(latest);
  const at = path.indexOf('/@v/');
  if (at < 0) return 'not a GOPROXY path (<module>/@v/... or <module>/@latest)';
  const mod = path.slice(0, at);
  const file = path.slice(at + '/@v/'.length);
  const modErr = moduleError(mod);
  if (modErr !== undefined) return modErr;
  if (file === 'list') return undefined;
  const m = VERSION_FILE.exec(file);
  if (m === null) return `not a GOPROXY file: @v/${file}`;
  return versionError(m[1]!);
}

function moduleError(escaped: string): string | undefined {
  try {
    unescapePath(escaped);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function versionError(escaped: string): string | undefined {
  try {
    unescapeVersion(escaped);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Checks rest, the part of a checksum-database path after `<base>/`:
 * `supported`, `latest`, `lookup/<escaped module>@<escaped version>` or a tile.
 */
export function sumdbResourceError(rest: string): string | undefined {
  if (rest === 'supported' || rest === 'latest') return undefined;
  if (rest.startsWith('lookup/')) {
    const mv = rest.slice('lookup/'.length);
    const at = mv.lastIndexOf('@');
    if (at <= 0) return 'malformed lookup path';
    return moduleError(mv.slice(0, at)) ?? versionError(mv.slice(at + 1));
  }
  if (TILE.test(rest)) return undefined;
  return `not a checksum-database path: ${rest}`;
}

/**
 * Checks the raw path after `/goproxy/<n>/`: a module resource, or a checksum
 * database proxied by that GOPROXY (`sumdb/<name>/...`). Returns the path to
 * append to the upstream base.
 */
export function checkGoproxyPath(raw: string): RelayPathResult {
  const d = decodeRelayPath(raw);
  if (!d.ok) return d;
  const path = d.path;
  if (path.startsWith('sumdb/')) {
    const m = /^sumdb\/(.+?)\/(supported|latest|lookup\/.+|tile\/.+)$/.exec(path);
    if (m === null || !SUMDB_NAME.test(m[1]!)) return { ok: false, reason: 'malformed checksum-database path' };
    const err = sumdbResourceError(m[2]!);
    return err === undefined ? { ok: true, path: encodePath(path) } : { ok: false, reason: err };
  }
  const err = checkModuleFile(path);
  return err === undefined ? { ok: true, path: encodePath(path) } : { ok: false, reason: err };
}

/** Checks the raw path after `/sumdb/<name>/`; returns the path to append to the database URL. */
export function checkSumdbPath(raw: string): RelayPathResult {
  const d = decodeRelayPath(raw);
  if (!d.ok) return d;
  const err = sumdbResourceError(d.path);
  return err === undefined ? { ok: true, path: encodePath(d.path) } : { ok: false, reason: err };
}
