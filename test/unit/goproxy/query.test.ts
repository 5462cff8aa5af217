import { describe, expect, it } from 'vitest';
import { GoproxyClient } from '../../../src/core/goproxy/client.ts';
import { isRevisionQuery, Querier, shortMessage } from '../../../src/core/goproxy/query.ts';
import type { QuerierOptions } from '../../../src/core/goproxy/query.ts';
import { defaultMod, fakeHttp } from '../plan/fakeProxy.ts';
import type { FakeModule } from '../plan/fakeProxy.ts';

const M = 'example.com/m';
const P1 = 'https://p1';

function querier(proxies: Record<string, FakeModule[]>, goproxy = P1, extra: Partial<QuerierOptions> = {}): { q: Querier; log: string[] } {
  const http = fakeHttp(proxies);
  const client = new GoproxyClient({ http, goproxy });
  return { q: new Querier({ client, perProxy: { http }, ...extra }), log: http.log };
}

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

const plain: FakeModule = {
  path: M,
  versions: { 'v1.0.0': {}, 'v1.1.0': {}, 'v1.2.0-pre': {}, 'v1.2.0': {}, 'v1.2.1': {}, 'v1.3.0-rc.1': {} },
  extraList: ['v1.9.0-0.20240101000000-abcdefabcdef'],
};

describe('isRevisionQuery', () => {
  it('separates revisions from selections', () => {
    for (const q of ['v1.0.0', 'v1.0.0+meta', 'master', '0123abcd', 'v1.2.3-pre']) expect(isRevisionQuery(q), q).toBe(true);
    for (const q of ['latest', 'upgrade', 'patch', 'v1', 'v1.2', '<v1.2.3', '>=v1.0.0']) expect(isRevisionQuery(q), q).toBe(false);
  });
});

describe('shortMessage', () => {
  it('keeps the first line, trimmed, and refuses long or unprintable text', () => {
    expect(shortMessage('  bad release\nmore', 'dflt')).toBe('bad release');
    expect(shortMessage('   ', 'dflt')).toBe('dflt');
    expect(shortMessage('x'.repeat(501), 'dflt')).toBe('(message omitted: too long)');
    expect(shortMessage('bell\u0007', 'dflt')).toBe('(message omitted: contains non-printable characters)');
  });
});

describe('Querier: selections from the list', () => {
  it('latest prefers releases and ignores listed pseudo-versions', async () => {
    const { q } = querier({ [P1]: [plain] });
    expect((await q.query(M, 'latest')).version).toBe('v1.2.1');
  });

  it('latest falls back to the highest pre-release', async () => {
    const { q } = querier({ [P1]: [{ path: M, versions: { 'v0.1.0-a': {}, 'v0.2.0-b': {} } }] });
    expect((await q.query(M, 'latest')).version).toBe('v0.2.0-b');
  });

  it('version prefixes pick the highest match, never a pre-release below the prefix (go#31972)', async () => {
    const { q } = querier({ [P1]: [plain] });
    expect((await q.query(M, 'v1')).version).toBe('v1.2.1');
    expect((await q.query(M, 'v1.2')).version).toBe('v1.2.1');
    expect((await q.query(M, 'v1.1')).version).toBe('v1.1.0');
    expect(await errorOf(q.query(M, 'v1.5'))).toBe('module example.com/m: no matching versions for query "v1.5"');
  });

  it('comparisons: < and <= take the closest below, > and >= the closest above; releases first', async () => {
    const { q } = querier({ [P1]: [plain] });
    expect((await q.query(M, '<v1.2.0')).version).toBe('v1.1.0');
    expect((await q.query(M, '<=v1.2.0')).version).toBe('v1.2.0');
    expect((await q.query(M, '>v1.0.0')).version).toBe('v1.1.0');
    expect((await q.query(M, '>=v1.2.1')).version).toBe('v1.2.1');
    expect((await q.query(M, '>v1.2.1')).version).toBe('v1.3.0-rc.1');
  });

  it("refuses ranges go refuses, with go's texts", async () => {
    const { q } = querier({ [P1]: [plain] });
    expect(await errorOf(q.query(M, '<=v1.2'))).toBe('example.com/m@<=v1.2: ambiguous semantic version "v1.2" in range "<=v1.2"');
    expect(await errorOf(q.query(M, '>v1'))).toBe('example.com/m@>v1: ambiguous semantic version "v1" in range ">v1"');
    expect(await errorOf(q.query(M, '<vx'))).toBe('example.com/m@<vx: invalid semantic version "vx" in range "<vx"');
  });
});

describe('Querier: revisions', () => {
  it('an exact version is one .info request', async () => {
    const { q, log } = querier({ [P1]: [plain] });
    const r = await q.query(M, 'v1.1.0');
    expect(r.version).toBe('v1.1.0');
    expect(r.info?.info.version).toBe('v1.1.0');
    expect(log).toEqual(['https://p1/example.com/m/@v/v1.1.0.info']);
  });

  it('a version with +metadata falls back to the tag without it', async () => {
    const { q } = querier({ [P1]: [plain] });
    expect((await q.query(M, 'v1.1.0+build5')).version).toBe('v1.1.0');
  });

  it('a branch name is resolved by the proxy .info', async () => {
    const pseudo = 'v1.2.2-0.20240301000000-0123456789ab';
    const { q } = querier({ [P1]: [{ path: M, versions: { ...plain.versions, master: { infoVersion: pseudo } } }] });
    expect((await q.query(M, 'master')).version).toBe(pseudo);
  });

  it("an unknown revision reports the proxy's error as go does", async () => {
    const { q } = querier({ [P1]: [plain] });
    expect(await errorOf(q.query(M, 'v9.9.9'))).toBe('example.com/m@v9.9.9: reading https://p1/example.com/m/@v/v9.9.9.info: 404 Not Found\n\tserver response: not found: https://p1/example.com/m/@v/v9.9.9.info');
    expect(await errorOf(q.query(M, 'nobranch'))).toMatch(/^example\.com\/m@nobranch: invalid version: reading https:\/\/p1\/example\.com\/m\/@v\/nobranch\.info: 404 Not Found/);
  });
});

describe('Querier: retractions and exclusions', () => {
  const retracting: FakeModule = {
    path: M,
    versions: {
      'v1.0.0': {},
      'v1.1.0': {},
      'v1.2.0': {},
      'v1.3.0': { mod: `${defaultMod(M)}\nretract (\n\tv1.2.0 // broken build\n\t[v1.3.0, v1.3.0] // retraction-only release\n)\n` },
    },
  };

  it('latest, prefixes and ranges skip versions the latest go.mod retracts', async () => {
    const { q, log } = querier({ [P1]: [retracting] });
    expect((await q.query(M, 'latest')).version).toBe('v1.1.0');
    expect((await q.query(M, 'v1')).version).toBe('v1.1.0');
    expect((await q.query(M, '<v1.9.0')).version).toBe('v1.1.0');
    expect((await q.query(M, '>=v1.0.0')).version).toBe('v1.0.0');
    // The latest version's go.mod was read once for all of them.
    expect(log.filter((u) => u.endsWith('v1.3.0.mod'))).toHaveLength(1);
  });

  it('retracted versions give no match for a prefix that only they satisfy', async () => {
    const { q } = querier({ [P1]: [retracting] });
    expect(await errorOf(q.query(M, 'v1.2'))).toBe('module example.com/m: no matching versions for query "v1.2"');
    expect(await errorOf(q.query(M, '>v1.1.0'))).toBe('module example.com/m: no matching versions for query ">v1.1.0"');
  });

  it('exact versions are allowed even when retracted (revision queries), unless asked to check', async () => {
    const { q } = querier({ [P1]: [retracting] });
    expect((await q.query(M, 'v1.2.0')).version).toBe('v1.2.0');
    expect(await errorOf(q.query(M, 'v1.2.0', { checkAllowed: true }))).toBe('example.com/m@v1.2.0: retracted by module author: broken build');
  });

  it('disallowed() reports retractions with their rationale', async () => {
    const { q } = querier({ [P1]: [retracting] });
    const d = await q.disallowed(M, 'v1.3.0');
    expect(d?.reason).toBe('retracted');
    expect(d?.message).toBe('example.com/m@v1.3.0: retracted by module author: retraction-only release');
    expect(await q.disallowed(M, 'v1.1.0')).toBeUndefined();
  });

  it("excluded versions (the main go.mod's exclude lines) are skipped", async () => {
    const { q } = querier({ [P1]: [plain] }, P1, { exclude: [{ path: M, version: 'v1.2.1' }] });
    expect((await q.query(M, 'latest')).version).toBe('v1.2.0');
    expect((await q.disallowed(M, 'v1.2.1'))?.message).toBe('example.com/m@v1.2.1: excluded by go.mod');
  });
});

describe('Querier: +incompatible', () => {
  const withGoMod: FakeModule = { path: M, versions: { 'v1.0.0': {}, 'v2.0.0+incompatible': { mod: `module ${M}\n` } } };
  const legacy: FakeModule = { path: M, versions: { 'v1.0.0': { mod: `module ${M}\n` }, 'v2.0.0+incompatible': { mod: `module ${M}\n` } } };

  it('ignores +incompatible versions above a compatible version that has a go.mod', async () => {
    const { q } = querier({ [P1]: [withGoMod] });
    expect((await q.query(M, 'latest')).version).toBe('v1.0.0');
  });

  it('keeps them when the compatible versions have no go.mod (legacy versioning)', async () => {
    const { q } = querier({ [P1]: [legacy] });
    expect((await q.query(M, 'latest')).version).toBe('v2.0.0+incompatible');
  });

  it('a query for a v2+ major asks for them explicitly', async () => {
    const { q } = querier({ [P1]: [withGoMod] });
    expect((await q.query(M, 'v2')).version).toBe('v2.0.0+incompatible');
    expect((await q.query(M, 'latest', { current: 'v2.0.0+incompatible' })).version).toBe('v2.0.0+incompatible');
  });
});

describe('Querier: upgrade and patch', () => {
  it('upgrade never downgrades from a newer current version', async () => {
    const { q } = querier({ [P1]: [plain] });
    expect((await q.query(M, 'upgrade', { current: 'v1.0.0' })).version).toBe('v1.2.1');
    expect((await q.query(M, 'upgrade', { current: 'v1.3.0-rc.1' })).version).toBe('v1.3.0-rc.1');
    expect((await q.query(M, 'upgrade')).version).toBe('v1.2.1');
  });

  it('upgrade keeps a pseudo-version newer in time than the latest release', async () => {
    const pseudo = 'v1.2.2-0.20250101000000-0123456789ab';
    const mod: FakeModule = { path: M, versions: { ...plain.versions, [pseudo]: { unlisted: true, time: '2025-01-01T00:00:00Z' } } };
    const { q } = querier({ [P1]: [mod] });
    expect((await q.query(M, 'upgrade', { current: pseudo })).version).toBe(pseudo);
  });

  it('patch stays within the current minor and needs a current version', async () => {
    const { q } = querier({ [P1]: [plain] });
    expect((await q.query(M, 'patch', { current: 'v1.2.0' })).version).toBe('v1.2.1');
    expect((await q.query(M, 'patch', { current: 'v1.1.0' })).version).toBe('v1.1.0');
    expect(await errorOf(q.query(M, 'patch'))).toBe('example.com/m@patch: can\'t query version "patch" of module example.com/m: no existing version is required');
    expect(await errorOf(q.query(M, 'upgrade', { current: 'bad' }))).toBe('example.com/m@upgrade: invalid previous version example.com/m@bad');
  });

  it('upgrade/patch of the main module resolve to it', async () => {
    const { q, log } = querier({ [P1]: [] }, P1, { mainModule: M });
    expect((await q.query(M, 'upgrade')).version).toBe('');
    expect(log).toEqual([]);
  });
});

describe('Querier: @latest and the proxy walk', () => {
  it('with no tagged versions, @latest answers latest', async () => {
    const pseudo = 'v0.0.0-20240101000000-0123456789ab';
    const { q } = querier({ [P1]: [{ path: M, versions: { [pseudo]: { unlisted: true } }, latest: pseudo }] });
    expect((await q.query(M, 'latest')).version).toBe(pseudo);
  });

  it('without @latest, the newest listed pseudo-version answers', async () => {
    const older = 'v0.0.0-20230101000000-0123456789ab';
    const newer = 'v0.0.0-20240101000000-abcdefabcdef';
    const { q } = querier({ [P1]: [{ path: M, versions: { [older]: { unlisted: true }, [newer]: { unlisted: true } }, extraList: [newer, older] }] });
    expect((await q.query(M, 'latest')).version).toBe(newer);
  });

  it('a module no proxy has: the last not-found error, attributed to the module', async () => {
    const { q } = querier({ [P1]: [], 'https://p2': [] }, 'https://p1,https://p2');
    expect(await errorOf(q.query('example.com/nope', 'latest'))).toBe(
      'module example.com/nope: reading https://p2/example.com/nope/@v/list: 404 Not Found\n\tserver response: not found: https://p2/example.com/nope/@v/list',
    );
  });

  it('runs the whole query against one proxy: one that lists a version it cannot serve yields to the next', async () => {
    const broken: FakeModule = { path: M, versions: { 'v1.0.0': {}, 'v1.2.1': { noInfo: true } } };
    const older: FakeModule = { path: M, versions: { 'v1.0.0': {} } };
    const { q } = querier({ [P1]: [broken], 'https://p2': [older] }, 'https://p1,https://p2');
    const r = await q.query(M, 'latest');
    expect([r.version, r.proxy]).toEqual(['v1.0.0', 'https://p2']);
    // Walking the list per request instead would pick v1.2.1 from p1's list and find no .info anywhere.
    const http = fakeHttp({ [P1]: [broken], 'https://p2': [older] });
    const perRequest = new Querier({ client: new GoproxyClient({ http, goproxy: 'https://p1,https://p2' }) });
    expect(await errorOf(perRequest.query(M, 'latest'))).toMatch(/^example\.com\/m@v1\.2\.1: reading https:\/\/p2\/.*404 Not Found/);
  });

  it('GOPROXY=off refuses, as go reports it', async () => {
    const { q } = querier({}, 'off');
    expect(await errorOf(q.query(M, 'latest'))).toBe('example.com/m@latest: module lookup disabled by GOPROXY=off');
  });

  it('a malformed module path is refused before any request', async () => {
    const { q, log } = querier({ [P1]: [plain] });
    expect(await errorOf(q.query('Example.com/m', 'latest'))).toBe(
      'Example.com/m@latest: malformed module path "Example.com/m": invalid char \'E\' in first path element',
    );
    expect(log).toEqual([]);
  });

  it('works over the whole list without per-proxy clients too', async () => {
    const http = fakeHttp({ [P1]: [plain] });
    const q = new Querier({ client: new GoproxyClient({ http, goproxy: P1 }) });
    expect((await q.query(M, 'v1.1')).version).toBe('v1.1.0');
  });
});
