/**
 * MVS and graph loading against the real go command on real dependency sets
 * (test/fixtures/depsets): "large" (a wide pruned graph, >= 150 modules),
 * "legacy" (a go 1.16 main module over go < 1.17 dependencies, so the whole
 * unpruned graph is read) and "edges" (replace by another version and by another
 * path, exclude, a retracted version still required, +incompatible versions).
 *
 * go's truth: `go list -m all` in an EMPTY module cache, with the loopback
 * fixture proxy serving the set's filled cache and GOSUMDB=off (go.sum is
 * complete). Ours: parseGoMod + loadGraph reading .mod files straight from that
 * cache. The build lists must be equal line for line, our go.mod reads (mapped
 * through replacements) plus the go.mod files `go list -m` reads to report Go
 * versions (listingGoModReads) must be exactly the .mod files go fetched, go must have
 * fetched exactly one .info per listed module, and our re-marshalling of each
 * served .info must give go's cached bytes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheInfoText, parseInfo } from '../../src/core/goproxy/info.ts';
import { parseGoMod, parseGoModLax } from '../../src/core/modfile/gomod.ts';
import { parseGoSum } from '../../src/core/modfile/gosum.ts';
import { escapePath, escapeVersion } from '../../src/core/module/escape.ts';
import { findReplacement, loadGraph } from '../../src/core/mvs/loadGraph.ts';
import type { LoadedGraph } from '../../src/core/mvs/loadGraph.ts';
import { key } from '../../src/core/mvs/graph.ts';
import { goSumKeys, listingGoModReads } from '../../src/core/mvs/listModules.ts';
import type { ModuleVersion } from '../../src/core/mvs/graph.ts';
import { compare } from '../../src/core/semver/semver.ts';
import { startFixtureProxy } from '../support/fixtureProxy.ts';
import type { FixtureProxy } from '../support/fixtureProxy.ts';
import { goAvailability, cachedDownloadFiles } from '../support/goTool.ts';
import { DEPSET_NAMES, prepareDepSet, runGoAsync } from '../support/realDeps.ts';
import type { DepSet, DepSetName, DepSetResult } from '../support/realDeps.ts';

const go = goAvailability();
const prepared = new Map<DepSetName, DepSetResult>(
  DEPSET_NAMES.map((n) => [n, go.ok ? prepareDepSet(n) : { ok: false, reason: go.reason }]),
);
for (const [name, r] of prepared) if (!r.ok) console.warn(`modcarry conformance: depset ${name} SKIPPED: ${r.reason}`);


function proxyFile(m: ModuleVersion, suffix: string): string {
  return `${escapePath(m.path)}/@v/${escapeVersion(m.version)}${suffix}`;
}

/** Our build list in `go list -m all` form, replacements shown as go shows them. */
function ourListing(mainPath: string, g: LoadedGraph, main: ReturnType<typeof parseGoMod>): string[] {
  const lines = [mainPath];
  for (const m of g.buildList) {
    const r = findReplacement(main, m);
    let line = `${m.path} ${m.version}`;
    if (r !== undefined) line += r.isDir ? ` => ${r.path}` : ` => ${r.path} ${r.version}`;
    lines.push(line);
  }
  return lines;
}

/** The module version whose files stand for m (its replacement, if any). */
function actual(main: ReturnType<typeof parseGoMod>, m: ModuleVersion): ModuleVersion {
  const r = findReplacement(main, m);
  return r === undefined || r.isDir ? m : { path: r.path, version: r.version };
}

interface Truth {
  listing: string[];
  mods: string[];
  infos: string[];
  gomodcache: string;
}

function describeDepSet(name: DepSetName, shape: (set: DepSet, g: LoadedGraph, main: ReturnType<typeof parseGoMod>) => void | Promise<void>): void {
  const r = prepared.get(name)!;
  const title = `MVS on the real depset "${name}" equals ${go.version || 'go'}${r.ok ? '' : ` (skipped: ${r.reason})`}`;
  describe.skipIf(!r.ok)(title, () => {
    const set = r as DepSet;
    let proxy: FixtureProxy;
    let home = '';
    let truth: Truth;
    let main: ReturnType<typeof parseGoMod>;
    let ours: LoadedGraph;

    beforeAll(async () => {
      home = mkdtempSync(join(tmpdir(), `modcarry-mvs-${name}-`));
      proxy = await startFixtureProxy({ root: join(set.cacheDir, 'cache', 'download') });
      const res = await runGoAsync(['list', '-m', 'all'], set.dir, { home, GOPROXY: proxy.url, GOSUMDB: 'off' });
      if (res.status !== 0) throw new Error(`go list -m all failed:\n${res.stderr}`);
      const gomodcache = join(home, 'gopath', 'pkg', 'mod');
      truth = {
        listing: res.stdout.split('\n').filter((l) => l !== ''),
        mods: cachedDownloadFiles(gomodcache, '.mod'),
        infos: cachedDownloadFiles(gomodcache, '.info'),
        gomodcache,
      };
      main = parseGoMod('go.mod', readFileSync(join(set.dir, 'go.mod')));
      const download = join(set.cacheDir, 'cache', 'download');
      ours = await loadGraph({
        main,
        loader: { goMod: async (m) => readFileSync(join(download, ...proxyFile(m, '.mod').split('/'))) },
      });
    });

    afterAll(async () => {
      await proxy?.close();
      if (home !== '') rmSync(home, { recursive: true, force: true });
      rmSync(dirname(set.dir), { recursive: true, force: true });
    });

    it('selects the build list `go list -m all` prints', () => {
      expect(ourListing(main.module!.path, ours, main)).toEqual(truth.listing);
    });

    it('reads exactly the .mod files go fetched into an empty module cache', () => {
      const graphMods = ours.goModsRead.filter((m) => !findReplacement(main, m)?.isDir).map((m) => proxyFile(actual(main, m), '.mod'));
      const goSum = goSumKeys(parseGoSum('go.sum', readFileSync(join(set.dir, 'go.sum'), 'utf8')).entries);
      const listingMods = listingGoModReads(ours, { main, goSum }).map((m) => proxyFile(m, '.mod'));
      expect(graphMods.filter((f) => listingMods.includes(f))).toEqual([]);
      expect([...new Set([...graphMods, ...listingMods])].sort()).toEqual(truth.mods);
      // Every one of them came through the loopback proxy.
      for (const f of truth.mods) expect(proxy.log.requests(`/${f}`).length, f).toBeGreaterThan(0);
    });

    it("fetches one .info per listed module, and our re-marshalling gives go's cached .info bytes", () => {
      const expected = [...new Set(ours.buildList.map((m) => proxyFile(actual(main, m), '.info')))].sort();
      expect(truth.infos).toEqual(expected);
      const served = join(set.cacheDir, 'cache', 'download');
      for (const f of truth.infos) {
        const goBytes = readFileSync(join(truth.gomodcache, 'cache', 'download', ...f.split('/')), 'utf8');
        expect(cacheInfoText(parseInfo(readFileSync(join(served, ...f.split('/'))))), f).toBe(goBytes);
      }
    });

    it('has the shape this set exists for', async () => {
      await shape(set, ours, main);
    });
  });
}

describeDepSet('large', (_set, g) => {
  expect(g.pruning).toBe('pruned');
  expect(g.buildList.length).toBeGreaterThanOrEqual(150);
  // Pruning matters: many listed modules are selected from an edge alone, their go.mod never read.
  expect(g.goModsRead.length).toBeLessThan(g.buildList.length / 2);
});

describeDepSet('legacy', (set, g, main) => {
  expect(main.go).toBe('1.16');
  expect(g.pruning).toBe('unpruned');
  // More go.mod files than selected modules: non-selected versions are read too.
  expect(g.goModsRead.length).toBeGreaterThan(g.buildList.length);
  // A chain of at least three go < 1.17 go.mod files below a root.
  const download = join(set.cacheDir, 'cache', 'download');
  const goLine = (m: ModuleVersion): string | undefined =>
    parseGoModLax('go.mod', readFileSync(join(download, ...proxyFile(m, '.mod').split('/')))).go;
  const deepest = g.goModsRead
    .map((m) => g.graph.pathTo(m).filter((x) => x.version !== ''))
    .filter((chain) => chain.every((m) => { const v = goLine(m); return v === undefined || compare(`v${v}`, 'v1.17') < 0; }))
    .reduce((a, b) => (b.length > a.length ? b : a), [] as ModuleVersion[]);
  expect(deepest.length, deepest.map(key).join(' -> ')).toBeGreaterThanOrEqual(3);
});

describeDepSet('edges', async (set, g, main) => {
  expect(g.pruning).toBe('pruned');
  const listed = new Map(g.buildList.map((m) => [m.path, m.version]));
  // +incompatible versions, one of them also the target of a replacement.
  expect(g.buildList.filter((m) => m.version.endsWith('+incompatible')).length).toBeGreaterThanOrEqual(2);
  expect(findReplacement(main, { path: 'github.com/satori/go.uuid', version: listed.get('github.com/satori/go.uuid') ?? '' })).toEqual({
    path: 'github.com/gofrs/uuid',
    version: 'v4.4.0+incompatible',
    isDir: false,
  });
  // A replacement by another version of the same module.
  expect(findReplacement(main, { path: 'github.com/pkg/errors', version: 'v0.9.1' })).toEqual({ path: 'github.com/pkg/errors', version: 'v0.8.1', isDir: false });
  // The excluded version is required by logrus, and the edge is dropped: a higher testify is selected instead.
  expect(main.exclude.map((e) => `${e.path} ${e.version}`)).toEqual(['github.com/stretchr/testify v1.2.2']);
  const logrus = { path: 'github.com/sirupsen/logrus', version: listed.get('github.com/sirupsen/logrus') ?? '' };
  const rawLogrus = parseGoModLax('go.mod', readFileSync(join(set.cacheDir, 'cache', 'download', ...proxyFile(logrus, '.mod').split('/'))));
  expect(rawLogrus.require.map((r) => `${r.path} ${r.version}`)).toContain('github.com/stretchr/testify v1.2.2');
  expect(g.graph.requiredBy(logrus)?.map(key)).not.toContain('github.com/stretchr/testify@v1.2.2');
  expect(compare(listed.get('github.com/stretchr/testify') ?? '', 'v1.2.2')).toBe(1);
  // go itself reports the required go-sqlite3 version as retracted (the retraction
  // comes from the go.mod of the newest version the proxy lists).
  const home = mkdtempSync(join(tmpdir(), 'modcarry-mvs-retract-'));
  const proxy = await startFixtureProxy({ root: join(set.cacheDir, 'cache', 'download') });
  try {
    const res = await runGoAsync(['list', '-m', '-retracted', '-json', 'github.com/mattn/go-sqlite3'], set.dir, { home, GOPROXY: proxy.url, GOSUMDB: 'off' });
    expect(res.status, res.stderr).toBe(0);
    const info = JSON.parse(res.stdout) as { Version: string; Retracted?: string[] };
    expect(info.Version).toBe(listed.get('github.com/mattn/go-sqlite3'));
    expect(info.Version).toMatch(/\+incompatible$/);
    expect(info.Retracted?.length).toBeGreaterThan(0);
  } finally {
    await proxy.close();
    rmSync(home, { recursive: true, force: true });
  }
});
