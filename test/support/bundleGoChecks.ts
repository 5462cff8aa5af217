/**
 * The real go command's checks of an exported bundle, shared by the bundle
 * conformance suite and the browser journey, so both hold a bundle to the same
 * standard:
 * - (1) extracted into an empty GOMODCACHE with GOPROXY=off and the bundle's
 *   tree head installed: go build ./..., go list -m all, go mod verify;
 * - (2) as GOPROXY=file://…/cache/download, GOSUMDB=<key> with no URL (the
 *   bundle's sumdb directory answers), go.sum deleted, -mod=mod: go mod tidy.
 * The helpers run go and return what it wrote; the callers assert. Every go
 * run has HTTP(S)_PROXY and ALL_PROXY at a closed loopback port (noNetworkEnv)
 * and GOTOOLCHAIN=local (goTool.ts), so nothing can quietly reach a network.
 * Also here: the test checksum database of a real depset's module cache.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import type { BundleManifest } from '../../src/core/bundle/manifest.ts';
import { hashGoMod } from '../../src/core/dirhash/hash.ts';
import { bundleLatestFile, parseCachePath, sumdbLatestFile } from '../../src/core/modcache/layout.ts';
import { fileProxyUrl } from './fileProxy.ts';
import { runGoAsync } from './goTool.ts';
import type { GoEnv, GoResult } from './goTool.ts';
import { DEPSETS_ROOT } from './realDeps.ts';
import type { DepSet } from './realDeps.ts';
import { TestLog } from './sumdbServer.ts';

/**
 * A build cache shared by all runs: compiled packages are keyed by their
 * sources (which go still reads from the extracted cache), so this only saves
 * compiling the same real modules again on every run.
 */
export const SHARED_GOCACHE = join(homedir(), '.cache', 'modcarry-test', 'gocache');

/** Every file under dir, '/'-separated and relative to it, sorted; empty when dir does not exist. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Environment that sends every proxied connection of go to a closed loopback port. */
export async function noNetworkEnv(): Promise<Record<string, string>> {
  const closed = `http://127.0.0.1:${await closedPort()}`;
  return { HTTP_PROXY: closed, HTTPS_PROXY: closed, ALL_PROXY: closed, NO_PROXY: '', GONOPROXY: '' };
}

/** r, or an error with go's output when it failed. */
export function goOk(r: GoResult, what: string): GoResult {
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stderr}\n${r.stdout}`);
  return r;
}

/** go.sum as a map from "path version" (version with /go.mod for mod lines) to its hash. */
export function goSumHashes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length === 3) out.set(`${f[0]} ${f[1]}`, f[2]!);
  }
  return out;
}

/** The non-empty lines of text, sorted. */
export function sortedLines(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .sort();
}

/**
 * A checksum database holding every module version of the set's cache: its
 * record has the go.mod line, and the zip line when go.sum or go's .ziphash
 * knows it (a go.mod-only record is what go reads for modules it never unzips).
 */
export async function sumdbForDepSet(set: DepSet, name = 'sum.modcarry.test'): Promise<TestLog> {
  const log = await TestLog.create(name);
  const sums = goSumHashes(readFileSync(join(DEPSETS_ROOT, set.name, 'go.sum'), 'utf8'));
  const entries: { path: string; version: string; file: string }[] = [];
  for (const f of listFiles(join(set.cacheDir, 'cache', 'download'))) {
    const cp = parseCachePath(`cache/download/${f}`);
    if (cp?.kind === 'mod') entries.push({ path: cp.path, version: cp.version, file: join(set.cacheDir, 'cache', 'download', f) });
  }
  for (const e of entries) {
    const mod = sums.get(`${e.path} ${e.version}/go.mod`) ?? (await hashGoMod(readFileSync(e.file)));
    const ziphash = e.file.slice(0, -'.mod'.length) + '.ziphash';
    const zip = sums.get(`${e.path} ${e.version}`) ?? (existsSync(ziphash) ? readFileSync(ziphash, 'utf8') : undefined);
    const rec = (zip !== undefined ? `${e.path} ${e.version} ${zip}\n` : '') + `${e.path} ${e.version}/go.mod ${mod}\n`;
    await log.addRecord(new TextEncoder().encode(rec), `${e.path}@${e.version}`);
  }
  return log;
}

/** Unpacks a bundle (.tar.gz) into dir (created) and returns its manifest. */
export function extractBundle(bundle: string, dir: string): BundleManifest {
  mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-xzf', bundle, '-C', dir]);
  return JSON.parse(readFileSync(join(dir, 'modcarry-manifest.json'), 'utf8')) as BundleManifest;
}

/** Where and how a check runs go. */
export interface GoCheckSetup {
  /** The main module's source: go.mod and main.go are copied from it, and go.sum when a check keeps it. */
  fixture: string;
  /** The unpacked bundle (extractBundle). */
  extracted: string;
  manifest: BundleManifest;
  /** The checksum database's verifier key (GOSUMDB). */
  vkey: string;
  /** A scratch directory for this check's HOME and main module copy (created). */
  work: string;
  /** From noNetworkEnv(). */
  noNet: Record<string, string>;
}

function mainCopy(fixture: string, dir: string, withGoSum: boolean): string {
  mkdirSync(dir, { recursive: true });
  for (const f of ['go.mod', 'main.go']) cpSync(join(fixture, f), join(dir, f));
  if (withGoSum) cpSync(join(fixture, 'go.sum'), join(dir, 'go.sum'));
  return dir;
}

export interface OfflineBuildResult {
  /** `go list -m all` output lines after the main module's. */
  listed: string[];
  /** `go mod verify`'s standard output. */
  verify: string;
  /** go.sum after the runs (go must not have changed it). */
  goSum: string;
}

/**
 * Check (1): the bundle's cache/download into an empty GOMODCACHE, its tree
 * head installed as go's latest, GOPROXY=off: go build ./..., go list -m all,
 * go mod verify must all succeed (throws with go's output otherwise).
 */
export async function goCheckOfflineBuild(s: GoCheckSetup): Promise<OfflineBuildResult> {
  const home = join(s.work, 'home-1');
  const modcache = join(home, 'gopath', 'pkg', 'mod');
  mkdirSync(modcache, { recursive: true });
  cpSync(join(s.extracted, 'cache'), join(modcache, 'cache'), { recursive: true });
  const sumdbName = s.manifest.sumdb!.name;
  const latest = join(home, 'gopath', sumdbLatestFile(sumdbName));
  mkdirSync(join(latest, '..'), { recursive: true });
  cpSync(join(s.extracted, bundleLatestFile(sumdbName)), latest);
  const d = mainCopy(s.fixture, join(s.work, 'main-1'), true);
  // -trimpath keeps this temporary GOMODCACHE's path out of the build cache keys, so the shared GOCACHE hits.
  const e: GoEnv = { home, GOPROXY: 'off', GOSUMDB: s.vkey, GOFLAGS: '-modcacherw -trimpath', extra: { ...s.noNet, GOCACHE: SHARED_GOCACHE } };
  goOk(await runGoAsync(['build', './...'], d, e), 'go build ./...');
  const list = goOk(await runGoAsync(['list', '-m', 'all'], d, e), 'go list -m all').stdout;
  const verify = goOk(await runGoAsync(['mod', 'verify'], d, e), 'go mod verify').stdout;
  return {
    listed: list.split('\n').filter((l) => l !== '').slice(1),
    verify,
    goSum: readFileSync(join(d, 'go.sum'), 'utf8'),
  };
}

export interface TidyResult {
  /** The go.sum go mod tidy wrote. */
  goSum: string;
  /** The tree head go kept as its latest for the database, or undefined. */
  latest: string | undefined;
}

/**
 * Check (2): GOPROXY=file://<bundle>/cache/download, GOSUMDB=<key> with no URL
 * (go reads the database through the proxy's sumdb directory), go.sum
 * deleted, -mod=mod: go mod tidy must succeed (throws otherwise).
 */
export async function goCheckTidyFromFileProxy(s: GoCheckSetup): Promise<TidyResult> {
  const d = mainCopy(s.fixture, join(s.work, 'main-2'), false);
  const home = join(s.work, 'home-2');
  const e: GoEnv = { home, GOPROXY: fileProxyUrl(join(s.extracted, 'cache', 'download')), GOSUMDB: s.vkey, GOFLAGS: '-mod=mod -modcacherw', extra: { ...s.noNet } };
  goOk(await runGoAsync(['mod', 'tidy'], d, e), 'go mod tidy');
  const latestFile = join(home, 'gopath', sumdbLatestFile(s.manifest.sumdb!.name));
  return { goSum: readFileSync(join(d, 'go.sum'), 'utf8'), latest: existsSync(latestFile) ? readFileSync(latestFile, 'utf8') : undefined };
}
