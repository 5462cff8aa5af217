/**
 * The real go command as a test oracle. Every run is hermetic: a fresh GOPATH,
 * GOMODCACHE and GOCACHE under the caller's directory, GOTOOLCHAIN=local,
 * telemetry off, and GOPROXY/GOSUMDB set explicitly by the test (default: off),
 * so nothing reaches the network unless a test asks the machine's proxy for real
 * modules on purpose (and then only through `go mod download`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface GoAvailability {
  ok: boolean;
  /** Why go cannot be used, for the skip message. */
  reason: string;
  version: string;
}

let cached: GoAvailability | undefined;

/** Whether a usable go command is on PATH. */
export function goAvailability(): GoAvailability {
  if (cached) return cached;
  const r = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    cached = { ok: false, reason: `no go command on PATH (${r.error?.message ?? r.stderr.trim()})`, version: '' };
  } else {
    cached = { ok: true, reason: '', version: r.stdout.trim() };
  }
  if (!cached.ok) console.warn(`modcarry conformance: SKIPPED: ${cached.reason}`);
  return cached;
}

export interface GoEnv {
  /** Root for GOPATH, GOMODCACHE, GOCACHE and HOME of this go run. */
  home: string;
  GOPROXY?: string;
  GOSUMDB?: string;
  GONOSUMDB?: string;
  GOPRIVATE?: string;
  GOFLAGS?: string;
  /** Extra variables, applied last. */
  extra?: Record<string, string>;
}

export interface GoResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** The environment of a hermetic go run rooted at env.home. */
export function goEnvironment(env: GoEnv): Record<string, string> {
  const gopath = join(env.home, 'gopath');
  mkdirSync(gopath, { recursive: true });
  // GOTELEMETRY is only reported, never read: the mode lives in the user config
  // dir. "off" there (what `go telemetry off` writes) stops go writing counters
  // into HOME, and a child of go doing so while a test removes HOME.
  const telemetry = join(env.home, '.config', 'go', 'telemetry');
  mkdirSync(telemetry, { recursive: true });
  writeFileSync(join(telemetry, 'mode'), 'off');
  const vars: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: env.home,
    GOPATH: gopath,
    GOMODCACHE: join(gopath, 'pkg', 'mod'),
    GOCACHE: join(env.home, 'gocache'),
    GOENV: 'off',
    GOTOOLCHAIN: 'local',
    GOTELEMETRY: 'off',
    GOFLAGS: env.GOFLAGS ?? '-modcacherw',
    GOPROXY: env.GOPROXY ?? 'off',
    GOSUMDB: env.GOSUMDB ?? 'off',
    GONOSUMDB: env.GONOSUMDB ?? '',
    GOPRIVATE: env.GOPRIVATE ?? '',
    GONOPROXY: '',
    GOINSECURE: '',
    CGO_ENABLED: '0',
  };
  if (process.env.GOROOT) vars.GOROOT = process.env.GOROOT;
  return { ...vars, ...env.extra };
}

/** Runs go with args in cwd under a hermetic environment. */
export function runGo(args: readonly string[], cwd: string, env: GoEnv, timeoutMs = 240_000): GoResult {
  const r = spawnSync('go', args, { cwd, env: goEnvironment(env), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 << 20 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * runGo, but asynchronous: a test that serves go from this very process (a
 * loopback proxy or checksum database) must keep its event loop running while
 * go talks to it, which spawnSync would block.
 */
export function runGoAsync(args: readonly string[], cwd: string, env: GoEnv, timeoutMs = 300_000): Promise<GoResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, { cwd, env: goEnvironment(env), stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ status: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** Files under a GOMODCACHE's cache/download ending in suffix, as `<escaped path>/@v/<escaped version><suffix>`, sorted. */
export function cachedDownloadFiles(gomodcache: string, suffix: string): string[] {
  const root = join(gomodcache, 'cache', 'download');
  const out: string[] = [];
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith(suffix)) out.push(relative(root, p).split(sep).join('/'));
    }
  };
  walk(root);
  return out.sort();
}
