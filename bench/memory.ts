/**
 * Benchmark 4, memory: peak RSS of the CLI (1) downloading and verifying one
 * generated 400 MiB module zip, beside `go mod download` of the same module,
 * and (2) exporting a 2 GiB bundle (five ~410 MiB modules, downloaded and
 * verified once in a run that is measured too; each round then only runs the
 * export, which the CLI does when it finds every module already verified).
 * The zips are served by bench/lib/staticProxy.ts (see why there). GOSUMDB is
 * off on both sides: generated modules are in no checksum database.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, BenchOutcome } from './lib/context.ts';
import { cliEnv, goEnv } from './lib/context.ts';
import { writeBigModule } from './lib/bigZip.ts';
import type { BigModule } from './lib/bigZip.ts';
import { median, MiB, runMeasured, tail } from './lib/measure.ts';
import type { ChildRun } from './lib/measure.ts';
import { CLI } from './lib/paths.ts';
import type { Row } from './lib/report.ts';
import { startStaticProxy } from './lib/staticProxy.ts';
import { BROWSER_PENDING } from './e2e.ts';

const LIMIT = 150 * MiB;
const BIG_MIB = 400;
const BUNDLE_MODULES = 5;
const BUNDLE_MODULE_MIB = 410;

interface MemRun {
  readonly what: string;
  readonly ok: boolean;
  readonly wallMs: number;
  readonly peakRss: number | undefined;
  readonly error?: string;
}

const asRun = (what: string, r: ChildRun): MemRun => ({ what, ok: r.status === 0, wallMs: r.wallMs, peakRss: r.peakRss, ...(r.status === 0 ? {} : { error: tail(r.stderr) }) });

function cliArgs(url: string, dir: string, mods: readonly BigModule[], out?: string): string[] {
  return [CLI, 'download', '--goproxy', url, '--gosumdb', 'off', '--state', join(dir, 'state'), ...(out !== undefined ? ['--out', out] : []), ...mods.map((m) => `${m.path}@${m.version}`)];
}

export async function benchMemory(ctx: BenchContext): Promise<BenchOutcome> {
  const root = ctx.scratch('big-proxy');
  const big = writeBigModule(root, 0, BIG_MIB);
  const bundleMods = Array.from({ length: BUNDLE_MODULES }, (_, i) => writeBigModule(root, i + 1, BUNDLE_MODULE_MIB));
  const bundleBytes = bundleMods.reduce((n, m) => n + m.zipBytes, 0);
  ctx.log(`memory: one ${(big.zipBytes / MiB).toFixed(0)} MiB zip; a bundle of ${(bundleBytes / MiB).toFixed(0)} MiB`);
  const proxy = await startStaticProxy(root);
  const runs: MemRun[] = [];
  let bundleSize = 0;
  try {
    for (let round = 0; round < ctx.rounds; round++) {
      const dir = ctx.scratch('mem-mc');
      const mc = await runMeasured(process.execPath, cliArgs(proxy.url, dir, [big]), { cwd: dir, env: cliEnv(join(dir, 'home')), timeoutMs: 900_000 });
      runs.push(asRun('modcarry-400', mc));
      const gdir = ctx.scratch('mem-go');
      const go = await runMeasured('go', ['mod', 'download', `${big.path}@${big.version}`], { cwd: gdir, env: goEnv(join(gdir, 'home'), proxy.url, 'off'), timeoutMs: 900_000 });
      runs.push(asRun('go-400', go));
      ctx.log(`memory round ${round + 1}: 400 MiB zip: modcarry ${((mc.peakRss ?? 0) / MiB).toFixed(0)} MiB RSS (${(mc.wallMs / 1000).toFixed(1)} s), go ${((go.peakRss ?? 0) / MiB).toFixed(0)} MiB RSS (${(go.wallMs / 1000).toFixed(1)} s)`);
    }
    const dir = ctx.scratch('mem-bundle');
    const env = cliEnv(join(dir, 'home'));
    const dl = await runMeasured(process.execPath, cliArgs(proxy.url, dir, bundleMods), { cwd: dir, env, timeoutMs: 1_800_000 });
    runs.push(asRun('modcarry-2g-download', dl));
    ctx.log(`memory: 2 GiB set downloaded and verified: ${((dl.peakRss ?? 0) / MiB).toFixed(0)} MiB RSS (${(dl.wallMs / 1000).toFixed(1)} s)`);
    if (dl.status === 0) {
      for (let round = 0; round < ctx.rounds; round++) {
        const out = join(dir, `bundle-${round}.tar`);
        const ex = await runMeasured(process.execPath, cliArgs(proxy.url, dir, bundleMods, out), { cwd: dir, env, timeoutMs: 1_800_000 });
        runs.push(asRun('modcarry-2g-export', ex));
        if (ex.status === 0) bundleSize = statSync(out).size;
        ctx.log(`memory round ${round + 1}: export: ${((ex.peakRss ?? 0) / MiB).toFixed(0)} MiB RSS (${(ex.wallMs / 1000).toFixed(1)} s)`);
      }
    }
  } finally {
    await proxy.close();
  }
  const rss = (what: string): number | undefined => {
    const ok = runs.filter((r) => r.what === what && r.ok && r.peakRss !== undefined);
    return ok.length === 0 ? undefined : median(ok.map((r) => r.peakRss! / MiB));
  };
  const failures = (what: string): string => {
    const bad = runs.filter((r) => r.what === what && !r.ok);
    return bad.length === 0 ? '' : `${bad.length} run(s) failed: ${bad[0]!.error?.split('\n').pop() ?? ''}`;
  };
  const judged = (metric: string, subject: string, what: string, peer?: { name: string; what: string }): Row => {
    const v = rss(what);
    const pv = peer !== undefined ? rss(peer.what) : undefined;
    return {
      metric,
      subject,
      value: v,
      unit: 'MiB',
      ...(peer !== undefined ? { peer: peer.name, peerValue: pv, ratio: v !== undefined && pv !== undefined ? v / pv : undefined } : {}),
      target: '< 150 MiB',
      met: v === undefined ? undefined : v * MiB < LIMIT,
      note: [v !== undefined && v * MiB >= LIMIT ? `gap: ${(v - 150).toFixed(0)} MiB over` : '', failures(what)].filter((x) => x !== '').join('; '),
    };
  };
  const rows: Row[] = [
    judged(`Peak RSS, download + verify one ${(big.zipBytes / MiB).toFixed(0)} MiB zip`, 'modcarry CLI', 'modcarry-400', { name: 'go mod download', what: 'go-400' }),
    judged(`Peak RSS, download + verify ${BUNDLE_MODULES} zips (${(bundleBytes / MiB).toFixed(0)} MiB), 1 run`, 'modcarry CLI', 'modcarry-2g-download'),
    judged(`Peak RSS, export a ${(bundleSize / MiB).toFixed(0)} MiB bundle (tar)`, 'modcarry CLI', 'modcarry-2g-export'),
    { metric: 'Peak JS heap, download + verify a 400 MiB zip; export a 2 GiB bundle', subject: 'modcarry in headless Chromium', value: undefined, unit: 'MiB', target: '< 150 MiB', met: undefined, note: BROWSER_PENDING },
    { metric: 'Loopback throughput into IndexedDB', subject: 'modcarry in headless Chromium', value: undefined, unit: 'MiB/s', target: '—', met: undefined, note: BROWSER_PENDING },
  ];
  return { rows, raw: { bigZipBytes: big.zipBytes, bundleZipBytes: bundleBytes, bundleSize, runs } };
}
