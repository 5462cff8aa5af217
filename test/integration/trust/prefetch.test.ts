/**
 * The checksum database is asked for a module's record while its zip
 * downloads, not once the zip's h1 is known: a verification never waits on
 * the database in turn (with 40 ms per database request, the bench set's CLI
 * run took 8.7 s before and 6.7 s after). The database sees the same
 * requests as before, and a GONOSUMDB path is never sent, ahead or not.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Http } from '../../../src/core/goproxy/http.ts';
import { memoryStore } from '../../../src/engine/memoryStore.ts';
import { nodeHttp } from '../../../src/platform/node/nodeHttp.ts';
import type { RunningSumdbServer } from '../../support/sumdbServer.ts';
import { planOf, runJob, serveTrustWorld } from './trustFixture.ts';
import type { TrustWorld } from './trustFixture.ts';

let w: TrustWorld;
let db: RunningSumdbServer;

serveTrustWorld((world, server) => {
  w = world;
  db = server;
});

const lookupsOf = (requests: readonly string[]): string[] => requests.filter((r) => r.includes('/lookup/')).map((r) => r.slice(r.indexOf('/lookup/')));

describe('asking the checksum database ahead', () => {
  it("asks for a module's record while its zip is still downloading", async () => {
    const events: string[] = [];
    let sawLookup = (): void => undefined;
    const lookupSeen = new Promise<void>((r) => (sawLookup = r));
    const inner = nodeHttp();
    const http: Http = {
      async get(url, init) {
        if (url.includes('/lookup/')) {
          events.push('lookup');
          sawLookup();
        }
        if (url.endsWith('.zip')) {
          // The zip is held until the record is asked for, 3 s at most: were
          // the record asked for only after the zip's h1, the hold would run
          // out (and the engine, on its fast test clock, takes it for a stall).
          const why = await Promise.race([lookupSeen.then(() => 'after the lookup'), sleep(3000).then(() => 'after 3 s')]);
          events.push(`zip sent ${why}`);
        }
        return inner.get(url, init);
      },
    };
    const res = await runJob(memoryStore(), { GOPROXY: db.url, GOSUMDB: w.log.vkey }, planOf([{ m: w.x }]), http);
    expect(events).toEqual(['lookup', 'zip sent after the lookup']);
    expect(res.outcome).toBe('done');
    expect(res.byModule.get(`${w.x.path}@${w.x.version}`)?.state).toBe('verified');
  });

  it('sends the database one lookup per module, as before', async () => {
    const before = db.requests.length;
    const res = await runJob(memoryStore(), { GOPROXY: db.url, GOSUMDB: w.log.vkey }, planOf([{ m: w.x }, { m: w.y }]));
    expect(res.outcome).toBe('done');
    expect(lookupsOf(db.requests.slice(before)).sort()).toEqual([`/lookup/${w.x.path}@${w.x.version}`, `/lookup/${w.y.path}@${w.y.version}`]);
  });

  it('never sends a GONOSUMDB path, ahead or not', async () => {
    const before = db.requests.length;
    const res = await runJob(memoryStore(), { GOPROXY: db.url, GOSUMDB: w.log.vkey, GONOSUMDB: w.x.path }, planOf([{ m: w.x, goSum: { zip: [w.x.zipHash], mod: [w.x.modHash] } }, { m: w.y }]));
    expect(res.outcome).toBe('done');
    expect(lookupsOf(db.requests.slice(before))).toEqual([`/lookup/${w.y.path}@${w.y.version}`]);
  });

  it('checks with the record fetched ahead: a mismatch is the same SECURITY ERROR, with no second request', async () => {
    const before = db.requests.length;
    // The database's record for wrongInDb holds another zip hash.
    const res = await runJob(memoryStore(), { GOPROXY: db.url, GOSUMDB: w.log.vkey }, planOf([{ m: w.wrongInDb }]));
    const failure = res.byModule.get(`${w.wrongInDb.path}@${w.wrongInDb.version}`)?.failure?.message ?? '';
    expect(failure).toContain('SECURITY ERROR');
    expect(failure).toContain('checksum server');
    expect(lookupsOf(db.requests.slice(before))).toEqual([`/lookup/${w.wrongInDb.path}@${w.wrongInDb.version}`]);
  });

  it("fails the check with the lookup's own error when it failed ahead, without asking again", async () => {
    const before = db.requests.length;
    db.tamper = (path, body) => (path.startsWith('/lookup/') ? new TextEncoder().encode('not a record\n') : body);
    try {
      const res = await runJob(memoryStore(), { GOPROXY: db.url, GOSUMDB: w.log.vkey }, planOf([{ m: w.y }]));
      const line = res.byModule.get(`${w.y.path}@${w.y.version}`);
      expect(line?.state).toBe('failed');
      // The text a check asking for itself gives: the go.mod line is looked up first.
      expect(line?.failure?.message).toContain(`${w.y.path}@${w.y.version}/go.mod: `);
      // A malformed record fails the module at once: one attempt, and its check asked nothing more.
      expect(line?.failure?.kind).toBe('error');
      expect(lookupsOf(db.requests.slice(before))).toEqual([`/lookup/${w.y.path}@${w.y.version}`]);
    } finally {
      db.tamper = undefined;
    }
  });
});
