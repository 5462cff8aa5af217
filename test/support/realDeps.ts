/**
 * Real dependency sets for conformance tests: small main modules of our own
 * under test/fixtures/depsets/<name> whose pinned requirements pull real modules.
 *
 * prepareDepSet fills a persistent module cache for a set with the real go
 * command and the machine's own GOPROXY/GOSUMDB (the only way these tests touch
 * the network), so a later test can serve `<cacheDir>/cache/download` from a
 * loopback proxy and compare the go command's behaviour with ours. The cache
 * lives under ~/.cache/modcarry-test/depsets/<name> and carries a stamp of the
 * fixture's go.mod and go.sum, so reruns do not run go at all.
 *
 * Which go commands fill it, and why:
 * - `go mod download <every path@version with a zip (h1:) line in go.sum>`:
 *   the zips that `go build`, `go test all` and `go mod tidy` need. Any
 *   failure here is fatal (or a skip, for network trouble): the set is useless
 *   without them.
 * - `go list -m all`: every `.mod` of the module graph and every build-list `.info`.
 * - `go mod download -json all`: the zip of every build-list module, since
 *   our plan carries them all. A proxy may refuse some of them for good
 *   (proxy.golang.org answers 403 for the zip of
 *   google.golang.org/genproto/googleapis/bytestream in "large", a module that
 *   provides no package the set imports); such a refusal (403/404/410) is
 *   recorded as `unavailable`, not fatal. Any other per-module error is
 *   treated as network trouble or a broken fixture, as above.
 * The commands run in a throwaway copy of the fixture (not the returned one), so go.sum lines they add stay there.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goEnvironment } from './goTool.ts';
import type { GoEnv } from './goTool.ts';

/** Re-exported for the tests that import it from here; it lives in goTool.ts. */
export { runGoAsync } from './goTool.ts';

/** The fixture main modules, by name. */
export const DEPSET_NAMES = ['large', 'legacy', 'edges'] as const;
export type DepSetName = (typeof DEPSET_NAMES)[number];

export const DEPSETS_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'depsets');

/** A prepared set: a private copy of the main module and a filled module cache. */
export interface DepSet {
  readonly name: string;
  /** A temporary copy of test/fixtures/depsets/<name> (go.mod, go.sum, main.go). */
  readonly dir: string;
  /**
   * A GOMODCACHE whose cache/download holds the graph's .mod files and the
   * build list's .info and .zip files (except the unavailable ones).
   */
  readonly cacheDir: string;
  /** Build-list zips the machine's proxy refused for good, with go's error. */
  readonly unavailable: readonly UnavailableZip[];
}

/** A zip `go mod download all` could not get, and why (go's error text). */
export interface UnavailableZip {
  /** path@version */
  readonly module: string;
  readonly error: string;
}

/** Either a prepared set or why it could not be prepared (for the skip message). */
export type DepSetResult = ({ ok: true } & DepSet) | { ok: false; reason: string };

const STAMP = 'modcarry-depset.json';
/** The refused zips of the last fill (UnavailableZip[] as JSON), written before the stamp. */
const UNAVAILABLE = 'modcarry-depset-unavailable.json';
/** Bump when the commands that fill the cache change. */
const STAMP_VERSION = 4;

/** The path@version of every go.sum line with a zip hash (not a /go.mod line). */
function zipModules(goSum: string): string[] {
  const out = new Set<string>();
  for (const line of goSum.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length === 3 && !f[1]!.endsWith('/go.mod')) out.add(`${f[0]}@${f[1]}`);
  }
  return [...out].sort();
}
/**
 * Extra downloads per set. edges: a go-sqlite3 version whose go.mod retracts the
 * v2.0.x+incompatible the set requires, so go can report the retraction from
 * the cache alone (retractions come from the newest listed version's go.mod).
 */
const EXTRA_COMMANDS: Readonly<Record<DepSetName, readonly (readonly string[])[]>> = {
  large: [],
  legacy: [],
  edges: [['mod', 'download', 'github.com/mattn/go-sqlite3@v1.14.22']],
};

/** The persistent module cache of a set. */
export function depSetCacheDir(name: string): string {
  return join(homedir(), '.cache', 'modcarry-test', 'depsets', name);
}

/** What the machine's real go environment says about the network (not the hermetic test defaults). */
export function realGoNetworkEnv(): { GOPROXY: string; GOSUMDB: string; GONOSUMDB: string; GOPRIVATE: string; GONOPROXY: string } | string {
  const names = ['GOPROXY', 'GOSUMDB', 'GONOSUMDB', 'GOPRIVATE', 'GONOPROXY'];
  const r = spawnSync('go', ['env', '-json', ...names], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `go env failed: ${r.error?.message ?? r.stderr.trim()}`;
  const env = JSON.parse(r.stdout) as Record<string, string | undefined>;
  return {
    GOPROXY: env.GOPROXY ?? '',
    GOSUMDB: env.GOSUMDB ?? '',
    GONOSUMDB: env.GONOSUMDB ?? '',
    GOPRIVATE: env.GOPRIVATE ?? '',
    GONOPROXY: env.GONOPROXY ?? '',
  };
}

/** The command that fetches every build-list zip, tolerating refusals per module. */
const DOWNLOAD_ALL: readonly string[] = ['mod', 'download', '-json', 'all'];

function fillCommands(name: DepSetName, fixture: string): readonly (readonly string[])[] {
  const zips = zipModules(readFileSync(join(fixture, 'go.sum'), 'utf8'));
  return [['mod', 'download', ...zips], ['list', '-m', 'all'], ...EXTRA_COMMANDS[name], DOWNLOAD_ALL];
}

/** A proxy's final answer that the file is not there for us (go's "reading URL: 403 Forbidden"). */
const REFUSED = /: (403|404|410) [A-Za-z ]+(\n|$)/;

interface DownloadJson {
  Path?: string;
  Version?: string;
  Error?: string;
}

/** The objects `go mod download -json` prints, one after another. */
function parseDownloadJson(stdout: string): DownloadJson[] {
  return stdout
    .split(/\n(?=\{)/)
    .filter((s) => s.trim() !== '')
    .map((s) => JSON.parse(s) as DownloadJson);
}

/**
 * The outcome of `go mod download -json all`: the refused zips, or why the
 * run failed as a whole (undefined refusals) with the first error lines.
 */
function downloadAllOutcome(stdout: string): { unavailable: UnavailableZip[]; other: string[] } {
  const unavailable: UnavailableZip[] = [];
  const other: string[] = [];
  let entries: DownloadJson[];
  try {
    entries = parseDownloadJson(stdout);
  } catch {
    return { unavailable, other: ['unreadable go mod download -json output'] };
  }
  for (const e of entries) {
    if (e.Error === undefined) continue;
    if (REFUSED.test(e.Error) && e.Path !== undefined && e.Version !== undefined) unavailable.push({ module: `${e.Path}@${e.Version}`, error: e.Error });
    else other.push(e.Error);
  }
  return { unavailable, other };
}

function stampOf(name: DepSetName, fixture: string, goVersion: string): string {
  const h = createHash('sha256');
  h.update(readFileSync(join(fixture, 'go.mod')));
  h.update(readFileSync(join(fixture, 'go.sum')));
  return JSON.stringify({ version: STAMP_VERSION, fixture: h.digest('hex'), go: goVersion, commands: fillCommands(name, fixture) }, null, 1);
}

/**
 * Lines of go's stderr that mean the module proxy (or checksum database) could
 * not be reached, as opposed to a defect in the fixture.
 */
const NETWORK_TROUBLE =
  /dial tcp|no such host|lookup .* on |connection refused|connection reset|i\/o timeout|TLS handshake|certificate|network is unreachable|Client\.Timeout|context deadline exceeded|disabled by GOPROXY=off|GOPROXY list is not the empty string|: (403|404|410|429|5\d\d) |proxyconnect|EOF$/m;

/**
 * Copies the fixture to a temp dir and makes sure its persistent cache is
 * filled. Never throws for lack of network: it returns the reason instead. A
 * go failure that does not look like a network problem is thrown, since that
 * is a broken fixture.
 */
export function prepareDepSet(name: DepSetName): DepSetResult {
  const fixture = join(DEPSETS_ROOT, name);
  const dir = mkdtempSync(join(tmpdir(), `modcarry-depset-${name}-`));
  cpSync(fixture, join(dir, 'src'), { recursive: true });
  const src = join(dir, 'src');
  const cacheDir = depSetCacheDir(name);

  const version = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).stdout?.trim() ?? '';
  const stamp = stampOf(name, fixture, version);
  const stampFile = join(cacheDir, STAMP);
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    const unavailable = JSON.parse(readFileSync(join(cacheDir, UNAVAILABLE), 'utf8')) as UnavailableZip[];
    return { ok: true, name, dir: src, cacheDir, unavailable };
  }

  const skip = (reason: string): DepSetResult => {
    rmSync(dir, { recursive: true, force: true });
    return { ok: false, reason };
  };
  const net = realGoNetworkEnv();
  if (typeof net === 'string') return skip(net);
  if (net.GOPROXY === '' || net.GOPROXY === 'off') {
    return skip(`the machine's GOPROXY is ${JSON.stringify(net.GOPROXY)}, so the real modules of depset ${name} cannot be downloaded`);
  }
  mkdirSync(cacheDir, { recursive: true });
  const home = join(dir, 'home');
  // go adds go.sum lines as it goes: it runs in a copy of its own, so `src` stays the fixture.
  const scratch = join(dir, 'fill');
  cpSync(fixture, scratch, { recursive: true });
  const env: GoEnv = { home, ...net, extra: { GOMODCACHE: cacheDir, GONOPROXY: net.GONOPROXY } };
  let unavailable: UnavailableZip[] = [];
  for (const args of fillCommands(name, fixture)) {
    const r = spawnSync('go', args, { cwd: scratch, env: goEnvironment(env), encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 });
    let stderr = r.error ? r.error.message : r.stderr;
    if (r.error === undefined && r.status === 0) continue;
    if (r.error === undefined && args === DOWNLOAD_ALL) {
      const outcome = downloadAllOutcome(r.stdout);
      if (outcome.other.length === 0 && outcome.unavailable.length > 0) {
        unavailable = outcome.unavailable;
        continue;
      }
      stderr = [...outcome.other, stderr].join('\n');
    }
    const detail = stderr
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('go: downloading'))
      .slice(0, 2)
      .join(' | ');
    if (r.error !== undefined || NETWORK_TROUBLE.test(stderr)) {
      return skip(`cannot fill the module cache of depset ${name} through GOPROXY=${net.GOPROXY}: go ${args.slice(0, 3).join(' ')}…: ${detail}`);
    }
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`go ${args.slice(0, 3).join(' ')}… failed for depset ${name} (exit ${r.status}):\n${stderr}`);
  }
  // Only cache/download is served; the extracted module trees are half a gigabyte of dead weight.
  for (const entry of readdirSync(cacheDir)) {
    if (entry !== 'cache') rmSync(join(cacheDir, entry), { recursive: true, force: true });
  }
  writeFileSync(join(cacheDir, UNAVAILABLE), JSON.stringify(unavailable, null, 1) + '\n');
  writeFileSync(stampFile, stamp);
  rmSync(home, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
  return { ok: true, name, dir: src, cacheDir, unavailable };
}
