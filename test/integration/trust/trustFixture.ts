/**
 * The trust tests' world: a few small modules in a GOPROXY tree on disk, a
 * test checksum database holding their records among filler records (the
 * tree spans two leaf tiles and a level-1 tile), and helpers to run the
 * engine on a plan of some of them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { hashGoMod, hashZip } from '../../../src/core/dirhash/hash.ts';
import type { Http } from '../../../src/core/goproxy/http.ts';
import type { Plan, PlannedModule } from '../../../src/core/plan/types.ts';
import { openZip } from '../../../src/core/zip/reader.ts';
import { bytesSource } from '../../../src/core/zip/source.ts';
import { createEngine } from '../../../src/engine/engine.ts';
import type { JobProgress } from '../../../src/engine/engine.ts';
import type { EngineStore } from '../../../src/engine/ports.ts';
import { writeFileProxy } from '../../support/fileProxy.ts';
import { startSumdbServer, TestLog } from '../../support/sumdbServer.ts';
import type { RunningSumdbServer } from '../../support/sumdbServer.ts';
import { writeZip } from '../../support/zipWriter.ts';
import { testPorts } from '../engine/harness.ts';

export const DB = 'sum.trust.test';

export interface TrustModule {
  readonly path: string;
  readonly version: string;
  readonly zip: Uint8Array;
  readonly mod: string;
  readonly zipHash: string;
  readonly modHash: string;
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

async function makeModule(path: string, version: string, flavour = ''): Promise<TrustModule> {
  const mod = `module ${path}\n\ngo 1.21\n`;
  const pkg = path.split('/').pop()!;
  const zip = writeZip([
    { name: `${path}@${version}/go.mod`, data: enc(mod) },
    { name: `${path}@${version}/${pkg}.go`, data: enc(`package ${pkg}\n\nconst V = "${version}${flavour}"\n`) },
  ]);
  return { path, version, zip, mod, zipHash: await hashZip(await openZip(bytesSource(zip))), modHash: await hashGoMod(enc(mod)) };
}

export interface TrustWorld {
  /** The GOPROXY tree (serve it with startFixtureProxy or startSumdbServer's proxyDir). */
  readonly proxyDir: string;
  readonly log: TestLog;
  /** In the database with their true hashes; ids 300 and 301 of a 322-record tree. */
  readonly x: TrustModule;
  readonly y: TrustModule;
  /** In the database with a zip hash that is not the served zip's. */
  readonly wrongInDb: TrustModule;
  /** Database and go.sum hold `honest`'s hashes; the proxy serves `served` (another zip, same go.mod). */
  readonly swapped: { readonly honest: TrustModule; readonly served: TrustModule };
  /** The zip hash the database holds for wrongInDb. */
  readonly bogusHash: string;
}

export async function makeTrustWorld(): Promise<TrustWorld> {
  const proxyDir = mkdtempSync(join(tmpdir(), 'modcarry-trust-'));
  const x = await makeModule('example.com/xray', 'v1.0.0');
  const y = await makeModule('example.com/yankee', 'v1.2.0');
  const wrongInDb = await makeModule('example.com/whiskey', 'v0.1.0');
  const honest = await makeModule('example.com/victor', 'v1.0.0');
  const served = await makeModule('example.com/victor', 'v1.0.0', ' (replaced)');
  writeFileProxy(
    proxyDir,
    [x, y, wrongInDb, served].map((m) => ({ path: m.path, version: m.version, mod: m.mod, zip: m.zip })),
  );
  const bogusHash = `h1:${Buffer.alloc(32, 9).toString('base64')}`;
  const log = await TestLog.create(DB);
  await log.addFiller(300);
  await log.add(x.path, x.version, x.zipHash, x.modHash); // 300
  await log.add(y.path, y.version, y.zipHash, y.modHash); // 301
  await log.add(wrongInDb.path, wrongInDb.version, bogusHash, wrongInDb.modHash); // 302
  await log.add(honest.path, honest.version, honest.zipHash, honest.modHash); // 303
  await log.addFiller(18);
  return { proxyDir, log, x, y, wrongInDb, swapped: { honest, served }, bogusHash };
}

/**
 * The hooks of a test file over one trust world: beforeAll makes it and
 * starts a checksum database that is also its GOPROXY, handing both to
 * ready (before the file's own beforeAll hooks, registered after this);
 * afterAll stops the database and removes the tree.
 */
export function serveTrustWorld(ready: (w: TrustWorld, db: RunningSumdbServer) => void): void {
  let w: TrustWorld | undefined;
  let db: RunningSumdbServer | undefined;
  beforeAll(async () => {
    w = await makeTrustWorld();
    db = await startSumdbServer(w.log, { proxyDir: w.proxyDir });
    ready(w, db);
  });
  afterAll(async () => {
    await db?.close();
    if (w) rmSync(w.proxyDir, { recursive: true, force: true });
  });
}

/** A plan of modules, each with the given go.sum hashes (none by default). */
export function planOf(mods: readonly { m: TrustModule; goSum?: PlannedModule['goSum'] }[]): Plan {
  return {
    formatVersion: 1,
    modules: mods.map(({ m, goSum }) => ({
      path: m.path,
      version: m.version,
      fetchPath: m.path,
      fetchVersion: m.version,
      files: ['info', 'mod', 'zip'],
      reasons: ['build-list'],
      ...(goSum !== undefined ? { goSum } : {}),
    })),
    goSumNotNeeded: [],
    goSumMissing: [],
    notCarried: [],
    warnings: [],
  };
}

export interface RunResult {
  readonly outcome: string;
  readonly progress: JobProgress;
  /** module key -> its progress line. */
  readonly byModule: ReadonlyMap<string, JobProgress['modules'][number]>;
}

/** Creates a fresh engine over store (and http, when given), runs one job of plan to its end. */
export async function runJob(store: EngineStore, env: { GOPROXY: string; GOSUMDB: string; GONOSUMDB?: string }, plan: Plan, http?: Http): Promise<RunResult> {
  const engine = createEngine(testPorts(store, http));
  try {
    const job = await engine.createJob({ env: { GOPROXY: env.GOPROXY, GONOPROXY: '', GOSUMDB: env.GOSUMDB, GONOSUMDB: env.GONOSUMDB ?? '' }, sources: [] }, plan, {
      retry: { baseDelayMs: 1, maxDelayMs: 10, maxAttempts: 3 },
    });
    const outcome = await engine.start(job.id);
    const progress = await engine.progress(job.id);
    return { outcome, progress, byModule: new Map(progress.modules.map((m) => [m.module, m])) };
  } finally {
    await engine.close();
  }
}

export const key = (m: TrustModule): string => `${m.path}@${m.version}`;
