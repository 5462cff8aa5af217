/**
 * A verdict records what vouched for the module's hashes: the go.sum lines
 * and the checksum database consulted when the zip's h1 was checked (the
 * verdict reuses that answer), and each module's database lookup is read from
 * the store once.
 */
import { describe, expect, it } from 'vitest';
import { SUMDB_CACHE_DIR } from '../../../src/core/modcache/layout.ts';
import { memoryStore } from '../../../src/engine/memoryStore.ts';
import type { ModuleStateRecord } from '../../../src/engine/moduleState.ts';
import type { EngineStore } from '../../../src/engine/ports.ts';
import type { RunningSumdbServer } from '../../support/sumdbServer.ts';
import { DB, key, planOf, runJob, serveTrustWorld } from './trustFixture.ts';
import type { TrustWorld } from './trustFixture.ts';

let w: TrustWorld;
let db: RunningSumdbServer;

serveTrustWorld((world, server) => {
  w = world;
  db = server;
});

describe('what vouched for a verdict', () => {
  it('records go.sum and the database, or the database alone, with the hashes checked', async () => {
    const inner = memoryStore();
    const lookups = new Map<string, number>();
    const store: EngineStore = {
      ...inner,
      async getFile(path) {
        if (path.startsWith(`${SUMDB_CACHE_DIR}/${DB}/lookup/`)) lookups.set(path, (lookups.get(path) ?? 0) + 1);
        return inner.getFile(path);
      },
    };
    const plan = planOf([{ m: w.x, goSum: { zip: [w.x.zipHash], mod: [w.x.modHash] } }, { m: w.y }]);
    const res = await runJob(store, { GOPROXY: db.url, GOSUMDB: w.log.vkey }, plan);
    expect(res.outcome).toBe('done');
    const states = new Map((await inner.listModuleStates(res.progress.jobId)).map((s) => [(s as ModuleStateRecord).module, s]));
    expect(states.get(key(w.x))).toMatchObject({ state: 'verified', checkedBy: ['go.sum', 'sumdb'], zipHash: w.x.zipHash, modHash: w.x.modHash });
    expect(states.get(key(w.y))).toMatchObject({ state: 'verified', checkedBy: ['sumdb'], zipHash: w.y.zipHash, modHash: w.y.modHash });
    expect([...lookups.entries()].sort()).toEqual([
      [`${SUMDB_CACHE_DIR}/${DB}/lookup/${w.x.path}@${w.x.version}`, 1],
      [`${SUMDB_CACHE_DIR}/${DB}/lookup/${w.y.path}@${w.y.version}`, 1],
    ]);
  });
});
