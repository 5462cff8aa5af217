/**
 * Benchmark 2, interrupted: the bench dependency set with 10 connection
 * resets injected by the fixture proxy, each on the first request for one of
 * the 10 largest zips, 1 MiB into the body. modcarry runs once and resumes on
 * its own (a rerun of the CLI is allowed, as a script would do, up to 5
 * attempts); the go command is re-run until it succeeds (up to 15 attempts).
 * Wall time sums every attempt; bytes count every body byte the fixture proxy
 * sent (resets and retries included). A clean run of each, in the same
 * invocation, gives the baseline for "extra bytes". The app in headless
 * Chromium (e2e.ts runChromium) runs once per round, through the relay, and
 * must resume on its own (no rerun).
 */
import type { FaultRule } from '../test/support/fixtureProxy.ts';
import type { BenchContext, BenchOutcome } from './lib/context.ts';
import { cacheFile, prepareBenchDepSet } from './lib/depset.ts';
import { median, MiB, settle } from './lib/measure.ts';
import type { Row } from './lib/report.ts';
import { carriedRows } from './lib/report.ts';
import { CHUNK_SIZE, failureNote, runChromium, runGoCommand, runModcarry, startServers } from './e2e.ts';
import type { ContestRun } from './e2e.ts';

export const RESETS = 10;
const RESET_AFTER = 1 << 20;

export async function benchInterrupted(ctx: BenchContext): Promise<BenchOutcome> {
  const set = prepareBenchDepSet();
  const targets = [...set.modules].sort((a, b) => b.zipBytes - a.zipBytes).slice(0, RESETS);
  const faults: FaultRule[] = targets.map((m) => ({
    // The access log holds decoded request paths, which start with '/'.
    path: '/' + cacheFile('', m.path, m.version, 'zip'),
    fault: { kind: 'reset', afterBytes: RESET_AFTER },
    times: 1,
  }));
  const s = await startServers(set);
  type Run = ContestRun & { faults: boolean; resetsFired: number };
  const runs: Run[] = [];
  // The proxy's log is cleared at the start of every run, so this counts one run's resets (all its attempts).
  const fired = (): number => s.proxy.log.entries.filter((e) => e.fault === 'reset').length;
  try {
    const contestants = (ctx.chromiumOnly ? ['go', 'chromium'] : ['modcarry', 'go', 'chromium']) as ContestRun['who'][];
    const run = (who: ContestRun['who'], f: FaultRule[]): Promise<ContestRun> =>
      who === 'modcarry' ? runModcarry(ctx, set, s, f, { maxAttempts: f.length > 0 ? 5 : 1 }) : who === 'go' ? runGoCommand(ctx, set, s, f, f.length > 0 ? 15 : 1) : runChromium(ctx, set, s, f);
    // Clean baselines for "extra bytes" (go's only when its extra bytes are reported: not with --chromium-only).
    for (const who of contestants.filter((w) => !ctx.chromiumOnly || w === 'chromium')) {
      const r = await run(who, []);
      runs.push({ ...r, faults: false, resetsFired: 0 });
      ctx.log(`interrupted baseline: ${who} ${r.ok ? 'ok' : 'FAILED'} ${(r.bytes / MiB).toFixed(1)} MiB${r.ok ? '' : ': ' + (r.error ?? '')}`);
    }
    for (let round = 0; round < ctx.rounds; round++) {
      const order = contestants.map((_, i) => contestants[(i + round) % contestants.length]!);
      for (const who of order) {
        await settle();
        const r = await run(who, faults);
        runs.push({ ...r, faults: true, resetsFired: fired() });
        ctx.log(`interrupted round ${round + 1}: ${who} ${r.ok ? 'ok' : 'FAILED'} after ${r.attempts} attempt(s), ${(r.wallMs / 1000).toFixed(1)} s, ${(r.bytes / MiB).toFixed(1)} MiB, ${fired()} resets fired${r.ok ? '' : ': ' + (r.error ?? '')}`);
      }
    }
  } finally {
    await s.close();
  }
  const pick = (who: string, faulted: boolean): Run[] => runs.filter((r) => r.who === who && r.faults === faulted);
  const med = (rs: readonly ContestRun[], f: (r: ContestRun) => number): number | undefined => (rs.filter((r) => r.ok).length === 0 ? undefined : median(rs.filter((r) => r.ok).map(f)));
  const mcI = pick('modcarry', true);
  const goI = pick('go', true);
  const mcClean = med(pick('modcarry', false), (r) => r.bytes);
  const goClean = med(pick('go', false), (r) => r.bytes);
  const mcExtra = mcClean !== undefined ? med(mcI, (r) => r.bytes - mcClean) : undefined;
  const goExtra = goClean !== undefined ? med(goI, (r) => r.bytes - goClean) : undefined;
  const mcWall = med(mcI, (r) => r.wallMs / 1000);
  const goWall = med(goI, (r) => r.wallMs / 1000);
  const allowed = RESETS * CHUNK_SIZE;
  const crI = pick('chromium', true);
  const crClean = med(pick('chromium', false), (r) => r.bytes);
  const crExtra = crClean !== undefined ? med(crI, (r) => r.bytes - crClean) : undefined;
  const crWall = med(crI, (r) => r.wallMs / 1000);
  const rows: Row[] = [
    {
      metric: `Wall time with ${RESETS} resets (all attempts)`,
      subject: `modcarry CLI (attempts: ${mcI.map((r) => r.attempts).join(', ')})`,
      value: mcWall,
      unit: 's',
      peer: `go mod download re-run until success (attempts: ${goI.map((r) => r.attempts).join(', ')}) + tar`,
      peerValue: goWall,
      ratio: mcWall !== undefined && goWall !== undefined ? mcWall / goWall : undefined,
      target: '—',
      met: undefined,
      note: [`resets fired per run: modcarry ${mcI.map((r) => r.resetsFired).join(', ')}; go ${goI.map((r) => r.resetsFired).join(', ')}`, failureNote(mcI), failureNote(goI)].filter((x) => x !== '').join('; '),
    },
    {
      metric: `Bytes transferred with ${RESETS} resets`,
      subject: 'modcarry CLI',
      value: med(mcI, (r) => r.bytes / MiB),
      unit: 'MiB',
      peer: 'go, re-run until success',
      peerValue: med(goI, (r) => r.bytes / MiB),
      target: '—',
      met: undefined,
    },
    {
      metric: 'Extra bytes over the clean run',
      subject: 'modcarry CLI',
      value: mcExtra !== undefined ? mcExtra / MiB : undefined,
      unit: 'MiB',
      peer: 'go, re-run until success',
      peerValue: goExtra !== undefined ? goExtra / MiB : undefined,
      ratio: mcExtra !== undefined ? mcExtra / allowed : undefined,
      target: `≤ 1 chunk per reset (${RESETS} × ${CHUNK_SIZE / MiB} MiB); ratio = extra / allowance`,
      met: mcExtra === undefined ? undefined : mcExtra <= allowed,
      note: mcExtra !== undefined && mcExtra > allowed ? `gap: ${((mcExtra - allowed) / MiB).toFixed(1)} MiB over the allowance` : '',
    },
    {
      metric: `Wall time with ${RESETS} resets, "Download" to bundle saved`,
      subject: 'modcarry in headless Chromium (one run, resumes on its own)',
      value: crWall,
      unit: 's',
      peer: `go mod download re-run until success (attempts: ${goI.map((r) => r.attempts).join(', ')}) + tar`,
      peerValue: goWall,
      ratio: crWall !== undefined && goWall !== undefined ? crWall / goWall : undefined,
      target: '—',
      met: undefined,
      note: [`resets fired per run: ${crI.map((r) => r.resetsFired).join(', ')}`, failureNote(crI)].filter((x) => x !== '').join('; '),
    },
    {
      metric: `Bytes transferred with ${RESETS} resets`,
      subject: 'modcarry in headless Chromium',
      value: med(crI, (r) => r.bytes / MiB),
      unit: 'MiB',
      peer: 'go, re-run until success',
      peerValue: med(goI, (r) => r.bytes / MiB),
      target: '—',
      met: undefined,
      note: `clean run of the app in the same invocation: ${crClean !== undefined ? (crClean / MiB).toFixed(1) + ' MiB' : '—'}`,
    },
    {
      metric: 'Extra bytes over the clean run',
      subject: 'modcarry in headless Chromium',
      value: crExtra !== undefined ? crExtra / MiB : undefined,
      unit: 'MiB',
      ratio: crExtra !== undefined ? crExtra / allowed : undefined,
      target: `≤ 1 chunk per reset (${RESETS} × ${CHUNK_SIZE / MiB} MiB, the app's default chunk); ratio = extra / allowance`,
      met: crExtra === undefined ? undefined : crExtra <= allowed,
      note: crExtra !== undefined && crExtra > allowed ? `gap: ${((crExtra - allowed) / MiB).toFixed(1)} MiB over the allowance` : '',
    },
  ];
  if (ctx.chromiumOnly) {
    const carried = carriedRows('interrupted');
    return { rows: [...carried.rows, ...rows.slice(-3)], raw: { resets: targets.map((m) => `${m.path}@${m.version}`), resetAfterBytes: RESET_AFTER, chunkSize: CHUNK_SIZE, runs, ...(carried.raw as object) } };
  }
  return { rows, raw: { resets: targets.map((m) => `${m.path}@${m.version}`), resetAfterBytes: RESET_AFTER, chunkSize: CHUNK_SIZE, runs } };
}
