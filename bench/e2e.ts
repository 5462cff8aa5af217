/**
 * Benchmark 1, end to end: the bench dependency set (148 zips, ~153 MiB)
 * from the fixture proxy on loopback into a carry bundle. modcarry: the CLI's
 * `download --gosum go.sum --out bundle.tar` from an empty state directory.
 * The go command: `go mod download` of the same module versions in a copy of
 * the main module (fresh GOMODCACHE), then `tar` of cache/download. Both see
 * the same GOSUMDB (a loopback database holding every go.sum line). Rounds
 * alternate the contestants so drift hits both alike.
 */
import { copyFileSync, cpSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startFixtureProxy } from '../test/support/fixtureProxy.ts';
import type { FaultRule } from '../test/support/fixtureProxy.ts';
import { startSumdbServer } from '../test/support/sumdbServer.ts';
import type { BenchContext, BenchOutcome } from './lib/context.ts';
import { cliEnv, goEnv } from './lib/context.ts';
import { prepareBenchDepSet } from './lib/depset.ts';
import type { BenchDepSet } from './lib/depset.ts';
import { median, MiB, runMeasured, tail } from './lib/measure.ts';
import { CLI } from './lib/paths.ts';
import type { Row } from './lib/report.ts';
import { logOf } from './lib/sumdbLog.ts';

/** Chunk size the CLI runs with (its default, stated so the interrupted target can be computed). */
export const CHUNK_SIZE = 2 << 20;

export interface ContestRun {
  readonly who: 'modcarry' | 'go';
  readonly ok: boolean;
  readonly wallMs: number;
  /** Body bytes the fixture proxy sent (the checksum database keeps no byte count). */
  readonly bytes: number;
  readonly requests: number;
  readonly attempts: number;
  readonly peakRss: number | undefined;
  readonly outputBytes: number;
  readonly error?: string;
}

export interface Servers {
  readonly proxy: Awaited<ReturnType<typeof startFixtureProxy>>;
  readonly sumdb: Awaited<ReturnType<typeof startSumdbServer>>;
  close(): Promise<void>;
}

export async function startServers(set: BenchDepSet): Promise<Servers> {
  const proxy = await startFixtureProxy({ root: set.proxyRoot });
  const sumdb = await startSumdbServer(await logOf(set.sumLines));
  return {
    proxy,
    sumdb,
    close: async () => {
      await proxy.close();
      await sumdb.close();
    },
  };
}

/** One modcarry CLI run from empty state: download, verify, write the bundle. Reruns (up to maxAttempts) only if the CLI exits non-zero. */
export async function runModcarry(ctx: BenchContext, set: BenchDepSet, s: Servers, faults: FaultRule[], maxAttempts = 1): Promise<ContestRun> {
  const dir = ctx.scratch('modcarry');
  copyFileSync(join(set.fixture, 'go.sum'), join(dir, 'go.sum'));
  const bundle = join(dir, 'bundle.tar');
  s.proxy.setFaults(faults);
  s.proxy.log.clear();
  const sumdbBefore = s.sumdb.requests.length;
  const args = [CLI, 'download', '--gosum', join(dir, 'go.sum'), '--goproxy', s.proxy.url, '--gosumdb', s.sumdb.gosumdb, '--state', join(dir, 'state'), '--out', bundle];
  let wallMs = 0;
  let peak: number | undefined;
  let last;
  let attempts = 0;
  while (attempts < maxAttempts) {
    attempts++;
    last = await runMeasured(process.execPath, args, { cwd: dir, env: cliEnv(join(dir, 'home')), timeoutMs: 900_000 });
    wallMs += last.wallMs;
    peak = Math.max(peak ?? 0, last.peakRss ?? 0) || undefined;
    if (last.status === 0) break;
  }
  const ok = last?.status === 0;
  return {
    who: 'modcarry',
    ok,
    wallMs,
    bytes: s.proxy.log.bytesServed(),
    requests: s.proxy.log.entries.length + (s.sumdb.requests.length - sumdbBefore),
    attempts,
    peakRss: peak,
    outputBytes: ok ? statSync(bundle).size : 0,
    ...(ok ? {} : { error: tail(last?.stderr ?? '') }),
  };
}

/** One go run: `go mod download` of the set (re-run until it succeeds, up to maxAttempts), then tar of cache/download. */
export async function runGoCommand(ctx: BenchContext, set: BenchDepSet, s: Servers, faults: FaultRule[], maxAttempts = 1): Promise<ContestRun> {
  const dir = ctx.scratch('go');
  const src = join(dir, 'src');
  cpSync(set.fixture, src, { recursive: true });
  const env = goEnv(join(dir, 'home'), s.proxy.url, s.sumdb.gosumdb);
  s.proxy.setFaults(faults);
  s.proxy.log.clear();
  const sumdbBefore = s.sumdb.requests.length;
  const mods = set.modules.map((m) => `${m.path}@${m.version}`);
  let wallMs = 0;
  let peak: number | undefined;
  let last;
  let attempts = 0;
  while (attempts < maxAttempts) {
    attempts++;
    last = await runMeasured('go', ['mod', 'download', ...mods], { cwd: src, env, timeoutMs: 900_000 });
    wallMs += last.wallMs;
    peak = Math.max(peak ?? 0, last.peakRss ?? 0) || undefined;
    if (last.status === 0) break;
  }
  let ok = last?.status === 0;
  let error = ok ? undefined : tail(last?.stderr ?? '');
  const tarFile = join(dir, 'bundle.tar');
  if (ok) {
    const t = await runMeasured('tar', ['-cf', tarFile, '-C', env['GOMODCACHE']!, 'cache/download'], { cwd: dir, env, timeoutMs: 300_000 });
    wallMs += t.wallMs;
    ok = t.status === 0;
    if (!ok) error = `tar: ${tail(t.stderr)}`;
  }
  return {
    who: 'go',
    ok,
    wallMs,
    bytes: s.proxy.log.bytesServed(),
    requests: s.proxy.log.entries.length + (s.sumdb.requests.length - sumdbBefore),
    attempts,
    peakRss: peak,
    outputBytes: ok ? statSync(tarFile).size : 0,
    ...(error !== undefined ? { error } : {}),
  };
}

function okMedian(runs: readonly ContestRun[], pick: (r: ContestRun) => number): number | undefined {
  const good = runs.filter((r) => r.ok);
  return good.length === 0 ? undefined : median(good.map(pick));
}

export function failureNote(runs: readonly ContestRun[]): string {
  const bad = runs.filter((r) => !r.ok);
  return bad.length === 0 ? '' : `${bad.length} of ${runs.length} runs failed: ${bad[0]!.error?.split('\n').pop() ?? ''}`;
}

export const BROWSER_PENDING =
  'not measured yet: the app has no Download flow to drive (src/ui/App.tsx is the shell; the worker engine, ' +
  'engineBridge and idbStore are still being written)';

export async function benchE2e(ctx: BenchContext): Promise<BenchOutcome> {
  const set = prepareBenchDepSet();
  ctx.log(`e2e: ${set.modules.length} modules, ${(set.zipBytes / MiB).toFixed(1)} MiB of zips`);
  const s = await startServers(set);
  const runs: ContestRun[] = [];
  try {
    for (let round = 0; round < ctx.rounds; round++) {
      // Alternate who goes first.
      const order = round % 2 === 0 ? (['modcarry', 'go'] as const) : (['go', 'modcarry'] as const);
      for (const who of order) {
        const r = who === 'modcarry' ? await runModcarry(ctx, set, s, []) : await runGoCommand(ctx, set, s, []);
        ctx.log(`e2e round ${round + 1}: ${who} ${r.ok ? 'ok' : 'FAILED'} in ${(r.wallMs / 1000).toFixed(1)} s, ${(r.bytes / MiB).toFixed(1)} MiB, ${r.requests} requests`);
        if (!r.ok) ctx.log(r.error ?? '');
        runs.push(r);
      }
    }
  } finally {
    await s.close();
  }
  const mc = runs.filter((r) => r.who === 'modcarry');
  const go = runs.filter((r) => r.who === 'go');
  const mcWall = okMedian(mc, (r) => r.wallMs / 1000);
  const goWall = okMedian(go, (r) => r.wallMs / 1000);
  const ratio = mcWall !== undefined && goWall !== undefined ? mcWall / goWall : undefined;
  const note = [failureNote(mc), failureNote(go)].filter((x) => x !== '').join('; ');
  const rows: Row[] = [
    {
      metric: `Wall time, ${set.modules.length} modules / ${(set.zipBytes / MiB).toFixed(0)} MiB of zips to a bundle`,
      subject: 'modcarry CLI (download + verify + bundle.tar)',
      value: mcWall,
      unit: 's',
      peer: 'go mod download + tar',
      peerValue: goWall,
      ratio,
      target: '≤ 1.0x go',
      met: ratio === undefined ? undefined : ratio <= 1.0,
      note: (ratio !== undefined && ratio > 1 ? `gap: ${((ratio - 1) * 100).toFixed(0)}% slower than go. ` : '') + note,
    },
    {
      metric: 'Body bytes from the proxy',
      subject: 'modcarry CLI',
      value: okMedian(mc, (r) => r.bytes / MiB),
      unit: 'MiB',
      peer: 'go mod download',
      peerValue: okMedian(go, (r) => r.bytes / MiB),
      ratio: undefined,
      target: '—',
      met: undefined,
      note: `requests to proxy + checksum DB: modcarry ${okMedian(mc, (r) => r.requests) ?? '—'}, go ${okMedian(go, (r) => r.requests) ?? '—'}`,
    },
    {
      metric: 'Peak RSS during the run',
      subject: 'modcarry CLI',
      value: okMedian(mc, (r) => (r.peakRss ?? NaN) / MiB),
      unit: 'MiB',
      peer: 'go mod download',
      peerValue: okMedian(go, (r) => (r.peakRss ?? NaN) / MiB),
      target: '—',
      met: undefined,
    },
    {
      metric: 'Wall time, same set, "Download" to bundle saved',
      subject: 'modcarry in headless Chromium',
      value: undefined,
      unit: 's',
      peer: 'go mod download + tar',
      peerValue: goWall,
      target: '≤ 1.0x go',
      met: undefined,
      note: BROWSER_PENDING,
    },
  ];
  return { rows, raw: { modules: set.modules.length, zipBytes: set.zipBytes, chunkSize: CHUNK_SIZE, runs } };
}
