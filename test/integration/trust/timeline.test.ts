/**
 * Issue 5: the engine keeps the timeline of checksum-database tree heads in
 * its store, so a fork served to a later session (a new engine over the same
 * state directory) is caught: a security error, the job's modules stop, and
 * nothing of the fork is cached. An older tree that is a prefix of the stored
 * one is accepted without rolling `latest` back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modFile, SUMDB_CACHE_DIR, zipFile } from '../../../src/core/modcache/layout.ts';
import type { EngineStore } from '../../../src/engine/ports.ts';
import { readSumdbTimeline, sumdbConfigKey } from '../../../src/engine/sumdbChecker.ts';
import { openFsStore } from '../../../src/platform/node/fsStore.ts';
import { goSumRecord } from '../../support/sumdbServer.ts';
import type { RunningSumdbServer } from '../../support/sumdbServer.ts';
import { DB, key, planOf, runJob, serveTrustWorld } from './trustFixture.ts';
import type { TrustWorld } from './trustFixture.ts';

let w: TrustWorld;
let db: RunningSumdbServer;
let stateDir: string;

serveTrustWorld((world, server) => {
  w = world;
  db = server;
});
beforeAll(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'modcarry-trust-state-'));
});
afterAll(() => {
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

const env = (): { GOPROXY: string; GOSUMDB: string } => ({ GOPROXY: db.url, GOSUMDB: w.log.vkey });
const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);

/** The sumdb cache files with their SHA-256, to prove a run left them as they were. */
async function sumdbFiles(store: EngineStore): Promise<string[]> {
  return (await store.listFiles(SUMDB_CACHE_DIR + '/')).map((f) => `${f.path} ${f.sha256}`).sort();
}

describe.sequential('the tree-head timeline across engine restarts (fsStore)', () => {
  it('run 1 verifies a module and stores the tree head it saw', async () => {
    const store = await openFsStore(stateDir);
    const res = await runJob(store, env(), planOf([{ m: w.x }]));
    expect(res.byModule.get(key(w.x))?.state).toBe('verified');
    const signed = text(await w.log.signedTree());
    expect(text(await store.getMeta(sumdbConfigKey(`${DB}/latest`)))).toBe(signed);
    const t = await readSumdbTimeline(store, DB);
    expect(t.heads.map((h) => [h.size, h.note])).toEqual([[322, signed]]);
    expect(t.heads[0]!.firstSeen).toBeGreaterThan(0);
    expect(t.forks).toEqual([]);
    const files = await sumdbFiles(store);
    expect(files.some((f) => f.startsWith(`${SUMDB_CACHE_DIR}/${DB}/lookup/example.com/xray@v1.0.0 `))).toBe(true);
    expect(files.some((f) => f.startsWith(`${SUMDB_CACHE_DIR}/${DB}/tile/8/`))).toBe(true);
  });

  it('run 2, a new engine on the same state, is served a forked tree: security error, the job stops, nothing cached', async () => {
    const original = w.log;
    const evil = goSumRecord('example.com/evil', 'v1.0.0', `h1:${Buffer.alloc(32, 1).toString('base64')}`, `h1:${Buffer.alloc(32, 2).toString('base64')}`);
    const sameSize = await original.fork(5, evil);
    // Grown from a record the stored tiles do not cover (a fork below them is "downloaded inconsistent tile", as in go).
    const grown = await original.fork(310, evil);
    await grown.addFiller(40);
    try {
      for (const [name, fork] of [
        ['a fork of the same size', sameSize],
        ['a fork that also grew', grown],
      ] as const) {
        db.log = fork;
        const store = await openFsStore(stateDir);
        const before = await sumdbFiles(store);
        const latestBefore = await store.getMeta(sumdbConfigKey(`${DB}/latest`));
        const res = await runJob(store, env(), planOf([{ m: w.y }, { m: w.swapped.honest }]));
        // The job stops at the first proof: paused with the report as its reason.
        expect(res.outcome, name).toBe('paused');
        expect(res.progress.pauseReason).toMatch(/^SECURITY ERROR\ngo.sum database server misbehavior detected!\n/);
        const failed = [w.y, w.swapped.honest].map((m) => res.byModule.get(key(m))!).filter((l) => l.state === 'failed');
        expect(failed.length, name).toBeGreaterThan(0);
        for (const m of [w.y, w.swapped.honest]) {
          const line = res.byModule.get(key(m))!;
          expect(line.state, `${name}: ${key(m)}`).not.toBe('verified');
          if (line.state === 'failed') {
            expect(line.failure?.kind, line.failure?.message).toBe('security');
            expect(line.failure?.message).toMatch(/^SECURITY ERROR\ngo.sum database server misbehavior detected!\n\nold database:\n\tgo.sum database tree\n/);
          }
          expect(await store.getFileRecord(zipFile(m.path, m.version))).toBeUndefined();
          expect(await store.getFileRecord(modFile(m.path, m.version))).toBeUndefined();
        }
        expect(await sumdbFiles(store), name).toEqual(before);
        expect(text(await store.getMeta(sumdbConfigKey(`${DB}/latest`)))).toBe(text(latestBefore));
        const t = await readSumdbTimeline(store, DB);
        expect(t.heads.map((h) => h.size), name).toEqual([322]);
        expect(t.forks.at(-1)?.report).toBe(failed[0]!.failure?.message);
      }
      expect((await readSumdbTimeline(await openFsStore(stateDir), DB)).forks).toHaveLength(2);
    } finally {
      db.log = original;
    }
  });

  it('run 3 is served an older tree that is a prefix of the stored one: accepted, latest not rolled back', async () => {
    const original = w.log;
    db.log = await original.prefix(310);
    try {
      const store = await openFsStore(stateDir);
      const res = await runJob(store, env(), planOf([{ m: w.y }]));
      expect(res.byModule.get(key(w.y))?.state).toBe('verified');
      expect(text(await store.getMeta(sumdbConfigKey(`${DB}/latest`)))).toBe(text(await original.signedTree()));
      const t = await readSumdbTimeline(store, DB);
      expect(t.heads.map((h) => h.size)).toEqual([322, 310]);
      expect(t.heads[1]!.note).toBe(text(await db.log.signedTree()));
      expect(t.heads[1]!.firstSeen).toBeGreaterThanOrEqual(t.heads[0]!.firstSeen);
      // The lookup served by the older tree is cached for the bundle.
      expect((await sumdbFiles(store)).some((f) => f.startsWith(`${SUMDB_CACHE_DIR}/${DB}/lookup/example.com/yankee@v1.2.0 `))).toBe(true);
    } finally {
      db.log = original;
    }
  });

  it('run 4: once the database serves its true tree again, the same state verifies as before', async () => {
    const store = await openFsStore(stateDir);
    const res = await runJob(store, env(), planOf([{ m: w.swapped.honest }, { m: w.wrongInDb }]));
    // Not a fork any more: the honest module's served zip differs from the database, the other's record is wrong.
    expect(res.byModule.get(key(w.swapped.honest))?.failure?.message).toContain('verifying module: checksum mismatch');
    expect(res.byModule.get(key(w.wrongInDb))?.failure?.message).toContain('verifying module: checksum mismatch');
    expect((await readSumdbTimeline(store, DB)).heads.map((h) => h.size)).toEqual([322, 310]);
  });
});
