/**
 * The engine against the loopback fixture proxy: clean downloads, and the
 * faults issue 4 names (connection resets, stalls, 5xx bursts, 429, a flipped
 * byte, a server switching from 206 to 200, an ETag changing mid-download),
 * each ending with bytes identical to the source, and the access log showing
 * at most one chunk re-fetched per interruption (except where the validator
 * changed). Also: GOPROXY fall-through, 403, go.sum mismatch, offline pause,
 * quota pause, pause/resume and one runner per job.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheInfoText, parseInfo } from '../../../src/core/goproxy/info.ts';
import { infoFile, modFile, zipFile, ziphashFile } from '../../../src/core/modcache/layout.ts';
import { collectJobBundle } from '../../../src/engine/bundle/exportInput.ts';
import { createEngine } from '../../../src/engine/engine.ts';
import { memoryStore } from '../../../src/engine/memoryStore.ts';
import type { EngineStore, Http, ZipHasher } from '../../../src/engine/ports.ts';
import { openIdbStore } from '../../../src/platform/browser/idbStore.ts';
import { nodeHttp } from '../../../src/platform/node/nodeHttp.ts';
import { workerZipHasher } from '../../../src/engine/workerZipHasher.ts';
import { fakeWorker, workerLog } from '../../support/fakeZipHashWorker.ts';
import type { FaultRule, FixtureProxy } from '../../support/fixtureProxy.ts';
import type { Fixture } from './harness.ts';
import { CHUNK, inputsFor, sameBytes, MOD_PATH, planFor, rangeStart, storedBytes, testPorts, VERSION, ZIP_PATH, withFixtureProxy } from './harness.ts';

let f: Fixture;
let proxy: FixtureProxy;
const KEY = `${MOD_PATH}@${VERSION}`;
const settings = { chunkSize: CHUNK, stallTimeoutMs: 3_600_000, retry: { baseDelayMs: 100, maxDelayMs: 2000, maxAttempts: 40 } };

withFixtureProxy((fixture, server) => {
  f = fixture;
  proxy = server;
});
afterEach(() => {
  proxy.setFaults([]);
  proxy.log.clear();
});

async function run(
  opts: {
    faults?: FaultRule[];
    http?: Http;
    goSum?: Parameters<typeof planFor>[1];
    goproxy?: string;
    extra?: Partial<typeof settings> & { stallTimeoutMs?: number };
    store?: EngineStore;
    zipHasher?: ZipHasher;
  } = {},
) {
  proxy.setFaults(opts.faults ?? []);
  proxy.log.clear();
  const store = opts.store ?? memoryStore();
  const ports = { ...testPorts(store, opts.http), ...(opts.zipHasher !== undefined ? { zipHasher: opts.zipHasher } : {}) };
  const engine = createEngine(ports);
  const job = await engine.createJob(inputsFor(opts.goproxy ?? proxy.url), planFor(f, opts.goSum), { ...settings, ...opts.extra });
  const outcome = await engine.start(job.id);
  const progress = await engine.progress(job.id);
  const log = await engine.readLog(job.id);
  return { store, ports, engine, job, outcome, progress, log };
}

function zipRequests() {
  return proxy.log.requests(ZIP_PATH);
}

async function expectVerified(r: Awaited<ReturnType<typeof run>>) {
  expect(r.outcome).toBe('done');
  expect(r.progress.modules[0]).toMatchObject({ module: KEY, state: 'verified' });
  expect(sameBytes(await storedBytes(r.store, zipFile(MOD_PATH, VERSION)), f.zip)).toBe(true);
  const rec = await r.store.getFileRecord(zipFile(MOD_PATH, VERSION));
  expect(rec?.verified).toBe(true);
  // Taken as the chunks arrived or read back after a repair: either way the served file's.
  expect(rec?.sha256).toBe(createHash('sha256').update(f.zip).digest('hex'));
  expect(new TextDecoder().decode(await storedBytes(r.store, ziphashFile(MOD_PATH, VERSION)))).toBe(f.zipHash);
  // Chunks are dropped once the zip is stored verified.
  expect(await r.store.getDownload(zipFile(MOD_PATH, VERSION))).toBeUndefined();
}

/** Re-fetched bytes of each interruption: where a request's bytes ended minus where the next one started. */
function refetchedPerInterruption(): number[] {
  const reqs = zipRequests();
  const out: number[] = [];
  for (let i = 0; i + 1 < reqs.length; i++) {
    const end = rangeStart(reqs[i]!.range) + reqs[i]!.bytes;
    out.push(end - rangeStart(reqs[i + 1]!.range));
  }
  return out;
}


/** A job over a slowed zip, paused by the user once at least bytes of it are committed. */
async function pausedAfter(bytes: number) {
  proxy.setFaults([{ path: ZIP_PATH, fault: { kind: 'slow', bytesPerSecond: 2 * CHUNK * 20 } }]);
  proxy.log.clear();
  const store = memoryStore();
  const engine = createEngine(testPorts(store));
  const job = await engine.createJob(inputsFor(proxy.url), planFor(f), settings);
  let paused = false;
  engine.onEvent((e) => {
    if (!paused && e.type === 'progress' && e.bytes >= bytes) {
      paused = true;
      void engine.pause(job.id);
    }
  });
  expect(await engine.start(job.id)).toBe('paused');
  return { store, engine, job };
}

describe('engine downloads through the fixture proxy', () => {
  it('downloads, verifies and stores .info, .mod, .zip and .ziphash under their module-cache paths', async () => {
    const r = await run();
    await expectVerified(r);
    expect(new TextDecoder().decode(await storedBytes(r.store, modFile(MOD_PATH, VERSION)))).toBe(f.mod);
    const info = await storedBytes(r.store, infoFile(MOD_PATH, VERSION));
    expect(new TextDecoder().decode(info)).toBe(cacheInfoText(parseInfo(new TextEncoder().encode(JSON.stringify({ Version: VERSION, Time: '2024-01-01T00:00:00Z' })))));
    expect(zipRequests()).toHaveLength(1);
    expect(zipRequests()[0]!.range).toBe('bytes=0-');
    const states = r.log.filter((e) => e.event === 'state').map((e) => e.detail);
    expect(states).toEqual(['planned -> fetching', 'fetching -> fetched', 'fetched -> verifying', 'verifying -> verified']);
    expect(r.progress.bytes).toBe(f.zip.length);
    expect(r.progress.counts.verified).toBe(1);
  });

  it('reads the zip\'s download record once to download it and once to assemble its chunks', async () => {
    const inner = memoryStore();
    const reads: string[] = [];
    const store = {
      ...inner,
      getDownload: (path: string) => {
        reads.push(path);
        return inner.getDownload(path);
      },
    };
    await expectVerified(await run({ store }));
    // The third read is expectVerified's own check.
    const zp = zipFile(MOD_PATH, VERSION);
    expect(reads).toEqual([zp, zp, zp]);
  });

  it('records the hashes of the chunks a zip was assembled from as its file\'s slices', async () => {
    const r = await run();
    await expectVerified(r);
    const rec = await r.store.getFileRecord(zipFile(MOD_PATH, VERSION));
    const slices = Array.from({ length: Math.ceil(f.zip.length / CHUNK) }, (_, i) => createHash('sha256').update(f.zip.subarray(i * CHUNK, (i + 1) * CHUNK)).digest('hex'));
    expect(slices.length).toBeGreaterThan(1);
    expect(rec?.slices).toEqual({ size: CHUNK, sha256: slices });
    expect(rec?.sha256).toBe(createHash('sha256').update(f.zip).digest('hex'));
  });

  it('stores a chunked zip in IndexedDB as its chunks, and downloads it again from nothing when its .ziphash is gone', async () => {
    const store = await openIdbStore({ name: `engine-kept-${Date.now()}-${Math.random()}` });
    try {
      await expectVerified(await run({ store }));
      expect(zipRequests().length).toBeGreaterThan(0);
      // Kept, not copied: the file record is there and the path has no download, yet its chunks count once.
      expect(await store.usage()).toBe(f.zip.length + (await storedBytes(store, ziphashFile(MOD_PATH, VERSION)))!.length + f.mod.length + (await storedBytes(store, infoFile(MOD_PATH, VERSION)))!.length);
      // A second job finds it verified and asks the proxy for nothing.
      const again = await run({ store });
      expect(again.outcome).toBe('done');
      expect(zipRequests()).toHaveLength(0);
      // Without its .ziphash the zip is incomplete, as go sees it: downloaded again and verified.
      await store.deleteFile(ziphashFile(MOD_PATH, VERSION));
      const third = await run({ store });
      await expectVerified(third);
      expect(zipRequests().length).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  });

  it('survives 20 connection resets at random offsets, re-fetching at most one chunk per reset', async () => {
    const rnd = (() => {
      let s = 12345;
      return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    })();
    const faults: FaultRule[] = Array.from({ length: 20 }, () => ({ path: ZIP_PATH, fault: { kind: 'reset' as const, afterBytes: 1 + Math.floor(rnd() * 1.2 * CHUNK) }, times: 1 }));
    const r = await run({ faults });
    await expectVerified(r);
    const reqs = zipRequests();
    expect(reqs.filter((e) => e.fault === 'reset')).toHaveLength(20);
    for (const lost of refetchedPerInterruption()) expect(lost).toBeLessThan(CHUNK);
    expect(proxy.log.bytesServed(ZIP_PATH)).toBeLessThan(f.zip.length + 20 * CHUNK);
    // Every resumed request starts on a chunk boundary and carries the validator.
    for (const e of reqs.slice(1)) expect(rangeStart(e.range) % CHUNK).toBe(0);
  });

  it('abandons stalled bodies and retries, re-fetching at most one chunk', async () => {
    const r = await run({
      faults: [{ path: ZIP_PATH, fault: { kind: 'stall', ms: 3000, afterBytes: 3 * CHUNK + 100 }, times: 1 }],
      extra: { stallTimeoutMs: 200_000 },
    });
    await expectVerified(r);
    expect(zipRequests()).toHaveLength(2);
    expect(rangeStart(zipRequests()[1]!.range)).toBe(3 * CHUNK);
    expect(r.log.some((e) => e.event === 'retry' && /no data for/.test(e.error ?? ''))).toBe(true);
  });

  it('retries bursts of 5xx on metadata and zip', async () => {
    const r = await run({
      faults: [
        { path: `/${MOD_PATH}/@v/${VERSION}.mod`, fault: { kind: 'status', status: 500 }, times: 2 },
        { path: ZIP_PATH, fault: { kind: 'status', status: 503 }, times: 3 },
      ],
    });
    await expectVerified(r);
    const retries = r.log.filter((e) => e.event === 'retry');
    expect(retries).toHaveLength(5);
    expect(retries.some((e) => /500 Internal Server Error/.test(e.error ?? ''))).toBe(true);
    expect(retries.some((e) => /503 Service Unavailable/.test(e.error ?? ''))).toBe(true);
  });

  it('honours Retry-After on 429', async () => {
    const r = await run({ faults: [{ path: ZIP_PATH, fault: { kind: 'status', status: 429, retryAfter: '7' }, times: 1 }] });
    await expectVerified(r);
    const retry = r.log.find((e) => e.event === 'retry');
    expect(retry?.error).toMatch(/429 Too Many Requests/);
    const delay = Number(/next in (\d+) ms/.exec(retry?.detail ?? '')?.[1]);
    expect(delay).toBeGreaterThanOrEqual(7000);
  });

  it('re-fetches only the damaged entry\'s chunks, up to the one holding a flipped byte (found by the CRC-32)', async () => {
    const offset = f.dataOffsets[2]! + 10;
    const r = await run({ faults: [{ path: ZIP_PATH, fault: { kind: 'flip', offset }, times: 1 }] });
    await expectVerified(r);
    const reqs = zipRequests();
    const entryStart = f.dataOffsets[2]! - 30 - `${MOD_PATH}@${VERSION}/data2.bin`.length;
    const expected: string[] = ['bytes=0-'];
    for (let c = Math.floor(entryStart / CHUNK); c <= Math.floor(offset / CHUNK); c++) expected.push(`bytes=${c * CHUNK}-${(c + 1) * CHUNK - 1}`);
    expect(reqs.map((e) => e.range)).toEqual(expected);
    expect(reqs.slice(1).every((e) => e.status === 206)).toBe(true);
    expect(r.log.some((e) => e.event === 'chunk-refetch' && /checksum error/.test(e.error ?? ''))).toBe(true);
  });

  it('re-fetches a chunk whose stored bytes no longer match its SHA-256', async () => {
    proxy.log.clear();
    const store = memoryStore();
    const ports = testPorts(store);
    const engine = createEngine(ports);
    const job = await engine.createJob(inputsFor(proxy.url), planFor(f), settings);
    // Corrupt chunk 4 right after it is committed, before verification reads it.
    let corrupted = false;
    engine.onEvent((e) => {
      if (!corrupted && e.type === 'progress' && e.bytes >= 6 * CHUNK) {
        corrupted = true;
        store.corruptChunk(zipFile(MOD_PATH, VERSION), 4, new Uint8Array(CHUNK));
      }
    });
    expect(await engine.start(job.id)).toBe('done');
    expect(sameBytes(await storedBytes(store, zipFile(MOD_PATH, VERSION)), f.zip)).toBe(true);
    const reqs = zipRequests();
    expect(reqs.map((e) => e.range)).toEqual(['bytes=0-', `bytes=${4 * CHUNK}-${5 * CHUNK - 1}`]);
    // Chunks all fetched by this run are not re-hashed up front: the zip's own checks found the damage first.
    const refetch = (await engine.readLog(job.id)).find((e) => e.event === 'chunk-refetch');
    expect(refetch?.detail).toBe('stored chunks 4 no longer match their SHA-256');
    expect(refetch?.error).toBeDefined();
  });

  it('re-checks chunks stored by an earlier run before reading the zip, even where the zip checks would pass', async () => {
    const { store, engine, job } = await pausedAfter(6 * CHUNK);
    // Between runs, the first chunk's bytes change where no zip check looks: a
    // byte of the first local header's modification time.
    const path = zipFile(MOD_PATH, VERSION);
    const first = new Uint8Array(await (await store.getChunk(path, 0))!.arrayBuffer());
    first[10]! ^= 0x01;
    store.corruptChunk(path, 0, first);
    proxy.setFaults([]);
    proxy.log.clear();
    expect(await engine.resume(job.id)).toBe('done');
    expect(sameBytes(await storedBytes(store, path), f.zip)).toBe(true);
    expect(zipRequests().some((e) => e.range === `bytes=0-${CHUNK - 1}`)).toBe(true);
    const refetch = (await engine.readLog(job.id)).find((e) => e.event === 'chunk-refetch');
    expect(refetch?.detail).toBe('stored chunks 0 no longer match their SHA-256');
    expect(refetch?.error).toBeUndefined();
  });

  it('downloads again when a chunk its progress record counts is gone (a power loss can leave an older record)', async () => {
    const { store, engine, job } = await pausedAfter(6 * CHUNK);
    const path = zipFile(MOD_PATH, VERSION);
    // Chunk 2 is no longer what the record says: a few bytes where a whole chunk was.
    store.corruptChunk(path, 2, new Uint8Array(5));
    proxy.setFaults([]);
    proxy.log.clear();
    expect(await engine.resume(job.id)).toBe('done');
    expect(sameBytes(await storedBytes(store, path), f.zip)).toBe(true);
    const log = await engine.readLog(job.id);
    expect(log.some((e) => e.event === 'restart' && /chunk 2 is missing or has the wrong size; downloading it again/.test(e.detail ?? ''))).toBe(true);
    // The resumed part, then the whole file again from the start.
    expect(zipRequests().map((e) => e.range).at(-1)).toBe('bytes=0-');
  });

  it('restarts safely when the server switches from 206 to 200', async () => {
    let n = 0;
    const base = nodeHttp();
    const http: Http = {
      get(url, init) {
        if (url.endsWith('.zip') && ++n === 2) {
          const headers = { ...init?.headers };
          delete headers['Range'];
          delete headers['If-Range'];
          return base.get(url, { ...init, headers });
        }
        return base.get(url, init);
      },
    };
    const r = await run({ http, faults: [{ path: ZIP_PATH, fault: { kind: 'reset', afterBytes: 2 * CHUNK + 10 }, times: 1 }] });
    await expectVerified(r);
    const reqs = zipRequests();
    expect(reqs.map((e) => e.status)).toEqual([206, 200]);
    expect(r.log.some((e) => e.event === 'restart' && /200/.test(e.detail ?? ''))).toBe(true);
  });

  it('restarts when the ETag changes mid-download', async () => {
    const r = await run({
      faults: [
        { path: ZIP_PATH, fault: { kind: 'reset', afterBytes: 3 * CHUNK + 10 }, times: 1 },
        { path: ZIP_PATH, fault: { kind: 'changingEtag' }, times: 1 },
      ],
    });
    await expectVerified(r);
    const reqs = zipRequests();
    expect(reqs).toHaveLength(2);
    expect(reqs[1]!.range).toBe(`bytes=${3 * CHUNK}-`);
    // The If-Range no longer matched: the whole file came back as a 200.
    expect(reqs[1]!.status).toBe(200);
    expect(r.log.some((e) => e.event === 'restart')).toBe(true);
  });

  it('walks the GOPROXY list: 404 moves on to the next entry', async () => {
    const r = await run({ goproxy: `${proxy.url}/empty,${proxy.url}` });
    await expectVerified(r);
    expect(proxy.log.requests(`/empty${ZIP_PATH}`).map((e) => e.status)).toEqual([404]);
  });

  it('stops on 403 with the proxy\'s reason, without retrying', async () => {
    const r = await run({ faults: [{ path: ZIP_PATH, fault: { kind: 'status', status: 403, body: 'blocked by policy\n' } }] });
    expect(r.outcome).toBe('done');
    expect(r.progress.modules[0]!.state).toBe('failed');
    expect(r.progress.modules[0]!.failure).toEqual({
      kind: 'refused',
      message: `${KEY}: reading ${proxy.url}${ZIP_PATH}: 403 Forbidden\n\tserver response: blocked by policy`,
    });
    expect(zipRequests()).toHaveLength(1);
    expect(r.log.filter((e) => e.event === 'retry')).toEqual([]);
  });

  it('keeps the checked .mod and .info of a module whose zip no proxy has, so an export with failures can carry them', async () => {
    for (const status of [404, 403]) {
      const r = await run({ faults: [{ path: ZIP_PATH, fault: { kind: 'status', status } }] });
      const m = r.progress.modules[0]!;
      expect(m.state).toBe('failed');
      expect(m.failure?.kind).toBe(status === 404 ? 'not-found' : 'refused');
      const [st] = await r.store.listModuleStates(r.job.id);
      expect(st).toMatchObject({ state: 'failed', modHash: f.modHash });
      expect((st as { checkedBy?: string[] }).checkedBy).toContain('go.sum');
      for (const p of [infoFile(MOD_PATH, VERSION), modFile(MOD_PATH, VERSION)]) expect((await r.store.getFileRecord(p))?.verified, p).toBe(true);
      expect(await r.store.getFileRecord(zipFile(MOD_PATH, VERSION))).toBeUndefined();

      const without = await collectJobBundle(r.store, r.job);
      expect(without.modules).toEqual([]);
      expect(without.files.filter((x) => !x.path.startsWith('cache/download/sumdb/'))).toEqual([]);
      const withFailures = await collectJobBundle(r.store, r.job, { withFailures: true });
      expect(withFailures.modules).toMatchObject([{ path: MOD_PATH, version: VERSION, mod: f.modHash, verified: false }]);
      expect(withFailures.modules[0]!.zip).toBeUndefined();
      expect(withFailures.modules[0]!.problems?.[0]).toContain(` ${status} `);
      expect(withFailures.files.map((x) => x.path).sort()).toEqual([infoFile(MOD_PATH, VERSION), modFile(MOD_PATH, VERSION)]);
    }
  });

  it('reports a go.mod mismatch rather than the missing zip, and keeps no .mod', async () => {
    const wrong = 'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    const r = await run({ faults: [{ path: ZIP_PATH, fault: { kind: 'status', status: 404 } }], goSum: { zip: [f.zipHash], mod: [wrong] } });
    expect(r.progress.modules[0]!.failure?.kind).toBe('security');
    expect(await r.store.getFileRecord(modFile(MOD_PATH, VERSION))).toBeUndefined();
    expect((await r.store.listModuleStates(r.job.id))[0]).not.toHaveProperty('modHash');
  });

  it('fails a zip whose hash differs from go.sum with go\'s SECURITY ERROR, storing nothing under the cache path', async () => {
    const wrong = 'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    const r = await run({ goSum: { zip: [wrong], mod: [f.modHash] } });
    const m = r.progress.modules[0]!;
    expect(m.state).toBe('failed');
    expect(m.failure?.kind).toBe('security');
    expect(m.failure?.message).toContain(`verifying ${KEY}: checksum mismatch\n\tdownloaded: ${f.zipHash}\n\tgo.sum:     ${wrong}\n\nSECURITY ERROR`);
    expect(await r.store.getFileRecord(zipFile(MOD_PATH, VERSION))).toBeUndefined();
    expect(await r.store.getFileRecord(modFile(MOD_PATH, VERSION))).toBeUndefined();
  });
});

describe('a zip that arrives whole in its first chunk', () => {
  // The fixture zip (about 650 KB) fits in one 1 MiB chunk.
  const whole = { chunkSize: 1 << 20 };

  /** Counts the chunk commits of a store. */
  function countingChunks(store: ReturnType<typeof memoryStore>): { store: ReturnType<typeof memoryStore>; commits: number[] } {
    const commits: number[] = [];
    const commitChunk = store.commitChunk.bind(store);
    store.commitChunk = async (chunk, data, progress) => {
      commits.push(chunk.index);
      await commitChunk(chunk, data, progress);
    };
    return { store, commits };
  }

  async function runWhole(faults: FaultRule[], goSum?: Parameters<typeof planFor>[1]) {
    const { store, commits } = countingChunks(memoryStore());
    return { ...(await run({ faults, ...(goSum !== undefined ? { goSum } : {}), extra: whole, store })), commits };
  }

  it('is verified from memory and stored with its verdict, never as chunks', async () => {
    expect(f.zip.length).toBeLessThan(whole.chunkSize);
    const r = await runWhole([]);
    await expectVerified(r);
    expect(r.commits).toEqual([]);
    // Never chunked: its record has the whole file's hash only.
    expect((await r.store.getFileRecord(zipFile(MOD_PATH, VERSION)))?.slices).toBeUndefined();
    expect(zipRequests().map((e) => e.range)).toEqual(['bytes=0-']);
    expect(r.progress.bytes).toBe(f.zip.length);
  });

  it('with a byte flipped on the way, is stored as chunk 0 and repaired by re-fetching that chunk', async () => {
    const offset = f.dataOffsets[2]! + 10;
    const r = await runWhole([{ path: ZIP_PATH, fault: { kind: 'flip', offset }, times: 1 }]);
    await expectVerified(r);
    // Chunk 0 as it arrived, then its bounded re-fetch replacing it.
    expect(r.commits).toEqual([0, 0]);
    expect(zipRequests().map((e) => e.range)).toEqual(['bytes=0-', `bytes=0-${f.zip.length - 1}`]);
    expect(r.log.some((e) => e.event === 'chunk-refetch' && /checksum error/.test(e.error ?? ''))).toBe(true);
  });

  it('fails a hash that differs from go.sum with go\'s SECURITY ERROR, storing nothing', async () => {
    const wrong = 'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    const r = await runWhole([], { zip: [wrong], mod: [f.modHash] });
    expect(r.progress.modules[0]!.failure?.kind).toBe('security');
    expect(r.progress.modules[0]!.failure?.message).toContain(`checksum mismatch\n\tdownloaded: ${f.zipHash}\n\tgo.sum:     ${wrong}`);
    expect(r.commits).toEqual([]);
    expect(await r.store.getDownload(zipFile(MOD_PATH, VERSION))).toBeUndefined();
    expect(await r.store.getFileRecord(zipFile(MOD_PATH, VERSION))).toBeUndefined();
  });

  it('is not taken whole when the store already holds a download record for it', async () => {
    proxy.log.clear();
    const { store, commits } = countingChunks(memoryStore());
    // A record left by a restart (no chunks): the download keeps to the store, so nothing stale stays behind.
    await store.resetDownload({ formatVersion: 1, path: zipFile(MOD_PATH, VERSION), url: `${proxy.url}${ZIP_PATH}`, chunkSize: whole.chunkSize, chunks: 0, bytes: 0, complete: false });
    const engine = createEngine(testPorts(store));
    const job = await engine.createJob(inputsFor(proxy.url), planFor(f), { ...settings, ...whole });
    expect(await engine.start(job.id)).toBe('done');
    expect(commits).toEqual([0]);
    expect(await store.getDownload(zipFile(MOD_PATH, VERSION))).toBeUndefined();
  });
});

describe('zips hashed by workers (a ZipHasher, as in the browser)', () => {
  /** The browser's hasher over in-process workers, counting the zips it is given. */
  function hasher() {
    const log = workerLog();
    const given: string[] = [];
    const inner = workerZipHasher(() => fakeWorker(log), 2);
    const zipHasher: ZipHasher = {
      hash: (data) => {
        given.push(data instanceof Uint8Array ? 'bytes' : 'blob');
        return inner.hash(data);
      },
      release: () => {
        given.push('release');
        inner.release!();
      },
    };
    return { zipHasher, given, log };
  }

  it('verifies a chunked zip (a Blob of its chunks) through a worker, and frees the worker when the job ends', async () => {
    const h = hasher();
    const r = await run({ zipHasher: h.zipHasher });
    await expectVerified(r);
    expect(h.given).toEqual(['blob', 'release']);
    expect(h.log.spawned).toBe(1);
    expect(h.log.terminated).toBe(1);
  });

  it('verifies a zip that arrived whole (its bytes) through a worker', async () => {
    const h = hasher();
    const r = await run({ zipHasher: h.zipHasher, extra: { chunkSize: 1 << 20 } });
    await expectVerified(r);
    expect(h.given).toEqual(['bytes', 'release']);
  });

  it('repairs a flipped byte from the ranges a worker located, re-fetching only the damaged entry\'s chunks', async () => {
    const h = hasher();
    const offset = f.dataOffsets[2]! + 10;
    const r = await run({ zipHasher: h.zipHasher, faults: [{ path: ZIP_PATH, fault: { kind: 'flip', offset }, times: 1 }] });
    await expectVerified(r);
    const entryStart = f.dataOffsets[2]! - 30 - `${MOD_PATH}@${VERSION}/data2.bin`.length;
    const expected: string[] = ['bytes=0-'];
    for (let c = Math.floor(entryStart / CHUNK); c <= Math.floor(offset / CHUNK); c++) expected.push(`bytes=${c * CHUNK}-${(c + 1) * CHUNK - 1}`);
    expect(zipRequests().map((e) => e.range)).toEqual(expected);
    expect(r.log.some((e) => e.event === 'chunk-refetch' && /checksum error/.test(e.error ?? ''))).toBe(true);
    expect(h.given).toEqual(['blob', 'blob', 'release']);
  });

  it('fails a hash that differs from go.sum with go\'s SECURITY ERROR', async () => {
    const h = hasher();
    const wrong = 'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    const r = await run({ zipHasher: h.zipHasher, goSum: { zip: [wrong], mod: [f.modHash] } });
    const m = r.progress.modules[0]!;
    expect(m.state).toBe('failed');
    expect(m.failure?.kind).toBe('security');
    expect(m.failure?.message).toContain(`verifying ${KEY}: checksum mismatch\n\tdownloaded: ${f.zipHash}\n\tgo.sum:     ${wrong}\n\nSECURITY ERROR`);
    expect(await r.store.getFileRecord(zipFile(MOD_PATH, VERSION))).toBeUndefined();
    expect(h.given).toEqual(['blob', 'release']);
    expect(h.log.terminated).toBe(h.log.spawned);
  });
});

describe('engine pauses', () => {
  it('waits out a network outage without burning retries, resuming on a wake-up', async () => {
    let down = true;
    const base = nodeHttp();
    const http: Http = {
      get(url, init) {
        if (down) return Promise.reject(new TypeError('fetch failed'));
        return base.get(url, init);
      },
    };
    proxy.log.clear();
    const store = memoryStore();
    const ports = { ...testPorts(store, http) };
    ports.connectivity.setOnline(false);
    const engine = createEngine(ports);
    const job = await engine.createJob(inputsFor(proxy.url), planFor(f), { ...settings, probeIntervalMs: 3_600_000 });
    const done = engine.start(job.id);
    // Wait until the engine reports itself offline, then bring the network back and wake it.
    for (let i = 0; i < 200 && !(await engine.readLog(job.id)).some((e) => e.event === 'offline'); i++) await new Promise((r) => setTimeout(r, 10));
    down = false;
    ports.connectivity.setOnline(true);
    ports.connectivity.wake('online');
    expect(await done).toBe('done');
    const log = await engine.readLog(job.id);
    expect(log.filter((e) => e.event === 'offline')).toHaveLength(1);
    expect(log.some((e) => e.event === 'online')).toBe(true);
    expect(log.filter((e) => e.event === 'retry')).toEqual([]);
    expect(sameBytes(await storedBytes(store, zipFile(MOD_PATH, VERSION)), f.zip)).toBe(true);
  });

  it('pauses with the numbers when the quota is too small, loses nothing, and resumes', async () => {
    proxy.log.clear();
    const store = memoryStore();
    const ports = testPorts(store);
    ports.quota.set({ usage: 0, quota: 5 * CHUNK });
    const engine = createEngine(ports);
    const job = await engine.createJob(inputsFor(proxy.url), planFor(f), settings);
    expect(await engine.start(job.id)).toBe('paused');
    const p = await engine.progress(job.id);
    expect(p.status).toBe('paused');
    expect(p.pauseReason).toMatch(new RegExp(`storage is full: ${f.zip.length} more bytes are needed, ${5 * CHUNK} are available`));
    expect(p.modules[0]!.state).toBe('paused');
    ports.quota.set({ usage: 0, quota: 1 << 30 });
    expect(await engine.resume(job.id)).toBe('done');
    expect(sameBytes(await storedBytes(store, zipFile(MOD_PATH, VERSION)), f.zip)).toBe(true);
  });

  it('pauses mid-download and resumes without re-fetching committed chunks or the staged .info and .mod', async () => {
    const { store, engine, job } = await pausedAfter(3 * CHUNK);
    const committed = (await store.getDownload(zipFile(MOD_PATH, VERSION)))!.bytes;
    expect(committed).toBeGreaterThanOrEqual(3 * CHUNK);
    // The metadata waits in staging, unverified, until the zip is checked.
    expect((await store.listFiles('staging/')).map((r) => [r.path, r.verified])).toEqual([
      [`staging/${infoFile(MOD_PATH, VERSION)}`, false],
      [`staging/${modFile(MOD_PATH, VERSION)}`, false],
    ]);
    proxy.setFaults([]);
    expect(await engine.resume(job.id)).toBe('done');
    const reqs = zipRequests();
    expect(rangeStart(reqs[reqs.length - 1]!.range)).toBe(committed);
    expect(sameBytes(await storedBytes(store, zipFile(MOD_PATH, VERSION)), f.zip)).toBe(true);
    expect(proxy.log.requests(`/${MOD_PATH}/@v/${VERSION}.info`)).toHaveLength(1);
    expect(proxy.log.requests(`/${MOD_PATH}/@v/${VERSION}.mod`)).toHaveLength(1);
    // The verdict moved it into the cache: nothing is left in staging.
    expect(await store.listFiles('staging/')).toEqual([]);
    expect((await store.getFileRecords([infoFile(MOD_PATH, VERSION), modFile(MOD_PATH, VERSION), ziphashFile(MOD_PATH, VERSION)])).map((r) => r?.verified)).toEqual([true, true, true]);
  });

  it("reads a verified zip's record for progress once, then remembers its size", async () => {
    const { store, job } = await run();
    const read: string[] = [];
    const counting = new Proxy(store, {
      get(target, name, receiver) {
        const v = Reflect.get(target, name, receiver) as unknown;
        if (name !== 'getFileRecords' || typeof v !== 'function') return v;
        return (paths: readonly string[]) => {
          read.push(...paths);
          return (v as typeof store.getFileRecords).call(target, paths);
        };
      },
    });
    const engine = createEngine(testPorts(counting));
    const first = await engine.progress(job.id);
    expect(read).toEqual([zipFile(MOD_PATH, VERSION)]);
    const second = await engine.progress(job.id);
    expect(read).toHaveLength(1);
    expect(second).toEqual(first);
    expect(second.modules[0]).toMatchObject({ state: 'verified', bytes: f.zip.length, totalBytes: f.zip.length });
  });

  it('runs a job in one place only: a second start reports busy, and both see the same progress', async () => {
    proxy.setFaults([{ path: ZIP_PATH, fault: { kind: 'slow', bytesPerSecond: 4 * CHUNK * 20 } }]);
    const store = memoryStore();
    const ports = testPorts(store);
    const a = createEngine(ports);
    const b = createEngine(ports);
    const job = await a.createJob(inputsFor(proxy.url), planFor(f), settings);
    const first = a.start(job.id);
    await new Promise((r) => setTimeout(r, 50));
    expect(await b.start(job.id)).toBe('busy');
    expect(await first).toBe('done');
    expect(await b.progress(job.id)).toEqual(await a.progress(job.id));
    expect(zipRequests().length).toBe(1);
  });
});
