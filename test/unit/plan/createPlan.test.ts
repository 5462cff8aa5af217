import { describe, expect, it } from 'vitest';
import { GoproxyClient } from '../../../src/core/goproxy/client.ts';
import { createPlan, PlanError, parseQueryArg, toolchainFor } from '../../../src/core/plan/createPlan.ts';
import type { CreatePlanOptions } from '../../../src/core/plan/createPlan.ts';
import { formatPlan } from '../../../src/core/plan/formatPlan.ts';
import type { Plan } from '../../../src/core/plan/types.ts';
import { fakeHttp } from './fakeProxy.ts';
import type { FakeModule } from './fakeProxy.ts';

const P1 = 'https://p1';

/** An unpruned world: a and b both need c, at different versions; b is replaced by a fork. */
const world: FakeModule[] = [
  { path: 'example.com/a', versions: { 'v1.0.0': { mod: 'module example.com/a\n\ngo 1.16\n\nrequire example.com/c v1.0.0\n' } } },
  { path: 'example.com/b', versions: { 'v1.0.0': { mod: 'module example.com/b\n\ngo 1.16\n\nrequire example.com/c v1.1.0\n' } } },
  { path: 'example.com/bfork', versions: { 'v1.0.1': { mod: 'module example.com/b\n\ngo 1.16\n\nrequire example.com/c v1.1.0\n' } } },
  { path: 'example.com/c', versions: { 'v1.0.0': { mod: 'module example.com/c\n\ngo 1.16\n' }, 'v1.1.0': { mod: 'module example.com/c\n\ngo 1.16\n' } } },
  {
    path: 'example.com/r',
    versions: {
      'v1.0.0': { mod: 'module example.com/r\n\ngo 1.21\n' },
      'v1.1.0': { mod: 'module example.com/r\n\ngo 1.21\n\nretract v1.0.0 // leaks memory\n' },
    },
  },
  { path: 'example.com/x', versions: { 'v1.0.0': { mod: 'module example.com/x\n\ngo 1.16\n\nrequire example.com/y v1.0.0\n' } } },
  { path: 'example.com/y', versions: { 'v1.0.0': { mod: 'module example.com/y\n\ngo 1.16\n\nrequire example.com/x v1.0.0\n' } } },
];

const mainGoMod = `module example.com/app

go 1.16

require (
	example.com/a v1.0.0
	example.com/b v1.0.0
	example.com/local v0.0.0
)

replace example.com/b => example.com/bfork v1.0.1

replace example.com/local => ../local
`;

function opts(extra: Partial<CreatePlanOptions>, goproxy = P1): CreatePlanOptions {
  const http = fakeHttp({ [P1]: world, 'https://p2': [] });
  return { client: new GoproxyClient({ http, goproxy }), http, ...extra };
}

function rows(plan: Plan): string[] {
  return plan.modules.map((m) => {
    const via = m.fetchPath !== m.path || m.fetchVersion !== m.version ? ` => ${m.fetchPath} ${m.fetchVersion}` : '';
    return `${m.path} ${m.version}${via} [${m.files.join(' ')}] (${m.reasons.join(', ')})`;
  });
}

async function planError(o: CreatePlanOptions): Promise<PlanError> {
  try {
    await createPlan(o);
  } catch (e) {
    if (e instanceof PlanError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('createPlan from a go.mod', () => {
  it('carries the build list (info, mod, zip), every other go.mod the graph reads (mod), replacements and directory replacements', async () => {
    const plan = await createPlan(opts({ goMod: mainGoMod }));
    expect(plan.mainModule).toBe('example.com/app');
    expect(plan.go).toBe('1.16');
    expect(plan.pruning).toBe('unpruned');
    expect(rows(plan)).toEqual([
      'example.com/a v1.0.0 [info mod zip] (build-list)',
      'example.com/b v1.0.0 => example.com/bfork v1.0.1 [info mod zip] (build-list)',
      'example.com/c v1.0.0 [mod] (graph)',
      'example.com/c v1.1.0 [info mod zip] (build-list)',
    ]);
    expect(plan.notCarried).toEqual([{ path: 'example.com/local', version: 'v0.0.0', dir: '../local' }]);
    expect(plan.warnings.some((w) => w.includes('../local'))).toBe(true);
    expect(plan.goSumMissing).toEqual([]);
    expect(plan.goSumNotNeeded).toEqual([]);
  });

  it('with a go.sum: adds what it names and reports the differences both ways, with line numbers', async () => {
    const goSum = [
      'example.com/a v1.0.0 h1:aaaa=',
      'example.com/a v1.0.0/go.mod h1:amod=',
      'example.com/bfork v1.0.1/go.mod h1:bmod=',
      'example.com/c v1.1.0/go.mod h1:c11=',
      'example.com/old v0.1.0/go.mod h1:old=',
      'example.com/old v0.1.0 h1:oldzip=',
      '',
    ].join('\n');
    const plan = await createPlan(opts({ goMod: mainGoMod, goSum }));
    expect(rows(plan)).toContain('example.com/old v0.1.0 [info mod zip] (go.sum)');
    expect(rows(plan)).toContain('example.com/a v1.0.0 [info mod zip] (build-list, go.sum)');
    expect(plan.modules.find((m) => m.path === 'example.com/a')?.goSum).toEqual({ zip: ['h1:aaaa='], mod: ['h1:amod='] });
    expect(plan.modules.find((m) => m.path === 'example.com/b')?.goSum).toEqual({ mod: ['h1:bmod='] });
    expect(plan.goSumNotNeeded).toEqual([
      { path: 'example.com/old', version: 'v0.1.0', line: 6 },
      { path: 'example.com/old', version: 'v0.1.0/go.mod', line: 5 },
    ]);
    // c v1.0.0's go.mod is read but has no sum; b (a direct requirement) has no zip sum.
    expect(plan.goSumMissing).toEqual([
      { path: 'example.com/bfork', version: 'v1.0.1' },
      { path: 'example.com/c', version: 'v1.0.0/go.mod' },
    ]);
  });

  it('warns about retracted selected versions only when asked', async () => {
    const goMod = 'module example.com/app\n\ngo 1.21\n\nrequire example.com/r v1.0.0\n';
    expect((await createPlan(opts({ goMod }))).warnings).toEqual([]);
    const plan = await createPlan(opts({ goMod, retractions: true }));
    expect(plan.pruning).toBe('pruned');
    expect(plan.warnings).toEqual(['example.com/r@v1.0.0: retracted by module author: leaks memory']);
  });

  it('a cycle in the graph is loaded once and ends', async () => {
    const plan = await createPlan(opts({ goMod: 'module example.com/app\n\ngo 1.16\n\nrequire example.com/x v1.0.0\n' }));
    expect(rows(plan)).toEqual(['example.com/x v1.0.0 [info mod zip] (build-list)', 'example.com/y v1.0.0 [info mod zip] (build-list)']);
  });

  it('plans golang.org/toolchain zips for the toolchain the go.mod calls for', async () => {
    const goMod = 'module example.com/app\n\ngo 1.22\n\ntoolchain go1.22.3\n';
    const plan = await createPlan(opts({ goMod, toolchains: [{ goos: 'linux', goarch: 'amd64' }, { goos: 'darwin', goarch: 'arm64' }] }));
    expect(plan.toolchainVersion).toBe('go1.22.3');
    expect(rows(plan)).toEqual([
      'golang.org/toolchain v0.0.1-go1.22.3.darwin-arm64 [zip] (toolchain)',
      'golang.org/toolchain v0.0.1-go1.22.3.linux-amd64 [zip] (toolchain)',
    ]);
  });
});

describe('toolchainFor', () => {
  it('follows toolchain.Select: the higher of the go and toolchain lines, X.Y meaning X.Y.0 from 1.21', () => {
    expect(toolchainFor({ go: '1.22' })).toBe('go1.22.0');
    expect(toolchainFor({ go: '1.21.3', toolchain: 'go1.22.1' })).toBe('go1.22.1');
    expect(toolchainFor({ go: '1.23.1', toolchain: 'go1.22.1' })).toBe('go1.23.1');
    expect(toolchainFor({ go: '1.23rc1' })).toBe('go1.23rc1');
    expect(toolchainFor({ go: '1.22', toolchain: 'default' })).toBe('go1.22.0');
    expect(toolchainFor({ go: '1.20' })).toBeUndefined();
    expect(toolchainFor({})).toBeUndefined();
  });
});

describe('createPlan from a go.sum alone, and from a list', () => {
  it('go.sum alone: exactly what it lists, zip lines with all three files', async () => {
    const goSum = 'example.com/a v1.0.0 h1:a=\nexample.com/a v1.0.0/go.mod h1:am=\nexample.com/c v1.0.0/go.mod h1:cm=\n';
    const plan = await createPlan(opts({ goSum }));
    expect(rows(plan)).toEqual(['example.com/a v1.0.0 [info mod zip] (go.sum)', 'example.com/c v1.0.0 [mod] (go.sum)']);
    expect(plan.goSumMissing).toEqual([]);
    expect(plan.goSumNotNeeded).toEqual([]);
    expect(plan.mainModule).toBeUndefined();
  });

  it('a list: each item resolved, with its own graph', async () => {
    const plan = await createPlan(opts({ queries: ['example.com/a@latest', 'example.com/r@v1'] }));
    expect(plan.queries).toEqual([
      { arg: 'example.com/a@latest', path: 'example.com/a', query: 'latest', version: 'v1.0.0' },
      { arg: 'example.com/r@v1', path: 'example.com/r', query: 'v1', version: 'v1.1.0' },
    ]);
    expect(rows(plan)).toEqual([
      'example.com/a v1.0.0 [info mod zip] (query)',
      'example.com/c v1.0.0 [info mod zip] (query)',
      'example.com/r v1.1.0 [info mod zip] (query)',
    ]);
  });

  it('parseQueryArg splits at the first @ and refuses versions go refuses', () => {
    expect(parseQueryArg('example.com/m@>=v1.0.0')).toEqual({ path: 'example.com/m', query: '>=v1.0.0' });
    expect(parseQueryArg('example.com/m')).toEqual({ path: 'example.com/m', query: 'latest' });
    expect(() => parseQueryArg('example.com/m@-x')).toThrow('invalid module version "-x"');
  });
});

describe('createPlan: bad input, each a clear message', () => {
  it("a malformed go.mod: go's file:line[:col] messages", async () => {
    const e = await planError(opts({ goMod: 'module example.com/app\n\nrequire example.com/a\n', goModFile: 'app/go.mod' }));
    expect(e.kind).toBe('gomod');
    expect(e.message).toBe('app/go.mod:3: usage: require module/path v1.2.3');
  });

  it("a malformed go.sum: go's text", async () => {
    const e = await planError(opts({ goSum: 'example.com/a v1.0.0\n' }));
    expect(e.message).toBe('malformed go.sum:\ngo.sum:1: wrong number of fields 2');
  });

  it('an unknown module: named, with every proxy entry tried', async () => {
    const e = await planError(opts({ queries: ['example.com/nope@latest'] }, 'https://p2,https://p1'));
    expect(e.message).toMatch(/^module example\.com\/nope: reading https:\/\/p1\/example\.com\/nope\/@v\/list: 404 Not Found/);
    expect(e.message).toContain('(GOPROXY entries tried: https://p2, https://p1)');
  });

  it('an unknown version in the graph: the requirement chain, with the proxies tried', async () => {
    const e = await planError(opts({ goMod: 'module example.com/app\n\ngo 1.21\n\nrequire example.com/a v1.9.0\n' }));
    expect(e.kind).toBe('graph');
    expect(e.message).toContain('example.com/a@v1.9.0: reading https://p1/example.com/a/@v/v1.9.0.mod: 404 Not Found');
    expect(e.message).toContain('(GOPROXY entries tried: https://p1)');
  });
});

describe('formatPlan', () => {
  it('prints a header, one row per module with its files and reasons, and the differences', async () => {
    const plan = await createPlan(opts({ goMod: mainGoMod, goSum: 'example.com/old v0.1.0/go.mod h1:old=\n' }));
    const text = formatPlan(plan);
    const lines = text.split('\n');
    expect(lines[0]).toBe('main module: example.com/app (go 1.16, unpruned)');
    expect(lines).toContain('MODULE           VERSION  FILES         WHY');
    expect(lines).toContain('example.com/b    v1.0.0   info mod zip  build-list  (fetched as example.com/bfork v1.0.1)');
    expect(lines).toContain('example.com/c    v1.0.0   mod           graph');
    expect(text).toContain('5 module versions: 3 .zip, 5 .mod, 3 .info');
    expect(text).toContain('go.sum lines the graph does not need (1):\n  line 1: example.com/old v0.1.0/go.mod');
    expect(text).toContain('not carried (replaced by local directories):\n  example.com/local v0.0.0 => ../local');
    expect(text.endsWith('\n')).toBe(true);
  });
});
