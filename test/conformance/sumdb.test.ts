/**
 * The real go command accepts our test checksum database (test/support/sumdbServer.ts),
 * both named directly in GOSUMDB and carried by a proxy, rejects a wrong sum in it and
 * a forked tree with SECURITY ERROR; and our client verifies the same lookups from the
 * files go cached (offline) and writes the very same cache files itself.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SumdbClient, WriteConflictError } from '../../src/core/sumdb/client.ts';
import type { ClientOps } from '../../src/core/sumdb/client.ts';
import { fileProxyUrl, writeFileProxy } from '../support/fileProxy.ts';
import { goAvailability, runGoAsync } from '../support/goTool.ts';
import type { GoResult } from '../support/goTool.ts';
import { TestLog, goSumRecord, startSumdbServer } from '../support/sumdbServer.ts';
import type { RunningSumdbServer } from '../support/sumdbServer.ts';
import { writeZip } from '../support/zipWriter.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const DB = 'sum.example.test';

interface Mod {
  path: string;
  version: string;
}
const ALPHA: Mod = { path: 'example.com/alpha', version: 'v1.0.0' };
const BETA: Mod = { path: 'example.com/Beta', version: 'v1.1.0' };
const GAMMA: Mod = { path: 'example.com/gamma', version: 'v0.1.0' };
const DELTA: Mod = { path: 'example.com/delta', version: 'v1.0.0' };
const ALL = [ALPHA, BETA, GAMMA, DELTA];
const at = (m: Mod): string => `${m.path}@${m.version}`;

function moduleZip(m: Mod): Uint8Array {
  const prefix = `${m.path}@${m.version}/`;
  const pkg = m.path.split('/').pop()!.toLowerCase();
  return writeZip([
    { name: prefix + 'go.mod', data: enc(`module ${m.path}\n\ngo 1.21\n`) },
    { name: prefix + `${pkg}.go`, data: enc(`package ${pkg}\n\n// V is ${m.version}.\nconst V = "${m.version}"\n`) },
  ]);
}

/** go mod download -json prints one pretty-printed object per module. */
function parseDownloadJson(stdout: string): { Path: string; Version: string; Sum?: string; GoModSum?: string; Error?: string }[] {
  return stdout
    .split(/^}$/m)
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => JSON.parse(s + '}') as { Path: string; Version: string; Sum?: string; GoModSum?: string; Error?: string });
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
  walk(dir);
  return out.sort();
}

function memoryOps(readRemote: (path: string) => Promise<Uint8Array>, cache: Map<string, Uint8Array>): ClientOps & { remote: string[] } {
  const config = new Map<string, Uint8Array>();
  const remote: string[] = [];
  return {
    remote,
    readRemote: (p) => {
      remote.push(p);
      return readRemote(p);
    },
    readConfig: (f) => Promise.resolve(config.get(f) ?? new Uint8Array()),
    writeConfig: (f, old, next) => {
      const cur = config.get(f);
      if (cur !== undefined && cur.length > 0 && Buffer.compare(cur, old) !== 0) return Promise.reject(new WriteConflictError());
      config.set(f, next);
      return Promise.resolve();
    },
    readCache: (f) => Promise.resolve(cache.get(f)),
    writeCache: (f, d) => {
      cache.set(f, d);
      return Promise.resolve();
    },
    securityError: () => undefined,
  };
}

describe.skipIf(!goAvailability().ok)('the go command and our test checksum database', () => {
  let tmp: string;
  let proxyDir: string;
  let log: TestLog;
  let server: RunningSumdbServer;
  const sums = new Map<string, { Sum: string; GoModSum: string }>();

  const goHome = (name: string): { home: string; modcache: string; sumdbCache: string; latest: string } => {
    const home = join(tmp, name);
    const modcache = join(home, 'gopath', 'pkg', 'mod');
    return {
      home,
      modcache,
      sumdbCache: join(modcache, 'cache', 'download', 'sumdb', DB),
      latest: join(home, 'gopath', 'pkg', 'sumdb', DB, 'latest'),
    };
  };
  const download = (home: string, mods: Mod[], env: { GOPROXY: string; GOSUMDB: string }): Promise<GoResult> =>
    runGoAsync(['mod', 'download', '-json', ...mods.map(at)], tmp, { home, GONOSUMDB: '', GOPRIVATE: '', ...env });

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'modcarry-sumdb-'));
    proxyDir = join(tmp, 'proxy');
    writeFileProxy(
      proxyDir,
      ALL.map((m) => ({ ...m, mod: `module ${m.path}\n\ngo 1.21\n`, zip: moduleZip(m) })),
    );
    // The sums come from go itself, with the checksum database off.
    const r = await download(join(tmp, 'hash'), ALL, { GOPROXY: fileProxyUrl(proxyDir), GOSUMDB: 'off' });
    expect(r.status, r.stderr).toBe(0);
    for (const d of parseDownloadJson(r.stdout)) sums.set(`${d.Path}@${d.Version}`, { Sum: d.Sum!, GoModSum: d.GoModSum! });
    expect(sums.size).toBe(4);

    log = await TestLog.create(DB);
    await log.addFiller(300); // so the tree spans two leaf tiles and a level-1 tile
    const add = (m: Mod, zipSum?: string): Promise<number> => log.add(m.path, m.version, zipSum ?? sums.get(at(m))!.Sum, sums.get(at(m))!.GoModSum);
    await add(ALPHA);
    await log.addFiller(20);
    await add(BETA);
    await add(DELTA);
    // A wrong zip sum: the database disagrees with what the proxy serves.
    await add(GAMMA, `h1:${Buffer.alloc(32, 7).toString('base64')}`);
    server = await startSumdbServer(log, { proxyDir });
  });

  afterAll(async () => {
    await server?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('go mod download verifies modules against it (GOSUMDB="<vkey> <url>"); our client agrees from go\'s cache alone', async () => {
    const h = goHome('direct');
    const r = await download(h.home, [ALPHA, BETA], { GOPROXY: fileProxyUrl(proxyDir), GOSUMDB: server.gosumdb });
    expect(r.status, r.stderr).toBe(0);
    expect(server.requests).toContain('200 /lookup/example.com/alpha@v1.0.0');
    expect(server.requests).toContain('200 /lookup/example.com/!beta@v1.1.0');
    expect(server.requests.filter((q) => q.startsWith('200 /tile/8/')).length).toBeGreaterThan(0);
    expect(server.requests.filter((q) => !q.startsWith('200 '))).toEqual([]);

    const goFiles = listFiles(h.sumdbCache);
    expect(goFiles).toContain('lookup/example.com/alpha@v1.0.0');
    expect(goFiles).toContain('lookup/example.com/!beta@v1.1.0');
    expect(readFileSync(h.latest, 'utf8')).toBe(new TextDecoder().decode(await log.signedTree()));

    // Offline: our client reads exactly what go cached, with its stored latest.
    const goCache = new Map(goFiles.map((f) => [`${DB}/${f}`, new Uint8Array(readFileSync(join(h.sumdbCache, f)))]));
    const offline = memoryOps(() => Promise.reject(new Error('offline')), goCache);
    await offline.writeConfig(`${DB}/latest`, new Uint8Array(), new Uint8Array(readFileSync(h.latest)));
    const c = new SumdbClient(offline, { key: log.vkey });
    for (const m of [ALPHA, BETA]) {
      const s = sums.get(at(m))!;
      expect(await c.lookup(m.path, m.version)).toEqual([`${m.path} ${m.version} ${s.Sum}`]);
      expect(await c.lookup(m.path, `${m.version}/go.mod`)).toEqual([`${m.path} ${m.version}/go.mod ${s.GoModSum}`]);
    }
    expect(offline.remote).toEqual([]);

    // Online with an empty cache: our client fetches and saves the same files, byte for byte.
    const ours = new Map<string, Uint8Array>();
    const online = memoryOps(async (p) => {
      const res = await fetch(server.url + p);
      if (!res.ok) throw new Error(`reading ${server.url}${p}: ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    }, ours);
    const c2 = new SumdbClient(online, { key: log.vkey });
    for (const m of [ALPHA, BETA]) await c2.lookup(m.path, m.version);
    expect([...ours.keys()].map((k) => k.slice(DB.length + 1)).sort()).toEqual(goFiles);
    for (const [k, v] of ours) expect(Buffer.from(v).equals(goCache.get(k)!), k).toBe(true);
  });

  it('go reaches it through a proxy that answers /sumdb/<name>/supported (GOSUMDB="<vkey>")', async () => {
    const h = goHome('viaproxy');
    server.requests.length = 0;
    const r = await download(h.home, [ALPHA], { GOPROXY: server.url, GOSUMDB: log.vkey });
    expect(r.status, r.stderr).toBe(0);
    expect(server.requests).toContain(`200 /sumdb/${DB}/supported`);
    expect(server.requests).toContain(`200 /sumdb/${DB}/lookup/example.com/alpha@v1.0.0`);
    expect(server.requests).toContain('200 /example.com/alpha/@v/v1.0.0.zip');
    expect(listFiles(h.sumdbCache)).toContain('lookup/example.com/alpha@v1.0.0');
  });

  it('a wrong sum in the database makes go fail with SECURITY ERROR, and our client returns that line', async () => {
    const h = goHome('wrongsum');
    const r = await download(h.home, [GAMMA], { GOPROXY: fileProxyUrl(proxyDir), GOSUMDB: server.gosumdb });
    expect(r.status).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toContain('checksum mismatch');
    expect(out).toContain('SECURITY ERROR');
    expect(out).toContain('This download does NOT match the one reported by the checksum server.');

    const online = memoryOps(async (p) => new Uint8Array(await (await fetch(server.url + p)).arrayBuffer()), new Map());
    const lines = await new SumdbClient(online, { key: log.vkey }).lookup(GAMMA.path, GAMMA.version);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toBe(`${GAMMA.path} ${GAMMA.version} ${sums.get(at(GAMMA))!.Sum}`);
  });

  it('go detects a forked tree of the same size with SECURITY ERROR, as our client does', async () => {
    const h = goHome('fork');
    const ok = await download(h.home, [ALPHA], { GOPROXY: fileProxyUrl(proxyDir), GOSUMDB: server.gosumdb });
    expect(ok.status, ok.stderr).toBe(0);
    const original = server.log;
    server.log = await original.fork(3, goSumRecord('example.com/evil', 'v1.0.0', 'h1:' + Buffer.alloc(32, 1).toString('base64'), 'h1:' + Buffer.alloc(32, 2).toString('base64')));
    try {
      const r = await download(h.home, [DELTA], { GOPROXY: fileProxyUrl(proxyDir), GOSUMDB: server.gosumdb });
      expect(r.status).not.toBe(0);
      const out = r.stdout + r.stderr;
      expect(out).toContain('SECURITY ERROR\ngo.sum database server misbehavior detected!');
      expect(out).toContain('old database:\n\tgo.sum database tree\n');
      expect(out).toContain('proof of misbehavior:\n\t');

      // Our client, primed with go's cache and latest, rejects the fork the same way.
      const goCache = new Map(listFiles(h.sumdbCache).map((f) => [`${DB}/${f}`, new Uint8Array(readFileSync(join(h.sumdbCache, f)))]));
      const reports: string[] = [];
      const ops = memoryOps(async (p) => new Uint8Array(await (await fetch(server.url + p)).arrayBuffer()), goCache);
      ops.securityError = (m) => void reports.push(m);
      await ops.writeConfig(`${DB}/latest`, new Uint8Array(), new Uint8Array(readFileSync(h.latest)));
      await expect(new SumdbClient(ops, { key: log.vkey }).lookup(DELTA.path, DELTA.version)).rejects.toThrowError(/^SECURITY ERROR\n/);
      expect(reports).toHaveLength(1);
      // go prints the same report (its stderr carries it after "verifying module: ..." lines).
      expect(out).toContain(reports[0]!);
    } finally {
      server.log = original;
    }
  });
});
