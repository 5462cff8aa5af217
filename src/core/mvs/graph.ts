/**
 * The requirement graph of Minimal Version Selection, as cmd/go/internal/mvs
 * keeps it: the roots, the requirements recorded for each module version whose
 * go.mod was read, and for each path the maximum version any edge asks for.
 *
 * A version that only appears as a requirement (its own go.mod never read, as
 * under graph pruning) still counts for selection: that is what makes
 * `go list -m all` list modules whose go.mod files it never fetched.
 */
import { compare as semverCompare } from '../semver/semver.ts';

/** A module path and version; version "" is the main module, "none" is no version. */
export interface ModuleVersion {
  readonly path: string;
  readonly version: string;
}

/** The key of a module version in maps and sets. */
export function key(m: ModuleVersion): string {
  return `${m.path}@${m.version}`;
}

/**
 * Compares two versions of one module path like the go command's cmpVersion:
 * the main module's empty version is above every version; "none" is below all.
 */
export function compareModuleVersions(v1: string, v2: string): number {
  if (v2 === '') return v1 === '' ? 0 : -1;
  if (v1 === '') return 1;
  return semverCompare(v1, v2);
}

export class ModuleGraph {
  readonly roots: readonly ModuleVersion[];
  private readonly required = new Map<string, readonly ModuleVersion[]>();
  private readonly reachable = new Map<string, ModuleVersion>();
  private readonly selectedVersion = new Map<string, string>();
  /** The first module found to require each version, for error paths. */
  private readonly firstRequiredBy = new Map<string, ModuleVersion | null>();

  constructor(roots: readonly ModuleVersion[]) {
    this.roots = [...roots];
    for (const m of roots) {
      this.reachable.set(key(m), m);
      this.firstRequiredBy.set(key(m), null);
      this.raise(m);
    }
  }

  private raise(m: ModuleVersion): void {
    if (compareModuleVersions(this.selected(m.path), m.version) < 0) this.selectedVersion.set(m.path, m.version);
  }

  /** Records the requirements of m, which must be reachable and not yet recorded. */
  require(m: ModuleVersion, reqs: readonly ModuleVersion[]): void {
    const k = key(m);
    if (!this.reachable.has(k)) throw new Error(`internal error: ${k} is not reachable from any root`);
    if (this.required.has(k)) throw new Error(`internal error: requirements of ${k} have already been set`);
    this.required.set(k, [...reqs]);
    for (const dep of reqs) {
      const dk = key(dep);
      if (!this.reachable.has(dk)) {
        this.reachable.set(dk, dep);
        this.firstRequiredBy.set(dk, m);
      }
      this.raise(dep);
    }
  }

  /** The recorded requirements of m, or undefined if its go.mod was not read. */
  requiredBy(m: ModuleVersion): readonly ModuleVersion[] | undefined {
    return this.required.get(key(m));
  }

  /** The selected version of path, or "none". */
  selected(path: string): string {
    return this.selectedVersion.get(path) ?? 'none';
  }

  /**
   * The selected version of every path in the graph: the roots' paths first in
   * root order, then the rest sorted by path (and version), as mvs.Graph.BuildList.
   */
  buildList(): ModuleVersion[] {
    const seen = new Set<string>();
    const list: ModuleVersion[] = [];
    for (const r of this.roots) {
      if (seen.has(r.path)) continue;
      seen.add(r.path);
      const v = this.selected(r.path);
      if (v !== 'none') list.push({ path: r.path, version: v });
    }
    const rest: ModuleVersion[] = [];
    for (const [path, version] of this.selectedVersion) {
      if (!seen.has(path)) rest.push({ path, version });
    }
    rest.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : compareModuleVersions(a.version, b.version)));
    return list.concat(rest);
  }

  /** The chain of requirements from a root to m (inclusive), for error messages. */
  pathTo(m: ModuleVersion): ModuleVersion[] {
    const chain: ModuleVersion[] = [];
    let cur: ModuleVersion | null | undefined = m;
    const guard = new Set<string>();
    while (cur) {
      const k = key(cur);
      if (guard.has(k)) break;
      guard.add(k);
      chain.unshift(cur);
      cur = this.firstRequiredBy.get(k);
    }
    return chain;
  }
}
