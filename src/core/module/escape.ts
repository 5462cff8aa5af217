/**
 * The case-escaped form of module paths and versions used in proxy URLs and
 * in the module cache (golang.org/x/mod/module EscapePath and friends).
 *
 * Every ASCII capital becomes `!` plus its lower-case letter, so that
 * rsc.io/QUOTE and rsc.io/quote never need two casings of one file name or
 * URL. Nothing else changes: valid paths are ASCII and never contain `!`, so
 * the mapping is a bijection and the escaped form stays readable.
 */

import { InvalidVersionError } from './errors.ts';
import { checkPath, pathElementError } from './path.ts';
import { goQuote } from './quote.ts';

function escapeString(s: string): string {
  // Valid inputs cannot contain these; the bijection depends on it.
  if (/[!\u0080-\uffff]/.test(s)) throw new Error('internal error: inconsistency in EscapePath');
  return s.replace(/[A-Z]/g, (c) => '!' + c.toLowerCase());
}

/** The inverse of escapeString, or undefined for `!` before a non a-z, a raw capital, non-ASCII or a trailing `!`. */
function unescapeString(escaped: string): string | undefined {
  let out = '';
  for (let i = 0; i < escaped.length; i++) {
    const c = escaped[i] as string;
    if (c >= '\x80' || (c >= 'A' && c <= 'Z')) return undefined;
    if (c !== '!') {
      out += c;
      continue;
    }
    const next = escaped[++i];
    if (next === undefined || next < 'a' || next > 'z') return undefined;
    out += next.toUpperCase();
  }
  return out;
}

/**
 * The escaped form of module path `path`, e.g. `github.com/!azure/go`.
 * Throws the InvalidPathError of checkPath when the path is invalid.
 */
export function escapePath(path: string): string {
  checkPath(path);
  return escapeString(path);
}

/**
 * The escaped form of version v. Versions need not be semver (a branch name
 * in an `.info` query is fine) but must be a valid file name element without
 * `!`; otherwise throws InvalidVersionError `version "v" invalid: disallowed version string`.
 */
export function escapeVersion(v: string): string {
  if (pathElementError(v, 'file') !== undefined || v.includes('!')) {
    throw new InvalidVersionError(v, new Error('disallowed version string'));
  }
  return escapeString(v);
}

/** The module path that escaped denotes; throws `invalid escaped module path "…"[: reason]`. */
export function unescapePath(escaped: string): string {
  const path = unescapeString(escaped);
  if (path === undefined) throw new Error(`invalid escaped module path ${goQuote(escaped)}`);
  try {
    checkPath(path);
  } catch (err) {
    throw new Error(`invalid escaped module path ${goQuote(escaped)}: ${(err as Error).message}`, { cause: err });
  }
  return path;
}

/**
 * The version that escaped denotes; throws `invalid escaped version "…"`, or
 * `invalid escaped version "<unescaped>": <reason>` when the result is not a
 * valid file name element.
 */
export function unescapeVersion(escaped: string): string {
  const v = unescapeString(escaped);
  if (v === undefined) throw new Error(`invalid escaped version ${goQuote(escaped)}`);
  const reason = pathElementError(v, 'file');
  if (reason !== undefined) throw new Error(`invalid escaped version ${goQuote(v)}: ${reason}`);
  return v;
}
