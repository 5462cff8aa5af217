/**
 * The go.sum inspector: every line of a go.sum gets its status, as a list of
 * facets, because one line can be several things at once (a duplicate that
 * matches the checksum database and the downloaded bytes, say).
 *
 * Facets come from three independent witnesses, each optional:
 * - the file itself (parseGoSum's issues): malformed, ignored, unknown hash
 *   kind, duplicate, conflicting h1: hashes for one key;
 * - the checksum database, through a lookup that answers with the verified
 *   record lines (and the record id and tree size that prove them), or says
 *   the module is absent, exempt (GONOSUMDB/GOPRIVATE), or could not be
 *   checked (offline without a stored proof, GOSUMDB=off, an error);
 * - the downloaded files: the h1: of each downloaded zip and go.mod;
 * and the plan, which says which lines nothing needs and which needed sums
 * the file lacks.
 *
 * A line whose hash differs from the database or from the downloaded bytes
 * is a security finding. Only h1: lines are compared: the database and the
 * go command know no other hash kind. Pure: all I/O is in the lookup.
 */
import type { GoSumParseResult } from '../modfile/gosum.ts';
import type { GoSumDifference, Plan } from '../plan/types.ts';
import { mapLimit } from '../internal/mapLimit.ts';

/** What the checksum database says about one go.sum key (`path version[/go.mod]`). */
export type DbAnswer =
  /** The verified record: its lines for the key, its id, and the size of the tree proving it. */
  | { readonly kind: 'found'; readonly lines: readonly string[]; readonly recordId: number; readonly treeSize: number }
  /** The database has no record for the module version. */
  | { readonly kind: 'absent'; readonly detail?: string }
  /** Deliberately not asked: GONOSUMDB/GOPRIVATE. */
  | { readonly kind: 'exempt'; readonly detail: string }
  /** Not checked: offline without a stored proof, GOSUMDB=off, the database unreachable, … */
  | { readonly kind: 'unchecked'; readonly detail: string };

/** Asks the checksum database about path at version (version may end in "/go.mod"). */
export type DbLookup = (path: string, version: string) => Promise<DbAnswer>;

export type LineFacet =
  /** Not three fields: go refuses the whole file. */
  | { readonly kind: 'malformed'; readonly message: string }
  /** The empty-go.mod sentinel: go drops the line. */
  | { readonly kind: 'ignored'; readonly message: string }
  /** A hash kind other than h1:, never used to verify. */
  | { readonly kind: 'unknown-hash'; readonly message: string }
  /** The same line as an earlier one. */
  | { readonly kind: 'duplicate'; readonly message: string }
  /** Another h1: hash for the same key: at most one can be right. */
  | { readonly kind: 'conflict'; readonly message: string }
  | { readonly kind: 'db-match'; readonly db: string; readonly recordId: number; readonly treeSize: number }
  /** SECURITY: the database holds another hash for this key. */
  | { readonly kind: 'db-mismatch'; readonly db: string; readonly dbHash: string; readonly recordId: number; readonly treeSize: number }
  | { readonly kind: 'db-absent'; readonly db: string; readonly detail?: string }
  | { readonly kind: 'exempt'; readonly detail: string }
  | { readonly kind: 'db-unchecked'; readonly detail: string }
  | { readonly kind: 'download-match' }
  /** SECURITY: the downloaded bytes hash otherwise. */
  | { readonly kind: 'download-mismatch'; readonly downloaded: string }
  /** The plan needs no file this line vouches for. */
  | { readonly kind: 'not-needed' };

export type FacetKind = LineFacet['kind'];

/** How much a facet matters: security findings fail a check; problems are worth a look. */
export function facetSeverity(kind: FacetKind): 'security' | 'problem' | 'ok' | 'info' {
  switch (kind) {
    case 'db-mismatch':
    case 'download-mismatch':
      return 'security';
    case 'malformed':
    case 'conflict':
    case 'db-absent':
      return 'problem';
    case 'db-match':
    case 'download-match':
    case 'exempt':
      return 'ok';
    default:
      return 'info';
  }
}

/** One line of the go.sum and everything known about it. */
export interface LineStatus {
  /** 1-based line number. */
  readonly line: number;
  /** The line's text (fields joined by one space for well-formed lines). */
  readonly text: string;
  readonly path?: string;
  /** With "/go.mod" for go.mod lines. */
  readonly version?: string;
  readonly hash?: string;
  readonly facets: readonly LineFacet[];
}

export interface GoSumInspection {
  /** Every non-blank line, in file order. */
  readonly lines: readonly LineStatus[];
  /** Sums the plan needs that go.sum lacks (empty without a plan). */
  readonly missing: readonly GoSumDifference[];
  /** How many lines carry each facet kind. */
  readonly counts: Readonly<Partial<Record<FacetKind, number>>>;
  /** Lines with a security facet. */
  readonly security: number;
}

export interface InspectOptions {
  /** The checksum database: its name (for messages) and the lookup. */
  readonly db?: { readonly name: string; readonly lookup: DbLookup };
  /** The plan, for not-needed lines and missing sums. */
  readonly plan?: Pick<Plan, 'goSumNotNeeded' | 'goSumMissing'>;
  /** h1: hashes of downloaded files, keyed `path version` (version with "/go.mod" for a go.mod). */
  readonly downloaded?: ReadonlyMap<string, string>;
  /** Lookups in flight at once (default 8). */
  readonly concurrency?: number;
}

const ISSUE_FACET = {
  'wrong-fields': 'malformed',
  'empty-gomod': 'ignored',
  'unknown-hash': 'unknown-hash',
  duplicate: 'duplicate',
  conflict: 'conflict',
} as const;

function dbFacet(db: string, key: { path: string; version: string; hash: string }, a: DbAnswer): LineFacet {
  switch (a.kind) {
    case 'found': {
      const prefix = `${key.path} ${key.version} `;
      if (a.lines.includes(prefix + key.hash)) return { kind: 'db-match', db, recordId: a.recordId, treeSize: a.treeSize };
      const other = a.lines.find((l) => l.startsWith(prefix));
      if (other !== undefined) return { kind: 'db-mismatch', db, dbHash: other.slice(prefix.length), recordId: a.recordId, treeSize: a.treeSize };
      return { kind: 'db-absent', db, detail: `record ${a.recordId} has no line for ${key.path} ${key.version}` };
    }
    case 'absent':
      return a.detail !== undefined ? { kind: 'db-absent', db, detail: a.detail } : { kind: 'db-absent', db };
    case 'exempt':
      return { kind: 'exempt', detail: a.detail };
    case 'unchecked':
      return { kind: 'db-unchecked', detail: a.detail };
  }
}

/** Inspects a parsed go.sum; see the file comment. The lookup is asked once per distinct key. */
export async function inspectGoSum(parsed: GoSumParseResult, opts: InspectOptions = {}): Promise<GoSumInspection> {
  const byLine = new Map<number, { text: string; path?: string; version?: string; hash?: string; facets: LineFacet[] }>();
  for (const e of parsed.entries) {
    if (e.line === undefined) continue;
    byLine.set(e.line, { text: `${e.path} ${e.version} ${e.hash}`, path: e.path, version: e.version, hash: e.hash, facets: [] });
  }
  for (const issue of parsed.issues) {
    let st = byLine.get(issue.line);
    if (st === undefined) {
      st = { text: issue.text.trim(), facets: [] };
      byLine.set(issue.line, st);
    }
    st.facets.push({ kind: ISSUE_FACET[issue.kind], message: issue.message });
  }

  const comparable = parsed.entries.filter((e) => e.line !== undefined && e.hash.startsWith('h1:'));
  const keys = [...new Set(comparable.map((e) => `${e.path} ${e.version}`))];
  const answers = new Map<string, DbAnswer>();
  const db = opts.db;
  if (db !== undefined) {
    const got = await mapLimit(keys, opts.concurrency ?? 8, (k) => {
      const sp = k.indexOf(' ');
      return db.lookup(k.slice(0, sp), k.slice(sp + 1));
    });
    keys.forEach((k, i) => answers.set(k, got[i]!));
  }
  for (const e of comparable) {
    const st = byLine.get(e.line!)!;
    const key = `${e.path} ${e.version}`;
    const a = answers.get(key);
    if (db !== undefined && a !== undefined) st.facets.push(dbFacet(db.name, e, a));
    const dl = opts.downloaded?.get(key);
    if (dl !== undefined) st.facets.push(dl === e.hash ? { kind: 'download-match' } : { kind: 'download-mismatch', downloaded: dl });
  }

  if (opts.plan !== undefined) {
    const unneeded = new Set(opts.plan.goSumNotNeeded.map((d) => (d.line !== undefined ? `#${d.line}` : `${d.path} ${d.version}`)));
    for (const e of parsed.entries) {
      if (e.line === undefined) continue;
      if (unneeded.has(`#${e.line}`) || unneeded.has(`${e.path} ${e.version}`)) byLine.get(e.line)!.facets.push({ kind: 'not-needed' });
    }
  }

  const lines: LineStatus[] = [...byLine.entries()].sort((a, b) => a[0] - b[0]).map(([line, st]) => ({ line, ...st }));
  const counts: Partial<Record<FacetKind, number>> = {};
  let security = 0;
  for (const l of lines) {
    const kinds = new Set(l.facets.map((f) => f.kind));
    for (const k of kinds) counts[k] = (counts[k] ?? 0) + 1;
    if ([...kinds].some((k) => facetSeverity(k) === 'security')) security++;
  }
  return { lines, missing: opts.plan?.goSumMissing ?? [], counts, security };
}

/** A facet in words, for tables and logs. */
export function describeFacet(f: LineFacet): string {
  switch (f.kind) {
    case 'malformed':
      return `malformed: ${f.message}`;
    case 'ignored':
      return `ignored: ${f.message}`;
    case 'unknown-hash':
      return f.message;
    case 'duplicate':
      return f.message;
    case 'conflict':
      return `conflict: ${f.message}`;
    case 'db-match':
      return `matches ${f.db} (record ${f.recordId}, tree size ${f.treeSize})`;
    case 'db-mismatch':
      return `SECURITY: differs from ${f.db} (record ${f.recordId}, tree size ${f.treeSize}), which has ${f.dbHash}`;
    case 'db-absent':
      return `absent from ${f.db}${f.detail !== undefined ? ` (${f.detail})` : ''}`;
    case 'exempt':
      return `exempt from the checksum database (${f.detail})`;
    case 'db-unchecked':
      return `not checked (${f.detail})`;
    case 'download-match':
      return 'matches the downloaded bytes';
    case 'download-mismatch':
      return `SECURITY: differs from the downloaded bytes, which hash to ${f.downloaded}`;
    case 'not-needed':
      return 'not needed by the plan';
  }
}
