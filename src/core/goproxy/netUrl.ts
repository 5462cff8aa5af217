/**
 * The part of Go's net/url that the go command's proxy code relies on: parsing a
 * proxy base URL (url.Parse), the Path/RawPath pair, EscapedPath, String and
 * Redacted. Core has no WHATWG URL type, and WHATWG URL parsing differs from
 * Go's anyway (it would lowercase hosts, resolve dot segments, re-escape), so
 * request URLs are built here byte for byte as go builds them.
 */
import { goQuote } from '../module/quote.ts';
import { cleanPath } from '../internal/strings.ts';

/** A parsed URL, with Go's url.URL fields. */
export interface GoURL {
  scheme: string;
  /** Set for "scheme:opaque" URLs with no leading slash. */
  opaque: string;
  /** Raw userinfo (before '@'), or undefined when absent. */
  user: { username: string; password?: string } | undefined;
  host: string;
  /** The decoded path. */
  path: string;
  /** The encoded path when it differs from the default encoding, else ''. */
  rawPath: string;
  rawQuery: string;
  forceQuery: boolean;
  fragment: string;
}

/** A url.Parse failure, formatted as Go's *url.Error: `parse "u": reason`. */
export class URLParseError extends Error {
  readonly url: string;
  readonly reason: string;
  constructor(url: string, reason: string) {
    super(`parse ${goQuote(url)}: ${reason}`);
    this.name = 'URLParseError';
    this.url = url;
    this.reason = reason;
  }
}

type EscapeMode = 'path' | 'pathSegment' | 'userPassword' | 'query' | 'host';

function isAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

/** Go's shouldEscape for the modes used here. */
function shouldEscape(c: number, mode: EscapeMode): boolean {
  if (isAlnum(c)) return false;
  const ch = String.fromCharCode(c);
  if (mode === 'host') {
    return !"!$&'()*+,;=:[]<>\"-._~".includes(ch);
  }
  if ('-_.~'.includes(ch)) return false;
  if ('$&+,/:;=?@'.includes(ch)) {
    switch (mode) {
      case 'path':
        return ch === '?';
      case 'pathSegment':
        return ch === '/' || ch === ';' || ch === ',' || ch === '?';
      case 'userPassword':
        return ch === '@' || ch === '/' || ch === '?' || ch === ':';
      case 'query':
        return true;
    }
  }
  return true;
}

const HEX = '0123456789ABCDEF';

function utf8Bytes(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) {
    let cp = ch.codePointAt(0) ?? 0xfffd;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return out;
}

/** Go's url escape(s, mode): percent-encodes the UTF-8 bytes that shouldEscape selects. */
export function goEscape(s: string, mode: EscapeMode): string {
  let out = '';
  for (const b of utf8Bytes(s)) {
    if (shouldEscape(b, mode)) out += '%' + HEX[b >> 4] + HEX[b & 15];
    else out += String.fromCharCode(b);
  }
  return out;
}

/** url.PathEscape. */
export function pathEscape(s: string): string {
  return goEscape(s, 'pathSegment');
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

/** Go's unescape for path/host/userinfo (no '+' rewriting); throws the Go reason on bad escapes. */
function goUnescape(s: string): string {
  if (!s.includes('%')) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; ) {
    const c = s[i]!;
    if (c === '%') {
      if (!isHex(s[i + 1]) || !isHex(s[i + 2])) {
        let bad = s.slice(i);
        if (bad.length > 3) bad = bad.slice(0, 3);
        throw new Error(`invalid URL escape ${goQuote(bad)}`);
      }
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      bytes.push(...utf8Bytes(c));
      i++;
    }
  }
  // Decoding is lossless for valid UTF-8; invalid bytes cannot appear in a JS string,
  // so they become U+FFFD (Go would keep them; such proxy URLs are not realistic).
  return decodeUtf8Lossy(bytes);
}

function decodeUtf8Lossy(bytes: number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    let cp = 0xfffd;
    let n = 1;
    if (b < 0x80) cp = b;
    else {
      const need = b >= 0xf0 && b < 0xf5 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 0;
      if (need > 0 && i + need <= bytes.length) {
        let v = b & (need === 2 ? 0x1f : need === 3 ? 0x0f : 0x07);
        let ok = true;
        for (let k = 1; k < need; k++) {
          const cb = bytes[i + k]!;
          if ((cb & 0xc0) !== 0x80) ok = false;
          v = (v << 6) | (cb & 0x3f);
        }
        const min = need === 2 ? 0x80 : need === 3 ? 0x800 : 0x10000;
        if (ok && v >= min && v <= 0x10ffff && !(v >= 0xd800 && v <= 0xdfff)) {
          cp = v;
          n = need;
        }
      }
    }
    out += String.fromCodePoint(cp);
    i += n;
  }
  return out;
}

function getScheme(raw: string): { scheme: string; rest: string } {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (/[a-zA-Z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return { scheme: '', rest: raw };
      continue;
    }
    if (c === ':') {
      if (i === 0) throw new Error('missing protocol scheme');
      return { scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    }
    return { scheme: '', rest: raw };
  }
  return { scheme: '', rest: raw };
}

function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  if (port[0] !== ':') return false;
  return /^[0-9]*$/.test(port.slice(1));
}

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) throw new Error('missing \']\' in host');
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) throw new Error(`invalid port ${goQuote(colonPort)} after host`);
    return host;
  }
  const i = host.lastIndexOf(':');
  if (i !== -1) {
    const colonPort = host.slice(i);
    if (!validOptionalPort(colonPort)) throw new Error(`invalid port ${goQuote(colonPort)} after host`);
  }
  for (const ch of host) {
    if (ch === ' ' || ch === '<' || ch === '>' || ch === '"' || ch === '{' || ch === '}' || ch === '|' || ch === '\\' || ch === '^' || ch === '`') {
      throw new Error(`invalid character ${goQuote(ch)} in host name`);
    }
  }
  return goUnescape(host);
}

/** url.Parse (the parts proxy URLs exercise). Throws URLParseError with Go's reason. */
export function parseGoURL(raw: string): GoURL {
  const u: GoURL = { scheme: '', opaque: '', user: undefined, host: '', path: '', rawPath: '', rawQuery: '', forceQuery: false, fragment: '' };
  let rest = raw;
  const hash = rest.indexOf('#');
  try {
    if (hash >= 0) {
      u.fragment = goUnescape(rest.slice(hash + 1));
      rest = rest.slice(0, hash);
    }
    if ([...rest].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '\x7f')) throw new Error('net/url: invalid control character in URL');
    if (rest === '') return u;
    const sr = getScheme(rest);
    u.scheme = sr.scheme.toLowerCase();
    rest = sr.rest;
    if (rest.endsWith('?') && (rest.match(/\?/g) ?? []).length === 1) {
      u.forceQuery = true;
      rest = rest.slice(0, -1);
    } else {
      const q = rest.indexOf('?');
      if (q >= 0) {
        u.rawQuery = rest.slice(q + 1);
        rest = rest.slice(0, q);
      }
    }
    if (!rest.startsWith('/')) {
      if (u.scheme !== '') {
        u.opaque = rest;
        return u;
      }
      const colon = rest.indexOf(':');
      const slash = rest.indexOf('/');
      if (colon >= 0 && (slash < 0 || colon < slash)) throw new Error('first path segment in URL cannot contain colon');
    }
    if ((u.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
      let authority = rest.slice(2);
      const slash = authority.indexOf('/');
      if (slash >= 0) {
        rest = authority.slice(slash);
        authority = authority.slice(0, slash);
      } else {
        rest = '';
      }
      const at = authority.lastIndexOf('@');
      if (at < 0) {
        u.host = parseHost(authority);
      } else {
        u.host = parseHost(authority.slice(at + 1));
        const userinfo = authority.slice(0, at);
        if (/[^A-Za-z0-9\-._~!$&'()*+,;=:%@]/.test(userinfo)) throw new Error('net/url: invalid userinfo');
        const c = userinfo.indexOf(':');
        u.user = c < 0 ? { username: goUnescape(userinfo) } : { username: goUnescape(userinfo.slice(0, c)), password: goUnescape(userinfo.slice(c + 1)) };
      }
    }
    setPath(u, rest);
  } catch (e) {
    throw new URLParseError(raw, (e as Error).message);
  }
  return u;
}

/** url.setPath: Path is the decoded form; RawPath is kept only when it is not the default encoding. */
function setPath(u: GoURL, p: string): void {
  const path = goUnescape(p);
  u.path = path;
  const esc = goEscape(path, 'path');
  u.rawPath = p === esc ? '' : p;
}

const VALID_ENCODED_EXTRA = "!$&'()*+,;=:@[]%-._~/";

/** url.validEncoded for the path mode. */
function validEncoded(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isAlnum(c) || VALID_ENCODED_EXTRA.includes(s[i]!)) continue;
    return false;
  }
  return true;
}

/** url.EscapedPath: RawPath when it is a valid encoding of Path, else Path escaped. */
export function escapedPath(u: GoURL): string {
  if (u.rawPath !== '' && validEncoded(u.rawPath)) {
    try {
      if (goUnescape(u.rawPath) === u.path) return u.rawPath;
    } catch {
      // fall through to the default encoding
    }
  }
  if (u.path === '*') return '*';
  return goEscape(u.path, 'path');
}

function userString(user: NonNullable<GoURL['user']>, redact: boolean): string {
  let s = goEscape(user.username, 'userPassword');
  if (user.password !== undefined) s += ':' + (redact ? 'xxxxx' : goEscape(user.password, 'userPassword'));
  return s;
}

/** url.URL.String (or Redacted when redact is set). */
export function formatGoURL(u: GoURL, redact = false): string {
  let out = '';
  if (u.scheme !== '') out += u.scheme + ':';
  if (u.opaque !== '') {
    out += u.opaque;
  } else {
    if (u.scheme !== '' || u.host !== '' || u.user !== undefined) {
      if (u.host !== '' || u.path !== '' || u.user !== undefined) out += '//';
      if (u.user !== undefined) out += userString(u.user, redact) + '@';
      if (u.host !== '') out += goEscape(u.host, 'host');
    }
    const p = escapedPath(u);
    if (p !== '' && p[0] !== '/' && u.host !== '') out += '/';
    out += p;
  }
  if (u.forceQuery || u.rawQuery !== '') out += '?' + u.rawQuery;
  if (u.fragment !== '') out += '#' + goEscape(u.fragment, 'pathSegment');
  return out;
}


/** path.Join: joins the non-empty elements and cleans; '' when all are empty. */
export function joinPath(...elems: string[]): string {
  const nonEmpty = elems.filter((e) => e !== '');
  if (nonEmpty.length === 0) return '';
  return cleanPath(nonEmpty.join('/'));
}
