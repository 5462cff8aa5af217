/**
 * The CLI's zip hashing threads (--hash-threads, src/platform/node/nodeZipHasher.ts) for real:
 * the engine over the file-system store, downloading from the loopback
 * fixture proxy, with zips hashed on worker threads that run the built thread
 * entry and open the stored chunk files themselves (and on the main thread
 * when every thread is busy). A wrapper entry counts
 * the requests the threads served, so a verdict that the main thread reached
 * on its own (the fallback) cannot pass for one from a thread.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashGoMod, hashZip } from '../../../src/core/dirhash/hash.ts';
import { zipFile, ziphashFile } from '../../../src/core/modcache/layout.ts';
import type { Plan } from '../../../src/core/plan/types.ts';
import { openZip } from '../../../src/core/zip/reader.ts';
import { bytesSource } from '../../../src/core/zip/source.ts';
import { createEngine } from '../../../src/engine/engine.ts';
import { openFsStore } from '../../../src/platform/node/fsStore.ts';
import { nodeZipHasher, ZIP_HASH_THREAD_ENTRY } from '../../../src/platform/node/nodeZipHasher.ts';
import { buildCommandModule } from '../../support/buildCommand.ts';
import { writeFileProxy } from '../../support/fileProxy.ts';
import type { FaultRule, FixtureProxy } from '../../support/fixtureProxy.ts';
import { writeZip } from '../../support/zipWriter.ts';
import type { Fixture } from './harness.ts';
import { CHUNK, inputsFor, MOD_PATH, planFor, sameBytes, storedBytes, testPorts, VERSION, ZIP_PATH, withFixtureProxy } from './harness.ts';

const OUT = resolve('node_modules/.tmp/modcarry-zip-hash-threads-test');
const SERVED = join(OUT, 'served.log');
/** The built thread entry, wrapped to log each request it is sent ('whole' or 'part'). */
const COUNTING = join(OUT, 'counting-thread.mjs');
/** A thread entry that dies as soon as it starts. */
const DYING = join(OUT, 'dying-thread.mjs');

const BIG = { path: 'example.com/huge', version: 'v1.2.3' };
let f: Fixture;
let proxy: FixtureProxy;
let big: { zip: Uint8Array; zipHash: string; modHash: string };
const work: string[] = [];

withFixtureProxy((fixture, server) => {
  f = fixture;
  proxy = server;
});

beforeAll(async () => {
  await buildCommandModule('downloadCommand', OUT);
  writeFileSync(COUNTING, countingEntry(`./${ZIP_HASH_THREAD_ENTRY}.mjs`));
  writeFileSync(DYING, 'process.exit(3);\n');
  // A zip over SPLIT_MIN_BYTES (8 MiB), which two threads share by entries.
  const mod = `module ${BIG.path}\n\ngo 1.21\n`;
  const files = Array.from({ length: 9 }, (_, i) => ({ name: `${BIG.path}@${BIG.version}/part${i}.bin`, data: new Uint8Array(randomBytes(1 << 20)), method: 0 as const }));
  const zip = writeZip([{ name: `${BIG.path}@${BIG.version}/go.mod`, data: new TextEncoder().encode(mod) }, ...files]);
  writeFileProxy(f.root, [{ path: BIG.path, version: BIG.version, mod, zip }]);
  big = { zip, zipHash: await hashZip(await openZip(bytesSource(zip))), modHash: await hashGoMod(new TextEncoder().encode(mod)) };
}, 120_000);

afterEach(() => {
  proxy.setFaults([]);
  rmSync(SERVED, { force: true });
});

afterAll(() => {
  for (const d of work) rmSync(d, { recursive: true, force: true });
  rmSync(OUT, { recursive: true, force: true });
});

/**
 * A thread entry that runs the thread entry at target (relative to itself)
 * and logs each request it is sent to SERVED. The static import evaluates the
 * thread entry first, so its listener is in place before any message comes.
 */
function countingEntry(target: string): string {
  return [
    "import { appendFileSync } from 'node:fs';",
    "import { parentPort } from 'node:worker_threads';",
    `import ${JSON.stringify(target)};`,
    `parentPort.addEventListener('message', (e) => appendFileSync(${JSON.stringify(SERVED)}, (e.data.part ? 'part' : 'whole') + '\\n'));`,
    '',
  ].join('\n');
}

function served(): string[] {
  return existsSync(SERVED) ? readFileSync(SERVED, 'utf8').split('\n').filter((l) => l !== '') : [];
}

function bigPlan(): Plan {
  return {
    ...planFor(f),
    modules: [{ path: BIG.path, version: BIG.version, fetchPath: BIG.path, fetchVersion: BIG.version, files: ['info', 'mod', 'zip'], reasons: ['build-list'], goSum: { zip: [big.zipHash], mod: [big.modHash] } }],
  };
}

async function run(opts: { threadFile?: string; plan?: Plan; faults?: FaultRule[]; chunkSize?: number } = {}) {
  proxy.setFaults(opts.faults ?? []);
  proxy.log.clear();
  const dir = mkdtempSync(join(tmpdir(), 'modcarry-threads-state-'));
  work.push(dir);
  const store = await openFsStore(dir);
  const engine = createEngine({ ...testPorts(store), zipHasher: nodeZipHasher(store, opts.threadFile ?? COUNTING, 2) });
  const job = await engine.createJob(inputsFor(proxy.url), opts.plan ?? planFor(f), { chunkSize: opts.chunkSize ?? CHUNK, retry: { baseDelayMs: 100, maxDelayMs: 2000, maxAttempts: 40 } });
  const outcome = await engine.start(job.id);
  return { store, outcome, progress: await engine.progress(job.id), log: await engine.readLog(job.id) };
}

describe('zips hashed on worker threads (the CLI)', () => {
  it('verifies a zip stored as chunk files, the thread reading the files itself', async () => {
    const r = await run();
    expect(r.outcome).toBe('done');
    expect(r.progress.modules[0]).toMatchObject({ module: `${MOD_PATH}@${VERSION}`, state: 'verified' });
    expect(sameBytes(await storedBytes(r.store, zipFile(MOD_PATH, VERSION)), f.zip)).toBe(true);
    expect(new TextDecoder().decode(await storedBytes(r.store, ziphashFile(MOD_PATH, VERSION)))).toBe(f.zipHash);
    expect(served()).toEqual(['whole']);
  });

  it('verifies a zip that arrived whole from a copy of its bytes', async () => {
    const r = await run({ chunkSize: 4 << 20 });
    expect(r.progress.modules[0]?.state).toBe('verified');
    expect(r.log.some((e) => e.event === 'chunk-refetch')).toBe(false);
    expect(served()).toEqual(['whole']);
  });

  it('splits a zip of 8 MiB or more by entries among the two threads and the main thread', async () => {
    const r = await run({ plan: bigPlan(), chunkSize: 1 << 20 });
    expect(r.outcome).toBe('done');
    expect(r.progress.modules[0]).toMatchObject({ module: `${BIG.path}@${BIG.version}`, state: 'verified' });
    expect(new TextDecoder().decode(await storedBytes(r.store, ziphashFile(BIG.path, BIG.version)))).toBe(big.zipHash);
    // Three runs of entries: one for each thread (counted here), one for the main thread.
    expect(served()).toEqual(['part', 'part']);
  });

  it('locates a byte damaged on the way on a thread, and re-fetches only that entry\'s chunks', async () => {
    const offset = f.dataOffsets[2]! + 10;
    const r = await run({ faults: [{ path: ZIP_PATH, fault: { kind: 'flip', offset }, times: 1 }] });
    expect(r.progress.modules[0]?.state).toBe('verified');
    expect(sameBytes(await storedBytes(r.store, zipFile(MOD_PATH, VERSION)), f.zip)).toBe(true);
    expect(r.log.some((e) => e.event === 'chunk-refetch' && /checksum error/.test(e.error ?? ''))).toBe(true);
    const entryStart = f.dataOffsets[2]! - 30 - `${MOD_PATH}@${VERSION}/data2.bin`.length;
    const refetched = proxy.log.requests(ZIP_PATH).slice(1).map((e) => e.range);
    const expected: string[] = [];
    for (let c = Math.floor(entryStart / CHUNK); c <= Math.floor(offset / CHUNK); c++) expected.push(`bytes=${c * CHUNK}-${(c + 1) * CHUNK - 1}`);
    expect(refetched.slice(-expected.length)).toEqual(expected);
    expect(served()).toEqual(['whole', 'whole']);
  });

  it('verifies on the main thread when the threads die or cannot start', async () => {
    for (const threadFile of [DYING, join(OUT, 'no-such-thread.mjs')]) {
      const r = await run({ threadFile, plan: bigPlan(), chunkSize: 1 << 20 });
      expect(r.outcome).toBe('done');
      expect(r.progress.modules[0]?.state).toBe('verified');
    }
  });
});

describe('the built download command with --hash-threads 2', () => {
  it('verifies on its hashing threads and exits once done: idle threads do not hold the process', async () => {
    // A copy of the build whose thread entry (found by the command beside itself) counts what it serves.
    const copy = `${OUT}-copy`;
    rmSync(copy, { recursive: true, force: true });
    cpSync(OUT, copy, { recursive: true });
    work.push(copy);
    renameSync(join(copy, `${ZIP_HASH_THREAD_ENTRY}.mjs`), join(copy, 'real-thread.mjs'));
    writeFileSync(join(copy, `${ZIP_HASH_THREAD_ENTRY}.mjs`), countingEntry('./real-thread.mjs'));
    writeFileSync(join(copy, 'driver.mjs'), "import { downloadCommand } from './downloadCommand.mjs';\nprocess.exitCode = await downloadCommand(process.argv.slice(2));\n");
    const state = mkdtempSync(join(tmpdir(), 'modcarry-threads-cli-'));
    work.push(state);
    const child = spawn(process.execPath, [join(copy, 'driver.mjs'), '--goproxy', proxy.url, '--gosumdb', 'off', '--state', state, '--hash-threads', '2', `${MOD_PATH}@${VERSION}`, `${BIG.path}@${BIG.version}`], {
      env: { ...process.env, GOPRIVATE: '', GONOSUMDB: '', GONOPROXY: '', GOFLAGS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((ok) => child.on('close', ok));
    expect(stderr).toContain('2 verified, 0 failed');
    expect(code).toBe(0);
    // The first zip to be hashed goes to a thread; which of the others (the small zip whole, the large
    // one in three parts) the main thread takes depends on which slot is free first.
    const got = served();
    expect(got.length).toBeGreaterThan(0);
    expect(got.filter((r) => r === 'whole').length).toBeLessThanOrEqual(1);
    expect(got.filter((r) => r === 'part').length).toBeLessThanOrEqual(3);
  }, 60_000);
});
