/**
 * The rules a module zip must satisfy before the go command extracts it
 * (golang.org/x/mod/zip CheckZip and Unzip), and cmd/go's earlier prefix check,
 * with go's exact texts.
 *
 * Only the central directory is consulted: names and declared sizes. Whether
 * each entry's data matches its declared size and CRC is checked when it is
 * read (ZipReader.readEntry), as Go's Unzip does while copying.
 *
 * Texts: a problem with one file reads `<entry name>: <reason>`; several are
 * joined by newlines; the whole is prefixed `unzip <zip file>: ` by
 * assertZipExtractable, as go's zipError does. Entry names are printed as their
 * UTF-8 decoding, so invalid bytes show as U+FFFD where go prints raw bytes.
 */
import { isValidUtf8, utf8Decode, utf8Encode } from '../internal/webstd.ts';
import { canonicalVersion, check, checkFilePath } from '../module/path.ts';
import { goQuote } from '../module/quote.ts';
import { cleanPath } from '../internal/strings.ts';
import { strToFold } from './fold.ts';
import type { ZipEntry, ZipReader } from './reader.ts';

/** Maximum size of a module zip file, and separately of its uncompressed contents. */
export const MAX_ZIP_FILE = 500 << 20;
/** Maximum size of the root go.mod. */
export const MAX_GO_MOD = 16 << 20;
/** Maximum size of the root LICENSE. */
export const MAX_LICENSE = 16 << 20;

/** Which rule a module zip broke. */
export type ZipRule =
  | 'invalid-module'
  | 'zip-too-large'
  | 'prefix'
  | 'file-path'
  | 'case-collision'
  | 'file-dir-conflict'
  | 'duplicate'
  | 'gomod-not-root'
  | 'gomod-case'
  | 'uncompressed-too-large'
  | 'gomod-too-large'
  | 'license-too-large';

/** One broken rule; for a file, message is `<entry name>: <reason>`. */
export interface ZipProblem {
  rule: ZipRule;
  /** The entry name, or '' for a problem with the module or the whole zip. */
  path: string;
  message: string;
}

/** The outcome of checkZip (x/mod's CheckedFiles plus the errors CheckZip returns). */
export interface CheckedZip {
  /** Entry names that are valid files (directories and the bare prefix are not listed). */
  valid: string[];
  /** Invalid entries, in archive order. */
  invalid: ZipProblem[];
  /** The zip or its declared contents are too large. */
  sizeError?: ZipProblem;
  /** The module path or version is unusable; nothing else was checked. */
  moduleError?: ZipProblem;
}

/** A module zip the go command would refuse; message is go's full text. */
export class ZipCheckError extends Error {
  readonly rule: ZipRule;
  /** Every problem found (the first decides `rule`). */
  readonly problems: readonly ZipProblem[];

  constructor(rule: ZipRule, message: string, problems: readonly ZipProblem[] = []) {
    super(message);
    this.name = 'ZipCheckError';
    this.rule = rule;
    this.problems = problems;
  }
}

/** A name with invalid UTF-8 quoted as Go's %q does: valid runes as goQuote, bad bytes as \xHH. */
function quoteBytes(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    const seq = len > 0 ? bytes.subarray(i, i + len) : undefined;
    if (seq !== undefined && seq.length === len && isValidUtf8(seq)) {
      out += goQuote(utf8Decode(seq)).slice(1, -1);
      i += len;
    } else {
      out += '\\x' + b.toString(16).padStart(2, '0');
      i += 1;
    }
  }
  return `"${out}"`;
}

/** The parent directory of a clean path (Go's path.Dir), '.' at the top. */
function parentDir(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '.' : cleanPath(p.slice(0, i));
}

/** x/mod's collisionChecker: case-folded names, each remembered as file or directory. */
class CollisionChecker {
  private readonly seen = new Map<string, { path: string; isDir: boolean }>();
  /**
   * check(dir, true) per directory path. Its answer never changes: a folded
   * name, once seen, keeps its first path and kind, so every lookup along
   * the directory's parents gives what it gave the first time. Go walks the
   * parents again for every file; the verdicts are the same.
   */
  private readonly dirs = new Map<string, { rule: ZipRule; reason: string } | undefined>();

  /** The rule and reason p breaks, checking its parents as directories; undefined when fine. */
  check(p: string, isDir: boolean): { rule: ZipRule; reason: string } | undefined {
    if (isDir && this.dirs.has(p)) return this.dirs.get(p);
    const r = this.#check(p, isDir);
    if (isDir) this.dirs.set(p, r);
    return r;
  }

  #check(p: string, isDir: boolean): { rule: ZipRule; reason: string } | undefined {
    const fold = strToFold(p);
    const other = this.seen.get(fold);
    if (other !== undefined) {
      if (p !== other.path) return { rule: 'case-collision', reason: `case-insensitive file name collision: ${goQuote(other.path)} and ${goQuote(p)}` };
      if (isDir !== other.isDir) return { rule: 'file-dir-conflict', reason: `entry ${goQuote(p)} is both a file and a directory` };
      if (!isDir) return { rule: 'duplicate', reason: `multiple entries for file ${goQuote(p)}` };
    } else {
      this.seen.set(fold, { path: p, isDir });
    }
    const parent = parentDir(p);
    return parent === '.' ? undefined : this.check(parent, true);
  }
}

function startsWithBytes(name: Uint8Array, prefix: Uint8Array): boolean {
  if (name.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (name[i] !== prefix[i]) return false;
  return true;
}

/** The reason a name fails module.CheckFilePath, as go words it; undefined when valid. */
function filePathError(name: string, nameBytes: Uint8Array): string | undefined {
  if (!isValidUtf8(nameBytes)) return `malformed file path ${quoteBytes(nameBytes)}: invalid UTF-8`;
  try {
    checkFilePath(name);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * CheckZip: checks the module path and version, the zip's size, and every
 * entry's name, collisions and declared sizes. Never throws for a bad zip; the
 * result lists what is wrong (see zipCheckFailure for go's verdict).
 */
export function checkZip(mod: { path: string; version: string }, zip: ZipReader): CheckedZip {
  const result: CheckedZip = { valid: [], invalid: [] };
  const canonical = canonicalVersion(mod.version);
  if (canonical !== mod.version) {
    result.moduleError = { rule: 'invalid-module', path: '', message: `version ${goQuote(mod.version)} is not canonical (should be ${goQuote(canonical)})` };
    return result;
  }
  try {
    check(mod.path, mod.version);
  } catch (err) {
    result.moduleError = { rule: 'invalid-module', path: '', message: err instanceof Error ? err.message : String(err) };
    return result;
  }
  if (zip.size > MAX_ZIP_FILE) {
    result.sizeError = {
      rule: 'zip-too-large',
      path: '',
      message: `module zip file is too large (${zip.size} bytes; limit is ${MAX_ZIP_FILE} bytes)`,
    };
    return result;
  }

  const prefix = `${mod.path}@${mod.version}/`;
  const prefixBytes = utf8Encode(prefix);
  const collisions = new CollisionChecker();
  const fail = (e: ZipEntry, rule: ZipRule, reason: string): void => {
    result.invalid.push({ rule, path: e.name, message: `${e.name}: ${reason}` });
  };
  let total = 0;
  for (const e of zip.entries) {
    if (!startsWithBytes(e.nameBytes, prefixBytes)) {
      fail(e, 'prefix', `path does not have prefix ${goQuote(prefix)}`);
      continue;
    }
    const rest = e.nameBytes.subarray(prefixBytes.length);
    if (rest.length === 0) continue;
    const isDir = rest[rest.length - 1] === 0x2f;
    const nameBytes = isDir ? rest.subarray(0, rest.length - 1) : rest;
    const name = utf8Decode(nameBytes, false);
    if (cleanPath(name) !== name) {
      fail(e, 'file-path', 'file path is not clean');
      continue;
    }
    const pathErr = filePathError(name, nameBytes);
    if (pathErr !== undefined) {
      fail(e, 'file-path', pathErr);
      continue;
    }
    const collision = collisions.check(name, isDir);
    if (collision !== undefined) {
      fail(e, collision.rule, collision.reason);
      continue;
    }
    if (isDir) continue;
    const base = name.slice(name.lastIndexOf('/') + 1);
    if (strToFold(base) === 'go.mod') {
      if (base !== name) {
        fail(e, 'gomod-not-root', 'go.mod file not in module root directory');
        continue;
      }
      if (name !== 'go.mod') {
        fail(e, 'gomod-case', 'go.mod files must have lowercase names');
        continue;
      }
    }
    const sz = e.uncompressedSize;
    if (MAX_ZIP_FILE - total >= sz) {
      total += sz;
    } else {
      result.sizeError ??= {
        rule: 'uncompressed-too-large',
        path: '',
        message: `total uncompressed size of module contents too large (max size is ${MAX_ZIP_FILE} bytes)`,
      };
    }
    if (name === 'go.mod' && sz > MAX_GO_MOD) {
      fail(e, 'gomod-too-large', `go.mod file too large (max size is ${MAX_GO_MOD} bytes)`);
      continue;
    }
    if (name === 'LICENSE' && sz > MAX_LICENSE) {
      fail(e, 'license-too-large', `LICENSE file too large (max size is ${MAX_LICENSE} bytes)`);
      continue;
    }
    result.valid.push(e.name);
  }
  return result;
}

/**
 * go's verdict on a checked zip (CheckedFiles.Err with CheckZip's own errors
 * first): the rule and text, or undefined when the zip may be extracted.
 */
export function zipCheckFailure(checked: CheckedZip): { rule: ZipRule; message: string; problems: ZipProblem[] } | undefined {
  const first = checked.moduleError ?? checked.sizeError;
  if (first !== undefined) return { rule: first.rule, message: first.message, problems: [first] };
  const [head] = checked.invalid;
  if (head === undefined) return undefined;
  return { rule: head.rule, message: checked.invalid.map((p) => p.message).join('\n'), problems: checked.invalid };
}

/**
 * Unzip's checks: throws ZipCheckError with go's text,
 * `unzip <zipName>: <problem>`, unless the go command would extract the zip.
 */
export function assertZipExtractable(mod: { path: string; version: string }, zip: ZipReader, zipName: string): void {
  const failure = zipCheckFailure(checkZip(mod, zip));
  if (failure !== undefined) throw new ZipCheckError(failure.rule, `unzip ${zipName}: ${failure.message}`, failure.problems);
}

/**
 * cmd/go's check right after download, before hashing: every entry must start
 * with `<path>@<version>/`. Throws ZipCheckError('prefix') with go's text,
 * `zip for <path>@<version> has unexpected file <name>`, naming the first
 * offending entry.
 */
export function checkZipPrefix(mod: { path: string; version: string }, zip: ZipReader): void {
  const prefix = utf8Encode(`${mod.path}@${mod.version}/`);
  for (const e of zip.entries) {
    if (!startsWithBytes(e.nameBytes, prefix)) {
      const problem: ZipProblem = { rule: 'prefix', path: e.name, message: `zip for ${mod.path}@${mod.version} has unexpected file ${e.name}` };
      throw new ZipCheckError('prefix', problem.message, [problem]);
    }
  }
}
