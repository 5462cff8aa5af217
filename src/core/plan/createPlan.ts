/**
 * Builds the Plan: which GOPROXY files the go command will need offline, from
 * a go.mod (the module graph, as the go command builds it), a go.sum, a list
 * of module@query items, and chosen toolchain platforms.
 *
 * Files per module version (checked against go 1.26 with a file:// proxy, see
 * test/conformance/query.test.ts and mvs.test.ts):
 * - build list (`go list -m all`): .info, .mod and .zip. `go build` needs only
 *   .mod and .zip, but `go list -m`, `go mod download` and queries need the
 *   .info, and go reads it for build-list modules only (spec §2.3, §7.1);
 * - other versions whose go.mod the graph loader reads: .mod only (go never
 *   asks for their .info);
 * - go.sum lines: a zip line gives .info, .mod and .zip (a zip line means the
 *   module is built, hence listed); a `/go.mod`-only line gives .mod;
 * - module@query items: the resolved version's three files, plus the graph of
 *   that version's go.mod as if it were a main module (what `go install M@V`
 *   reads), with its replace and exclude lines ignored;
 * - toolchains: only the golang.org/toolchain zip (toolchain switching
 *   downloads the zip and checks its hash, nothing else).
 *
 * go.sum differences (when go.sum comes with a go.mod or items): a `/go.mod`
 * sum is missing when a go.mod the graph reads lacks one (go fails without
 * it); a zip sum is missing for each direct (not `// indirect`) requirement
 * and each query item, which tidy go.mods only list when they provide
 * packages. Which other modules provide packages is unknown without the
 * source, so their zip sums are neither demanded nor called unneeded. A line
 * is not needed when its module version is in none of the graphs.
 */
import { utf8Decode } from '../internal/webstd.ts';
import type { GoproxyClient } from '../goproxy/client.ts';
import type { GoEnv } from '../goproxy/goEnv.ts';
import type { Http } from '../goproxy/http.ts';
import { isNotExist } from '../goproxy/notExist.ts';
import { DisallowedVersionError, Querier } from '../goproxy/query.ts';
import { compare as goCompare, isValid as goIsValid } from '../gover/gover.ts';
import type { GoModFile } from '../modfile/gomod.ts';
import { parseGoMod, parseGoModLax } from '../modfile/gomod.ts';
import type { GoSumEntry } from '../modfile/gosum.ts';
import { parseGoSum } from '../modfile/gosum.ts';
import { compareModuleVersions } from '../module/sort.ts';
import { key } from '../mvs/graph.ts';
import type { ModuleVersion } from '../mvs/graph.ts';
import { findReplacement, loadGraph } from '../mvs/loadGraph.ts';
import type { LoadedGraph } from '../mvs/loadGraph.ts';
import type { GoSumDifference, Plan, PlanFileKind, PlannedModule, PlannedQuery, PlanReason } from './types.ts';
import { mapLimit } from '../internal/mapLimit.ts';

/** The module path of Go toolchain downloads. */
export const TOOLCHAIN_MODULE = 'golang.org/toolchain';

/** A target platform for toolchain zips. */
export interface ToolchainPlatform {
  readonly goos: string;
  readonly goarch: string;
}

export interface CreatePlanOptions {
  /** The main module's go.mod. */
  readonly goMod?: string | Uint8Array;
  /** Its name in messages (default "go.mod"). */
  readonly goModFile?: string;
  readonly goSum?: string | Uint8Array;
  /** Its name in messages (default "go.sum"). */
  readonly goSumFile?: string;
  /** module@query items ("example.com/m@v1.2"); a bare path means @latest. */
  readonly queries?: readonly string[];
  /** Platforms to carry golang.org/toolchain zips for, when the go.mod's go/toolchain line names a Go >= 1.21. */
  readonly toolchains?: readonly ToolchainPlatform[];
  /** The GOPROXY client (the whole list). */
  readonly client: GoproxyClient;
  /** The resolved settings (GONOPROXY decides which paths never go to a proxy). */
  readonly env?: Pick<GoEnv, 'GONOPROXY'>;
  /** With it, each query runs against one proxy entry at a time, as go's does. */
  readonly http?: Http;
  /** Warn about retracted selected versions (one list and latest .mod per module path). */
  readonly retractions?: boolean;
  /** Reads the go.mod of a directory replacement, when the caller can. */
  readonly dirGoMod?: (dir: string) => Promise<Uint8Array | undefined>;
  /** go.mod files loaded at once (default 8). */
  readonly concurrency?: number;
}

/** Why a plan could not be made; message is one clear account (go's texts inside). */
export class PlanError extends Error {
  constructor(
    readonly kind: 'gomod' | 'gosum' | 'query' | 'graph',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PlanError';
  }
}

interface Acc {
  path: string;
  version: string;
  fetchPath: string;
  fetchVersion: string;
  files: Set<PlanFileKind>;
  reasons: Set<PlanReason>;
}

const ALL_FILES: readonly PlanFileKind[] = ['info', 'mod', 'zip'];
const FILE_ORDER: readonly PlanFileKind[] = ['info', 'mod', 'zip'];
const REASON_ORDER: readonly PlanReason[] = ['build-list', 'graph', 'query', 'go.sum', 'toolchain'];

/** gover.FromToolchain: "go1.21.3" or "x-go1.21.3" (custom suffixes dropped) to "1.21.3"; '' when invalid. */
export function fromToolchain(name: string): string {
  if (/[\\/]/.test(name)) return '';
  let v: string;
  if (name.startsWith('go')) v = name.slice(2);
  else {
    const i = name.indexOf('-go');
    if (i < 0) return '';
    v = name.slice(i + 3);
  }
  const cut = v.search(/[ \t+-]/);
  if (cut >= 0) v = v.slice(0, cut);
  return goIsValid(v) ? v : '';
}

/**
 * The toolchain a go.mod calls for, as toolchain.Select picks it from the go
 * and toolchain lines (ignoring the local toolchain, which the plan cannot
 * know): "go1.22.0" for `go 1.22`; undefined below Go 1.21, which has no
 * toolchain module.
 */
export function toolchainFor(main: Pick<GoModFile, 'go' | 'toolchain'>): string | undefined {
  let name = '';
  let minVers = '';
  const tc = main.toolchain;
  if (tc !== undefined && tc !== 'default') {
    const v = fromToolchain(tc);
    if (v !== '') {
      name = tc;
      minVers = v;
    }
  }
  const goVers = main.go ?? '';
  if (goIsValid(goVers) && (minVers === '' || goCompare(goVers, minVers) > 0)) {
    name = 'go' + goVers;
    minVers = goVers;
    // From Go 1.21 a language version's first release is X.Y.0 (golang.org/issue/62278).
    if (/^\d+\.\d+$/.test(goVers) && goCompare(goVers, '1.21') >= 0) name += '.0';
  }
  if (minVers === '' || goCompare(minVers, '1.21') < 0) return undefined;
  return name;
}

/** `golang.org/toolchain` version for a toolchain name and platform. */
export function toolchainModuleVersion(toolchain: string, p: ToolchainPlatform): string {
  return `v0.0.1-${toolchain}.${p.goos}-${p.goarch}`;
}

/** Splits "path@query" as go's ParsePathVersion; a bare path queries "latest". */
export function parseQueryArg(arg: string): { path: string; query: string } {
  const at = arg.indexOf('@');
  if (at < 0) return { path: arg, query: 'latest' };
  const query = arg.slice(at + 1);
  if (query.startsWith('-') || query.startsWith('/')) throw new PlanError('query', `invalid module version ${JSON.stringify(query)}`);
  return { path: arg.slice(0, at), query };
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A slice of go's messages that mean "no proxy had it". */
const NOT_FOUND_TEXT = /: (404|410) |no such file or directory|disabled by GOPROXY=off|no matching versions/;

/** Creates the plan. Throws PlanError for bad input (go.mod, go.sum, queries) and for graphs that cannot be loaded. */
export async function createPlan(opts: CreatePlanOptions): Promise<Plan> {
  const { client } = opts;
  const goModFile = opts.goModFile ?? 'go.mod';
  const goSumFile = opts.goSumFile ?? 'go.sum';
  const mods = new Map<string, Acc>();
  const byFetch = new Map<string, Acc>();
  const warnings: string[] = [];

  const tried = (): string => {
    try {
      return client
        .proxies()
        .map((p) => p.url)
        .join(', ');
    } catch {
      return '';
    }
  };
  const networkError = (kind: 'query' | 'graph', err: unknown): PlanError => {
    const msg = errText(err);
    const list = tried();
    const notFound = isNotExist(err) || NOT_FOUND_TEXT.test(msg);
    return new PlanError(kind, notFound && list !== '' ? `${msg}\n\t(GOPROXY entries tried: ${list})` : msg, { cause: err });
  };

  const add = (m: ModuleVersion, fetch: ModuleVersion, files: readonly PlanFileKind[], reason: PlanReason): void => {
    const k = key(m);
    // A go.sum line or toolchain names what is fetched: it joins the module replaced by it.
    let acc = mods.get(k) ?? (k === key(fetch) ? byFetch.get(k) : undefined);
    if (acc === undefined) {
      acc = { path: m.path, version: m.version, fetchPath: fetch.path, fetchVersion: fetch.version, files: new Set(), reasons: new Set() };
      mods.set(k, acc);
      byFetch.set(key(fetch), acc);
    }
    for (const f of files) acc.files.add(f);
    acc.reasons.add(reason);
  };

  // go.sum first: a malformed one is bad input, reported before any network use.
  let sumEntries: GoSumEntry[] | undefined;
  if (opts.goSum !== undefined) {
    const text = typeof opts.goSum === 'string' ? opts.goSum : utf8Decode(opts.goSum, false);
    const parsed = parseGoSum(goSumFile, text);
    if (parsed.fatal !== undefined) throw new PlanError('gosum', parsed.fatal);
    sumEntries = parsed.entries;
    for (const issue of parsed.issues) {
      if (issue.kind !== 'duplicate') warnings.push(`${goSumFile}:${issue.line}: ${issue.message}`);
    }
  }

  let main: GoModFile | undefined;
  if (opts.goMod !== undefined) {
    try {
      main = parseGoMod(goModFile, opts.goMod);
    } catch (err) {
      throw new PlanError('gomod', errText(err), { cause: err });
    }
    if (main.module === undefined) throw new PlanError('gomod', `${goModFile}: no module declaration in go.mod`);
  }

  const loader = {
    goMod: async (m: ModuleVersion) => (await client.goMod(m.path, m.version)).value,
    ...(opts.dirGoMod !== undefined ? { dirGoMod: opts.dirGoMod } : {}),
  };
  const concurrency = opts.concurrency ?? 8;
  /** go.mod sums the graphs need, and the module versions (fetch keys) the graphs name. */
  const neededModSums = new Set<string>();
  const neededZipSums = new Set<string>();
  const inGraphs = new Set<string>();
  const notCarried: { path: string; version: string; dir: string }[] = [];

  const addGraph = (g: LoadedGraph, gmain: GoModFile, reasonList: PlanReason, reasonGraph: PlanReason): void => {
    const actual = (m: ModuleVersion): ModuleVersion | { dir: string } => {
      const r = findReplacement(gmain, m);
      if (r === undefined) return m;
      return r.isDir ? { dir: r.path } : { path: r.path, version: r.version };
    };
    const selected = new Set<string>();
    for (const m of g.buildList) {
      selected.add(key(m));
      const a = actual(m);
      if ('dir' in a) {
        if (!notCarried.some((n) => n.path === m.path && n.version === m.version)) notCarried.push({ path: m.path, version: m.version, dir: a.dir });
        continue;
      }
      add(m, a, ALL_FILES, reasonList);
      inGraphs.add(key(a));
    }
    for (const m of g.goModsRead) {
      const a = actual(m);
      if ('dir' in a) continue;
      neededModSums.add(key(a));
      inGraphs.add(key(a));
      if (!selected.has(key(m))) add(m, a, ['mod'], reasonGraph);
    }
  };

  let graph: LoadedGraph | undefined;
  if (main !== undefined) {
    try {
      graph = await loadGraph({ main, loader, concurrency });
    } catch (err) {
      throw networkError('graph', err);
    }
    warnings.push(...graph.warnings);
    addGraph(graph, main, 'build-list', 'graph');
    for (const r of main.require) {
      if (r.indirect) continue;
      const sel = graph.graph.selected(r.path);
      if (sel === 'none') continue;
      const rep = findReplacement(main, { path: r.path, version: sel });
      if (rep?.isDir) continue;
      neededZipSums.add(rep === undefined ? `${r.path}@${sel}` : `${rep.path}@${rep.version}`);
    }
  }

  const replacedPaths = new Set((main?.replace ?? []).filter((r) => r.oldVersion === undefined || r.oldVersion === '').map((r) => r.oldPath));
  const querier = new Querier({
    client,
    ...(opts.http !== undefined ? { perProxy: { http: opts.http, gonoproxy: opts.env?.GONOPROXY ?? '' } } : {}),
    ...(main?.module !== undefined ? { mainModule: main.module.path } : {}),
    exclude: main?.exclude ?? [],
    replacedPaths,
  });

  const queries: PlannedQuery[] = [];
  for (const arg of opts.queries ?? []) {
    const { path, query } = parseQueryArg(arg);
    const current = graph !== undefined ? graph.graph.selected(path) : '';
    let version: string;
    try {
      version = (await querier.query(path, query, { current })).version;
    } catch (err) {
      throw networkError('query', err);
    }
    queries.push({ arg, path, query, version });
    if (version === '') continue; // the main module itself
    const m = { path, version };
    add(m, m, ALL_FILES, 'query');
    inGraphs.add(key(m));
    neededZipSums.add(key(m));
    neededModSums.add(key(m));
    try {
      const data = await loader.goMod(m);
      const f = parseGoModLax('go.mod', data);
      const itemMain: GoModFile = { ...f, module: { path }, replace: [], exclude: [] };
      const g = await loadGraph({ main: itemMain, loader, concurrency });
      addGraph(g, itemMain, 'query', 'query');
    } catch (err) {
      throw networkError('graph', err);
    }
  }

  if (sumEntries !== undefined) {
    for (const e of sumEntries) {
      const isMod = e.version.endsWith('/go.mod');
      const version = isMod ? e.version.slice(0, -'/go.mod'.length) : e.version;
      const m = { path: e.path, version };
      add(m, m, isMod ? ['mod'] : ALL_FILES, 'go.sum');
    }
  }

  let toolchainVersion: string | undefined;
  if (main !== undefined && (opts.toolchains?.length ?? 0) > 0) {
    toolchainVersion = toolchainFor(main);
    if (toolchainVersion === undefined) {
      warnings.push(`${goModFile}: its go line (${main.go ?? 'none'}) calls for no toolchain download (Go 1.21 or later); no toolchain zips planned`);
    } else {
      for (const p of opts.toolchains ?? []) {
        const m = { path: TOOLCHAIN_MODULE, version: toolchainModuleVersion(toolchainVersion, p) };
        add(m, m, ['zip'], 'toolchain');
      }
    }
  }

  if (opts.retractions === true && graph !== undefined && main !== undefined) {
    const found = new Map<string, string>();
    await mapLimit(graph.buildList, concurrency, async (m) => {
      if (findReplacement(main, m) !== undefined) return;
      const d = await querier.disallowed(m.path, m.version);
      if (d instanceof DisallowedVersionError && d.reason === 'retracted') found.set(key(m), d.message);
    });
    for (const m of graph.buildList) {
      const w = found.get(key(m));
      if (w !== undefined) warnings.push(w);
    }
  }

  // go.sum hashes and differences.
  const hashes = new Map<string, string[]>();
  for (const e of sumEntries ?? []) {
    const k = `${e.path}@${e.version}`;
    const list = hashes.get(k) ?? [];
    if (!list.includes(e.hash)) list.push(e.hash);
    hashes.set(k, list);
  }
  const modules: PlannedModule[] = [...mods.values()].map((a) => {
    const zipSums = hashes.get(`${a.fetchPath}@${a.fetchVersion}`);
    const modSums = hashes.get(`${a.fetchPath}@${a.fetchVersion}/go.mod`);
    const pm: PlannedModule = {
      path: a.path,
      version: a.version,
      fetchPath: a.fetchPath,
      fetchVersion: a.fetchVersion,
      files: FILE_ORDER.filter((f) => a.files.has(f)),
      reasons: REASON_ORDER.filter((r) => a.reasons.has(r)),
      ...(zipSums !== undefined || modSums !== undefined
        ? { goSum: { ...(zipSums !== undefined ? { zip: zipSums } : {}), ...(modSums !== undefined ? { mod: modSums } : {}) } }
        : {}),
    };
    return pm;
  });
  modules.sort((a, b) => compareModuleVersions(a, b));

  const goSumNotNeeded: GoSumDifference[] = [];
  const goSumMissing: GoSumDifference[] = [];
  if (sumEntries !== undefined && (main !== undefined || queries.length > 0)) {
    const h1 = new Set(sumEntries.filter((e) => e.hash.startsWith('h1:')).map((e) => `${e.path}@${e.version}`));
    for (const e of sumEntries) {
      const version = e.version.endsWith('/go.mod') ? e.version.slice(0, -'/go.mod'.length) : e.version;
      if (!inGraphs.has(`${e.path}@${version}`)) goSumNotNeeded.push({ path: e.path, version: e.version, ...(e.line !== undefined ? { line: e.line } : {}) });
    }
    for (const k of neededModSums) {
      if (!h1.has(`${k}/go.mod`)) goSumMissing.push(splitKey(k, '/go.mod'));
    }
    for (const k of neededZipSums) {
      if (!h1.has(k)) goSumMissing.push(splitKey(k, ''));
    }
    const order = (a: GoSumDifference, b: GoSumDifference): number => compareModuleVersions(a, b) || (a.line ?? 0) - (b.line ?? 0);
    goSumNotNeeded.sort(order);
    goSumMissing.sort(order);
  }

  return {
    formatVersion: 1,
    ...(main?.module !== undefined ? { mainModule: main.module.path } : {}),
    ...(main?.go !== undefined ? { go: main.go } : {}),
    ...(main?.toolchain !== undefined ? { toolchain: main.toolchain } : {}),
    ...(graph !== undefined ? { pruning: graph.pruning } : {}),
    modules,
    goSumNotNeeded,
    goSumMissing,
    notCarried,
    warnings,
    ...(queries.length > 0 ? { queries } : {}),
    ...(toolchainVersion !== undefined ? { toolchainVersion } : {}),
  };
}

function splitKey(k: string, suffix: string): GoSumDifference {
  const at = k.lastIndexOf('@');
  return { path: k.slice(0, at), version: k.slice(at + 1) + suffix };
}
