/**
 * The engine over the CLI's file-system store reads a zip assembled from
 * stored chunks through the store's openChunks (the chunk files themselves),
 * not through the Blob of its chunks: for the first verdict, and again after
 * a damaged entry's chunks were re-fetched.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { zipFile } from '../../../src/core/modcache/layout.ts';
import { createEngine } from '../../../src/engine/engine.ts';
import type { ChunkRecord, EngineStore } from '../../../src/engine/ports.ts';
import { openFsStore } from '../../../src/platform/node/fsStore.ts';
import type { FaultRule, FixtureProxy } from '../../support/fixtureProxy.ts';
import type { Fixture } from './harness.ts';
import { CHUNK, inputsFor, MOD_PATH, planFor, sameBytes, storedBytes, testPorts, VERSION, ZIP_PATH, withFixtureProxy } from './harness.ts';

let f: Fixture;
let proxy: FixtureProxy;
const dirs: string[] = [];
withFixtureProxy((fixture, server) => {
  f = fixture;
  proxy = server;
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function run(faults: FaultRule[]) {
  proxy.setFaults(faults);
  proxy.log.clear();
  const dir = mkdtempSync(join(tmpdir(), 'modcarry-fsreads-'));
  dirs.push(dir);
  const fs = await openFsStore(dir);
  const opened: { path: string; chunks: number; bytes: number }[] = [];
  const store: EngineStore = {
    ...fs,
    openChunks: (path: string, chunks: readonly ChunkRecord[]) => {
      opened.push({ path, chunks: chunks.length, bytes: chunks.reduce((n, c) => n + c.length, 0) });
      return fs.openChunks(path, chunks);
    },
  };
  const engine = createEngine(testPorts(store));
  const job = await engine.createJob(inputsFor(proxy.url), planFor(f), { chunkSize: CHUNK, retry: { baseDelayMs: 100, maxDelayMs: 2000, maxAttempts: 40 } });
  const outcome = await engine.start(job.id);
  return { fs, outcome, opened, progress: await engine.progress(job.id), log: await engine.readLog(job.id) };
}

describe('zips in the file-system store', () => {
  const whole = () => ({ path: zipFile(MOD_PATH, VERSION), chunks: Math.ceil(f.zip.length / CHUNK), bytes: f.zip.length });

  it('are read for their verdict through the chunk files', async () => {
    const r = await run([]);
    expect(r.outcome).toBe('done');
    expect(r.progress.modules[0]?.state).toBe('verified');
    expect(sameBytes(await storedBytes(r.fs, zipFile(MOD_PATH, VERSION)), f.zip)).toBe(true);
    expect(r.opened).toEqual([whole()]);
  });

  it('are read again that way after a damaged entry\'s chunks were re-fetched', async () => {
    const r = await run([{ path: ZIP_PATH, fault: { kind: 'flip', offset: f.dataOffsets[2]! + 10 }, times: 1 }]);
    expect(r.progress.modules[0]?.state).toBe('verified');
    expect(r.log.some((e) => e.event === 'chunk-refetch' && /checksum error/.test(e.error ?? ''))).toBe(true);
    expect(sameBytes(await storedBytes(r.fs, zipFile(MOD_PATH, VERSION)), f.zip)).toBe(true);
    expect(r.opened).toEqual([whole(), whole()]);
  });
});
