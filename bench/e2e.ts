/**
 * Benchmark 1, end to end: the bench dependency set (148 zips, ~153 MiB)
 * from the fixture proxy on loopback into a carry bundle. modcarry: the CLI's
 * `download --gosum go.sum --out bundle.tar` from an empty state directory.
 * The go command: `go mod download` of the same module versions in a copy of
 * the main module (fresh GOMODCACHE), then `tar` of cache/download. Both see
 * the same GOSUMDB (a loopback database holding every go.sum line). The app:
 * a production build in headless Chromium behind the modcarry server's relay
 * to the same two servers, driven through its UI (runChromium). Rounds rotate
 * the contestants so drift hits all alike, and the machine settles (sync, 2 s)
 * before each timed run. With --chromium-only the CLI is not
 * run and its rows are carried over from the previous result file.
 * Two more CLI runs are shown for information: the opt-in hashing threads,
 * and hashes checked against go.sum alone (--gosumdb off), the check go
 * makes when go.sum lists every module.
 * Beside wall time, each run's CPU time is accounted (cpuTime.ts): on a
 * machine of few cores it sets a floor under wall time and says which
 * process a gap comes from.
 */
import { copyFileSync, cpSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { startFixtureProxy } from '../test/support/fixtureProxy.ts';
import type { FaultRule } from '../test/support/fixtureProxy.ts';
import { startSumdbServer } from '../test/support/sumdbServer.ts';
import type { BenchContext, BenchOutcome } from './lib/context.ts';
import { cliEnv, goEnv } from './lib/context.ts';
import { chromiumCpu } from './lib/cpuTime.ts';
import { prepareBenchDepSet } from './lib/depset.ts';
import type { BenchDepSet } from './lib/depset.ts';
import { median, MiB, runMeasured, settle, tail } from './lib/measure.ts';
import type { ChildRun } from './lib/measure.ts';
import { CLI_ARGV, CLI_HASH_THREADS } from './lib/paths.ts';
import type { Row } from './lib/report.ts';
import { logOf } from './lib/sumdbLog.ts';
import { buildApp, downloadAll, exportBundle, makePlan, openApp, pageSummary, serveRelayedApp } from './lib/chromiumApp.ts';
import { carriedRows, isChromiumRow } from './lib/report.ts';

/** Chunk size the CLI runs with (its default, stated so the interrupted target can be computed). */
export const CHUNK_SIZE = 2 << 20;

export interface ContestRun {
  /** modcarry-threads: the CLI with --hash-threads CLI_HASH_THREADS (opt-in); modcarry-gosum: the CLI with --gosumdb off. */
  readonly who: 'modcarry' | 'modcarry-threads' | 'modcarry-gosum' | 'go' | 'chromium';
  readonly ok: boolean;
  readonly wallMs: number;
  /** Body bytes the fixture proxy sent (the checksum database keeps no byte count). */
  readonly bytes: number;
  readonly requests: number;
  readonly attempts: number;
  readonly peakRss: number | undefined;
  readonly outputBytes: number;
  /** CPU seconds over the timed run, by part, undefined where they could not be read (see cpuTime.ts). */
  readonly cpu?: Readonly<Record<string, number>>;
  /** The app only: from the click on Download to every module verified (the rest of wallMs is the export). */
  readonly downloadMs?: number;
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

/** Runs a command until it exits 0, at most maxAttempts times (as people script a flaky download); totals its wall time. */
async function untilSuccess(maxAttempts: number, once: () => Promise<ChildRun>): Promise<{ wallMs: number; peak: number | undefined; cpuSeconds: number | undefined; last: ChildRun; attempts: number }> {
  let wallMs = 0;
  let peak: number | undefined;
  let cpuSeconds: number | undefined = 0;
  let attempts = 0;
  for (;;) {
    attempts++;
    const last = await once();
    wallMs += last.wallMs;
    peak = Math.max(peak ?? 0, last.peakRss ?? 0) || undefined;
    cpuSeconds = cpuSeconds === undefined || last.cpuSeconds === undefined ? undefined : cpuSeconds + last.cpuSeconds;
    if (last.status === 0 || attempts >= maxAttempts) return { wallMs, peak, cpuSeconds, last, attempts };
  }
}

/** This process's CPU seconds so far: the loopback proxy, checksum database and relay run here (with the harness). */
function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** The part of every CPU account spent in this process. */
const SERVERS = 'loopback servers';

/** A run's CPU account: each part's seconds (none may be missing), beside this process's (the loopback servers). */
function childCpu(parts: Record<string, number | undefined>, servers: number): Record<string, number> | undefined {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(parts)) {
    if (v === undefined) return undefined;
    out[k] = v;
  }
  out[SERVERS] = servers;
  return out;
}

/** How a CLI run differs from the default one. */
export interface CliRunOptions {
  /** Reruns while the CLI exits non-zero, up to this many runs in all (default 1). */
  readonly maxAttempts?: number;
  /** `--hash-threads N` (opt-in): 'modcarry-threads'. */
  readonly threads?: number;
  /** `--gosumdb off`, hashes checked against go.sum alone: 'modcarry-gosum'. */
  readonly goSumOnly?: boolean;
}

/**
 * One modcarry CLI run from empty state: download, verify, write the bundle.
 * Reruns (up to maxAttempts) only if the CLI exits non-zero.
 */
export async function runModcarry(ctx: BenchContext, set: BenchDepSet, s: Servers, faults: FaultRule[], opts: CliRunOptions = {}): Promise<ContestRun> {
  const { maxAttempts = 1, threads = 0, goSumOnly = false } = opts;
  const who = threads > 0 ? 'modcarry-threads' : goSumOnly ? 'modcarry-gosum' : 'modcarry';
  const dir = ctx.scratch(who);
  copyFileSync(join(set.fixture, 'go.sum'), join(dir, 'go.sum'));
  const bundle = join(dir, 'bundle.tar');
  s.proxy.setFaults(faults);
  s.proxy.log.clear();
  const sumdbBefore = s.sumdb.requests.length;
  const args = [...CLI_ARGV, 'download', '--gosum', join(dir, 'go.sum'), '--goproxy', s.proxy.url, '--gosumdb', goSumOnly ? 'off' : s.sumdb.gosumdb, '--state', join(dir, 'state'), '--out', bundle, ...(threads > 0 ? ['--hash-threads', String(threads)] : [])];
  const own = ownCpuSeconds();
  const { wallMs, peak, cpuSeconds, last, attempts } = await untilSuccess(maxAttempts, () => runMeasured(process.execPath, args, { cwd: dir, env: cliEnv(join(dir, 'home')), timeoutMs: 900_000 }));
  const cpu = childCpu({ 'the CLI': cpuSeconds }, ownCpuSeconds() - own);
  const ok = last.status === 0;
  return {
    who,
    ok,
    wallMs,
    bytes: s.proxy.log.bytesServed(),
    requests: s.proxy.log.entries.length + (s.sumdb.requests.length - sumdbBefore),
    attempts,
    peakRss: peak,
    outputBytes: ok ? statSync(bundle).size : 0,
    ...(cpu !== undefined ? { cpu } : {}),
    ...(ok ? {} : { error: tail(last.stderr) }),
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
  const own = ownCpuSeconds();
  const run = await untilSuccess(maxAttempts, () => runMeasured('go', ['mod', 'download', ...mods], { cwd: src, env, timeoutMs: 900_000 }));
  const { peak, last, attempts } = run;
  /** tar's CPU seconds: none when go failed and tar never ran. */
  let tarCpu: number | undefined = 0;
  let wallMs = run.wallMs;
  let ok = last.status === 0;
  let error = ok ? undefined : tail(last.stderr);
  const tarFile = join(dir, 'bundle.tar');
  if (ok) {
    const t = await runMeasured('tar', ['-cf', tarFile, '-C', env['GOMODCACHE']!, 'cache/download'], { cwd: dir, env, timeoutMs: 300_000 });
    wallMs += t.wallMs;
    tarCpu = t.cpuSeconds;
    ok = t.status === 0;
    if (!ok) error = `tar: ${tail(t.stderr)}`;
  }
  const cpu = childCpu({ go: run.cpuSeconds, tar: tarCpu }, ownCpuSeconds() - own);
  return {
    who: 'go',
    ok,
    wallMs,
    bytes: s.proxy.log.bytesServed(),
    requests: s.proxy.log.entries.length + (s.sumdb.requests.length - sumdbBefore),
    attempts,
    peakRss: peak,
    outputBytes: ok ? statSync(tarFile).size : 0,
    ...(cpu !== undefined ? { cpu } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}

/**
 * One run of the app in headless Chromium on a fresh profile, through the
 * relay to the fixture proxy and checksum database: paste go.mod and go.sum,
 * Make the plan, then (timed) Download, wait for "All N module versions
 * verified", Export bundle, wait for the browser download to be saved. Bytes
 * count what the fixture proxy sent from the plan on (planning included, as
 * the CLI's count includes it); a failure is recorded, not thrown.
 */
export async function runChromium(ctx: BenchContext, set: BenchDepSet, s: Servers, faults: FaultRule[]): Promise<ContestRun> {
  const dir = ctx.scratch('chromium');
  const appDir = await buildApp(() => ctx.scratch('app-build'));
  const app = await serveRelayedApp(appDir, s.proxy.url, s.sumdb.gosumdb);
  let session;
  let wallMs = 0;
  s.proxy.setFaults(faults);
  s.proxy.log.clear();
  const sumdbBefore = s.sumdb.requests.length;
  try {
    session = await openApp(dir, app);
    // A plain tar, like the go side's `tar -cf` (the app's default is gzip level 1).
    const compression = session.page.getByLabel('Bundle compression');
    if (!(await compression.isVisible())) await session.page.locator('details.settings > summary').click();
    await compression.selectOption('none');
    // go.sum alone: the same files the CLI's --gosum run and go's download of the zip lines fetch. With
    // go.mod too, the app plans the zips of the whole build list (`go list -m all`: 3 more than go.sum
    // has), which the loopback proxy does not hold (go never downloaded them).
    await makePlan(session.page, { goSum: readFileSync(join(set.fixture, 'go.sum'), 'utf8') });
    const browserCpu = chromiumCpu(join(dir, 'profile'));
    const own = ownCpuSeconds();
    const start = performance.now();
    await downloadAll(session.page, 300_000);
    const downloadMs = performance.now() - start;
    const saved = await exportBundle(session.page, 300_000);
    wallMs = performance.now() - start;
    const roles = browserCpu.delta();
    const cpu = roles === undefined ? undefined : childCpu(Object.fromEntries([...roles].map(([role, sec]) => [`Chromium ${role}`, sec])), ownCpuSeconds() - own);
    await saved.discard();
    return { who: 'chromium', ok: true, wallMs, downloadMs, bytes: s.proxy.log.bytesServed(), requests: s.proxy.log.entries.length + (s.sumdb.requests.length - sumdbBefore), attempts: 1, peakRss: undefined, outputBytes: saved.bytes, ...(cpu !== undefined ? { cpu } : {}) };
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    const seen = session !== undefined ? await pageSummary(session.page) : '';
    return { who: 'chromium', ok: false, wallMs, bytes: s.proxy.log.bytesServed(), requests: s.proxy.log.entries.length, attempts: 1, peakRss: undefined, outputBytes: 0, error: [why, seen, ...(session?.errors ?? [])].filter((x) => x !== '').join(' | ') };
  } finally {
    await session?.close();
    await app.close();
  }
}

/** Every run's wall time in seconds, in run order: the spread behind a median. */
function spread(runs: readonly ContestRun[]): string {
  return runs.map((r) => (r.ok ? (r.wallMs / 1000).toFixed(1) : 'failed')).join(', ');
}

/**
 * The fastest successful run of each side and their ratio: go's wall time on
 * this machine is bimodal (some runs spend seconds more in the kernel), so the
 * medians' ratio is shown beside the one of the best runs.
 */
function fastestNote(who: string, runs: readonly ContestRun[], peer: readonly ContestRun[]): string {
  const best = (rs: readonly ContestRun[]): number | undefined => {
    const ok = rs.filter((r) => r.ok).map((r) => r.wallMs / 1000);
    return ok.length === 0 ? undefined : Math.min(...ok);
  };
  const a = best(runs);
  const b = best(peer);
  return a === undefined || b === undefined ? '' : `fastest runs: ${who} ${a.toFixed(1)} s, go ${b.toFixed(1)} s (${(a / b).toFixed(2)}x)`;
}

function okMedian(runs: readonly ContestRun[], pick: (r: ContestRun) => number): number | undefined {
  const good = runs.filter((r) => r.ok);
  return good.length === 0 ? undefined : median(good.map(pick));
}

/**
 * An information row (no target) for a CLI run other than the default: its
 * wall time against go's, why it is shown, its runs and its fastest one.
 */
function cliVariantRow(metric: string, subject: string, runs: readonly ContestRun[], why: string, go: readonly ContestRun[], goWall: number | undefined): Row {
  const wall = okMedian(runs, (r) => r.wallMs / 1000);
  return {
    metric,
    subject,
    value: wall,
    unit: 's',
    peer: 'go mod download + tar',
    peerValue: goWall,
    ratio: wall !== undefined && goWall !== undefined ? wall / goWall : undefined,
    target: '—',
    met: undefined,
    note: [why, `runs (s): ${spread(runs)}; go ${spread(go)}`, fastestNote('modcarry', runs, go), failureNote(runs)].filter((x) => x !== '').join('; '),
  };
}

/** Each part's median CPU seconds over the successful runs with an account, largest first, and the median of their totals. */
function cpuMedians(runs: readonly ContestRun[]): { total: number; parts: [string, number][] } | undefined {
  const accounts = runs.filter((r) => r.ok && r.cpu !== undefined).map((r) => r.cpu!);
  if (accounts.length === 0) return undefined;
  const names = [...new Set(accounts.flatMap((a) => Object.keys(a)))];
  const parts = names.map((n): [string, number] => [n, median(accounts.map((a) => a[n] ?? 0))]).sort((a, b) => b[1] - a[1]);
  return { total: median(accounts.map((a) => Object.values(a).reduce((x, y) => x + y, 0))), parts };
}

/** A CPU account in words: its parts, their sum, and the share of the machine it took (CPU time over wall time × cores). */
function cpuNote(who: string, m: ReturnType<typeof cpuMedians>, wall: number | undefined): string {
  if (m === undefined) return `${who}: not measured`;
  const cores = availableParallelism();
  const share = wall === undefined ? '' : `, ${((100 * m.total) / (wall * cores)).toFixed(0)}% of ${cores} cores over its ${wall.toFixed(1)} s`;
  return `${who}: ${m.parts.map(([n, sec]) => `${n} ${sec.toFixed(1)}`).join(' + ')} = ${m.total.toFixed(1)} s${share}`;
}

/**
 * The CPU row of one contestant against go. Its note gives the floor CPU
 * time puts under wall time (CPU seconds / cores): a run that needs more CPU
 * than the machine has in go's wall time cannot match go's wall time there,
 * however well it overlaps its work.
 */
function cpuRow(subject: string, runs: readonly ContestRun[], wall: number | undefined, go: readonly ContestRun[], goWall: number | undefined): Row {
  const m = cpuMedians(runs);
  const g = cpuMedians(go);
  const cores = availableParallelism();
  return {
    metric: 'CPU time over the same runs: every process a run keeps busy, the loopback servers included',
    subject,
    value: m?.total,
    unit: 's',
    peer: 'go mod download + tar',
    peerValue: g?.total,
    ratio: m !== undefined && g !== undefined ? m.total / g.total : undefined,
    target: '—',
    met: undefined,
    note: [
      `medians: ${cpuNote('modcarry', m, wall)}; ${cpuNote('go', g, goWall)}`,
      m !== undefined ? `on ${cores} cores modcarry's wall time can be no shorter than ${(m.total / cores).toFixed(1)} s (go's: ${goWall?.toFixed(1) ?? '—'} s)` : '',
      "user + system seconds: GNU time's for child processes, /proc's for Chromium's process tree (renderer: the page and its workers), process.cpuUsage for this process (loopback servers: the fixture proxy, checksum database and, for the app, the relay and the Playwright harness driving the browser)",
    ]
      .filter((x) => x !== '')
      .join('; '),
  };
}

export function failureNote(runs: readonly ContestRun[]): string {
  const bad = runs.filter((r) => !r.ok);
  return bad.length === 0 ? '' : `${bad.length} of ${runs.length} runs failed: ${bad[0]!.error?.split('\n').pop() ?? ''}`;
}

export const CHROMIUM_INPUT =
  'go.sum only pasted into the app: with go.mod as well the app plans the zips of the whole build list (151 module versions), ' +
  '3 more than the fixture go.sum lists and go downloads, and the loopback proxy only holds what go downloaded, so those 3 fail with 404';


export async function benchE2e(ctx: BenchContext): Promise<BenchOutcome> {
  const set = prepareBenchDepSet();
  ctx.log(`e2e: ${set.modules.length} modules, ${(set.zipBytes / MiB).toFixed(1)} MiB of zips`);
  const s = await startServers(set);
  const runs: ContestRun[] = [];
  try {
    const contestants = (ctx.chromiumOnly ? ['go', 'chromium'] : ['modcarry', 'go', 'chromium', 'modcarry-threads', 'modcarry-gosum']) as ContestRun['who'][];
    for (let round = 0; round < ctx.rounds; round++) {
      // Rotate who goes first, so drift hits every contestant alike.
      const order = contestants.map((_, i) => contestants[(i + round) % contestants.length]!);
      for (const who of order) {
        await settle();
        const r =
          who === 'modcarry'
            ? await runModcarry(ctx, set, s, [])
            : who === 'modcarry-threads'
              ? await runModcarry(ctx, set, s, [], { threads: CLI_HASH_THREADS })
              : who === 'modcarry-gosum'
                ? await runModcarry(ctx, set, s, [], { goSumOnly: true })
                : who === 'go'
                  ? await runGoCommand(ctx, set, s, [])
                  : await runChromium(ctx, set, s, []);
        ctx.log(`e2e round ${round + 1}: ${who} ${r.ok ? 'ok' : 'FAILED'} in ${(r.wallMs / 1000).toFixed(1)} s, ${(r.bytes / MiB).toFixed(1)} MiB, ${r.requests} requests`);
        if (!r.ok) ctx.log(r.error ?? '');
        runs.push(r);
      }
    }
  } finally {
    await s.close();
  }
  const mc = runs.filter((r) => r.who === 'modcarry');
  const mt = runs.filter((r) => r.who === 'modcarry-threads');
  const mg = runs.filter((r) => r.who === 'modcarry-gosum');
  const go = runs.filter((r) => r.who === 'go');
  const cr = runs.filter((r) => r.who === 'chromium');
  const mcWall = okMedian(mc, (r) => r.wallMs / 1000);
  const goWall = okMedian(go, (r) => r.wallMs / 1000);
  const crWall = okMedian(cr, (r) => r.wallMs / 1000);
  const crRatio = crWall !== undefined && goWall !== undefined ? crWall / goWall : undefined;
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
      note:
        (ratio !== undefined && ratio > 1 ? `gap: ${((ratio - 1) * 100).toFixed(0)}% slower than go. ` : '') +
        `runs (s): modcarry ${spread(mc)}; go ${spread(go)}; ${fastestNote('modcarry', mc, go)}` +
        (note !== '' ? `; ${note}` : ''),
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
    cliVariantRow(
      'Wall time, same set, hashing on a worker thread as well as the main thread (opt-in)',
      `modcarry CLI --hash-threads ${CLI_HASH_THREADS}`,
      mt,
      `peak RSS ${okMedian(mt, (r) => (r.peakRss ?? NaN) / MiB)?.toFixed(0) ?? '—'} MiB (${okMedian(mc, (r) => (r.peakRss ?? NaN) / MiB)?.toFixed(0) ?? '—'} MiB without): the thread holds memory of its own, so the default stays the main thread alone, within section 4's memory target`,
      go,
      goWall,
    ),
    cliVariantRow(
      'Wall time, same set, hashes checked against go.sum alone, as go checks a go.sum that lists every module',
      'modcarry CLI --gosumdb off',
      mg,
      `what the default run above does besides: a checksum-database lookup for every module (requests to proxy + checksum DB: ${okMedian(mg, (r) => r.requests) ?? '—'} here, ${okMedian(mc, (r) => r.requests) ?? '—'} by default, go ${okMedian(go, (r) => r.requests) ?? '—'}), which go makes only for a module go.sum does not list (the default's bundle also carries those lookups and tiles, for an offline go to check)`,
      go,
      goWall,
    ),
    {
      metric: 'Wall time, same set, "Download" to bundle saved',
      subject: 'modcarry in headless Chromium (through the relay; plain .tar bundle, as go\'s tar)',
      value: crWall,
      unit: 's',
      peer: 'go mod download + tar',
      peerValue: goWall,
      ratio: crRatio,
      target: '≤ 1.0x go',
      met: crRatio === undefined ? undefined : crRatio <= 1.0,
      note: [
        crRatio !== undefined && crRatio > 1 ? `gap: ${((crRatio - 1) * 100).toFixed(0)}% slower than go.` : '',
        `download + verify ${okMedian(cr, (r) => (r.downloadMs ?? NaN) / 1000)?.toFixed(1) ?? '—'} s, then the export; from the click on Download to the exported bundle saved (fresh profile; go.sum pasted and planned before the clock starts, go.mod left out: see raw.chromiumInput); bytes from the proxy ${okMedian(cr, (r) => r.bytes / MiB)?.toFixed(1) ?? '—'} MiB, requests to proxy + checksum DB ${okMedian(cr, (r) => r.requests) ?? '—'}, bundle ${okMedian(cr, (r) => r.outputBytes / MiB)?.toFixed(1) ?? '—'} MiB`,
        `runs (s): app ${spread(cr)}; go ${spread(go)}`,
        fastestNote('app', cr, go),
        failureNote(cr),
      ]
        .filter((x) => x !== '')
        .join('; '),
    },
    cpuRow('modcarry CLI', mc, mcWall, go, goWall),
    cpuRow('modcarry in headless Chromium (its processes, the relay)', cr, crWall, go, goWall),
  ];
  if (ctx.chromiumOnly) {
    const carried = carriedRows('e2e');
    return { rows: [...carried.rows, ...rows.filter(isChromiumRow)], raw: { modules: set.modules.length, zipBytes: set.zipBytes, chunkSize: CHUNK_SIZE, chromiumInput: CHROMIUM_INPUT, runs, ...(carried.raw as object) } };
  }
  return { rows, raw: { modules: set.modules.length, zipBytes: set.zipBytes, chunkSize: CHUNK_SIZE, chromiumInput: CHROMIUM_INPUT, runs } };
}
