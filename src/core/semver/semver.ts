/**
 * Semantic version strings as the go command understands them
 * (golang.org/x/mod/semver).
 *
 * Syntax: `v` MAJOR [`.` MINOR [`.` PATCH [`-` PRERELEASE] [`+` BUILD]]].
 * Numbers carry no leading zeros; PRERELEASE and BUILD are non-empty
 * dot-separated identifiers of [0-9A-Za-z-], and all-digit PRERELEASE
 * identifiers carry no leading zeros either. `vMAJOR` and `vMAJOR.MINOR`
 * (with no suffixes) are shorthands for `vMAJOR.0.0` and `vMAJOR.MINOR.0`.
 * Unlike semver.org, the leading `v` is required.
 *
 * Invalid versions never throw: they canonicalize to '' and compare below
 * every valid version (and equal to each other), exactly as in Go, because
 * callers such as module.Sort and MVS rely on that total order.
 */
import { compareStrings } from '../internal/strings.ts';

interface Parsed {
  major: string;
  minor: string;
  patch: string;
  /** What Canonical appends to a shorthand: '.0.0', '.0' or ''. */
  short: string;
  /** Including its leading '-', or ''. */
  prerelease: string;
  /** Including its leading '+', or ''. */
  build: string;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

const isIdentChar = (c: string): boolean =>
  (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '-';

/** Length of the decimal number at v[at:], or -1 when absent or written with a leading zero. */
function numberLength(v: string, at: number): number {
  let end = at;
  while (isDigit(v[end])) end++;
  if (end === at) return -1;
  if (v[at] === '0' && end - at > 1) return -1;
  return end - at;
}

const isAllDigits = (s: string): boolean => /^[0-9]*$/.test(s);

/**
 * Length of the dot-separated identifier list at v[at:] introduced by `lead`
 * ('-' or '+'), ending at `stop` or the end of v; -1 when malformed.
 * Prerelease identifiers (numeric = true) may not be numbers with leading zeros.
 */
function identListLength(v: string, at: number, stop: string | undefined, numeric: boolean): number {
  let i = at + 1;
  let start = i;
  const endIdent = (end: number): boolean => {
    if (end === start) return false;
    const ident = v.slice(start, end);
    return !(numeric && ident.length > 1 && ident[0] === '0' && isAllDigits(ident));
  };
  for (; i < v.length && v[i] !== stop; i++) {
    const c = v[i] as string;
    if (c === '.') {
      if (!endIdent(i)) return -1;
      start = i + 1;
    } else if (!isIdentChar(c)) {
      return -1;
    }
  }
  if (!endIdent(i)) return -1;
  return i - at;
}

function parse(v: string): Parsed | undefined {
  if (v[0] !== 'v') return undefined;
  let i = 1;
  const n1 = numberLength(v, i);
  if (n1 < 0) return undefined;
  const major = v.slice(i, i + n1);
  i += n1;
  if (i === v.length) return { major, minor: '0', patch: '0', short: '.0.0', prerelease: '', build: '' };
  if (v[i] !== '.') return undefined;
  i++;
  const n2 = numberLength(v, i);
  if (n2 < 0) return undefined;
  const minor = v.slice(i, i + n2);
  i += n2;
  if (i === v.length) return { major, minor, patch: '0', short: '.0', prerelease: '', build: '' };
  if (v[i] !== '.') return undefined;
  i++;
  const n3 = numberLength(v, i);
  if (n3 < 0) return undefined;
  const patch = v.slice(i, i + n3);
  i += n3;
  let prerelease = '';
  if (v[i] === '-') {
    const n = identListLength(v, i, '+', true);
    if (n < 0) return undefined;
    prerelease = v.slice(i, i + n);
    i += n;
  }
  let build = '';
  if (v[i] === '+') {
    const n = identListLength(v, i, undefined, false);
    if (n < 0) return undefined;
    build = v.slice(i, i + n);
    i += n;
  }
  if (i !== v.length) return undefined;
  return { major, minor, patch, short: '', prerelease, build };
}

/** Whether v is a valid semantic version string. */
export function isValid(v: string): boolean {
  return parse(v) !== undefined;
}

/**
 * The canonical form of v: missing .MINOR/.PATCH filled in, build metadata
 * dropped; '' when v is invalid. Two versions compare equal exactly when
 * their canonical forms are the same string.
 */
export function canonical(v: string): string {
  const p = parse(v);
  if (p === undefined) return '';
  if (p.build !== '') return v.slice(0, v.length - p.build.length);
  return v + p.short;
}

/** The major prefix, e.g. 'v2' for 'v2.1.0'; '' when v is invalid. */
export function major(v: string): string {
  const p = parse(v);
  return p === undefined ? '' : 'v' + p.major;
}

/** The major.minor prefix, e.g. 'v2.1' for 'v2.1.0' and 'v2.0' for 'v2'; '' when v is invalid. */
export function majorMinor(v: string): string {
  const p = parse(v);
  return p === undefined ? '' : `v${p.major}.${p.minor}`;
}

/** The prerelease suffix with its '-', e.g. '-pre' for 'v2.1.0-pre+meta'; '' when absent or v is invalid. */
export function prerelease(v: string): string {
  return parse(v)?.prerelease ?? '';
}

/** The build suffix with its '+', e.g. '+meta' for 'v2.1.0+meta'; '' when absent or v is invalid. */
export function build(v: string): string {
  return parse(v)?.build ?? '';
}

/** Compares decimal strings without leading zeros: by length, then lexically. */
function compareInt(x: string, y: string): -1 | 0 | 1 {
  if (x === y) return 0;
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : 1;
}

/**
 * Semver precedence of two prerelease suffixes (each '' or '-ident.ident…'):
 * no prerelease ranks above any prerelease; identifiers compare left to right,
 * numeric ones numerically and below alphanumeric ones, others in ASCII
 * order; a longer list wins when the shared prefix is equal.
 */
function comparePrerelease(x: string, y: string): -1 | 0 | 1 {
  if (x === y) return 0;
  if (x === '') return 1;
  if (y === '') return -1;
  const xs = x.slice(1).split('.');
  const ys = y.slice(1).split('.');
  const n = Math.min(xs.length, ys.length);
  for (let i = 0; i < n; i++) {
    const a = xs[i] as string;
    const b = ys[i] as string;
    if (a === b) continue;
    const an = isAllDigits(a);
    const bn = isAllDigits(b);
    if (an !== bn) return an ? -1 : 1;
    if (an) return compareInt(a, b);
    return a < b ? -1 : 1;
  }
  if (xs.length === ys.length) return 0;
  return xs.length < ys.length ? -1 : 1;
}

/**
 * Semver precedence of v and w: -1, 0 or +1. Build metadata is ignored, an
 * invalid version is below every valid one, and all invalid versions are equal.
 */
export function compare(v: string, w: string): -1 | 0 | 1 {
  const pv = parse(v);
  const pw = parse(w);
  if (pv === undefined) return pw === undefined ? 0 : -1;
  if (pw === undefined) return 1;
  return (
    compareInt(pv.major, pw.major) ||
    compareInt(pv.minor, pw.minor) ||
    compareInt(pv.patch, pw.patch) ||
    comparePrerelease(pv.prerelease, pw.prerelease)
  );
}

/**
 * The greater of canonical(v) and canonical(w) (w's on a tie). Kept for
 * parity with Go, where it is deprecated: it returns canonicalized strings.
 */
export function max(v: string, w: string): string {
  const cv = canonical(v);
  const cw = canonical(w);
  return compare(cv, cw) > 0 ? cv : cw;
}


/**
 * Sorts list in place by compare, breaking ties (e.g. 'v1.0.0' and
 * 'v1.0.0+meta', or two invalid strings) by plain string order so the
 * result does not depend on the input order.
 */
export function sort(list: string[]): void {
  list.sort((a, b) => compare(a, b) || compareStrings(a, b));
}
