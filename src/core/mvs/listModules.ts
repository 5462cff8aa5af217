/**
 * What `go list -m all` reads on top of the module graph (cmd/go modload
 * moduleInfo/completeFromModCache): for every listed module whose go.mod the
 * graph loader did not read (pruned out), go still loads that go.mod to report
 * its GoVersion, but only when it may: in the default -mod=readonly mode the
 * `<path> <version>/go.mod` line must already be in go.sum with an h1: hash;
 * with -mod=mod it always may. A replaced module is asked about through its
 * replacement (directory replacements are read from disk, not fetched).
 *
 * A failure to fetch one of these is ignored (GoVersion stays empty), so they
 * are not required offline; a cache that should look exactly like the one go
 * fills for `go list -m all` (or `go mod tidy`, which reads the same set when
 * go.sum is tidy) carries them besides the graph's. `go build` of a pruned
 * module reads fewer: only the go.mod files of modules providing packages.
 */
import type { GoModFile } from '../modfile/gomod.ts';
import type { GoSumEntry } from '../modfile/gosum.ts';
import { EMPTY_GOMOD_SUM } from '../modfile/gosum.ts';
import { key } from './graph.ts';
import type { ModuleVersion } from './graph.ts';
import { findReplacement } from './loadGraph.ts';
import type { LoadedGraph } from './loadGraph.ts';

/** The go.sum lines that count as "have a sum" for go's HaveSum: h1: hashes, the empty-go.mod sentinel dropped. */
export function goSumKeys(entries: readonly GoSumEntry[]): Set<string> {
  const keys = new Set<string>();
  for (const e of entries) {
    if (!e.hash.startsWith('h1:') || e.hash === EMPTY_GOMOD_SUM) continue;
    keys.add(`${e.path}@${e.version}`);
  }
  return keys;
}

export interface ListingReadsOptions {
  /** The main module's go.mod (for replacements). */
  readonly main: GoModFile;
  /**
   * The keys of go.sum (see goSumKeys), in -mod=readonly; undefined for
   * -mod=mod, where go reads every listed go.mod.
   */
  readonly goSum: ReadonlySet<string> | undefined;
}

/**
 * The module versions (after replacement: the versions whose .mod is fetched)
 * whose go.mod `go list -m all` reads beyond g.goModsRead, sorted by path then
 * version as the build list is.
 */
export function listingGoModReads(g: LoadedGraph, opts: ListingReadsOptions): ModuleVersion[] {
  const read = new Set<string>();
  for (const m of g.goModsRead) {
    const r = findReplacement(opts.main, m);
    read.add(key(r === undefined || r.isDir ? m : { path: r.path, version: r.version }));
  }
  const out: ModuleVersion[] = [];
  for (const m of g.buildList) {
    const r = findReplacement(opts.main, m);
    if (r?.isDir) continue;
    const actual = r === undefined ? m : { path: r.path, version: r.version };
    const k = key(actual);
    if (read.has(k)) continue;
    if (opts.goSum !== undefined && !opts.goSum.has(`${actual.path}@${actual.version}/go.mod`)) continue;
    read.add(k);
    out.push(actual);
  }
  return out;
}
