/**
 * Loads the module graph of a main module the way the go command does
 * (cmd/go/internal/modload readModGraph and goModSummary), reading go.mod files
 * through a port, so the plan knows every `.mod` file the go command will read
 * and every module version it will select.
 *
 * - Graph pruning: if the main module's go line is >= 1.17 the graph is pruned:
 *   the roots' go.mod files are read, but the requirements of a pruned root are
 *   only recorded, not followed. A module whose go.mod says < 1.17 (or has no go
 *   line) is unpruned: everything below it is read, unpruned too. If the main
 *   module is < 1.17 the whole graph is read.
 * - exclude (main module only): a requirement on an excluded version is dropped
 *   from every go.mod summary (the code's behaviour since Go 1.16).
 * - replace (main module only): `path version =>` beats `path =>`; the go.mod is
 *   read from the replacement, whose module line must name the replaced or the
 *   replacement path. A directory replacement's go.mod is on the user's disk, not
 *   in any proxy; it is read through the optional port, else reported.
 * - The `go` and `toolchain` pseudo-modules of Go 1.21+ carry no files and are left out.
 */
import type { GoModFile } from '../modfile/gomod.ts';
import { parseGoModLax } from '../modfile/gomod.ts';
import { compare as goCompare } from '../gover/gover.ts';
import { ModuleGraph, key } from './graph.ts';
import type { ModuleVersion } from './graph.ts';

/** How the graph below a module version is read. */
export type Pruning = 'pruned' | 'unpruned';

/** Where go.mod files come from. */
export interface GoModLoader {
  /** The bytes of path@version's .mod file (from the GOPROXY list or a cache). */
  goMod(mod: ModuleVersion): Promise<Uint8Array>;
  /** The go.mod of a directory replacement, when the caller can read one. */
  dirGoMod?(dir: string): Promise<Uint8Array | undefined>;
}

/** What a module version is replaced by. */
export interface ReplacementTarget {
  readonly path: string;
  /** Empty for a directory replacement. */
  readonly version: string;
  readonly isDir: boolean;
}

export interface LoadGraphOptions {
  /** The parsed go.mod of the main module. */
  readonly main: GoModFile;
  readonly loader: GoModLoader;
  /** How many go.mod files to load at once (default 8). */
  readonly concurrency?: number;
}

export interface LoadedGraph {
  readonly graph: ModuleGraph;
  readonly mainPath: string;
  readonly pruning: Pruning;
  /**
   * Every module version whose go.mod was read, in the module graph's terms
   * (the required path and version, before replacement).
   */
  readonly goModsRead: readonly ModuleVersion[];
  /** The selected versions, main module excluded, sorted by path (what `go list -m all` lists after the main module). */
  readonly buildList: readonly ModuleVersion[];
  /** The replacement used for a module version (by key), where one applies. */
  readonly replaced: ReadonlyMap<string, ReplacementTarget>;
  /** Human-readable notes: directory replacements not carried, excluded requirements dropped. */
  readonly warnings: readonly string[];
}

/** A failure to load part of the graph, with the chain of requirements that led there. */
export class GraphLoadError extends Error {
  override name = 'GraphLoadError';
  constructor(
    message: string,
    readonly chain: readonly ModuleVersion[],
    readonly failures: readonly { module: ModuleVersion; error: string }[],
  ) {
    super(message);
  }
}

/** Pruning implied by a go.mod's go line; no go line means Go 1.16 (unpruned). */
export function pruningForGoVersion(goVersion: string | undefined): Pruning {
  if (goVersion === undefined || goVersion === '') return 'unpruned';
  return goCompare(goVersion, '1.17') < 0 ? 'unpruned' : 'pruned';
}

function isToolchainPath(path: string): boolean {
  return path === 'go' || path === 'toolchain';
}

interface Summary {
  require: ModuleVersion[];
  pruning: Pruning;
}

/** Returns the replacement for m from the main module's replace lines, if any. */
export function findReplacement(main: GoModFile, m: ModuleVersion): ReplacementTarget | undefined {
  let wildcard: ReplacementTarget | undefined;
  for (const r of main.replace) {
    if (r.oldPath !== m.path) continue;
    const target = { path: r.newPath, version: r.newVersion ?? '', isDir: r.isDir };
    if (r.oldVersion !== undefined && r.oldVersion !== '') {
      if (r.oldVersion === m.version) return target;
    } else {
      wildcard = target;
    }
  }
  return wildcard;
}

function fmtModule(m: ModuleVersion): string {
  return m.version === '' ? m.path : `${m.path}@${m.version}`;
}

/** Reads the module graph of opts.main. Throws GraphLoadError if any go.mod could not be loaded. */
export async function loadGraph(opts: LoadGraphOptions): Promise<LoadedGraph> {
  const { main, loader } = opts;
  const mainPath = main.module?.path;
  if (mainPath === undefined) throw new Error('go.mod: no module declaration');
  const excluded = new Set(main.exclude.map((e) => key({ path: e.path, version: e.version })));
  const warnings: string[] = [];
  const replaced = new Map<string, ReplacementTarget>();

  const roots: ModuleVersion[] = [];
  for (const r of main.require) {
    const m = { path: r.path, version: r.version };
    if (excluded.has(key(m))) {
      warnings.push(`go.mod:${r.line}: requirement ${r.path} ${r.version} is excluded and dropped`);
      continue;
    }
    roots.push(m);
  }
  const mainModule = { path: mainPath, version: '' };
  const graph = new ModuleGraph([mainModule]);
  graph.require(mainModule, roots);
  const pruning = pruningForGoVersion(main.go);

  const summaries = new Map<string, Promise<Summary>>();
  const failures: { module: ModuleVersion; error: string }[] = [];
  const goModsRead: ModuleVersion[] = [];

  const summarize = async (m: ModuleVersion): Promise<Summary> => {
    const target = findReplacement(main, m);
    let data: Uint8Array | undefined;
    let source: ModuleVersion = m;
    if (target !== undefined) {
      replaced.set(key(m), target);
      if (target.isDir) {
        data = await loader.dirGoMod?.(target.path);
        if (data === undefined) {
          warnings.push(
            `${fmtModule(m)} is replaced by the directory ${target.path}: its files are not carried in the bundle and its requirements are not known here`,
          );
          return { require: [], pruning: 'pruned' };
        }
      } else {
        source = { path: target.path, version: target.version };
      }
    }
    if (data === undefined) {
      try {
        data = await loader.goMod(source);
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        throw new Error(msg.startsWith(fmtModule(source)) ? msg : `${fmtModule(source)}: ${msg}`, { cause: err });
      }
    }
    const file = target?.isDir ? `${target.path}/go.mod` : `go.mod`;
    let f: GoModFile;
    try {
      f = parseGoModLax(file, data);
    } catch (err) {
      throw new Error(`${fmtModule(source)}: parsing go.mod: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const declared = f.module?.path;
    if (!target?.isDir) {
      if (declared === undefined) throw new Error(`${fmtModule(source)}: parsing go.mod: missing module line`);
      if (declared !== m.path && declared !== source.path) {
        throw new Error(
          `${fmtModule(source)}: parsing go.mod:\n\tmodule declares its path as: ${declared}\n\t        but was required as: ${m.path}`,
        );
      }
    }
    const require: ModuleVersion[] = [];
    for (const r of f.require) {
      const dep = { path: r.path, version: r.version };
      if (excluded.has(key(dep))) continue;
      require.push(dep);
    }
    return { require, pruning: pruningForGoVersion(f.go) };
  };

  // loadOne reads m's go.mod once and records its edges; enqueue follows edges
  // according to pruning. Dedup is per (module, pruning), as in readModGraph:
  // a module first reached pruned may be reached again unpruned and then followed.
  const enqueued = new Set<string>();
  const queue: { m: ModuleVersion; pruning: Pruning }[] = [];

  const loadOne = (m: ModuleVersion): Promise<Summary> => {
    const k = key(m);
    let p = summaries.get(k);
    if (p === undefined) {
      p = summarize(m).then(
        (s) => {
          graph.require(m, s.require.filter((r) => !isToolchainPath(r.path)));
          goModsRead.push(m);
          return s;
        },
        (err: unknown) => {
          failures.push({ module: m, error: err instanceof Error ? err.message : String(err) });
          throw err;
        },
      );
      summaries.set(k, p);
    }
    return p;
  };

  const enqueue = (m: ModuleVersion, pr: Pruning): void => {
    if (m.version === 'none' || isToolchainPath(m.path)) return;
    const k = `${key(m)}|${pr}`;
    if (enqueued.has(k)) return;
    enqueued.add(k);
    queue.push({ m, pruning: pr });
  };

  const process = async (item: { m: ModuleVersion; pruning: Pruning }): Promise<void> => {
    let s: Summary;
    try {
      s = await loadOne(item.m);
    } catch {
      return; // reported from failures below
    }
    const next: Pruning = item.pruning === 'unpruned' ? 'unpruned' : s.pruning;
    if (item.pruning !== 'pruned' || s.pruning === 'unpruned') {
      for (const r of s.require) enqueue(r, next);
    }
  };

  for (const r of roots) enqueue(r, pruning);

  // A bounded pool draining the queue; items added while running are picked up.
  const limit = Math.max(1, opts.concurrency ?? 8);
  const running = new Set<Promise<void>>();
  while (queue.length > 0 || running.size > 0) {
    while (queue.length > 0 && running.size < limit) {
      const item = queue.shift();
      if (item === undefined) break;
      const p: Promise<void> = process(item).finally(() => running.delete(p));
      running.add(p);
    }
    if (running.size > 0) await Promise.race(running);
  }

  if (failures.length > 0) {
    failures.sort((a, b) => (key(a.module) < key(b.module) ? -1 : 1));
    const first = failures[0]!;
    const chain = graph.pathTo(first.module).filter((m) => m.version !== '');
    const lines = chain.slice(0, -1).map((m, i) => `${i === 0 ? '' : '\t'}${fmtModule(m)} requires\n`);
    const tail = `${chain.length > 1 ? '\t' : ''}${first.error}`;
    throw new GraphLoadError(lines.join('') + tail, chain, failures);
  }

  for (const r of roots) {
    const sel = graph.selected(r.path);
    if (sel !== r.version && !isToolchainPath(r.path)) {
      warnings.push(
        `go.mod requires ${r.path} ${r.version}, but the graph selects ${sel}: the go.mod is not tidy and the go command will ask for 'go mod tidy'`,
      );
    }
  }
  const buildList = graph.buildList().filter((m) => m.version !== '' && !isToolchainPath(m.path));
  goModsRead.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return { graph, mainPath, pruning, goModsRead, buildList, replaced, warnings };
}
