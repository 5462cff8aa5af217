/**
 * `modcarry download`, built and spawned as a real process: killed with
 * SIGKILL mid-download and run again, it resumes from the state directory and
 * finishes without fetching any committed chunk again; then --out writes the
 * bundle.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCommandModule } from '../../support/buildCommand.ts';
import type { FixtureProxy } from '../../support/fixtureProxy.ts';
import { startFixtureProxy } from '../../support/fixtureProxy.ts';
import type { Fixture } from './harness.ts';
import { CHUNK, makeFixture, MOD_PATH, rangeStart, VERSION, ZIP_PATH } from './harness.ts';

const OUT = resolve('node_modules/.tmp/modcarry-download-cli-test');
let f: Fixture;
let proxy: FixtureProxy;
let state = '';

beforeAll(async () => {
  f = await makeFixture();
  proxy = await startFixtureProxy({ root: f.root });
  state = mkdtempSync(join(tmpdir(), 'modcarry-state-'));
  await buildCommandModule('downloadCommand', OUT);
  writeFileSync(
    join(OUT, 'driver.mjs'),
    "import { downloadCommand } from './downloadCommand.mjs';\n" +
      'try { process.exitCode = await downloadCommand(process.argv.slice(2)); } catch (e) { process.stderr.write(`modcarry: ${e.message}\\n`); process.exitCode = e.name === "UsageError" ? 2 : 1; }\n',
  );
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  rmSync(f.root, { recursive: true, force: true });
  rmSync(state, { recursive: true, force: true });
  rmSync(OUT, { recursive: true, force: true });
});

function cli(args: string[]) {
  const child = spawn(process.execPath, [join(OUT, 'driver.mjs'), ...args], {
    env: { ...process.env, GOPROXY: proxy.url, GOSUMDB: 'off', GOPRIVATE: '', GONOSUMDB: '', GONOPROXY: '', GOFLAGS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  return { child, exit, stderr: () => stderr };
}

/** The committed progress of the zip download in the state directory, if any. */
function journal(): { bytes: number; chunks: number } | undefined {
  const dir = join(state, 'downloads');
  for (const d of existsSync(dir) ? readdirSync(dir) : []) {
    const j = join(dir, d, 'journal.json');
    if (existsSync(j)) return (JSON.parse(readFileSync(j, 'utf8')) as { record: { bytes: number; chunks: number } }).record;
  }
  return undefined;
}

describe('modcarry download', () => {
  it('resumes after SIGKILL without re-fetching committed chunks, then writes the bundle', async () => {
    const args = ['--state', state, '--chunk-size', String(CHUNK), `${MOD_PATH}@${VERSION}`];
    // Slow enough that the kill lands mid-download: about 3 chunks a second.
    proxy.setFaults([{ path: ZIP_PATH, fault: { kind: 'slow', bytesPerSecond: 3 * CHUNK } }]);
    const first = cli(args);
    for (let i = 0; i < 600 && (journal()?.chunks ?? 0) < 3; i++) await new Promise((r) => setTimeout(r, 20));
    first.child.kill('SIGKILL');
    await first.exit;
    const atKill = journal()!;
    expect(atKill.chunks).toBeGreaterThanOrEqual(3);
    expect(atKill.bytes).toBeLessThan(f.zip.length);

    proxy.setFaults([]);
    proxy.log.clear();
    const bundle = join(state, 'bundle.tar.gz');
    const second = cli([...args, '--out', bundle]);
    const code = await second.exit;
    expect(second.stderr()).toMatch(/resuming/);
    expect(code).toBe(0);
    const reqs = proxy.log.requests(ZIP_PATH);
    expect(reqs.length).toBeGreaterThanOrEqual(1);
    expect(rangeStart(reqs[0]!.range)).toBe(atKill.bytes);
    expect(proxy.log.bytesServed(ZIP_PATH)).toBe(f.zip.length - atKill.bytes);
    const stored = readFileSync(join(state, 'files', 'cache', 'download', ...MOD_PATH.split('/'), '@v', `${VERSION}.zip`));
    expect(Buffer.compare(stored, Buffer.from(f.zip))).toBe(0);
    const tgz = readFileSync(bundle);
    expect([tgz[0], tgz[1]]).toEqual([0x1f, 0x8b]);
  }, 60_000);

  it('export: a plain tar for a .tar name, a gzip level by --compression, a delta by --have', async () => {
    // The job of the first test is complete: export fetches nothing and writes the bundle.
    const args = ['--state', state, '--chunk-size', String(CHUNK), `${MOD_PATH}@${VERSION}`];
    proxy.log.clear();
    const tar = join(state, 'full.tar');
    const full = cli([...args, '--out', tar]);
    expect(await full.exit).toBe(0);
    expect(proxy.log.bytesServed(ZIP_PATH)).toBe(0);
    expect(full.stderr()).toMatch(/full\.tar: tar, \d+ files for 1 module versions/);
    const plain = readFileSync(tar);
    expect(plain.subarray(0, 22).toString()).toBe('modcarry-manifest.json');
    const manifestText = execFileSync('tar', ['-xOf', tar, 'modcarry-manifest.json'], { encoding: 'utf8' });
    const manifest = JSON.parse(manifestText) as { files: { path: string }[]; settings: { compression: unknown } };
    expect(manifest.settings.compression).toBe('none');
    expect(manifest.files.map((x) => x.path)).toContain(`cache/download/${MOD_PATH}/@v/${VERSION}.zip`);
    expect(execFileSync('tar', ['-xOf', tar, 'README-OFFLINE.txt'], { encoding: 'utf8' })).toContain('full.tar');

    const gz = join(state, 'level9.bundle');
    const nine = cli([...args, '--out', gz, '--compression', '9']);
    expect(await nine.exit).toBe(0);
    const gzBytes = readFileSync(gz);
    expect([gzBytes[0], gzBytes[1]]).toEqual([0x1f, 0x8b]);
    expect(execFileSync('tar', ['-xzOf', gz, `cache/download/${MOD_PATH}/@v/${VERSION}.zip`]).equals(Buffer.from(f.zip))).toBe(true);

    const have = join(state, 'offline-manifest.json');
    writeFileSync(have, manifestText);
    const delta = join(state, 'delta.tar');
    const d = cli([...args, '--out', delta, '--have', have]);
    expect(await d.exit).toBe(0);
    expect(d.stderr()).toContain('(delta against --have)');
    const deltaManifest = JSON.parse(execFileSync('tar', ['-xOf', delta, 'modcarry-manifest.json'], { encoding: 'utf8' })) as { files: { path: string }[] };
    expect(deltaManifest.files.map((x) => x.path)).not.toContain(`cache/download/${MOD_PATH}/@v/${VERSION}.zip`);
    expect(execFileSync('tar', ['-tf', delta], { encoding: 'utf8' })).not.toContain(`${VERSION}.zip`);

    const bad = join(state, 'not-a-manifest.json');
    writeFileSync(bad, '{"hello": 1}');
    const refused = cli([...args, '--out', join(state, 'never.tar'), '--have', bad]);
    expect(await refused.exit).toBe(1);
    expect(refused.stderr()).toContain(`--have ${bad}: not a modcarry manifest`);
    expect(existsSync(join(state, 'never.tar'))).toBe(false);

    const usage = cli([...args, '--compression', 'fast', '--out', join(state, 'never.tar')]);
    expect(await usage.exit).toBe(2);
    expect(usage.stderr()).toContain('--compression wants none or a gzip level 0-9, not "fast"');
  }, 60_000);

  it('exits non-zero naming each module that failed', async () => {
    proxy.setFaults([{ path: `/example.com/missing/@v/v1.0.0.info`, fault: { kind: 'status', status: 403 } }]);
    const dir = mkdtempSync(join(tmpdir(), 'modcarry-state-'));
    try {
      const r = cli(['--state', dir, 'example.com/missing@v1.0.0']);
      expect(await r.exit).toBe(1);
      expect(r.stderr()).toMatch(/example\.com\/missing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      proxy.setFaults([]);
    }
  }, 60_000);

  it('writes the bundle despite failures only with --allow-failures, marking them in the manifest', async () => {
    proxy.setFaults([{ path: ZIP_PATH, fault: { kind: 'status', status: 404 } }]);
    const dir = mkdtempSync(join(tmpdir(), 'modcarry-state-'));
    const bundle = join(dir, 'bundle.tar.gz');
    try {
      const refused = cli(['--state', dir, '--out', bundle, `${MOD_PATH}@${VERSION}`]);
      expect(await refused.exit).toBe(1);
      expect(refused.stderr()).toContain(`FAILED ${MOD_PATH}@${VERSION}: `);
      expect(existsSync(bundle)).toBe(false);

      const allowed = cli(['--state', dir, '--out', bundle, '--allow-failures', `${MOD_PATH}@${VERSION}`]);
      expect(await allowed.exit).toBe(0);
      expect(allowed.stderr()).toContain(`FAILED ${MOD_PATH}@${VERSION}: `);
      expect(allowed.stderr()).toContain('written WITH FAILURES');
      const manifest = JSON.parse(execFileSync('tar', ['-xzOf', bundle, 'modcarry-manifest.json'], { encoding: 'utf8' })) as {
        exportedWithFailures: boolean;
        modules: { path: string; verified: boolean; zip?: string; problems?: string[] }[];
        files: { path: string }[];
      };
      expect(manifest.exportedWithFailures).toBe(true);
      expect(manifest.modules).toMatchObject([{ path: MOD_PATH, verified: false }]);
      expect(manifest.modules[0]!.problems?.[0]).toContain('404 Not Found');
      expect(manifest.files.map((x) => x.path)).toContain(`cache/download/${MOD_PATH}/@v/${VERSION}.info`);
      expect(manifest.files.map((x) => x.path)).not.toContain(`cache/download/${MOD_PATH}/@v/${VERSION}.zip`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      proxy.setFaults([]);
    }
  }, 60_000);
});
