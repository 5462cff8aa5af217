/**
 * A zip's file record SHA-256 is taken as its chunks are committed (where
 * that pays: everywhere in Node), so a clean download is never read back for
 * it; after a repair the stored chunks are not the ones taken in, and the
 * file is read back as before. Either way the record holds the served file's
 * SHA-256.
 */
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { zipFile } from '../../../src/core/modcache/layout.ts';
import * as assemble from '../../../src/engine/assemble.ts';
import { createEngine } from '../../../src/engine/engine.ts';
import { memoryStore } from '../../../src/engine/memoryStore.ts';
import { StorageFullError } from '../../../src/engine/ports.ts';
import type { ZipHasher } from '../../../src/engine/ports.ts';
import { workerZipHasher } from '../../../src/engine/workerZipHasher.ts';
import { fakeWorker, workerLog } from '../../support/fakeZipHashWorker.ts';
import type { FaultRule, FixtureProxy } from '../../support/fixtureProxy.ts';
import type { Fixture } from './harness.ts';
import { CHUNK, inputsFor, MOD_PATH, planFor, testPorts, VERSION, ZIP_PATH, withFixtureProxy } from './harness.ts';

vi.mock('../../../src/engine/assemble.ts', async (importOriginal) => {
  const real = await importOriginal<typeof assemble>();
  return { ...real, sha256HexOfBlob: vi.fn(real.sha256HexOfBlob) };
});

let f: Fixture;
let proxy: FixtureProxy;
const settings = { chunkSize: CHUNK, stallTimeoutMs: 3_600_000, retry: { baseDelayMs: 100, maxDelayMs: 2000, maxAttempts: 40 } };
const readBack = vi.mocked(assemble.sha256HexOfBlob);

withFixtureProxy((fixture, server) => {
  f = fixture;
  proxy = server;
});
beforeEach(() => {
  readBack.mockClear();
});

/** Runs the fixture's job; returns its zip's file record and the sizes of the Blobs read back for a SHA-256. */
async function run(opts: { faults?: FaultRule[]; zipHasher?: ZipHasher; failCommitOf?: number } = {}) {
  proxy.setFaults(opts.faults ?? []);
  const store = memoryStore();
  if (opts.failCommitOf !== undefined) {
    // That chunk's first commit fails as a full disk would: the job pauses, and resumes.
    const commit = store.commitChunk.bind(store);
    let failed = false;
    store.commitChunk = (chunk, data, progress) => {
      if (failed || chunk.index !== opts.failCommitOf) return commit(chunk, data, progress);
      failed = true;
      return Promise.reject(new StorageFullError(data.length, 0));
    };
  }
  const engine = createEngine({ ...testPorts(store), ...(opts.zipHasher !== undefined ? { zipHasher: opts.zipHasher } : {}) });
  const job = await engine.createJob(inputsFor(proxy.url), planFor(f), settings);
  if (opts.failCommitOf !== undefined) expect(await engine.start(job.id)).toBe('paused');
  expect(await (opts.failCommitOf !== undefined ? engine.resume(job.id) : engine.start(job.id))).toBe('done');
  const record = await store.getFileRecord(zipFile(MOD_PATH, VERSION));
  return { record, readSizes: readBack.mock.calls.map(([blob]) => blob.size) };
}

const zipSha = (): string => createHash('sha256').update(f.zip).digest('hex');

describe("a zip's file record SHA-256", () => {
  it('is taken as the chunks arrive: a clean download is not read back', async () => {
    expect(f.zip.length).toBeGreaterThan(2 * CHUNK);
    const r = await run();
    expect(r.record?.sha256).toBe(zipSha());
    expect(r.readSizes).not.toContain(f.zip.length);
  });

  it('is taken as the chunks arrive where zips hash on other threads too', async () => {
    const r = await run({ zipHasher: workerZipHasher(() => fakeWorker(workerLog()), 2) });
    expect(r.record?.sha256).toBe(zipSha());
    expect(r.readSizes).not.toContain(f.zip.length);
  });

  it('is read back after a chunk\'s commit failed and the download resumed there', async () => {
    const r = await run({ failCommitOf: 2 });
    expect(r.record?.sha256).toBe(zipSha());
    expect(r.readSizes).toContain(f.zip.length);
  });

  it('is read back from the stored chunks once one was repaired', async () => {
    const r = await run({ faults: [{ path: ZIP_PATH, fault: { kind: 'flip', offset: f.dataOffsets[2]! + 10 }, times: 1 }] });
    expect(r.record?.sha256).toBe(zipSha());
    expect(r.readSizes).toContain(f.zip.length);
  });
});
