/**
 * Which module paths, import paths, file paths and path/version pairs the go
 * command accepts (golang.org/x/mod/module CheckPath, CheckImportPath,
 * CheckFilePath, Check and the major-version suffix rules).
 *
 * These rules decide what may appear in the module cache and in proxy URLs,
 * which must survive case-insensitive file systems, Windows and shells, so
 * they are deliberately narrow: module paths are ASCII only and their first
 * element is a lower-case domain name. Reasons are go's exact texts; the first
 * broken rule, in go's order, is the one reported.
 */

import { build, canonical, isValid, major } from '../semver/semver.ts';
import { InvalidPathError, InvalidVersionError, ModuleError, type PathKind } from './errors.ts';
import { goQuote, goQuoteRune } from './quote.ts';

/** A JavaScript string with a lone surrogate is the analogue of Go's invalid UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * The characters a path element may hold, per kind, as regular-expression
 * class bodies. Module paths: letters, digits and `-._~` (safe in URLs and file
 * names, free of `%` and `+` ambiguity). Import paths add '+', historically
 * used for names like `c++`. File names allow every Unicode letter, ASCII
 * digits, space and the ASCII punctuation ``!#$%&()+,-.=@[]^_{}~``; excluded
 * are shell metacharacters and separators that some OS treats specially
 * (" ' * < > ? ` | / \ :).
 */
const ELEMENT_CHARS: Readonly<Record<PathKind, string>> = {
  module: '\\-._~0-9A-Za-z',
  import: '\\-._~0-9A-Za-z+',
  file: '0-9A-Za-z!#$%&()+,\\-.=@[\\]^_{}~ \\p{L}',
};

const classOf = (make: (body: string) => RegExp): Readonly<Record<PathKind, RegExp>> => ({
  module: make(ELEMENT_CHARS.module),
  import: make(ELEMENT_CHARS.import),
  file: make(ELEMENT_CHARS.file),
});

/** One character (code point) of each kind. */
const CHAR_OK = classOf((body) => new RegExp(`^[${body}]$`, 'u'));

/** A whole element of allowed characters: one test where the per-character walk would run for every element. */
const ELEMENT_OK = classOf((body) => new RegExp(`^[${body}]*$`, 'u'));

/** The first element of a module path is an LDH domain name in lower case. */
const isFirstElementChar = (c: string): boolean => /^[-.0-9a-z]$/.test(c);

/**
 * Reserved device names on Windows. Matching is ASCII case-insensitive; no
 * non-ASCII rune case-folds onto any of these letters (unlike K or S), so
 * this equals Go's strings.EqualFold test.
 */
const WINDOWS_RESERVED = /^(?:CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])$/i;

/** The part of a path element before its first dot, which Windows treats as the device name. */
const shortName = (elem: string): string => {
  const dot = elem.indexOf('.');
  return dot < 0 ? elem : elem.slice(0, dot);
};

/** Whether Windows refuses elem (e.g. `con`, `NUL.txt`, `Com1.go`) because its part before the first dot is a device name. */
export function isWindowsReservedName(elem: string): boolean {
  return WINDOWS_RESERVED.test(shortName(elem));
}

/**
 * Why one path element (or a version used as a file name) breaks the rules
 * of kind, or undefined when it is fine. Shared with escape.ts.
 */
export function pathElementError(elem: string, kind: PathKind): string | undefined {
  if (elem === '') return 'empty path element';
  if (/^\.+$/.test(elem)) return `invalid path element ${goQuote(elem)}`;
  if (elem[0] === '.' && kind === 'module') return 'leading dot in path element';
  if (elem.endsWith('.')) return 'trailing dot in path element';
  if (!ELEMENT_OK[kind].test(elem)) {
    const ok = CHAR_OK[kind];
    for (const c of elem) {
      if (!ok.test(c)) return `invalid char ${goQuoteRune(c.codePointAt(0) as number)}`;
    }
  }
  const short = shortName(elem);
  if (WINDOWS_RESERVED.test(short)) return `${goQuote(short)} disallowed as path element component on Windows`;
  // Windows 8.3 short names (`PROGRA~1`) could alias another element; file
  // names inside a module are exempt, as only import paths are looked up that way.
  if (kind !== 'file' && /~[0-9]+$/.test(short)) return 'trailing tilde and digits in path element';
  return undefined;
}

/** Why path breaks the element-wise rules of kind, or undefined. */
function pathError(path: string, kind: PathKind): string | undefined {
  if (LONE_SURROGATE.test(path)) return 'invalid UTF-8';
  if (path === '') return 'empty string';
  if (path[0] === '-' && kind !== 'file') return 'leading dash';
  if (path.includes('//')) return 'double slash';
  if (path.endsWith('/')) return 'trailing slash';
  for (const elem of path.split('/')) {
    const reason = pathElementError(elem, kind);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

function modulePathError(path: string): string | undefined {
  const reason = pathError(path, 'module');
  if (reason !== undefined) return reason;
  const slash = path.indexOf('/');
  const first = slash < 0 ? path : path.slice(0, slash);
  if (slash === 0) return 'leading slash';
  if (!first.includes('.')) return 'missing dot in first path element';
  if (path[0] === '-') return 'leading dash in first path element';
  for (const c of first) {
    if (!isFirstElementChar(c)) return `invalid char ${goQuoteRune(c.codePointAt(0) as number)} in first path element`;
  }
  if (!splitPathVersion(path).ok) return 'invalid version';
  return undefined;
}

/**
 * Throws InvalidPathError unless path is a valid module path: a valid import
 * path whose first element is a lower-case domain name with a dot, whose
 * elements do not start with a dot, and whose major-version suffix, if any,
 * is well formed (`/vN` with N >= 2 and no leading zero; `.vN` for gopkg.in).
 */
export function checkPath(path: string): void {
  const reason = modulePathError(path);
  if (reason !== undefined) throw new InvalidPathError('module', path, new Error(reason));
}

/**
 * Throws InvalidPathError unless path is a valid import path: non-empty
 * slash-separated elements of ASCII letters, digits and `-._~+`, no leading
 * dash, no element of only dots or ending in a dot, no Windows device name,
 * no `~digits` short-name suffix.
 */
export function checkImportPath(path: string): void {
  const reason = pathError(path, 'import');
  if (reason !== undefined) throw new InvalidPathError('import', path, new Error(reason));
}

/**
 * Throws InvalidPathError unless path is a valid file path inside a module:
 * like an import path, but elements may also hold Unicode letters, space and
 * ``!#$%&()+,=@[]^{}``, may start with a dash, and may end in `~digits`.
 */
export function checkFilePath(path: string): void {
  const reason = pathError(path, 'file');
  if (reason !== undefined) throw new InvalidPathError('file', path, new Error(reason));
}

/** The result of splitPathVersion: prefix + pathMajor === path whenever ok. */
export interface PathVersionSplit {
  prefix: string;
  /** '' or `/vN` (N >= 2), or for gopkg.in `.vN` (any N, optionally `-unstable`). */
  pathMajor: string;
  /** False when the last element looks like a major suffix but is malformed (`/v1`, `/v0`, `/v2.0`, `/v02`). */
  ok: boolean;
}

/** Splits a trailing major-version suffix off path. */
export function splitPathVersion(path: string): PathVersionSplit {
  if (path.startsWith('gopkg.in/')) return splitGopkgIn(path);
  const m = /\/v([0-9.]+)$/.exec(path);
  if (m === null) return { prefix: path, pathMajor: '', ok: true };
  const digits = m[1] as string;
  const pathMajor = m[0];
  if (digits.includes('.') || digits[0] === '0' || pathMajor === '/v1') return { prefix: path, pathMajor: '', ok: false };
  return { prefix: path.slice(0, path.length - pathMajor.length), pathMajor, ok: true };
}

/** gopkg.in paths must end in `.vN` (N may be 0 or 1, no leading zero), optionally followed by `-unstable`. */
function splitGopkgIn(path: string): PathVersionSplit {
  const m = /\.v([0-9]*)(?:-unstable)?$/.exec(path);
  // The match must not start at the very beginning (Go requires an index > 1), which "gopkg.in/" guarantees.
  if (m === null) return { prefix: path, pathMajor: '', ok: false };
  const pathMajor = m[0];
  const digits = m[1] as string;
  if (pathMajor === '.v' || (digits[0] === '0' && pathMajor !== '.v0')) return { prefix: path, pathMajor: '', ok: false };
  return { prefix: path.slice(0, path.length - pathMajor.length), pathMajor, ok: true };
}

function pathMajorError(v: string, pathMajor: string): InvalidVersionError | undefined {
  let pm = pathMajor;
  if (pm.startsWith('.v') && pm.endsWith('-unstable')) pm = pm.slice(0, -'-unstable'.length);
  // Old go commands wrote v0.0.0- pseudo-versions for gopkg.in .v1 modules; such requirements still exist.
  if (v.startsWith('v0.0.0-') && pm === '.v1') return undefined;
  const m = major(v);
  let want: string;
  if (pm === '') {
    if (m === 'v0' || m === 'v1' || build(v) === '+incompatible') return undefined;
    want = 'v0 or v1';
  } else if (pm[0] === '/' || pm[0] === '.') {
    if (m === pm.slice(1)) return undefined;
    want = pm.slice(1);
  } else {
    want = pm;
  }
  return new InvalidVersionError(v, new Error(`should be ${want}, not ${major(v)}`));
}

/**
 * Throws InvalidVersionError (`should be v2, not v3`) unless version v fits
 * the path's major suffix: none allows v0, v1 and `+incompatible` versions;
 * `/vN` and `.vN` require major vN.
 */
export function checkPathMajor(v: string, pathMajor: string): void {
  const err = pathMajorError(v, pathMajor);
  if (err !== undefined) throw err;
}

/** Whether version v fits pathMajor; true exactly when checkPathMajor does not throw. */
export function matchPathMajor(v: string, pathMajor: string): boolean {
  return pathMajorError(v, pathMajor) === undefined;
}

/**
 * The major-version tag prefix implied by pathMajor ('' allows v0 and v1).
 * Throws on a pathMajor that splitPathVersion cannot produce (Go panics).
 */
export function pathMajorPrefix(pathMajor: string): string {
  if (pathMajor === '') return '';
  if (pathMajor[0] !== '/' && pathMajor[0] !== '.') {
    throw new Error(`pathMajor suffix ${pathMajor} passed to PathMajorPrefix lacks separator`);
  }
  let pm = pathMajor;
  if (pm.startsWith('.v') && pm.endsWith('-unstable')) pm = pm.slice(0, -'-unstable'.length);
  const m = pm.slice(1);
  if (m !== major(m)) throw new Error(`pathMajor suffix ${pathMajor} passed to PathMajorPrefix is not a valid major version`);
  return m;
}

/**
 * Throws unless path@version is a valid module version: an InvalidPathError
 * for a bad path, else a ModuleError (`<path>@<v>: invalid version: …`) for a
 * non-semver version or one whose major does not fit the path's suffix.
 */
export function check(path: string, version: string): void {
  checkPath(path);
  if (!isValid(version)) {
    throw new ModuleError(path, '', new InvalidVersionError(version, new Error('not a semantic version')));
  }
  const err = pathMajorError(version, splitPathVersion(path).pathMajor);
  if (err !== undefined) throw new ModuleError(path, '', err);
}

/** semver canonical form, except that the build suffix `+incompatible` is kept. */
export function canonicalVersion(v: string): string {
  const cv = canonical(v);
  return build(v) === '+incompatible' ? cv + '+incompatible' : cv;
}
