/**
 * The benchmark dependency set test/fixtures/depsets/bench: a main module of
 * ours whose go.sum lists 148 module zips (about 153 MiB), every one of them
 * downloadable from proxy.golang.org (unlike "large", whose build list holds
 * package-less modules the proxy refuses).
 *
 * Its module cache is filled once by the go command through the machine's own
 * GOPROXY (`go mod download` of every zip line of go.sum, then `go list -m
 * all`), kept under ~/.cache/modcarry-test/depsets/bench with a stamp of the
 * fixture, and from then on only served from loopback.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapePath, escapeVersion } from '../../src/core/module/escape.ts';
import { goEnvironment } from '../../test/support/goTool.ts';
import { depSetCacheDir, realGoNetworkEnv } from '../../test/support/realDeps.ts';
import { DEPSETS_DIR } from './paths.ts';

export const BENCH_DEPSET = 'bench';

export interface BenchModule {
  readonly path: string;
  readonly version: string;
  /** h1: of the zip, from go.sum. */
  readonly zipHash: string;
  readonly zipBytes: number;
}

export interface BenchDepSet {
  /** The fixture directory (go.mod, go.sum, main.go); read only. */
  readonly fixture: string;
  /** cache/download of the filled module cache: the root the fixture proxy serves. */
  readonly proxyRoot: string;
  /** Every module with a zip line in go.sum, sorted. */
  readonly modules: readonly BenchModule[];
  /** Every go.sum line as [path, version (with /go.mod), hash]. */
  readonly sumLines: readonly (readonly [string, string, string])[];
  readonly zipBytes: number;
}

const STAMP = 'modcarry-bench-depset.json';

export function parseGoSumLines(text: string): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length === 3) out.push([f[0]!, f[1]!, f[2]!]);
  }
  return out;
}

/** The file of a module version in a cache/download tree. */
export function cacheFile(root: string, path: string, version: string, ext: 'zip' | 'mod' | 'info'): string {
  return join(root, escapePath(path), '@v', `${escapeVersion(version)}.${ext}`);
}

/** Fills (once) and describes the bench dependency set; throws with the reason when it cannot. */
export function prepareBenchDepSet(): BenchDepSet {
  const fixture = join(DEPSETS_DIR, BENCH_DEPSET);
  const goSum = readFileSync(join(fixture, 'go.sum'), 'utf8');
  const sumLines = parseGoSumLines(goSum);
  const zipLines = sumLines.filter(([, v]) => !v.endsWith('/go.mod'));
  const cacheDir = depSetCacheDir(BENCH_DEPSET);
  const proxyRoot = join(cacheDir, 'cache', 'download');
  const version = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).stdout?.trim() ?? '';
  const stamp = JSON.stringify({
    version: 1,
    go: version,
    fixture: createHash('sha256').update(readFileSync(join(fixture, 'go.mod'))).update(goSum).digest('hex'),
  });
  const stampFile = join(cacheDir, STAMP);
  if (!existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp) {
    const net = realGoNetworkEnv();
    if (typeof net === 'string') throw new Error(net);
    if (net.GOPROXY === '' || net.GOPROXY === 'off') throw new Error(`the machine's GOPROXY is ${JSON.stringify(net.GOPROXY)}: cannot fill the bench dependency set`);
    mkdirSync(cacheDir, { recursive: true });
    const dir = mkdtempSync(join(tmpdir(), 'modcarry-bench-depset-'));
    try {
      cpSync(fixture, join(dir, 'src'), { recursive: true });
      const env = goEnvironment({ home: join(dir, 'home'), ...net, extra: { GOMODCACHE: cacheDir, GONOPROXY: net.GONOPROXY } });
      const zips = [...new Set(zipLines.map(([p, v]) => `${p}@${v}`))];
      for (const args of [['mod', 'download', ...zips], ['list', '-m', 'all']]) {
        const r = spawnSync('go', args, { cwd: join(dir, 'src'), env, encoding: 'utf8', timeout: 900_000, maxBuffer: 64 << 20 });
        if (r.error !== undefined || r.status !== 0) throw new Error(`go ${args.slice(0, 2).join(' ')} failed: ${r.error?.message ?? r.stderr.slice(0, 2000)}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    for (const entry of readdirSync(cacheDir)) if (entry !== 'cache' && entry !== STAMP) rmSync(join(cacheDir, entry), { recursive: true, force: true });
    writeFileSync(stampFile, stamp);
  }
  const modules = zipLines
    .map(([path, v, h]) => ({ path, version: v, zipHash: h, zipBytes: statSync(cacheFile(proxyRoot, path, v, 'zip')).size }))
    .sort((a, b) => (a.path === b.path ? (a.version < b.version ? -1 : 1) : a.path < b.path ? -1 : 1));
  return { fixture, proxyRoot, modules, sumLines, zipBytes: modules.reduce((n, m) => n + m.zipBytes, 0) };
}
