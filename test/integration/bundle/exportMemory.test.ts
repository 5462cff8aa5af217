/**
 * Memory of `modcarry download --out` over an already-verified module of a
 * few hundred MiB, built and spawned as a real process with a 64 MiB V8 heap.
 * The child forces a full GC before each memory sample, so what is measured
 * is live ArrayBuffer memory (queued chunks), not garbage awaiting
 * collection. Deflate is slower than reading the store, so every queue
 * between the store and the file fills up unless it applies backpressure by
 * bytes: Node 20's Duplex.toWeb/Writable.toWeb held most of the bundle in
 * memory here (issue #6: bounded memory while streaming).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCommandModule } from '../../support/buildCommand.ts';
import { writeBigModule } from '../../../bench/lib/bigZip.ts';
import type { BigModule } from '../../../bench/lib/bigZip.ts';
import { startStaticProxy } from '../../../bench/lib/staticProxy.ts';
import type { StaticProxy } from '../../../bench/lib/staticProxy.ts';
import { verifyCommand } from '../../../src/cli/verifyCommand.ts';

const OUT = resolve('node_modules/.tmp/modcarry-export-memory-test');
const MODULE_MIB = 128;
/** Live ArrayBuffer bytes allowed: a few chunks in each queue (the sink's 1 MiB, 64 KiB reads), far below the bundle. */
const LIVE_BUFFERS_LIMIT = 24 << 20;
const MiB = 1 << 20;

let dir = '';
let proxy: StaticProxy;
let mod: BigModule;

// Samples memory every 50 ms after a full GC; prints the peaks as JSON on stderr at exit.
const DRIVER = `import { readFileSync } from 'node:fs';
import { downloadCommand } from './downloadCommand.mjs';
const peak = { arrayBuffers: 0, heapUsed: 0 };
const sample = () => {
  globalThis.gc();
  const m = process.memoryUsage();
  peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
  peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
};
const timer = setInterval(sample, 50);
try { process.exitCode = await downloadCommand(process.argv.slice(2)); } catch (e) { process.stderr.write('modcarry: ' + e.message + '\\n'); process.exitCode = 1; }
clearInterval(timer);
const hwm = /^VmHWM:\\s+(\\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
process.stderr.write('PEAK ' + JSON.stringify({ ...peak, rss: hwm ? Number(hwm[1]) * 1024 : undefined }) + '\\n');
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'modcarry-export-memory-'));
  mod = writeBigModule(join(dir, 'proxy'), 0, MODULE_MIB);
  proxy = await startStaticProxy(join(dir, 'proxy'));
  await buildCommandModule('downloadCommand', OUT);
  writeFileSync(join(OUT, 'driver.mjs'), DRIVER);
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(OUT, { recursive: true, force: true });
});

interface Peaks {
  arrayBuffers: number;
  heapUsed: number;
  rss?: number;
}

async function cli(args: string[]): Promise<{ code: number | null; stderr: string; peaks: Peaks | undefined }> {
  const child = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=64', join(OUT, 'driver.mjs'), ...args], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: join(dir, 'home'), NO_PROXY: '*', GOPROXY: proxy.url, GOSUMDB: 'off', GOPRIVATE: '', GONOSUMDB: '', GONOPROXY: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((ok) => child.on('exit', (c) => ok(c)));
  const line = /^PEAK (.*)$/m.exec(stderr);
  return { code, stderr, peaks: line !== null ? (JSON.parse(line[1]!) as Peaks) : undefined };
}

const sha256File = (file: string): Promise<string> =>
  new Promise((ok, fail) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (b) => h.update(b))
      .on('end', () => ok(h.digest('hex')))
      .on('error', fail);
  });

describe('modcarry download --out: memory', () => {
  it(`exports a ${MODULE_MIB} MiB module as .tar.gz with live buffers bounded, and the bundle verifies`, async () => {
    const state = join(dir, 'state');
    const query = `${mod.path}@${mod.version}`;
    const download = await cli(['--state', state, query]);
    expect(download.stderr).toContain('1 verified, 0 failed');
    expect(download.code).toBe(0);

    const bundle = join(dir, 'bundle.tar.gz');
    const exp = await cli(['--state', state, '--out', bundle, query]);
    expect(exp.stderr).toContain('tar.gz (level 1)');
    expect(exp.code).toBe(0);
    const peaks = exp.peaks!;
    console.log(`export of ${MODULE_MIB} MiB: live ArrayBuffers ${(peaks.arrayBuffers / MiB).toFixed(1)} MiB, heap ${(peaks.heapUsed / MiB).toFixed(1)} MiB, peak RSS ${((peaks.rss ?? 0) / MiB).toFixed(0)} MiB`);
    expect(peaks.arrayBuffers).toBeLessThan(LIVE_BUFFERS_LIMIT);

    const zipPath = `cache/download/${mod.path}/@v/${mod.version}.zip`;
    const extracted = join(dir, 'extracted.zip');
    execFileSync('sh', ['-c', 'tar -xzOf "$1" "$2" > "$3"', 'sh', bundle, zipPath, extracted]);
    expect(await sha256File(extracted)).toBe(await sha256File(join(dir, 'proxy', mod.path, '@v', `${mod.version}.zip`)));
    const out: string[] = [];
    const verified = await verifyCommand([bundle], { write: (s: string) => (out.push(s), true) }, { ...process.env, GOPATH: join(dir, 'gopath') });
    expect(out.join('')).toContain(mod.path);
    expect(verified).toBe(0);
  }, 180_000);
});
