/**
 * Issue 5: every module's zip and .mod hash is checked against go.sum and the
 * checksum database before it counts as verified; a mismatch is a security
 * error naming the module, both hashes and their sources, and nothing of the
 * module is stored as verified. The engine reaches our test database both
 * named in GOSUMDB ("<vkey> <url>") and through a proxy that answers
 * /sumdb/<name>/supported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modFile, zipFile, ziphashFile } from '../../../src/core/modcache/layout.ts';
import { memoryStore } from '../../../src/engine/memoryStore.ts';
import { startFixtureProxy } from '../../support/fixtureProxy.ts';
import type { FixtureProxy } from '../../support/fixtureProxy.ts';
import type { RunningSumdbServer } from '../../support/sumdbServer.ts';
import { DB, key, planOf, runJob, serveTrustWorld } from './trustFixture.ts';
import type { TrustModule, TrustWorld } from './trustFixture.ts';

let w: TrustWorld;
let proxy: FixtureProxy;
let db: RunningSumdbServer;

serveTrustWorld((world, server) => {
  w = world;
  db = server;
});
beforeAll(async () => {
  proxy = await startFixtureProxy({ root: w.proxyDir });
});
afterAll(async () => {
  await proxy?.close();
});

/** The two ways of reaching the database: named with its URL, or carried by the proxy. */
const routes = (): { name: string; env: { GOPROXY: string; GOSUMDB: string } }[] => [
  { name: 'GOSUMDB="<vkey> <url>"', env: { GOPROXY: proxy.url, GOSUMDB: db.gosumdb } },
  { name: 'through the proxy (/sumdb/<name>/supported)', env: { GOPROXY: db.url, GOSUMDB: w.log.vkey } },
];

async function expectNothingVerified(store: ReturnType<typeof memoryStore>, m: TrustModule): Promise<void> {
  for (const f of [zipFile(m.path, m.version), ziphashFile(m.path, m.version), modFile(m.path, m.version)]) {
    expect(await store.getFileRecord(f), f).toBeUndefined();
  }
}

describe('hash mismatches are security errors', () => {
  it('the reference run: go.sum, database and proxy agree, and both routes verify', async () => {
    for (const r of routes()) {
      db.requests.length = 0;
      const store = memoryStore();
      const res = await runJob(store, r.env, planOf([{ m: w.x, goSum: { zip: [w.x.zipHash], mod: [w.x.modHash] } }]));
      expect(res.byModule.get(key(w.x))?.state, r.name).toBe('verified');
      expect((await store.getFileRecord(zipFile(w.x.path, w.x.version)))?.verified).toBe(true);
      if (r.env.GOPROXY === db.url) expect(db.requests).toContain(`200 /sumdb/${DB}/supported`);
      expect(db.requests.some((q) => q.startsWith('200 ') && q.includes('/lookup/example.com/xray@v1.0.0')), r.name).toBe(true);
    }
  });

  it('a go.sum hash that differs from the database (the zip matches the database)', async () => {
    const m = w.y;
    const wrong = `h1:${Buffer.alloc(32, 3).toString('base64')}`;
    for (const r of routes()) {
      for (const kind of ['zip', 'mod'] as const) {
        const store = memoryStore();
        const goSum = kind === 'zip' ? { zip: [wrong], mod: [m.modHash] } : { zip: [m.zipHash], mod: [wrong] };
        const res = await runJob(store, r.env, planOf([{ m, goSum }]));
        const line = res.byModule.get(key(m))!;
        expect(line.state, `${r.name} ${kind}`).toBe('failed');
        expect(line.failure?.kind).toBe('security');
        const what = kind === 'zip' ? `${m.path}@${m.version}` : `${m.path}@${m.version}/go.mod`;
        expect(line.failure?.message).toContain(`verifying ${what}: checksum mismatch`);
        expect(line.failure?.message).toContain(`\tdownloaded: ${kind === 'zip' ? m.zipHash : m.modHash}\n`);
        expect(line.failure?.message).toContain(`\tgo.sum:     ${wrong}\n`);
        expect(line.failure?.message).toContain('SECURITY ERROR');
        await expectNothingVerified(store, m);
      }
    }
  });

  it('a zip served that differs from both go.sum and the database', async () => {
    const { honest, served } = w.swapped;
    for (const r of routes()) {
      const store = memoryStore();
      const res = await runJob(store, r.env, planOf([{ m: honest, goSum: { zip: [honest.zipHash], mod: [honest.modHash] } }]));
      const line = res.byModule.get(key(honest))!;
      expect(line.state, r.name).toBe('failed');
      expect(line.failure?.kind).toBe('security');
      expect(line.failure?.message).toContain(`verifying ${honest.path}@${honest.version}: checksum mismatch\n\tdownloaded: ${served.zipHash}\n\tgo.sum:     ${honest.zipHash}\n`);
      await expectNothingVerified(store, honest);
    }
  });

  it('without go.sum, a served zip that differs from the database names the database and its hash', async () => {
    const { honest, served } = w.swapped;
    for (const r of routes()) {
      const store = memoryStore();
      const res = await runJob(store, r.env, planOf([{ m: honest }]));
      const line = res.byModule.get(key(honest))!;
      expect(line.state, r.name).toBe('failed');
      expect(line.failure?.kind).toBe('security');
      expect(line.failure?.message).toContain(
        `${honest.path}@${honest.version}: verifying module: checksum mismatch\n\tdownloaded: ${served.zipHash}\n\t${DB}: ${honest.zipHash}\n`,
      );
      expect(line.failure?.message).toContain('This download does NOT match the one reported by the checksum server.');
      await expectNothingVerified(store, honest);
    }
  });

  it('a database record that differs from the served zip fails even when go.sum agrees with the zip', async () => {
    const m = w.wrongInDb;
    const store = memoryStore();
    const res = await runJob(store, routes()[0]!.env, planOf([{ m, goSum: { zip: [m.zipHash], mod: [m.modHash] } }]));
    const line = res.byModule.get(key(m))!;
    expect(line.failure?.kind).toBe('security');
    expect(line.failure?.message).toContain(`\tdownloaded: ${m.zipHash}\n\t${DB}: ${w.bogusHash}\n`);
    await expectNothingVerified(store, m);
  });
});
