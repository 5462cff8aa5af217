/**
 * Pseudo-versions (golang.org/x/mod/module pseudo.go): versions that name an
 * untagged commit by UTC commit time and a revision prefix, ordered just
 * above the closest preceding tag. Three forms:
 *
 *   1. vX.0.0-yyyymmddhhmmss-abcdefabcdef       no earlier tag for major X
 *   2. vX.Y.(Z+1)-0.yyyymmddhhmmss-abcdefabcdef  after release vX.Y.Z
 *   3. vX.Y.Z-pre.0.yyyymmddhhmmss-abcdefabcdef  after prerelease vX.Y.Z-pre
 *
 * Forms 2 and 3 may end in `+incompatible`. Errors are InvalidVersionError
 * with pseudo set, printed by go as `pseudo-version "…" invalid: …`.
 */

import { build as buildOf, canonical, isValid, major as majorOf, prerelease } from '../semver/semver.ts';
import { InvalidVersionError } from './errors.ts';
import { goQuote } from './quote.ts';

const PSEUDO_VERSION = /^v[0-9]+\.(0\.0-|[0-9]+\.[0-9]+-([^+]*\.)?0\.)[0-9]{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

/** Whether v has the syntax of a pseudo-version (it must also be valid semver). */
export function isPseudoVersion(v: string): boolean {
  return v.split('-').length > 2 && isValid(v) && PSEUDO_VERSION.test(v);
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** t in UTC as yyyymmddhhmmss (Go layout "20060102150405"; years keep at least four digits). */
function formatTimestamp(t: Date): string {
  if (Number.isNaN(t.getTime())) throw new RangeError('pseudoVersion: invalid Date');
  const y = t.getUTCFullYear();
  const year = y < 0 ? '-' + pad(-y, 4) : pad(y, 4);
  return (
    year +
    pad(t.getUTCMonth() + 1, 2) +
    pad(t.getUTCDate(), 2) +
    pad(t.getUTCHours(), 2) +
    pad(t.getUTCMinutes(), 2) +
    pad(t.getUTCSeconds(), 2)
  );
}

/** decimal + 1, for digit strings. */
function incDecimal(decimal: string): string {
  const digits = decimal.split('');
  let i = digits.length - 1;
  while (i >= 0 && digits[i] === '9') digits[i--] = '0';
  if (i < 0) return '1' + digits.join('');
  digits[i] = String(Number(digits[i]) + 1);
  return digits.join('');
}

/** decimal - 1 without leading zeros, or '' when decimal is all zeros. */
function decDecimal(decimal: string): string {
  const digits = decimal.split('');
  let i = digits.length - 1;
  while (i >= 0 && digits[i] === '0') digits[i--] = '9';
  if (i < 0) return '';
  if (i === 0 && digits[0] === '1' && digits.length > 1) return digits.slice(1).join('');
  digits[i] = String(Number(digits[i]) - 1);
  return digits.join('');
}

/**
 * The pseudo-version for revision rev committed at t, given the major version
 * ('' means v0) and the closest older tag ('' when none; its build suffix,
 * e.g. +incompatible, is carried over).
 */
export function pseudoVersion(major: string, older: string, t: Date, rev: string): string {
  const segment = `${formatTimestamp(t)}-${rev}`;
  const build = buildOf(older);
  const base = canonical(older);
  if (base === '') return `${major === '' ? 'v0' : major}.0.0-${segment}`;
  if (prerelease(base) !== '') return `${base}.0.${segment}${build}`;
  const dot = base.lastIndexOf('.') + 1;
  return `${base.slice(0, dot)}${incDecimal(base.slice(dot))}-0.${segment}${build}`;
}

/** The placeholder pseudo-version with zero time and revision, e.g. v0.0.0-00010101000000-000000000000. */
export function zeroPseudoVersion(major: string): string {
  return `${major === '' ? 'v0' : major}.0.0-00010101000000-000000000000`;
}

/** Whether v is exactly zeroPseudoVersion of its own major. */
export function isZeroPseudoVersion(v: string): boolean {
  return v === zeroPseudoVersion(majorOf(v));
}

interface PseudoParts {
  /** `vX.0.0`, `vX.Y.(Z+1)-0` or `vX.Y.Z-pre.0`. */
  base: string;
  timestamp: string;
  rev: string;
  build: string;
}

function parsePseudoVersion(v: string): PseudoParts {
  if (!isPseudoVersion(v)) throw new InvalidVersionError(v, new Error('syntax error'), true);
  const build = buildOf(v);
  const rest = v.slice(0, v.length - build.length);
  const revDash = rest.lastIndexOf('-');
  const rev = rest.slice(revDash + 1);
  const head = rest.slice(0, revDash);
  const dash = head.lastIndexOf('-');
  const dot = head.lastIndexOf('.');
  const cut = dot > dash ? dot : dash;
  return { base: head.slice(0, cut), timestamp: head.slice(cut + 1), rev, build };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isLeap = (y: number): boolean => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);

/**
 * The commit time in v, as a UTC Date. Throws InvalidVersionError when v is
 * not a pseudo-version (`syntax error`) or its time stamp is not a real
 * date and time (`malformed time "…"`), as Go's time.Parse would refuse it.
 */
export function pseudoVersionTime(v: string): Date {
  const { timestamp } = parsePseudoVersion(v);
  const [year, month, day, hour, minute, second] = [0, 4, 6, 8, 10, 12].map((at, k) =>
    Number(timestamp.slice(at, k === 0 ? 4 : at + 2)),
  ) as [number, number, number, number, number, number];
  const monthDays = month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59) {
    throw new InvalidVersionError(v, new Error(`malformed time ${goQuote(timestamp)}`), true);
  }
  const t = new Date(0);
  t.setUTCFullYear(year, month - 1, day);
  t.setUTCHours(hour, minute, second, 0);
  return t;
}

/** The revision identifier at the end of pseudo-version v; throws InvalidVersionError `syntax error` otherwise. */
export function pseudoVersionRev(v: string): string {
  return parsePseudoVersion(v).rev;
}

/**
 * The canonical tag that pseudo-version v was derived from ('' for form 1),
 * with v's build suffix: vX.Y.(Z+1)-0.… → vX.Y.Z, vX.Y.Z-pre.0.… → vX.Y.Z-pre.
 * Throws InvalidVersionError for a non-pseudo-version, for form 1 with build
 * metadata, and for `vX.Y.0-0.…`, which would need a negative patch number.
 */
export function pseudoVersionBase(v: string): string {
  const { base, build } = parsePseudoVersion(v);
  const pre = prerelease(base);
  if (pre === '') {
    if (build !== '') {
      throw new InvalidVersionError(v, new Error(`lacks base version, but has build metadata ${goQuote(build)}`), true);
    }
    return '';
  }
  if (pre === '-0') {
    const release = base.slice(0, base.length - pre.length);
    const dot = release.lastIndexOf('.');
    const patch = decDecimal(release.slice(dot + 1));
    if (patch === '') {
      throw new InvalidVersionError(v, new Error(`version before ${release} would have negative patch number`), true);
    }
    return release.slice(0, dot + 1) + patch + build;
  }
  // base is vX.Y.Z-pre.0 here; the regular expression guarantees the ".0".
  return base.slice(0, -'.0'.length) + build;
}
