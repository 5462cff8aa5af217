/**
 * go.sum files as cmd/go reads and writes them (modfetch readGoSum / WriteGoSum).
 *
 * Reading: the text is split on "\n" and each line on runs of Unicode white
 * space (strings.Fields), so "\r" and stray spaces vanish; blank lines are
 * skipped; a line without exactly three fields makes go stop with
 * `malformed go.sum:\n<file>:<n>: wrong number of fields N`; a line whose hash
 * is the empty-go.mod sentinel is dropped (an old go bug wrote it). Every other
 * line is kept, even repeated ones and ones with hash kinds other than h1:
 * (which go keeps but never matches). Nothing is dropped without an issue
 * saying so, so an inspector can show every line's status.
 *
 * Writing: one line per distinct (path, version, hash), keys in module.Sort
 * order, hashes of a key in byte order, each `path version hash\n`.
 */
import { sortModuleVersions } from '../module/sort.ts';
import type { ModuleVersion } from '../module/version.ts';
import { isSpace } from './quote.ts';
import { compareStrings } from '../internal/strings.ts';

/** The h1: hash of a zero-byte go.mod, which go drops when reading go.sum. */
export const EMPTY_GOMOD_SUM = 'h1:G7mAYYxgmS0lVkHyy2hEOLQCFB0DlQFTMLWggykrydY=';

/** One go.sum line: `path version hash`, where version may end in "/go.mod". */
export interface GoSumEntry {
  readonly path: string;
  readonly version: string;
  readonly hash: string;
  /** 1-based line number in the file it was read from. */
  readonly line?: number;
}

export type GoSumIssueKind =
  /** Not three fields: go refuses the whole file (except `go mod tidy`, which skips the line). */
  | 'wrong-fields'
  /** The empty-go.mod sentinel hash: go drops the line. */
  | 'empty-gomod'
  /** A hash that is not h1:, kept but never used to verify. */
  | 'unknown-hash'
  /** The same path, version and hash as an earlier line. */
  | 'duplicate'
  /** A second, different h1: hash for a path and version: at most one of them can match. */
  | 'conflict';

export interface GoSumIssue {
  readonly kind: GoSumIssueKind;
  /** 1-based line number. */
  readonly line: number;
  /** The line as written, without its newline. */
  readonly text: string;
  /** What is wrong, in words. */
  readonly message: string;
}

export interface GoSumParseResult {
  /** The lines go would keep, in file order (duplicates included). */
  readonly entries: GoSumEntry[];
  readonly issues: GoSumIssue[];
  /** The message go stops with on this file, if any (the first wrong-fields line). */
  readonly fatal?: string;
}

/** strings.Fields: the non-empty runs between Unicode white space. */
function fields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const ch of line) {
    if (isSpace(ch.codePointAt(0) ?? 0)) {
      if (cur !== '') out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (cur !== '') out.push(cur);
  return out;
}

/** Parses go.sum text (file names the file in messages). */
export function parseGoSum(file: string, text: string): GoSumParseResult {
  const entries: GoSumEntry[] = [];
  const issues: GoSumIssue[] = [];
  let fatal: string | undefined;
  /** For each "path version": each hash seen, with the line it was first seen on. */
  const seen = new Map<string, Map<string, number>>();

  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  lines.forEach((raw, i) => {
    const lineno = i + 1;
    const f = fields(raw);
    if (f.length === 0) return;
    const issue = (kind: GoSumIssueKind, message: string): void => {
      issues.push({ kind, line: lineno, text: raw, message });
    };
    if (f.length !== 3) {
      issue('wrong-fields', `wrong number of fields ${f.length}`);
      fatal ??= `malformed go.sum:\n${file}:${lineno}: wrong number of fields ${f.length}`;
      return;
    }
    const [path = '', version = '', hash = ''] = f;
    if (hash === EMPTY_GOMOD_SUM) {
      issue('empty-gomod', 'hash of an empty go.mod, written by old go versions by mistake; go ignores this line');
      return;
    }
    entries.push({ path, version, hash, line: lineno });
    if (!hash.startsWith('h1:')) {
      issue('unknown-hash', `unknown hash kind ${JSON.stringify(hash.split(':')[0] ?? '')}; go keeps the line but never verifies with it`);
    }
    const key = `${path} ${version}`;
    let hashes = seen.get(key);
    if (hashes === undefined) {
      hashes = new Map();
      seen.set(key, hashes);
    }
    const first = hashes.get(hash);
    if (first !== undefined) {
      issue('duplicate', `duplicate of line ${first}`);
      return;
    }
    if (hash.startsWith('h1:')) {
      for (const [other, at] of hashes) {
        if (other.startsWith('h1:')) {
          issue('conflict', `${path} ${version} has another h1: hash on line ${at} (${other}); at most one can be right`);
          break;
        }
      }
    }
    hashes.set(hash, lineno);
  });

  return fatal === undefined ? { entries, issues } : { entries, issues, fatal };
}


/** The go.sum text for entries: sorted as go writes it, each distinct line once. */
export function formatGoSum(entries: readonly Pick<GoSumEntry, 'path' | 'version' | 'hash'>[]): string {
  const byKey = new Map<string, { mod: ModuleVersion; hashes: Set<string> }>();
  for (const e of entries) {
    const key = `${e.path} ${e.version}`;
    let group = byKey.get(key);
    if (group === undefined) {
      group = { mod: { path: e.path, version: e.version }, hashes: new Set() };
      byKey.set(key, group);
    }
    group.hashes.add(e.hash);
  }
  const mods = [...byKey.values()].map((g) => g.mod);
  sortModuleVersions(mods);
  let out = '';
  for (const m of mods) {
    const hashes = [...(byKey.get(`${m.path} ${m.version}`)?.hashes ?? [])].sort(compareStrings);
    for (const h of hashes) out += `${m.path} ${m.version} ${h}\n`;
  }
  return out;
}
