/**
 * Real sum.golang.org data, verified offline by our client: the go command,
 * with the machine's own GOPROXY and GOSUMDB, downloads the zip modules of the
 * "edges" depset into a module without go.sum (GOFLAGS=-mod=mod), so it looks
 * every one up in the checksum database and caches the lookups, the tiles it
 * authenticated and its latest signed tree head. Our SumdbClient, with the
 * built-in sum.golang.org key and a readRemote that fails loudly, then proves
 * every captured lookup from the captured tiles and latest alone, and returns
 * the very hashes go put in go.sum.
 *
 * The capture is kept in ~/.cache/modcarry-test/realsumdb (stamped with the go
 * version and module list), so reruns need no network. Skipped, with the
 * reason, when go or the proxy and database cannot be reached.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unescapePath, unescapeVersion } from '../../src/core/module/escape.ts';
import { SumdbClient, WriteConflictError } from '../../src/core/sumdb/client.ts';
import type { ClientOps } from '../../src/core/sumdb/client.ts';
import { SUM_GOLANG_ORG, SUM_GOLANG_ORG_KEY } from '../../src/core/sumdb/gosumdb.ts';
import { parseTree } from '../../src/core/sumdb/tlog.ts';
import { goAvailability, runGo } from '../support/goTool.ts';
import { DEPSETS_ROOT, realGoNetworkEnv } from '../support/realDeps.ts';

const CACHE = join(homedir(), '.cache', 'modcarry-test', 'realsumdb');
const STAMP = join(CACHE, 'modcarry-realsumdb.json');
const DOWNLOADS = join(CACHE, 'downloads.json');
const MODCACHE = join(CACHE, 'gopath', 'pkg', 'mod');
const SUMDB_CACHE = join(MODCACHE, 'cache', 'download', 'sumdb', SUM_GOLANG_ORG);
const LATEST = join(CACHE, 'gopath', 'pkg', 'sumdb', SUM_GOLANG_ORG, 'latest');

interface Downloaded {
  Path: string;
  Version: string;
  Sum?: string;
  GoModSum?: string;
  Error?: string;
}

/** The zip modules of the edges depset: +incompatible, a pseudo-version, a major-version suffix. */
function modules(): string[] {
  const out = new Set<string>();
  for (const line of readFileSync(join(DEPSETS_ROOT, 'edges', 'go.sum'), 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length === 3 && !f[1]!.endsWith('/go.mod')) out.add(`${f[0]}@${f[1]}`);
  }
  return [...out].sort();
}

const NETWORK_TROUBLE =
  /dial tcp|no such host|lookup .* on |connection refused|connection reset|i\/o timeout|TLS handshake|certificate|network is unreachable|Client\.Timeout|context deadline exceeded|proxyconnect|: (403|404|410|429|5\d\d) /m;

/** Fills the capture once; returns why not when the network is not there. */
function capture(): { ok: true; downloads: Downloaded[] } | { ok: false; reason: string } {
  const go = goAvailability();
  if (!go.ok) return { ok: false, reason: go.reason };
  const version = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).stdout?.trim() ?? '';
  const stamp = JSON.stringify({ version: 1, go: version, modules: modules() });
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === stamp && existsSync(DOWNLOADS)) {
    return { ok: true, downloads: JSON.parse(readFileSync(DOWNLOADS, 'utf8')) as Downloaded[] };
  }
  const net = realGoNetworkEnv();
  if (typeof net === 'string') return { ok: false, reason: net };
  if (net.GOPROXY === '' || net.GOPROXY === 'off') return { ok: false, reason: `the machine's GOPROXY is ${JSON.stringify(net.GOPROXY)}` };
  if (net.GOSUMDB !== SUM_GOLANG_ORG) return { ok: false, reason: `the machine's GOSUMDB is ${JSON.stringify(net.GOSUMDB)}, not ${SUM_GOLANG_ORG}` };

  rmSync(CACHE, { recursive: true, force: true });
  const work = join(CACHE, 'work');
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'go.mod'), 'module example.com/modcarry/realsumdb\n\ngo 1.22\n');
  // No go.sum, GONOSUMDB empty: every module is looked up in the database.
  const r = runGo(['mod', 'download', '-json', ...modules()], work, { home: CACHE, GOPROXY: net.GOPROXY, GOSUMDB: net.GOSUMDB, GONOSUMDB: '', GOPRIVATE: '', GOFLAGS: '-mod=mod -modcacherw' }, 600_000);
  if (r.status !== 0) {
    const detail = (r.stderr + r.stdout).split('\n').filter((l) => /error|Error|dial|verifying/.test(l)).slice(0, 2).join(' | ');
    rmSync(CACHE, { recursive: true, force: true });
    if (NETWORK_TROUBLE.test(r.stderr + r.stdout)) return { ok: false, reason: `cannot reach the proxy or checksum database through GOPROXY=${net.GOPROXY}: ${detail}` };
    throw new Error(`go mod download failed (exit ${r.status}):\n${r.stderr}`);
  }
  const downloads = r.stdout
    .split(/^}$/m)
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => JSON.parse(s + '}') as Downloaded);
  // Keep the sumdb captures and go's own record of the sums; drop the bulky zips and extracted trees.
  for (const e of readdirSync(MODCACHE)) if (e !== 'cache') rmSync(join(MODCACHE, e), { recursive: true, force: true });
  for (const e of readdirSync(join(MODCACHE, 'cache', 'download'))) if (e !== 'sumdb') rmSync(join(MODCACHE, 'cache', 'download', e), { recursive: true, force: true });
  rmSync(join(CACHE, 'gocache'), { recursive: true, force: true });
  writeFileSync(DOWNLOADS, JSON.stringify(downloads, null, 1));
  writeFileSync(STAMP, stamp);
  return { ok: true, downloads };
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

const captured = goAvailability().ok ? capture() : { ok: false as const, reason: goAvailability().reason };
if (!captured.ok) console.warn(`modcarry conformance: real checksum database SKIPPED: ${captured.reason}`);

describe.skipIf(!captured.ok)('real sum.golang.org lookups and tiles, captured by go, verified offline by our client', () => {
  it('every captured lookup is proven from the captured tiles and latest, with go\'s hashes', async () => {
    const downloads = captured.ok ? captured.downloads : [];
    expect(downloads.length).toBe(modules().length);
    expect(downloads.filter((d) => d.Error !== undefined)).toEqual([]);
    const files = listFiles(SUMDB_CACHE);
    const lookups = files.filter((f) => f.startsWith('lookup/'));
    expect(lookups.length).toBe(downloads.length);
    expect(files.some((f) => f.startsWith('tile/8/'))).toBe(true);
    const latest = new Uint8Array(readFileSync(LATEST));

    const remote: string[] = [];
    const written: string[] = [];
    const security: string[] = [];
    const config = new Map<string, Uint8Array>([[`${SUM_GOLANG_ORG}/latest`, latest]]);
    const ops: ClientOps = {
      readRemote: (path) => {
        remote.push(path);
        return Promise.reject(new Error(`offline test: ${path} was not captured`));
      },
      readConfig: (file) => Promise.resolve(config.get(file) ?? new Uint8Array(0)),
      writeConfig: (file, old, next) => {
        const cur = config.get(file) ?? new Uint8Array(0);
        if (cur.length > 0 && Buffer.compare(cur, old) !== 0) return Promise.reject(new WriteConflictError());
        config.set(file, next);
        return Promise.resolve();
      },
      readCache: (file) => {
        const p = join(SUMDB_CACHE, ...file.slice(SUM_GOLANG_ORG.length + 1).split('/'));
        return Promise.resolve(file.startsWith(SUM_GOLANG_ORG + '/') && existsSync(p) ? new Uint8Array(readFileSync(p)) : undefined);
      },
      writeCache: (file) => {
        written.push(file);
        return Promise.resolve();
      },
      securityError: (msg) => void security.push(msg),
    };
    const client = new SumdbClient(ops, { key: SUM_GOLANG_ORG_KEY });
    const latestSize = parseTree(new TextDecoder().decode(latest).split('\n\n')[0]! + '\n').n;
    const bySum = new Map(downloads.map((d) => [`${d.Path}@${d.Version}`, d]));

    for (const f of lookups) {
      const rest = f.slice('lookup/'.length);
      const at = rest.lastIndexOf('@');
      const path = unescapePath(rest.slice(0, at));
      const version = unescapeVersion(rest.slice(at + 1));
      const d = bySum.get(`${path}@${version}`);
      expect(d, f).toBeDefined();
      const id = Number(readFileSync(join(SUMDB_CACHE, f), 'utf8').split('\n', 1)[0]);
      const zip = await client.lookupRecord(path, version);
      expect(zip.lines).toEqual([`${path} ${version} ${d!.Sum}`]);
      expect(zip.recordId).toBe(id);
      expect(zip.treeSize).toBe(latestSize);
      const mod = await client.lookupRecord(path, `${version}/go.mod`);
      expect(mod.lines).toEqual([`${path} ${version}/go.mod ${d!.GoModSum}`]);
    }
    expect(remote).toEqual([]);
    expect(security).toEqual([]);
    // Everything came from the cache: nothing new was verified that go had not stored.
    expect(written).toEqual([]);
    expect((await client.latestTree()).tree.n).toBe(latestSize);
  });

  it('a tampered capture is refused: a changed hash in a lookup fails to authenticate', async () => {
    const files = listFiles(SUMDB_CACHE).filter((f) => f.startsWith('lookup/'));
    const f = files[0]!;
    const body = readFileSync(join(SUMDB_CACHE, f), 'utf8');
    const tampered = body.replace(/h1:./, (m) => (m.endsWith('A') ? 'h1:B' : 'h1:A'));
    expect(tampered).not.toBe(body);
    const ops: ClientOps = {
      readRemote: (path) => Promise.reject(new Error(`offline test: ${path} was not captured`)),
      readConfig: () => Promise.resolve(new Uint8Array(readFileSync(LATEST))),
      writeConfig: () => Promise.resolve(),
      readCache: (file) => {
        const rel = file.slice(SUM_GOLANG_ORG.length + 1);
        if (rel === f) return Promise.resolve(new TextEncoder().encode(tampered));
        const p = join(SUMDB_CACHE, ...rel.split('/'));
        return Promise.resolve(existsSync(p) ? new Uint8Array(readFileSync(p)) : undefined);
      },
      writeCache: () => Promise.resolve(),
      securityError: () => undefined,
    };
    const rest = f.slice('lookup/'.length);
    const at = rest.lastIndexOf('@');
    await expect(new SumdbClient(ops, { key: SUM_GOLANG_ORG_KEY }).lookup(unescapePath(rest.slice(0, at)), unescapeVersion(rest.slice(at + 1)))).rejects.toThrowError(
      /cannot authenticate record data in server response/,
    );
  });
});
