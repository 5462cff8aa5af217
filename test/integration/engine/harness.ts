/**
 * Shared set-up of the engine integration tests: a module proxy tree with a
 * multi-chunk zip of incompressible files, its go.sum hashes, a plan for it,
 * and engine ports over the loopback fixture proxy with a fast clock.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashGoMod, hashZip } from '../../../src/core/dirhash/hash.ts';
import { openZip } from '../../../src/core/zip/reader.ts';
import { bytesSource } from '../../../src/core/zip/source.ts';
import type { Plan, PlannedModule } from '../../../src/core/plan/types.ts';
import type { JobInputs } from '../../../src/engine/job.ts';
import { memoryLocks, seededRandom, settableConnectivity, settableQuota } from '../../../src/engine/memoryPorts.ts';
import type { Clock, EnginePorts, EngineStore, Http } from '../../../src/engine/ports.ts';
import { nodeHttp } from '../../../src/platform/node/nodeHttp.ts';
import { afterAll, beforeAll } from 'vitest';
import { writeFileProxy } from '../../support/fileProxy.ts';
import type { FixtureProxy } from '../../support/fixtureProxy.ts';
import { startFixtureProxy } from '../../support/fixtureProxy.ts';
import { writeZip } from '../../support/zipWriter.ts';

export const MOD_PATH = 'example.com/big';
export const VERSION = 'v1.0.0';
export const ZIP_PATH = `/${MOD_PATH}/@v/${VERSION}.zip`;
export const CHUNK = 64 << 10;

export interface Fixture {
  root: string;
  zip: Uint8Array;
  mod: string;
  zipHash: string;
  modHash: string;
  /** Offsets of each file's data inside the zip (stored entries), for flipping bytes. */
  dataOffsets: number[];
}

/**
 * The fixture and a loopback proxy serving it, for one test file: made before
 * its tests (handed to got), closed and removed after them.
 */
export function withFixtureProxy(got: (f: Fixture, proxy: FixtureProxy) => void): void {
  let f: Fixture | undefined;
  let proxy: FixtureProxy | undefined;
  beforeAll(async () => {
    f = await makeFixture();
    proxy = await startFixtureProxy({ root: f.root });
    got(f, proxy);
  });
  afterAll(async () => {
    await proxy?.close();
    if (f !== undefined) rmSync(f.root, { recursive: true, force: true });
  });
}

/** A module whose zip is about 10 chunks of random (stored) data in 5 files. */
export async function makeFixture(): Promise<Fixture> {
  const root = mkdtempSync(join(tmpdir(), 'modcarry-engine-'));
  const mod = `module ${MOD_PATH}\n\ngo 1.21\n`;
  const files = [0, 1, 2, 3, 4].map((i) => ({ name: `${MOD_PATH}@${VERSION}/data${i}.bin`, data: new Uint8Array(randomBytes(130_000)), method: 0 as const }));
  const zip = writeZip([{ name: `${MOD_PATH}@${VERSION}/go.mod`, data: new TextEncoder().encode(mod) }, ...files]);
  const reader = await openZip(bytesSource(zip));
  const dataOffsets = reader.entries.filter((e) => e.name.endsWith('.bin')).map((e) => e.localHeaderOffset + 30 + e.nameBytes.length);
  writeFileProxy(root, [{ path: MOD_PATH, version: VERSION, mod, zip }]);
  return { root, zip, mod, zipHash: await hashZip(reader), modHash: await hashGoMod(new TextEncoder().encode(mod)), dataOffsets };
}

export function planFor(f: Fixture, goSum: PlannedModule['goSum'] = { zip: [f.zipHash], mod: [f.modHash] }): Plan {
  return {
    formatVersion: 1,
    modules: [{ path: MOD_PATH, version: VERSION, fetchPath: MOD_PATH, fetchVersion: VERSION, files: ['info', 'mod', 'zip'], reasons: ['build-list'], goSum }],
    goSumNotNeeded: [],
    goSumMissing: [],
    notCarried: [],
    warnings: [],
  };
}

export function inputsFor(goproxy: string, gosumdb = 'off'): JobInputs {
  return { env: { GOPROXY: goproxy, GONOPROXY: '', GOSUMDB: gosumdb, GONOSUMDB: '' }, sources: [] };
}

/** A real clock whose sleeps are `scale` times shorter: backoff and Retry-After take milliseconds. */
export function fastClock(scale = 0.001): Clock {
  return {
    now: () => Date.now(),
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const t = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, ms * scale);
        const onAbort = (): void => {
          clearTimeout(t);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
  };
}

export function testPorts(store: EngineStore, http: Http = nodeHttp()): EnginePorts & { connectivity: ReturnType<typeof settableConnectivity>; quota: ReturnType<typeof settableQuota> } {
  return { http, store, clock: fastClock(), random: seededRandom(7), connectivity: settableConnectivity(true), locks: memoryLocks(), quota: settableQuota() };
}

export async function storedBytes(store: EngineStore, path: string): Promise<Uint8Array | undefined> {
  const b = await store.getFile(path);
  return b === undefined ? undefined : new Uint8Array(await b.arrayBuffer());
}

/** The first byte a logged Range request asked for (0 for none). */
export function rangeStart(range: string | undefined): number {
  const m = /^bytes=(\d+)-/.exec(range ?? '');
  return m === null ? 0 : Number(m[1]);
}

/** Byte equality without a deep-equality walk over every element (fast for large files). */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
