/**
 * `modcarry plan` end to end: the command as the CLI runs it (planCommand with
 * the Node Http port) against the loopback fixture proxy and a file:// tree.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planCommand } from '../../src/cli/planCommand.ts';
import { CliError, UsageError } from '../../src/cli/cliError.ts';
import type { Plan } from '../../src/core/plan/types.ts';
import { fileProxyUrl, writeFileProxy } from '../support/fileProxy.ts';
import { startFixtureProxy } from '../support/fixtureProxy.ts';
import type { FixtureProxy } from '../support/fixtureProxy.ts';

let dir = '';
let root = '';
let proxy: FixtureProxy;
/** A loopback URL where nothing listens. */
let dead = '';
const files: Record<string, string> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'modcarry-plan-'));
  root = join(dir, 'proxy');
  writeFileProxy(root, [
    { path: 'example.com/a', version: 'v1.0.0', mod: 'module example.com/a\n\ngo 1.21\n\nrequire example.com/c v1.0.0\n' },
    { path: 'example.com/a', version: 'v1.1.0', mod: 'module example.com/a\n\ngo 1.21\n\nrequire example.com/c v1.0.0\n' },
    { path: 'example.com/c', version: 'v1.0.0', mod: 'module example.com/c\n\ngo 1.21\n' },
    { path: 'example.com/Up', version: 'v0.1.0', mod: 'module example.com/Up\n\ngo 1.16\n\nrequire example.com/loop v1.0.0\n' },
    { path: 'example.com/loop', version: 'v1.0.0', mod: 'module example.com/loop\n\ngo 1.16\n\nrequire example.com/Up v0.1.0\n' },
  ]);
  proxy = await startFixtureProxy({ root });
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  dead = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await new Promise<void>((ok) => server.close(() => ok()));
  const put = (name: string, text: string): void => {
    files[name] = join(dir, name);
    writeFileSync(files[name], text);
  };
  put('go.mod', 'module example.com/app\n\ngo 1.22\n\nrequire example.com/a v1.0.0\n');
  put('go.sum', 'example.com/a v1.0.0/go.mod h1:x=\nexample.com/gone v1.0.0 h1:y=\n');
  put('bad.mod', 'module example.com/app\n\ngo 1.22\n\nrequire (\n\texample.com/a v1.0.0 extra\n)\n');
  put('unknown.mod', 'module example.com/app\n\ngo 1.22\n\nrequire example.com/nope v1.0.0\n');
  put('cycle.mod', 'module example.com/app\n\ngo 1.16\n\nrequire example.com/Up v0.1.0\n');
});

afterAll(async () => {
  await proxy?.close();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await planCommand(args, { write: (s: string | Uint8Array) => ((out += String(s)), true) }, env);
  return { code, out };
}

async function failure(args: string[], env: Record<string, string> = {}): Promise<Error> {
  try {
    await run(args, env);
  } catch (e) {
    return e as Error;
  }
  throw new Error('no error');
}

describe('modcarry plan', () => {
  it('prints the table by default', async () => {
    const { code, out } = await run(['--gomod', files['go.mod']!, '--goproxy', proxy.url]);
    expect(code).toBe(0);
    expect(out).toContain('main module: example.com/app (go 1.22, pruned)');
    expect(out).toMatch(/^example\.com\/a +v1\.0\.0 +info mod zip +build-list$/m);
    expect(out).toMatch(/^example\.com\/c +v1\.0\.0 +info mod zip +build-list$/m);
  });

  it('prints the Plan as JSON with --json, go.sum differences included', async () => {
    const { out } = await run(['--json', `--gomod=${files['go.mod']}`, '--gosum', files['go.sum']!, '--goproxy', proxy.url, 'example.com/a@latest']);
    const plan = JSON.parse(out) as Plan;
    expect(plan.formatVersion).toBe(1);
    expect(plan.modules.map((m) => `${m.path}@${m.version}`)).toEqual(['example.com/a@v1.0.0', 'example.com/a@v1.1.0', 'example.com/c@v1.0.0', 'example.com/gone@v1.0.0']);
    expect(plan.queries?.[0]?.version).toBe('v1.1.0');
    expect(plan.goSumNotNeeded).toEqual([{ path: 'example.com/gone', version: 'v1.0.0', line: 2 }]);
    expect(plan.goSumMissing.map((d) => `${d.path} ${d.version}`)).toContain('example.com/a v1.0.0');
  });

  it('reads GOPROXY from the environment, and the flag overrides it', async () => {
    expect((await run(['example.com/a@v1.0'], { GOPROXY: proxy.url })).out).toContain('query: example.com/a@v1.0 => example.com/a v1.0.0');
    const e = await failure(['example.com/a@v1.0'], { GOPROXY: dead });
    expect(e.message).toMatch(/ECONNREFUSED/);
    expect((await run(['--goproxy', proxy.url, 'example.com/a@v1.0'], { GOPROXY: dead })).code).toBe(0);
  });

  it('honours GOPRIVATE from the environment (never sent to a proxy)', async () => {
    const e = await failure(['example.com/a@latest'], { GOPROXY: proxy.url, GOPRIVATE: 'example.com' });
    expect(e.message).toMatch(/^example\.com\/a@latest: direct fetching .* is not available in modcarry/);
  });

  it('works with a file:// GOPROXY through the Node port', async () => {
    const { out } = await run(['--goproxy', fileProxyUrl(root), 'example.com/Up@latest']);
    expect(out).toContain('query: example.com/Up@latest => example.com/Up v0.1.0');
    const e = await failure(['--goproxy', fileProxyUrl(root), 'example.com/nope@latest']);
    expect(e.message).toContain(`module example.com/nope: reading ${fileProxyUrl(root)}/example.com/nope/@v/list: no such file or directory`);
  });

  it('plans a graph with a cycle', async () => {
    const { out } = await run(['--gomod', files['cycle.mod']!, '--goproxy', proxy.url]);
    expect(out).toMatch(/^example\.com\/Up +v0\.1\.0 +info mod zip +build-list$/m);
    expect(out).toMatch(/^example\.com\/loop +v1\.0\.0 +info mod zip +build-list$/m);
  });
});

describe('modcarry plan: bad input gives one clear error, never a hang', () => {
  it('a malformed go.mod names file:line', async () => {
    const e = await failure(['--gomod', files['bad.mod']!, '--goproxy', proxy.url]);
    expect(e).toBeInstanceOf(CliError);
    expect(e.message).toBe(`${files['bad.mod']}:6:2: usage: require module/path v1.2.3`);
  });

  it('an unknown module names it and every proxy entry tried', async () => {
    const goproxy = `${proxy.url}/none,${proxy.url}`;
    const e = await failure(['--gomod', files['unknown.mod']!, '--goproxy', goproxy]);
    expect(e.message).toContain(`example.com/nope@v1.0.0: reading ${proxy.url}/example.com/nope/@v/v1.0.0.mod: 404 Not Found`);
    expect(e.message).toContain(`(GOPROXY entries tried: ${proxy.url}/none, ${proxy.url})`);
  });

  it('an unreachable proxy', async () => {
    const e = await failure(['--goproxy', dead, 'example.com/a@latest']);
    expect(e.message).toBe(`module example.com/a: Get "${dead}/example.com/a/@v/list": connect ECONNREFUSED ${dead.slice('http://'.length)}`);
  });

  it('a proxy that never answers hits the timeout', async () => {
    proxy.setFaults([{ path: '/example.com/c/@v/list', fault: { kind: 'stall', ms: 20_000 } }]);
    try {
      const e = await failure(['--timeout', '0.3', '--goproxy', proxy.url, 'example.com/c@latest']);
      expect(e.message).toMatch(/timeout: no response for 0\.3s/);
    } finally {
      proxy.setFaults([]);
    }
  });

  it('usage errors', async () => {
    expect(await failure([])).toBeInstanceOf(UsageError);
    expect(await failure(['--bogus'])).toBeInstanceOf(UsageError);
    expect((await failure(['--toolchain', 'linux', 'x@latest'])).message).toContain('GOOS/GOARCH');
  });
});
