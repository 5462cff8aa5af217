/**
 * The plan: exactly which files the go command will need on the offline side,
 * derived from what the user gave (go.mod, go.sum, module@query list). The
 * engine downloads and verifies what the plan lists; the bundle carries it.
 * A plan is persisted with its job, so its shape is versioned.
 */

/** One file of the GOPROXY protocol for a module version. */
export type PlanFileKind = 'info' | 'mod' | 'zip';

/** Why a module version is in the plan. */
export type PlanReason =
  /** Selected in the build list (`go list -m all`): all three files. */
  | 'build-list'
  /** Its go.mod is read by the module graph loader (MVS visits it). */
  | 'graph'
  /** Named by a go.sum line. */
  | 'go.sum'
  /** Named by the user as module@query (or the graph of such an item). */
  | 'query'
  /** A golang.org/toolchain zip for a chosen GOOS/GOARCH. */
  | 'toolchain';

/** One module version to fetch. */
export interface PlannedModule {
  /** The module path and canonical version as the go command names it (before replacement). */
  readonly path: string;
  readonly version: string;
  /**
   * What is actually fetched: the replacement target when a module-path replace
   * applies, else path/version themselves.
   */
  readonly fetchPath: string;
  readonly fetchVersion: string;
  /** The files needed, in the order the go command fetches them. */
  readonly files: readonly PlanFileKind[];
  readonly reasons: readonly PlanReason[];
  /** h1 hashes go.sum gives for the zip and for the go.mod, if any. */
  readonly goSum?: { readonly zip?: readonly string[]; readonly mod?: readonly string[] };
}

/** A difference between go.sum and what the graph needs. */
export interface GoSumDifference {
  readonly path: string;
  /** The version, with "/go.mod" for go.mod lines. */
  readonly version: string;
  /** The go.sum line number, for lines go.sum has. */
  readonly line?: number;
}

export interface Plan {
  readonly formatVersion: 1;
  /** The main module path, when a go.mod was given. */
  readonly mainModule?: string;
  /** The go and toolchain lines of the main go.mod. */
  readonly go?: string;
  readonly toolchain?: string;
  /** 'pruned' or 'unpruned' (from the main module's go line), when a go.mod was given. */
  readonly pruning?: 'pruned' | 'unpruned';
  /** Sorted by module path, then version (module.Sort). */
  readonly modules: readonly PlannedModule[];
  /** go.sum lines the graph does not need. */
  readonly goSumNotNeeded: readonly GoSumDifference[];
  /** Sums the graph needs that go.sum lacks. */
  readonly goSumMissing: readonly GoSumDifference[];
  /** Modules replaced by local directories: not carried. */
  readonly notCarried: readonly { readonly path: string; readonly version: string; readonly dir: string }[];
  /** Retracted versions in use, deprecations, untidy go.mod and other notes. */
  readonly warnings: readonly string[];
  /** How each module@query item resolved, in the order given. */
  readonly queries?: readonly PlannedQuery[];
  /** The Go toolchain the go.mod's go/toolchain lines call for (e.g. "go1.22.0"), when toolchains were asked for. */
  readonly toolchainVersion?: string;
}

/** One module@query item and the version it resolved to. */
export interface PlannedQuery {
  /** The item as given, e.g. "example.com/m@v1.2". */
  readonly arg: string;
  readonly path: string;
  readonly query: string;
  readonly version: string;
}
