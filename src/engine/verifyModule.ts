/**
 * Verification of a module version's files, as the go command verifies a
 * download, with modcarry's stricter rule: a hash must match go.sum when
 * go.sum has lines for it, AND the checksum database unless GOSUMDB=off or
 * the path is GONOSUMDB-exempt (go consults the database only on a go.sum
 * miss). Mismatches are SecurityErrors whose text is go's, naming the module,
 * both hashes and where each came from.
 *
 * Zip order as in cmd/go: the prefix check (before hashing), the h1 hash over
 * the entries (each inflated and CRC-checked), the hash checks, then the
 * extraction rules (a zip go would refuse to unzip fails the module).
 */
import { hashZip } from '../core/dirhash/hash.ts';
import { assertZipExtractable } from '../core/zip/checkZip.ts';
import { ZipFormatError } from '../core/zip/reader.ts';
import type { ZipReader } from '../core/zip/reader.ts';
import { SecurityError } from './classify.ts';
import type { CheckSource } from './moduleState.ts';

/** How a hash was checked against the checksum database. */
export interface SumdbCheckResult {
  /** True when checked and matching, or deliberately skipped. */
  readonly ok: true;
  /** Set when the database was not consulted on purpose. */
  readonly skipped?: 'off' | 'gonosumdb';
  readonly detail: string;
}

/**
 * The checksum database as verification sees it. check throws SecurityError
 * when the database holds another hash for the module (go's text), and any
 * other error when it could not be asked (those are retried).
 */
export interface SumdbChecker {
  check(path: string, version: string, hashes: { readonly zip?: string; readonly mod?: string }): Promise<SumdbCheckResult>;
  /**
   * Asks the database now for the record check() will read first for
   * path@version (`first`: its go.mod line or its zip line), so that its
   * answer is in when the hashes are. check() then takes that answer, or that
   * failure, as its own: the database sees the same requests, only earlier.
   * Sends nothing check() would not send (GOSUMDB=off, a GONOSUMDB or
   * GOPRIVATE path, a database already caught in a fork).
   */
  prefetch?(path: string, version: string, first: 'mod' | 'zip'): void;
}

const GOSUM_MISMATCH = `

SECURITY ERROR
This download does NOT match an earlier download recorded in go.sum.
The bits may have been replaced on the origin server, or an attacker may
have intercepted the download attempt.

For more information, see 'go help module-auth'.
`;

const SUMDB_MISMATCH = `

SECURITY ERROR
This download does NOT match the one reported by the checksum server.
The bits may have been replaced on the origin server, or an attacker may
have intercepted the download attempt.

For more information, see 'go help module-auth'.
`;

/** go's go.sum mismatch: `verifying P@V[/go.mod]: checksum mismatch …`. */
export function goSumMismatch(path: string, version: string, kind: 'zip' | 'mod', downloaded: string, goSum: string): SecurityError {
  const what = kind === 'mod' ? `${path}@${version}/go.mod` : `${path}@${version}`;
  return new SecurityError(`verifying ${what}: checksum mismatch\n\tdownloaded: ${downloaded}\n\tgo.sum:     ${goSum}${GOSUM_MISMATCH}`);
}

/** go's checksum-database mismatch: `P@V: verifying module|go.mod: checksum mismatch …`. */
export function sumdbMismatch(path: string, version: string, kind: 'zip' | 'mod', downloaded: string, db: string, dbHash: string): SecurityError {
  return new SecurityError(
    `${path}@${version}: verifying ${kind === 'mod' ? 'go.mod' : 'module'}: checksum mismatch\n\tdownloaded: ${downloaded}\n\t${db}: ${dbHash}${SUMDB_MISMATCH}`,
  );
}

/**
 * Checks a hash against the go.sum hashes for its key: 'absent' when go.sum
 * has no h1: line for it, 'match' when any line matches, else throws go's
 * mismatch naming the first h1: line.
 */
export function checkGoSum(path: string, version: string, kind: 'zip' | 'mod', got: string, sums: readonly string[] | undefined): 'match' | 'absent' {
  const h1 = (sums ?? []).filter((s) => s.startsWith('h1:'));
  if (h1.length === 0) return 'absent';
  if (h1.includes(got)) return 'match';
  throw goSumMismatch(path, version, kind, got, h1[0]!);
}

/**
 * Checks the computed hashes of fetchPath@fetchVersion against go.sum and the
 * checksum database. Returns where they were checked.
 */
export async function checkHashes(
  m: { readonly fetchPath: string; readonly fetchVersion: string; readonly goSum?: { readonly zip?: readonly string[]; readonly mod?: readonly string[] } },
  hashes: { readonly zip?: string; readonly mod?: string },
  sumdb: SumdbChecker,
): Promise<CheckSource[]> {
  const sources = new Set<CheckSource>();
  for (const kind of ['mod', 'zip'] as const) {
    const got = hashes[kind];
    if (got === undefined) continue;
    if (checkGoSum(m.fetchPath, m.fetchVersion, kind, got, m.goSum?.[kind]) === 'match') sources.add('go.sum');
  }
  if (hashes.zip !== undefined || hashes.mod !== undefined) {
    const r = await sumdb.check(m.fetchPath, m.fetchVersion, hashes);
    sources.add(r.skipped === undefined ? 'sumdb' : 'gonosumdb');
  }
  return [...sources].sort();
}

/** The outcome of hashing a zip read from stored chunks. */
export type ZipHashResult =
  | { readonly ok: true; readonly hash: string }
  /** Entries whose data failed (CRC-32, inflate, short data): their byte ranges in the zip. */
  | { readonly ok: false; readonly badRanges: readonly (readonly [number, number])[]; readonly error: Error };

/**
 * The h1 hash of a zip. An entry failing its CRC-32 (or inflation) does not
 * fail the module at once: the byte ranges of every such entry are returned,
 * so that only those chunks are fetched again. The caller has made the prefix
 * check (checkZipPrefix) first, as go does; a ZipHasher runs this on another
 * thread.
 */
export async function hashZipOrLocate(zip: ZipReader): Promise<ZipHashResult> {
  try {
    return { ok: true, hash: await hashZip(zip) };
  } catch (err) {
    if (!(err instanceof ZipFormatError)) throw err;
    const byOffset = [...zip.entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
    const badRanges: [number, number][] = [];
    for (let i = 0; i < byOffset.length; i++) {
      const e = byOffset[i]!;
      try {
        await zip.readEntry(e);
      } catch {
        const end = byOffset[i + 1]?.localHeaderOffset ?? zip.size;
        badRanges.push([e.localHeaderOffset, Math.max(end, e.localHeaderOffset + 1)]);
      }
    }
    return { ok: false, badRanges, error: err };
  }
}

/** Unzip's rules; throws ZipCheckError with go's `unzip <zipName>: …` text. */
export function checkExtractable(mod: { readonly path: string; readonly version: string }, zip: ZipReader, zipName: string): void {
  assertZipExtractable(mod, zip, zipName);
}
