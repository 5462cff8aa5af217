/**
 * Queries against the real go command: for each module@query, our Querier's
 * answer (version, or error text) equals `go list -m -e -json module@query`,
 * both reading the same GOPROXY=file:// tree. The tree has releases,
 * pre-releases, listed pseudo-versions (which lists must ignore), a retraction
 * in the latest go.mod, +incompatible versions with and without go.mod files
 * in the compatible line, and a module with no tags at all.
 *
 * Then the plan's files against what go fetches: `go list -m all` for a main
 * module over that tree, in an empty cache, reads
 * .info files only for the build list and .mod files only for modules the
 * plan carries.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoproxyClient } from '../../src/core/goproxy/client.ts';
import { Querier } from '../../src/core/goproxy/query.ts';
import { escapePath, escapeVersion } from '../../src/core/module/escape.ts';
import { createPlan } from '../../src/core/plan/createPlan.ts';
import { nodeHttp } from '../../src/platform/node/nodeHttp.ts';
import { fileProxyUrl, writeFileProxy } from '../support/fileProxy.ts';
import type { ProxyModule } from '../support/fileProxy.ts';
import { goAvailability, runGo, cachedDownloadFiles } from '../support/goTool.ts';

const go = goAvailability();

const Q = 'example.com/q';
const LEGACY = 'example.com/legacy';
const MODERN = 'example.com/modern';
const PRE = 'example.com/pre';
const NOTAGS = 'example.com/notags';
const PSEUDO_Q = 'v1.2.2-0.20240301000000-0123456789ab';
const NOTAGS_OLD = 'v0.0.0-20230101000000-aaaaaaaaaaaa';
const NOTAGS_NEW = 'v0.0.0-20240101000000-bbbbbbbbbbbb';

const mod = (path: string, extra = ''): string => `module ${path}\n\ngo 1.21\n${extra}`;

function tree(): ProxyModule[] {
  const q = ['v0.9.0', 'v1.0.0', 'v1.1.0-beta.1', 'v1.1.0', 'v1.2.0', 'v1.3.0-rc.1'].map((v) => ({ path: Q, version: v, mod: mod(Q) }));
  return [
    ...q,
    // The latest release retracts itself and v1.2.0.
    { path: Q, version: 'v1.2.1', mod: mod(Q, '\nretract (\n\tv1.2.0 // broken\n\tv1.2.1 // retraction only\n)\n') },
    { path: Q, version: PSEUDO_Q, mod: mod(Q), info: JSON.stringify({ Version: PSEUDO_Q, Time: '2024-03-01T00:00:00Z' }) },
    // No go.mod in the compatible line: +incompatible versions count.
    { path: LEGACY, version: 'v1.0.0', mod: `module ${LEGACY}\n` },
    { path: LEGACY, version: 'v2.0.0+incompatible', mod: `module ${LEGACY}\n` },
    { path: LEGACY, version: 'v2.1.0+incompatible', mod: `module ${LEGACY}\n` },
    // A go.mod in v1: +incompatible versions are ignored unless asked for.
    { path: MODERN, version: 'v1.0.0', mod: mod(MODERN) },
    { path: MODERN, version: 'v1.1.0', mod: mod(MODERN, '\nrequire example.com/q v1.0.0\n') },
    { path: MODERN, version: 'v3.0.0+incompatible', mod: `module ${MODERN}\n` },
    { path: PRE, version: 'v0.1.0-alpha', mod: mod(PRE) },
    { path: PRE, version: 'v0.1.0-beta.2', mod: mod(PRE) },
    { path: NOTAGS, version: NOTAGS_OLD, mod: mod(NOTAGS) },
    { path: NOTAGS, version: NOTAGS_NEW, mod: mod(NOTAGS) },
  ];
}

const QUERIES: readonly string[] = [
  `${Q}@latest`,
  `${Q}@v1`,
  `${Q}@v1.1`,
  `${Q}@v1.2`,
  `${Q}@v0`,
  `${Q}@<v1.1.0`,
  `${Q}@<=v1.1.0`,
  `${Q}@<v1.1.0-beta.2`,
  `${Q}@>v1.0.0`,
  `${Q}@>=v1.1.0-beta.1`,
  `${Q}@>v1.2.1`,
  `${Q}@v1.2.0`,
  `${Q}@v1.0.0+build`,
  `${Q}@${PSEUDO_Q}`,
  `${Q}@v9`,
  `${Q}@v1.9.9`,
  `${Q}@master`,
  `${Q}@<=v1.2`,
  `${LEGACY}@latest`,
  `${LEGACY}@v2`,
  `${LEGACY}@v1`,
  `${MODERN}@latest`,
  `${MODERN}@v3`,
  `${MODERN}@>=v2.0.0`,
  `${PRE}@latest`,
  `${PRE}@v0.1`,
  `${NOTAGS}@latest`,
  `example.com/missing@latest`,
  `example.com/missing@v1.0.0`,
];

describe.skipIf(!go.ok)(`queries equal ${go.version || 'go'}'s (go list -m -e -json)`, () => {
  let dir = '';
  let root = '';
  const goAnswers = new Map<string, string>();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'modcarry-query-'));
    root = join(dir, 'proxy');
    writeFileProxy(root, tree());
    // Pseudo-versions in a list are ignored by queries; without tags, the newest by time answers latest.
    const qList = join(root, 'example.com', 'q', '@v', 'list');
    writeFileSync(qList, ['v0.9.0', 'v1.0.0', 'v1.1.0-beta.1', 'v1.1.0', 'v1.2.0', 'v1.3.0-rc.1', 'v1.2.1', PSEUDO_Q, ''].join('\n'));
    const work = join(dir, 'work');
    mkdirSync(work);
    for (const arg of QUERIES) {
      const r = runGo(['list', '-m', '-e', '-json', arg], work, { home: dir, GOPROXY: fileProxyUrl(root) });
      const j = JSON.parse(r.stdout) as { Version?: string; Error?: { Err: string } };
      goAnswers.set(arg, j.Error !== undefined ? `error: ${j.Error.Err}` : `version: ${j.Version}`);
    }
  });

  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('every query resolves to the same version, or fails with the same text', async () => {
    const http = nodeHttp({ timeoutMs: 10_000 });
    const q = new Querier({ client: new GoproxyClient({ http, goproxy: fileProxyUrl(root) }), perProxy: { http } });
    const ours = new Map<string, string>();
    for (const arg of QUERIES) {
      const at = arg.indexOf('@');
      try {
        ours.set(arg, `version: ${(await q.query(arg.slice(0, at), arg.slice(at + 1))).version}`);
      } catch (e) {
        ours.set(arg, `error: ${(e as Error).message}`);
      }
    }
    expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(goAnswers));
    // The tree exercises what it is meant to: retraction, +incompatible both ways, pseudo-versions, no-match.
    expect(goAnswers.get(`${Q}@latest`)).toBe('version: v1.1.0');
    expect(goAnswers.get(`${LEGACY}@latest`)).toBe('version: v2.1.0+incompatible');
    expect(goAnswers.get(`${MODERN}@latest`)).toBe('version: v1.1.0');
    expect(goAnswers.get(`${NOTAGS}@latest`)).toBe(`version: ${NOTAGS_NEW}`);
    expect(goAnswers.get(`${Q}@v1.2`)).toMatch(/^error: .*no matching versions/);
  });
});


describe.skipIf(!go.ok)(`the plan's .info and .mod files are what ${go.version || 'go'} reads for go list -m all`, () => {
  let dir = '';

  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('.info for the build list only; .mod for the graph', async () => {
    dir = mkdtempSync(join(tmpdir(), 'modcarry-planfiles-'));
    const root = join(dir, 'proxy');
    writeFileProxy(root, [
      ...tree(),
      // An unpruned chain: app -> a -> modern v1.1.0 -> q v1.0.0, and app -> q v1.1.0 (so q v1.0.0 is read but not selected).
      { path: 'example.com/a', version: 'v1.0.0', mod: 'module example.com/a\n\ngo 1.16\n\nrequire example.com/modern v1.1.0\n' },
    ]);
    {
      const work = join(dir, 'app');
      mkdirSync(work);
      const goMod = 'module example.com/app\n\ngo 1.16\n\nrequire (\n\texample.com/a v1.0.0\n\texample.com/q v1.1.0\n)\n';
      writeFileSync(join(work, 'go.mod'), goMod);
      const r = runGo(['list', '-m', 'all'], work, { home: dir, GOPROXY: fileProxyUrl(root), GOFLAGS: '-mod=mod -modcacherw' });
      expect(r.status, r.stderr).toBe(0);
      const http = nodeHttp({ timeoutMs: 10_000 });
      const plan = await createPlan({ goMod, client: new GoproxyClient({ http, goproxy: fileProxyUrl(root) }), http });
      const listed = r.stdout.split('\n').filter((l) => l !== '').slice(1);
      const file = (path: string, version: string, ext: string): string => `${escapePath(path)}/@v/${escapeVersion(version)}.${ext}`;
      const buildList = plan.modules.filter((m) => m.reasons.includes('build-list'));
      expect(buildList.map((m) => `${m.path} ${m.version}`)).toEqual(listed);
      const gomodcache = join(dir, 'gopath', 'pkg', 'mod');
      expect(cachedDownloadFiles(gomodcache, '.info')).toEqual(plan.modules.filter((m) => m.files.includes('info')).map((m) => file(m.fetchPath, m.fetchVersion, 'info')).sort());
      expect(cachedDownloadFiles(gomodcache, '.mod')).toEqual(plan.modules.filter((m) => m.files.includes('mod')).map((m) => file(m.fetchPath, m.fetchVersion, 'mod')).sort());
      // A version read only for its go.mod: .mod, never .info.
      expect(plan.modules.find((m) => m.path === Q && m.version === 'v1.0.0')?.files).toEqual(['mod']);
    }
  });
});
