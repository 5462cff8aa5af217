/**
 * Glob matching of module paths: Go's path.Match, and the GOPRIVATE /
 * GONOPROXY / GONOSUMDB prefix rule built on it
 * (golang.org/x/mod/module MatchPrefixPatterns).
 *
 * path.Match works on UTF-8 bytes: literals compare byte by byte, `?` and
 * character classes consume one rune (a stray byte counting as one), and `*`
 * retries at every byte offset. The matcher below therefore runs on the UTF-8
 * encoding of both strings so that even odd inputs such as `*??` against a
 * three-byte rune give Go's answer.
 */

import { utf8Encode } from '../internal/webstd.ts';

/** A malformed glob (Go's path.ErrBadPattern). */
export class BadPatternError extends Error {
  override readonly name = 'BadPatternError';
  constructor() {
    super('syntax error in pattern');
  }
}

const SLASH = 0x2f;
const STAR = 0x2a;
const QUESTION = 0x3f;
const BACKSLASH = 0x5c;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const CARET = 0x5e;
const DASH = 0x2d;
const RUNE_ERROR = 0xfffd;

/**
 * Decodes one rune of b[i:end] like Go's utf8.DecodeRune: invalid or
 * truncated sequences (overlong forms, surrogates, > U+10FFFF) yield
 * U+FFFD with size 1.
 */
function decodeRune(b: Uint8Array, i: number, end: number): { r: number; n: number } {
  const b0 = b[i] as number;
  if (b0 < 0x80) return { r: b0, n: 1 };
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) n = 2;
  else if (b0 >= 0xe0 && b0 <= 0xef) {
    n = 3;
    if (b0 === 0xe0) lo = 0xa0;
    if (b0 === 0xed) hi = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    n = 4;
    if (b0 === 0xf0) lo = 0x90;
    if (b0 === 0xf4) hi = 0x8f;
  } else return { r: RUNE_ERROR, n: 1 };
  if (i + n > end) return { r: RUNE_ERROR, n: 1 };
  const b1 = b[i + 1] as number;
  if (b1 < lo || b1 > hi) return { r: RUNE_ERROR, n: 1 };
  let r = (b0 & (0xff >> (n + 1))) * 64 + (b1 & 0x3f);
  for (let k = 2; k < n; k++) {
    const bk = b[i + k] as number;
    if (bk < 0x80 || bk > 0xbf) return { r: RUNE_ERROR, n: 1 };
    r = r * 64 + (bk & 0x3f);
  }
  return { r, n };
}

interface Chunk {
  star: boolean;
  start: number;
  end: number;
}

/** The next chunk of pattern p at pi: optional leading stars, then everything up to the next `*` outside a class. */
function scanChunk(p: Uint8Array, pi: number): Chunk {
  let star = false;
  while (pi < p.length && p[pi] === STAR) {
    pi++;
    star = true;
  }
  let inRange = false;
  for (let i = pi; i < p.length; i++) {
    const c = p[i];
    if (c === BACKSLASH) {
      if (i + 1 < p.length) i++;
    } else if (c === LBRACKET) inRange = true;
    else if (c === RBRACKET) inRange = false;
    else if (c === STAR && !inRange) return { star, start: pi, end: i };
  }
  return { star, start: pi, end: p.length };
}

/** One possibly escaped class character of p[c:end]; a class must continue after it. */
function classChar(p: Uint8Array, c: number, end: number): { r: number; next: number } {
  if (c >= end || p[c] === DASH || p[c] === RBRACKET) throw new BadPatternError();
  if (p[c] === BACKSLASH) {
    c++;
    if (c >= end) throw new BadPatternError();
  }
  const { r, n } = decodeRune(p, c, end);
  if (r === RUNE_ERROR && n === 1) throw new BadPatternError();
  if (c + n >= end) throw new BadPatternError();
  return { r, next: c + n };
}

/**
 * Matches chunk p[start:end] (literals, `?`, classes; no `*`) against the
 * beginning of s[si:]. Returns the offset after the match, or -1. The whole
 * chunk is always scanned, so a malformed chunk throws even after a mismatch.
 */
function matchChunk(p: Uint8Array, start: number, end: number, s: Uint8Array, si: number): number {
  let failed = false;
  let c = start;
  while (c < end) {
    if (!failed && si >= s.length) failed = true;
    const pc = p[c] as number;
    if (pc === LBRACKET) {
      let r = 0;
      if (!failed) {
        const d = decodeRune(s, si, s.length);
        r = d.r;
        si += d.n;
      }
      c++;
      let negated = false;
      if (c < end && p[c] === CARET) {
        negated = true;
        c++;
      }
      let matched = false;
      for (let ranges = 0; ; ranges++) {
        if (c < end && p[c] === RBRACKET && ranges > 0) {
          c++;
          break;
        }
        const lo = classChar(p, c, end);
        let hi = lo.r;
        c = lo.next;
        if (p[c] === DASH) {
          const h = classChar(p, c + 1, end);
          hi = h.r;
          c = h.next;
        }
        if (lo.r <= r && r <= hi) matched = true;
      }
      if (matched === negated) failed = true;
    } else if (pc === QUESTION) {
      if (!failed) {
        if (s[si] === SLASH) failed = true;
        si += decodeRune(s, si, s.length).n;
      }
      c++;
    } else {
      if (pc === BACKSLASH) {
        c++;
        if (c >= end) throw new BadPatternError();
      }
      if (!failed) {
        if (p[c] !== s[si]) failed = true;
        si++;
      }
      c++;
    }
  }
  return failed ? -1 : si;
}

/**
 * Go's path.Match: whether all of name matches the shell pattern. `*`
 * matches any run of non-`/` characters, `?` one non-`/` character,
 * `[…]`/`[^…]` a character class of characters and `lo-hi` ranges, and `\`
 * escapes the next character. Throws BadPatternError for a malformed pattern.
 */
export function pathMatch(pattern: string, name: string): boolean {
  const p = utf8Encode(pattern);
  const s = utf8Encode(name);
  let pi = 0;
  let si = 0;
  next: while (pi < p.length) {
    const chunk = scanChunk(p, pi);
    pi = chunk.end;
    if (chunk.star && chunk.start === chunk.end) return !s.subarray(si).includes(SLASH);
    const t = matchChunk(p, chunk.start, chunk.end, s, si);
    if (t >= 0 && (t === s.length || pi < p.length)) {
      si = t;
      continue;
    }
    if (chunk.star) {
      // The star absorbs one more byte per try, but never a '/'.
      for (let i = si; i < s.length && s[i] !== SLASH; i++) {
        const u = matchChunk(p, chunk.start, chunk.end, s, i + 1);
        if (u < 0) continue;
        if (pi === p.length && u < s.length) continue;
        si = u;
        continue next;
      }
    }
    // No match; still report a malformed remainder, as Go does.
    while (pi < p.length) {
      const rest = scanChunk(p, pi);
      pi = rest.end;
      matchChunk(p, rest.start, rest.end, new Uint8Array(0), 0);
    }
    return false;
  }
  return si === s.length;
}

/**
 * Whether some path prefix of target matches one of the comma-separated
 * globs, as GOPRIVATE, GONOPROXY and GONOSUMDB are applied: a glob with n
 * slashes is matched by pathMatch against target cut just before its
 * (n+1)-th slash. Empty and malformed globs are ignored; a trailing `/` on a
 * glob is dropped. So `*.corp.example.com` matches `git.corp.example.com/a/b`
 * and `rsc.io/private` matches `rsc.io/private/x` but not `rsc.io/privateer`.
 */
export function matchPrefixPatterns(globs: string, target: string): boolean {
  for (let glob of globs.split(',')) {
    if (glob.endsWith('/')) glob = glob.slice(0, -1);
    if (glob === '') continue;
    let n = glob.split('/').length - 1;
    let prefix = target;
    for (let i = 0; i < target.length; i++) {
      if (target[i] !== '/') continue;
      if (n === 0) {
        prefix = target.slice(0, i);
        break;
      }
      n--;
    }
    if (n > 0) continue;
    try {
      if (pathMatch(glob, prefix)) return true;
    } catch (err) {
      if (!(err instanceof BadPatternError)) throw err;
    }
  }
  return false;
}
