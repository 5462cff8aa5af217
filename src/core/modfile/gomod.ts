/**
 * The meaning of go.mod directives (golang.org/x/mod/modfile rule.go), on top
 * of the syntax tree from read.ts.
 *
 * - parseGoMod is modfile.Parse with no version fixer: every directive is
 *   checked and unknown ones are errors. Versions of require, exclude and
 *   replace must be valid semver and are stored canonical (v1.2 -> v1.2.0;
 *   +incompatible kept); retract versions are kept as written, as go does.
 * - parseGoModLax is modfile.ParseLax, for the go.mod files of dependencies:
 *   only module, go, require, retract and ignore are read; everything else
 *   (replace, exclude, toolchain, godebug, tool, unknown verbs and blocks) is
 *   skipped unchecked, a malformed retract is dropped silently, and a go
 *   version such as "1.21-custom" is reduced to "1.21".
 * - All directive errors are collected, then thrown as one ModfileError.
 * - Replacement directories follow go on a Unix host: a target with a
 *   backslash and no version is rejected as a Windows path.
 */
import { canonicalVersion, checkPathMajor, splitPathVersion } from '../module/path.ts';
import { utf8Decode } from '../internal/webstd.ts';
import { ModfileError, modfileErrorEntry } from './errors.ts';
import type { ModfileErrorEntry } from './errors.ts';
import { InvalidVersionError } from '../module/errors.ts';
import { goQuote } from '../module/quote.ts';
import { autoQuote, goUnquote } from './quote.ts';
import { parseSyntax } from './read.ts';
import type { FileSyntax, Line, LineBlock } from './read.ts';

export { autoQuote, mustQuote } from './quote.ts';
export { ModfileError } from './errors.ts';
export type { ModfileErrorEntry } from './errors.ts';

export interface GoModModule {
  readonly path: string;
  /** The text after "Deprecated:" in the module line's comments; absent when empty. */
  readonly deprecated?: string;
  readonly line?: number;
}

export interface GoModRequire {
  readonly path: string;
  readonly version: string;
  /** The line carries a `// indirect` comment. */
  readonly indirect: boolean;
  readonly line: number;
}

export interface GoModExclude {
  readonly path: string;
  readonly version: string;
  readonly line: number;
}

export interface GoModReplace {
  readonly oldPath: string;
  /** Absent for `path => ...`, which replaces every version. */
  readonly oldVersion?: string;
  readonly newPath: string;
  /** Absent for a directory replacement. */
  readonly newVersion?: string;
  readonly isDir: boolean;
  readonly line: number;
}

/** A closed interval of retracted versions; low === high for a single version. */
export interface GoModRetract {
  readonly low: string;
  readonly high: string;
  /** The comments on the directive (or on its block), one line each, without "//". */
  readonly rationale: string;
  readonly line: number;
}

export interface GoModGodebug {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

export interface GoModPathLine {
  readonly path: string;
  readonly line: number;
}

/** The interpreted form of a go.mod file (modfile.File). */
export interface GoModFile {
  readonly module?: GoModModule;
  /** The go line ("1.21", "1.21.3", "1.22rc1"). */
  readonly go?: string;
  /** The toolchain line ("go1.21.3", "default"); never read by parseGoModLax. */
  readonly toolchain?: string;
  readonly godebug: GoModGodebug[];
  readonly require: GoModRequire[];
  readonly exclude: GoModExclude[];
  readonly replace: GoModReplace[];
  readonly retract: GoModRetract[];
  /** Always set by the parsers; optional so hand-built values need not carry it. */
  readonly tool?: GoModPathLine[];
  readonly ignore?: GoModPathLine[];
  /** The syntax tree with comments, for tools that show or edit the file. */
  readonly syntax?: FileSyntax;
}

/** modfile.GoVersionRE: the go line of a go.mod file. */
export const GO_VERSION_RE = /^([1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?([a-z]+[0-9]+)?$/;
const LAX_GO_VERSION_RE = /^v?(([1-9][0-9]*)\.(0|[1-9][0-9]*))([^0-9].*)$/s;
/** modfile.ToolchainRE: deliberately loose, so newer toolchain names still parse. */
export const TOOLCHAIN_RE = /^default$|^go1($|\.)/;
const DEPRECATED_RE = /(?:^|\n\n)Deprecated: *([\s\S]*?)(?:$|\n\n)/;

const LAX_VERBS = new Set(['go', 'module', 'retract', 'require', 'ignore']);
const BLOCK_VERBS = new Set(['module', 'godebug', 'require', 'exclude', 'replace', 'retract', 'tool', 'ignore']);

/** The go.mod the go command synthesizes for a module version without one. */
export function legacyGoMod(path: string): string {
  return 'module ' + autoQuote(path) + '\n';
}

/**
 * modfile.IsDirectoryPath: whether a replacement target is a directory, by
 * Unix and Windows syntax alike, since go.mod files move between systems.
 */
export function isDirectoryPath(ns: string): boolean {
  return (
    ns === '.' ||
    ns.startsWith('./') ||
    ns.startsWith('.\\') ||
    ns === '..' ||
    ns.startsWith('../') ||
    ns.startsWith('..\\') ||
    ns.startsWith('/') ||
    ns.startsWith('\\') ||
    (ns.length >= 2 && /^[A-Za-z]:/.test(ns))
  );
}

/** Parses the main module's go.mod strictly, like modfile.Parse. Throws ModfileError. */
export function parseGoMod(file: string, data: string | Uint8Array): GoModFile {
  return parseToFile(file, data, true);
}

/** Parses a dependency's go.mod, like modfile.ParseLax. Throws ModfileError. */
export function parseGoModLax(file: string, data: string | Uint8Array): GoModFile {
  return parseToFile(file, data, false);
}

/** A failure inside one directive, before it is placed at the directive's line. */
class DirectiveError extends Error {
  constructor(
    readonly err: string,
    readonly verb = '',
    readonly modPath = '',
  ) {
    super(err);
  }
}

interface MutableFile {
  module?: GoModModule;
  go?: string;
  toolchain?: string;
  godebug: GoModGodebug[];
  require: GoModRequire[];
  exclude: GoModExclude[];
  replace: GoModReplace[];
  retract: GoModRetract[];
  tool: GoModPathLine[];
  ignore: GoModPathLine[];
  syntax: FileSyntax;
}

function parseToFile(file: string, data: string | Uint8Array, strict: boolean): GoModFile {
  const text = typeof data === 'string' ? data : utf8Decode(data, false);
  const syntax = parseSyntax(file, text);
  const f: MutableFile = { godebug: [], require: [], exclude: [], replace: [], retract: [], tool: [], ignore: [], syntax };
  const errs: ModfileErrorEntry[] = [];
  for (const x of syntax.stmts) {
    if (x.kind === 'line') {
      const [verb = '', ...args] = x.tokens;
      addDirective(f, errs, undefined, x, verb, args, strict);
    } else if (x.kind === 'block') {
      const verb = x.tokens[0] ?? '';
      if (x.tokens.length > 1 || !BLOCK_VERBS.has(verb)) {
        if (strict) errs.push(modfileErrorEntry(file, x.start.line, x.start.col, `unknown block type: ${x.tokens.join(' ')}`));
        continue;
      }
      for (const l of x.lines) addDirective(f, errs, x, l, verb, [...l.tokens], strict);
    }
  }
  if (errs.length > 0) throw new ModfileError(errs);
  return f;
}

function addDirective(
  f: MutableFile,
  errs: ModfileErrorEntry[],
  block: LineBlock | undefined,
  line: Line,
  verb: string,
  args: string[],
  strict: boolean,
): void {
  if (!strict && !LAX_VERBS.has(verb)) return;
  const report = (err: string, v = '', modPath = ''): void => {
    errs.push(modfileErrorEntry(f.syntax.name, line.start.line, line.start.col, err, v, modPath));
  };
  try {
    applyDirective(f, block, line, verb, args, strict);
  } catch (err) {
    if (!(err instanceof DirectiveError)) throw err;
    report(err.err, err.verb, err.modPath);
  }
}

function applyDirective(
  f: MutableFile,
  block: LineBlock | undefined,
  line: Line,
  verb: string,
  args: string[],
  strict: boolean,
): void {
  const n = line.start.line;
  const fail = (err: string): never => {
    throw new DirectiveError(err);
  };
  switch (verb) {
    case 'go': {
      if (f.go !== undefined) fail('repeated go statement');
      if (args.length !== 1) fail('go directive expects exactly one argument');
      let v = args[0] ?? '';
      if (!GO_VERSION_RE.test(v)) {
        const m = strict ? null : LAX_GO_VERSION_RE.exec(v);
        if (m === null || m[1] === undefined) fail(`invalid go version '${v}': must match format 1.23.0`);
        else v = m[1];
      }
      f.go = v;
      return;
    }
    case 'toolchain': {
      if (f.toolchain !== undefined) fail('repeated toolchain statement');
      if (args.length !== 1) fail('toolchain directive expects exactly one argument');
      const name = args[0] ?? '';
      if (!TOOLCHAIN_RE.test(name)) fail(`invalid toolchain version '${name}': must match format go1.23.0 or default`);
      f.toolchain = name;
      return;
    }
    case 'module': {
      if (f.module !== undefined) fail('repeated module statement');
      const deprecated = DEPRECATED_RE.exec(directiveComment(block, line))?.[1] ?? '';
      const withDeprecation = (path: string): GoModModule =>
        deprecated === '' ? { path, line: n } : { path, deprecated, line: n };
      // Like go, a malformed module line still counts as the module statement.
      f.module = withDeprecation('');
      if (args.length !== 1) fail('usage: module module/path');
      f.module = withDeprecation(quotedString(args[0] ?? ''));
      return;
    }
    case 'godebug': {
      const arg = args[0] ?? '';
      if (args.length !== 1 || /["`',]/.test(arg)) fail('usage: godebug key=value');
      const eq = arg.indexOf('=');
      if (eq < 0) fail('usage: godebug key=value');
      f.godebug.push({ key: arg.slice(0, eq), value: arg.slice(eq + 1), line: n });
      return;
    }
    case 'require':
    case 'exclude': {
      if (args.length !== 2) fail(`usage: ${verb} module/path v1.2.3`);
      const path = quotedString(args[0] ?? '');
      const version = parseVersion(verb, path, args[1] ?? '');
      const pathMajor = modulePathMajor(path);
      if (pathMajor === undefined) fail('invalid module path');
      checkMajor(verb, path, version, pathMajor ?? '');
      if (verb === 'require') f.require.push({ path, version, indirect: isIndirect(line), line: n });
      else f.exclude.push({ path, version, line: n });
      return;
    }
    case 'replace':
      f.replace.push(parseReplace(verb, args, n));
      return;
    case 'retract': {
      const rationale = directiveComment(block, line);
      let interval: { low: string; high: string; rest: string[] };
      try {
        interval = parseVersionInterval(verb, args);
      } catch (err) {
        // Dependencies may use interval syntax from a newer go; only the main module is held to it.
        if (strict) throw err;
        return;
      }
      const extra = interval.rest[0];
      if (extra !== undefined && strict) fail(`unexpected token after version: ${goQuote(extra)}`);
      f.retract.push({ low: interval.low, high: interval.high, rationale, line: n });
      return;
    }
    case 'tool':
    case 'ignore': {
      if (args.length !== 1) fail(`${verb} directive expects exactly one argument`);
      const path = quotedString(args[0] ?? '');
      (verb === 'tool' ? f.tool : f.ignore).push({ path, line: n });
      return;
    }
    default:
      fail(`unknown directive: ${verb}`);
  }
}

/**
 * modfile's parseString: a "..." token is unquoted; a bare token may not
 * contain any quote character (so `raw` strings are rejected here).
 */
function tokenString(t: string): string {
  if (t.startsWith('"')) return goUnquote(t);
  if (/["'`]/.test(t)) throw new Error('unquoted string cannot contain quote');
  return t;
}

function quotedString(t: string): string {
  try {
    return tokenString(t);
  } catch (err) {
    throw new DirectiveError(`invalid quoted string: ${(err as Error).message}`);
  }
}

/** A require/exclude/replace version: a valid semantic version, returned canonical. */
function parseVersion(verb: string, path: string, token: string): string {
  let t: string;
  try {
    t = tokenString(token);
  } catch (err) {
    throw new DirectiveError(new InvalidVersionError(token, err as Error).message, verb, path);
  }
  const cv = canonicalVersion(t);
  if (cv === '') throw new DirectiveError(new InvalidVersionError(t, new Error('must be of the form v1.2.3')).message, verb, path);
  return cv;
}

/** A retract version: unquoted but otherwise kept as written (go parses these with a no-op fixer). */
function retractVersion(verb: string, token: string): string {
  try {
    return tokenString(token);
  } catch (err) {
    throw new DirectiveError(new InvalidVersionError(token, err as Error).message, verb);
  }
}

/** The major-version suffix of path ("/v2", ".v1", ""), or undefined when path's suffix is malformed. */
function modulePathMajor(path: string): string | undefined {
  const { pathMajor, ok } = splitPathVersion(path);
  return ok ? pathMajor : undefined;
}

function checkMajor(verb: string, path: string, version: string, pathMajor: string): void {
  try {
    checkPathMajor(version, pathMajor);
  } catch (err) {
    throw new DirectiveError((err as Error).message, verb, path);
  }
}

function parseReplace(verb: string, args: string[], line: number): GoModReplace {
  const usage = `usage: ${verb} module/path [v1.2.3] => other/module v1.4\n\t or ${verb} module/path [v1.2.3] => ../local/directory`;
  const arrow = args.length >= 2 && args[1] === '=>' ? 1 : 2;
  if (args.length < arrow + 2 || args.length > arrow + 3 || args[arrow] !== '=>') throw new DirectiveError(usage);
  const oldPath = quotedString(args[0] ?? '');
  const pathMajor = modulePathMajor(oldPath);
  if (pathMajor === undefined) throw new DirectiveError('invalid module path', verb, oldPath);
  let oldVersion: string | undefined;
  if (arrow === 2) {
    oldVersion = parseVersion(verb, oldPath, args[1] ?? '');
    checkMajor(verb, oldPath, oldVersion, pathMajor);
  }
  const newPath = quotedString(args[arrow + 1] ?? '');
  let newVersion: string | undefined;
  if (args.length === arrow + 2) {
    if (!isDirectoryPath(newPath)) {
      if (newPath.includes('@')) {
        throw new DirectiveError("replacement module must match format 'path version', not 'path@version'");
      }
      throw new DirectiveError('replacement module without version must be directory path (rooted or starting with . or ..)');
    }
    if (newPath.includes('\\')) {
      throw new DirectiveError('replacement directory appears to be Windows path (on a non-windows system)');
    }
  } else {
    newVersion = parseVersion(verb, newPath, args[arrow + 2] ?? '');
    if (isDirectoryPath(newPath)) {
      throw new DirectiveError(`replacement module directory path ${goQuote(newPath)} cannot have version`);
    }
  }
  return {
    oldPath,
    ...(oldVersion === undefined ? {} : { oldVersion }),
    newPath,
    ...(newVersion === undefined ? {} : { newVersion }),
    isDir: newVersion === undefined,
    line,
  };
}

/** `v1.2.3` or `[v1.0.0, v1.2.0]`, followed by whatever tokens remain. */
function parseVersionInterval(verb: string, toks: string[]): { low: string; high: string; rest: string[] } {
  const first = toks[0];
  if (first === undefined || first === '(') throw new DirectiveError("expected '[' or version");
  if (first !== '[') {
    const v = retractVersion(verb, first);
    return { low: v, high: v, rest: toks.slice(1) };
  }
  let i = 1;
  if (toks[i] === undefined) throw new DirectiveError("expected version after '['");
  const low = retractVersion(verb, toks[i++] ?? '');
  if (toks[i] !== ',') throw new DirectiveError("expected ',' after version");
  i++;
  if (toks[i] === undefined) throw new DirectiveError("expected version after ','");
  const high = retractVersion(verb, toks[i++] ?? '');
  if (toks[i] !== ']') throw new DirectiveError("expected ']' after version");
  i++;
  return { low, high, rest: toks.slice(i) };
}

/**
 * The text of a directive's comments (whole-line ones above, then the
 * end-of-line one), each without "//" and trimmed, joined by newlines; a line
 * in a block without comments of its own takes the block's.
 */
function directiveComment(block: LineBlock | undefined, line: Line): string {
  let comments = line.comments;
  if (block !== undefined && comments.before.length === 0 && comments.suffix.length === 0) comments = block.comments;
  const lines: string[] = [];
  for (const c of [...comments.before, ...comments.suffix]) {
    if (!c.token.startsWith('//')) continue; // a blank line inside a block
    lines.push(c.token.slice(2).replace(/^\p{White_Space}+|\p{White_Space}+$/gu, ''));
  }
  return lines.join('\n');
}

/** A `// indirect` (or `// indirect; ...`) end-of-line comment. */
function isIndirect(line: Line): boolean {
  const c = line.comments.suffix[0];
  if (c === undefined) return false;
  const body = c.token.startsWith('//') ? c.token.slice(2) : c.token;
  const fields = body.split(/\p{White_Space}+/u).filter((s) => s !== '');
  return (fields.length === 1 && fields[0] === 'indirect') || (fields.length > 1 && fields[0] === 'indirect;');
}
