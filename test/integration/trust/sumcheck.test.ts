/**
 * `modcarry sumcheck` and the engine's sumcheck: a go.sum checked against the
 * test checksum database and the files a download stored, online and offline
 * from the stored proofs alone; exit 1 on a mismatch or a fork.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LineFacet } from '../../../src/core/inspect/inspectGoSum.ts';
import { sumcheckCommand } from '../../../src/cli/sumcheckCommand.ts';
import { UsageError } from '../../../src/cli/cliError.ts';
import { sumcheck } from '../../../src/engine/sumcheck.ts';
import type { SumcheckReport } from '../../../src/engine/sumcheck.ts';
import { readSumdbTimeline } from '../../../src/engine/sumdbChecker.ts';
import { openFsStore } from '../../../src/platform/node/fsStore.ts';
import { nodeClock } from '../../../src/platform/node/nodePorts.ts';
import { goSumRecord } from '../../support/sumdbServer.ts';
import type { RunningSumdbServer } from '../../support/sumdbServer.ts';
import { DB, key, planOf, runJob, serveTrustWorld } from './trustFixture.ts';
import type { TrustWorld } from './trustFixture.ts';

let w: TrustWorld;
let db: RunningSumdbServer;
let dir: string;
let stateDir: string;
let goSumFile: string;

serveTrustWorld((world, server) => {
  w = world;
  db = server;
});
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'modcarry-sumcheck-'));
  stateDir = join(dir, 'state');
  goSumFile = join(dir, 'go.sum');
  const { x, y, wrongInDb } = w;
  writeFileSync(
    goSumFile,
    [
      `${x.path} ${x.version} ${x.zipHash}`,
      `${x.path} ${x.version}/go.mod ${x.modHash}`,
      `${y.path} ${y.version} ${y.zipHash}`,
      `${y.path} ${y.version}/go.mod ${y.modHash}`,
      `${wrongInDb.path} ${wrongInDb.version} ${wrongInDb.zipHash}`,
      `example.com/nothere v1.0.0/go.mod ${x.modHash}`,
      '',
    ].join('\n'),
  );
  // A download of x fills the state directory: its files and the proofs of its lookup.
  const res = await runJob(await openFsStore(stateDir), { GOPROXY: db.url, GOSUMDB: db.gosumdb }, planOf([{ m: x }]));
  expect(res.byModule.get(key(x))?.state).toBe('verified');
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ENV = { GOPROXY: 'off', GONOSUMDB: '', GOPRIVATE: '', GONOPROXY: '' };

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await sumcheckCommand(args, { write: (s: string) => ((out += s), true) }, ENV);
  return { code, out };
}

async function cliJson(...args: string[]): Promise<{ code: number; report: SumcheckReport }> {
  const { code, out } = await cli('--json', ...args);
  return { code, report: JSON.parse(out) as SumcheckReport };
}

const facetsOf = (r: SumcheckReport, line: number): readonly LineFacet[] => r.lines.find((l) => l.line === line)!.facets;

describe.sequential('sumcheck', () => {
  it('offline: lines whose proofs are stored are checked, the others are "not checked (offline)"; exit 0', async () => {
    const { code, report } = await cliJson('--offline', '--state', stateDir, '--gosumdb', w.log.vkey, goSumFile);
    expect(code).toBe(0);
    expect(report.db).toEqual({ name: DB, key: w.log.vkey, offline: true, treeSize: 322 });
    expect(facetsOf(report, 1)).toEqual([{ kind: 'db-match', db: DB, recordId: 300, treeSize: 322 }, { kind: 'download-match' }]);
    expect(facetsOf(report, 2)).toEqual([{ kind: 'db-match', db: DB, recordId: 300, treeSize: 322 }, { kind: 'download-match' }]);
    for (const line of [3, 4, 5, 6]) expect(facetsOf(report, line), `line ${line}`).toEqual([{ kind: 'db-unchecked', detail: 'offline' }]);
    expect(report.ok).toBe(true);

    const table = await cli('--offline', '--state', stateDir, '--gosumdb', w.log.vkey, goSumFile);
    expect(table.code).toBe(0);
    expect(table.out).toContain(`matches ${DB} (record 300, tree size 322)`);
    expect(table.out).toContain('not checked (offline)');
    expect(table.out).toContain('(offline: stored proofs only)');
  });

  it('online: a line that differs from the database fails the check (exit 1); absent lines are named', async () => {
    const { code, report } = await cliJson('--state', stateDir, '--gosumdb', db.gosumdb, goSumFile);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.security).toBe(1);
    expect(facetsOf(report, 3)).toEqual([{ kind: 'db-match', db: DB, recordId: 301, treeSize: 322 }]);
    expect(facetsOf(report, 5)).toEqual([{ kind: 'db-mismatch', db: DB, dbHash: w.bogusHash, recordId: 302, treeSize: 322 }]);
    expect(facetsOf(report, 6)).toMatchObject([{ kind: 'db-absent', db: DB }]);

    const table = await cli('--state', stateDir, '--gosumdb', db.gosumdb, goSumFile);
    expect(table.code).toBe(1);
    expect(table.out).toContain(`SECURITY: differs from ${DB} (record 302, tree size 322), which has ${w.bogusHash}`);
    expect(table.out).toMatch(/^FAILED: 1 line with a mismatch/m);
  });

  it('offline again: the lookups the online check verified are now stored proofs', async () => {
    const { report } = await cliJson('--offline', '--state', stateDir, '--gosumdb', w.log.vkey, goSumFile);
    expect(facetsOf(report, 3)).toEqual([{ kind: 'db-match', db: DB, recordId: 301, treeSize: 322 }]);
    expect(facetsOf(report, 5)).toMatchObject([{ kind: 'db-mismatch', dbHash: w.bogusHash }]);
    expect(report.ok).toBe(false);
  });

  it('a go.sum hash that differs from the downloaded bytes is a security finding', async () => {
    const other = join(dir, 'other.sum');
    writeFileSync(other, `${w.x.path} ${w.x.version}/go.mod ${w.y.modHash}\n`);
    const store = await openFsStore(stateDir);
    const r = await sumcheck({ goSum: `${w.x.path} ${w.x.version}/go.mod ${w.y.modHash}\n`, env: { GOPROXY: 'off', GONOPROXY: '', GOSUMDB: w.log.vkey, GONOSUMDB: '' }, store, clock: nodeClock, offline: true });
    expect(r.lines[0]!.facets).toEqual([
      { kind: 'db-mismatch', db: DB, dbHash: w.x.modHash, recordId: 300, treeSize: 322 },
      { kind: 'download-mismatch', downloaded: w.x.modHash },
    ]);
    expect((await cli('--offline', '--state', stateDir, '--gosumdb', w.log.vkey, other)).code).toBe(1);
    // GOSUMDB=off: nothing is asked of the database, the downloads still speak.
    const off = await cliJson('--offline', '--state', stateDir, '--gosumdb', 'off', other);
    expect(off.code).toBe(1);
    expect(off.report.lines[0]!.facets).toEqual([{ kind: 'db-unchecked', detail: 'GOSUMDB=off' }, { kind: 'download-mismatch', downloaded: w.x.modHash }]);
  });

  it('GONOSUMDB-exempt lines are not looked up', async () => {
    let out = '';
    const code = await sumcheckCommand(['--json', '--offline', '--state', stateDir, '--gosumdb', w.log.vkey, goSumFile], { write: (s: string) => ((out += s), true) }, { ...ENV, GONOSUMDB: 'example.com/yankee' });
    const report = JSON.parse(out) as SumcheckReport;
    expect(code).toBe(1);
    expect(facetsOf(report, 3)).toEqual([{ kind: 'exempt', detail: 'GONOSUMDB/GOPRIVATE' }]);
    expect(facetsOf(report, 1)[0]).toMatchObject({ kind: 'db-match' });
  });

  it('a fork of the database is reported with its proof, and the check fails', async () => {
    const original = w.log;
    db.log = await original.fork(7, goSumRecord('example.com/evil', 'v1.0.0', w.x.zipHash, w.x.modHash));
    try {
      const sum = join(dir, 'fork.sum');
      const { honest } = w.swapped;
      writeFileSync(sum, `${honest.path} ${honest.version} ${honest.zipHash}\n${honest.path} ${honest.version}/go.mod ${honest.modHash}\n`);
      const { code, report } = await cliJson('--state', stateDir, '--gosumdb', db.gosumdb, sum);
      expect(code).toBe(1);
      expect(report.fork).toMatch(/^SECURITY ERROR\ngo.sum database server misbehavior detected!\n/);
      expect(report.lines.map((l) => l.facets)).toEqual([
        [{ kind: 'db-unchecked', detail: `${DB} proved inconsistent` }],
        [{ kind: 'db-unchecked', detail: `${DB} proved inconsistent` }],
      ]);
      expect((await readSumdbTimeline(await openFsStore(stateDir), DB)).forks.map((f) => f.report)).toContain(report.fork);
      expect((await cli('--state', stateDir, '--gosumdb', db.gosumdb, sum)).out).toContain('go.sum database server misbehavior detected!');
    } finally {
      db.log = original;
    }
  });

  it('usage errors', async () => {
    await expect(cli('--state', stateDir)).rejects.toBeInstanceOf(UsageError);
    await expect(cli('--bogus', goSumFile)).rejects.toBeInstanceOf(UsageError);
    await expect(cli(goSumFile, goSumFile)).rejects.toBeInstanceOf(UsageError);
  });
});
