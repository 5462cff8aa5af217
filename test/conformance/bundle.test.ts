/**
 * Our carry bundle against the real go command, with no network at all
 * (HTTP_PROXY and HTTPS_PROXY point at a closed loopback port, GOPROXY is
 * off or file://, the checksum database is a test log carried in the bundle).
 *
 * Modules: hand-written importable ones (a capitalised path, a /v2, a
 * pseudo-version, a dependency chain) plus generated corpus modules (odd
 * names, Zip64, data descriptors, capitalised versions). go downloads them
 * from a file proxy into a reference cache; OUR bundle is built from the
 * proxy's bytes re-derived by our code (.info re-marshalled by
 * src/core/goproxy/info.ts, .ziphash by hashZip, list by the exporter, sumdb
 * lookups and tiles by our SumdbClient), then:
 *  (1) extracted into an EMPTY GOMODCACHE with GOPROXY=off: go build ./...,
 *      go list -m all and go mod verify pass;
 *  (2) served as GOPROXY=file://…/cache/download with go.sum deleted,
 *      GOFLAGS=-mod=mod, GOSUMDB=off: go mod tidy rebuilds go.sum;
 *  (2b) the same with the checksum database ON (GOSUMDB=<test key>), answered
 *      by the bundled supported file, lookups and tiles;
 *  (3) our .mod/.zip/.ziphash/.info/list bytes equal what go mod download wrote;
 *  and `modcarry verify` accepts the .tar.gz.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatGoSum } from '../../src/core/modfile/gosum.ts';
import { verifyCommand } from '../../src/cli/verifyCommand.ts';
import { indexTar } from '../../src/engine/bundle/readBundle.ts';
import { bytesSource } from '../../src/core/zip/source.ts';
import { listFiles } from '../support/bundleGoChecks.ts';
import { fileProxyUrl, writeFileProxy } from '../support/fileProxy.ts';
import { goAvailability, runGo } from '../support/goTool.ts';
import type { GoEnv, GoResult } from '../support/goTool.ts';
import { generateCorpus } from '../support/moduleCorpus.ts';
import { buildFixture, dec, enc, exportInput, exportToBytes, goModule } from '../unit/bundle/bundleFixture.ts';
import type { Fixture, FixtureModule } from '../unit/bundle/bundleFixture.ts';

const LEAF = goModule('example.com/leaf', 'v0.3.0', { 'leaf.go': 'package leaf\n\n// Name is the leaf.\nconst Name = "leaf"\n' });
// Upper requires leaf, in its go.mod (as .mod and in the zip).
const UPPER = goModule(
  'example.com/Upper',
  'v1.2.0',
  { 'upper.go': 'package upper\n\nimport "example.com/leaf"\n\n// Name joins.\nconst Name = "upper+" + leaf.Name\n' },
  '\nrequire example.com/leaf v0.3.0\n',
);
const MULTI = goModule('example.com/multi/v2', 'v2.1.0', { 'multi.go': 'package multi\n\n// V is two.\nconst V = 2\n' });
const PSEUDO: FixtureModule = {
  ...goModule('example.com/pseudo', 'v0.0.0-20240102030405-abcdefabcdef', { 'p.go': 'package pseudo\n\n// P is p.\nconst P = "p"\n' }),
  info: enc(
    '{"Version":"v0.0.0-20240102030405-abcdefabcdef","Time":"2024-01-02T03:04:05Z","Origin":{"VCS":"git","URL":"https://example.com/pseudo","Ref":"refs/heads/main","Hash":"abcdefabcdef0123456789abcdefabcdef012345","TagSum":"t1:x"}}',
  ),
};
const CORPUS: FixtureModule[] = generateCorpus(20260102, 8).map((c) => ({
  path: c.path,
  version: c.version,
  mod: c.goMod,
  zip: c.zip,
  info: enc(`{"Version":"${c.version}","Time":"2024-05-06T07:08:09.100+02:00"}`),
}));
const ALL = [LEAF, UPPER, MULTI, PSEUDO, ...CORPUS];

const MAIN_GO = `package main

import (
	"fmt"

	"example.com/Upper"
	"example.com/multi/v2"
	"example.com/pseudo"
)

func main() { fmt.Println(upper.Name, multi.V, pseudo.P) }
`;

function mainGoMod(): string {
  const req = ALL.map((m) => `\t${m.path} ${m.version}${m === LEAF || CORPUS.includes(m) ? ' // indirect' : ''}\n`).join('');
  return `module example.com/main\n\ngo 1.25\n\nrequire (\n${req})\n`;
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function ok(r: GoResult, what: string): GoResult {
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  return r;
}

describe.skipIf(!goAvailability().ok)(`carry bundle with ${goAvailability().version || 'go'} offline`, () => {
  let dir = '';
  let fx: Fixture;
  let tarPath = '';
  let gzPath = '';
  let noNet: Record<string, string> = {};
  let goSum = '';

  const env = (home: string, e: Omit<GoEnv, 'home'>): GoEnv => ({ home, ...e, extra: { ...noNet, ...e.extra } });

  function mainDir(name: string, withGoSum: boolean): string {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'go.mod'), mainGoMod());
    writeFileSync(join(d, 'main.go'), MAIN_GO);
    if (withGoSum) writeFileSync(join(d, 'go.sum'), goSum);
    return d;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'modcarry-bundle-'));
    const port = await closedPort();
    noNet = { HTTP_PROXY: `http://127.0.0.1:${port}`, HTTPS_PROXY: `http://127.0.0.1:${port}`, NO_PROXY: '', GONOPROXY: '' };
    const proxy = join(dir, 'proxy');
    writeFileProxy(
      proxy,
      ALL.map((m) => ({ path: m.path, version: m.version, mod: m.mod, ...(m.zip !== undefined ? { zip: m.zip } : {}), info: dec(m.info) })),
    );
    fx = await buildFixture(ALL, { sumdb: true });
    goSum = formatGoSum(
      ALL.flatMap((m) => {
        const h = fx.hashes.get(`${m.path}@${m.version}`)!;
        return [
          { path: m.path, version: m.version, hash: h.zip! },
          { path: m.path, version: `${m.version}/go.mod`, hash: h.mod },
        ];
      }),
    );

    // The reference cache: what go mod download writes from the proxy.
    const ref = mainDir('ref', true);
    ok(
      runGo(['mod', 'download', '-json', ...ALL.map((m) => `${m.path}@${m.version}`)], ref, env(join(dir, 'home-ref'), { GOPROXY: fileProxyUrl(proxy), GOSUMDB: 'off' })),
      'go mod download (reference)',
    );

    const plain = await exportToBytes(exportInput(fx, { settings: { goproxy: 'off', gosumdb: fx.sumdb!.key, gonosumdb: '', goprivate: '' } }), {
      compression: 'none',
      bundleName: 'bundle.tar',
    });
    tarPath = join(dir, 'bundle.tar');
    writeFileSync(tarPath, plain.bytes);
    gzPath = join(dir, 'bundle.tar.gz');
    writeFileSync(gzPath, (await exportToBytes(exportInput(fx), { compression: 1 })).bytes);
  });

  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  function extracted(home: string): string {
    const modcache = join(home, 'gopath', 'pkg', 'mod');
    mkdirSync(modcache, { recursive: true });
    execFileSync('tar', ['-xf', tarPath, '-C', modcache]);
    return modcache;
  }

  it('(1) extracted into an empty GOMODCACHE: go build, go list -m all and go mod verify pass with GOPROXY=off', () => {
    const home = join(dir, 'home-1');
    extracted(home);
    const d = mainDir('main-1', true);
    const e = env(home, { GOPROXY: 'off', GOSUMDB: 'off' });
    ok(runGo(['build', './...'], d, e), 'go build ./...');
    const list = ok(runGo(['list', '-m', 'all'], d, e), 'go list -m all').stdout;
    for (const m of ALL) expect(list).toContain(`${m.path} ${m.version}\n`);
    const verify = ok(runGo(['mod', 'verify'], d, e), 'go mod verify');
    expect(verify.stdout).toContain('all modules verified');
    expect(readFileSync(join(d, 'go.sum'), 'utf8')).toBe(goSum); // nothing had to be added
  });

  it('(2) as GOPROXY=file://…/cache/download with go.sum deleted: go mod tidy rebuilds go.sum offline', () => {
    const modcache = extracted(join(dir, 'home-2-src'));
    const d = mainDir('main-2', false);
    const e = env(join(dir, 'home-2'), { GOPROXY: fileProxyUrl(join(modcache, 'cache', 'download')), GOSUMDB: 'off', GOFLAGS: '-mod=mod' });
    ok(runGo(['mod', 'tidy'], d, e), 'go mod tidy');
    const sum = readFileSync(join(d, 'go.sum'), 'utf8');
    const ours = new Set(goSum.split('\n'));
    const lines = sum.split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThanOrEqual(8); // leaf, Upper, multi, pseudo: zip and go.mod lines
    for (const l of lines) expect(ours.has(l), l).toBe(true);
    ok(runGo(['build', './...'], d, e), 'go build after tidy');
  });

  it('(2b) the same with the checksum database on, answered from the bundled lookups and tiles', () => {
    const modcache = extracted(join(dir, 'home-3-src'));
    const d = mainDir('main-3', false);
    const e = env(join(dir, 'home-3'), { GOPROXY: fileProxyUrl(join(modcache, 'cache', 'download')), GOSUMDB: fx.sumdb!.key, GOFLAGS: '-mod=mod' });
    ok(runGo(['mod', 'tidy'], d, e), 'go mod tidy with GOSUMDB on');
    const sum = readFileSync(join(d, 'go.sum'), 'utf8');
    expect(sum).toContain(`example.com/Upper v1.2.0 ${fx.hashes.get('example.com/Upper@v1.2.0')!.zip}\n`);
    // go stored the bundle's tree head as its latest.
    expect(readFileSync(join(dir, 'home-3', 'gopath', 'pkg', 'sumdb', fx.sumdb!.name, 'latest'), 'utf8')).toBe(fx.sumdb!.note);
  });

  it('(3) our .mod, .zip, .ziphash, .info and list bytes are what go mod download wrote', () => {
    const refDl = join(dir, 'home-ref', 'gopath', 'pkg', 'mod', 'cache', 'download');
    const ours = join(extracted(join(dir, 'home-4')), 'cache', 'download');
    const goFiles = listFiles(refDl).filter((f) => !f.endsWith('.lock') && !f.startsWith('sumdb/'));
    const ourFiles = listFiles(ours).filter((f) => !f.startsWith('sumdb/'));
    expect(ourFiles).toEqual(goFiles);
    expect(goFiles.filter((f) => f.endsWith('/list')).length).toBe(ALL.length);
    // A capitalised version (v1.2.3-Beta3, stored escaped) never makes it into go's list.
    expect(statSync(join(refDl, 'example.com/corpus/m002/@v/list')).size).toBe(0);
    for (const f of goFiles) {
      expect(Buffer.compare(readFileSync(join(ours, f)), readFileSync(join(refDl, f))), f).toBe(0);
    }
  });

  it('modcarry verify accepts the .tar.gz and names a tampered module', async () => {
    const out: string[] = [];
    const w = { write: (s: string) => (out.push(s), true) };
    const code = await verifyCommand([gzPath, '--sumdb-key', fx.sumdb!.key], w, { GOPATH: join(dir, 'no-gopath') });
    expect(out.join(''), out.join('')).toContain(`verified ${ALL.length} module version(s)`);
    expect(code).toBe(0);

    const bad = new Uint8Array(readFileSync(tarPath));
    const e = (await indexTar(bytesSource(bad))).find((x) => x.path === 'cache/download/example.com/leaf/@v/v0.3.0.zip')!;
    const dataAt = e.offset + 30 + (bad[e.offset + 26]! | (bad[e.offset + 27]! << 8)) + (bad[e.offset + 28]! | (bad[e.offset + 29]! << 8));
    bad[dataAt + 1] = bad[dataAt + 1]! ^ 0x20;
    const badPath = join(dir, 'bad.tar');
    writeFileSync(badPath, bad);
    out.length = 0;
    expect(await verifyCommand([badPath], w, { GOPATH: join(dir, 'no-gopath') })).toBe(1);
    const text = out.join('');
    expect(text).toMatch(/^FAIL example\.com\/leaf@v0\.3\.0$/m);
    expect(text).toMatch(/verification FAILED; modules: example\.com\/leaf@v0\.3\.0 \(manifest, zip\)/);
  });
});
