/**
 * Benchmark 4, memory: peak RSS of the CLI (1) downloading and verifying one
 * generated 400 MiB module zip, beside `go mod download` of the same module,
 * and (2) exporting a 2 GiB bundle (five ~410 MiB modules, downloaded and
 * verified once in a run that is measured too; each round then only runs the
 * export, which the CLI does when it finds every module already verified).
 * The zips are served by bench/lib/staticProxy.ts (see why there). GOSUMDB is
 * off on both sides: generated modules are in no checksum database.
 * The app in headless Chromium: the same 400 MiB module through the relay,
 * planned, downloaded and verified, then exported as a bundle, with the V8
 * heap of the page and the engine worker sampled (runChromiumMemory); the same
 * run gives the download rate into IndexedDB.
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
import { resetStats, startStaticProxy } from './lib/staticProxy.ts';
import type { StaticProxy } from './lib/staticProxy.ts';
import { carriedRows } from './lib/report.ts';
import { buildApp, downloadAll, exportBundle, makePlan, openApp, peaks, sampleHeaps, serveRelayedApp } from './lib/chromiumApp.ts';
import type { HeapPeaks } from './lib/chromiumApp.ts';

const LIMIT = 150 * MiB;
const BIG_MIB = 400;
const BUNDLE_MODULES = 5;
const BUNDLE_MODULE_MIB = 410;

/** One run of the app in Chromium: heap peaks per phase, and the IndexedDB download rate. */
interface ChromiumMemRun {
  readonly ok: boolean;
  readonly error?: string;
  readonly download?: HeapPeaks;
  readonly export?: HeapPeaks;
  /** Script URLs of the page's dedicated workers. */
  readonly workerUrls?: string[];
  readonly bundleBytes?: number;
  /** Zip bytes the proxy sent over the span between its first and last zip byte. */
  readonly zipBytes?: number;
  readonly zipSpanMs?: number;
  readonly downloadWallMs?: number;
}

/**
 * The app in headless Chromium on a fresh profile, through the relay to the
 * static proxy (GOSUMDB off by URL): plan module@version, Download until
 * verified, then Export bundle until the browser download is saved, sampling
 * the page's and the engine worker's V8 heap throughout (bench/lib/chromiumApp.ts).
 */
async function runChromiumMemory(ctx: BenchContext, appDir: string, proxy: StaticProxy, mod: BigModule): Promise<ChromiumMemRun> {
  const dir = ctx.scratch('mem-chromium');
  const app = await serveRelayedApp(appDir, proxy.url, 'off');
  let session;
  let sampler;
  try {
    session = await openApp(dir, app, '/?gosumdb=off');
    sampler = await sampleHeaps(session.page);
    sampler.phase('plan');
    await makePlan(session.page, { queries: `${mod.path}@${mod.version}` });
    resetStats(proxy.stats);
    sampler.phase('download');
    const start = performance.now();
    await downloadAll(session.page, 1_200_000);
    const downloadWallMs = performance.now() - start;
    const { zipBytes, zipFirstAt, zipLastAt } = proxy.stats;
    sampler.phase('export');
    const bundle = join(dir, 'bundle.tar.gz');
    await exportBundle(session.page, bundle, 1_200_000);
    const workerUrls = sampler.workerUrls().map((u) => u.slice(u.lastIndexOf('/') + 1));
    const samples = await sampler.stop();
    sampler = undefined;
    return {
      ok: true,
      download: peaks(samples['download'] ?? []),
      export: peaks(samples['export'] ?? []),
      workerUrls,
      bundleBytes: statSync(bundle).size,
      zipBytes,
      zipSpanMs: zipFirstAt !== undefined && zipLastAt !== undefined ? zipLastAt - zipFirstAt : undefined,
      downloadWallMs,
    };
  } catch (err) {
    return { ok: false, error: [err instanceof Error ? err.message.split('\n')[0]! : String(err), ...(session?.errors ?? [])].join(' | ') };
  } finally {
    await sampler?.stop().catch(() => undefined);
    await session?.close();
    await app.close();
  }
}

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
  const bundleMods = ctx.chromiumOnly ? [] : Array.from({ length: BUNDLE_MODULES }, (_, i) => writeBigModule(root, i + 1, BUNDLE_MODULE_MIB));
  const bundleBytes = bundleMods.reduce((n, m) => n + m.zipBytes, 0);
  ctx.log(`memory: one ${(big.zipBytes / MiB).toFixed(0)} MiB zip${ctx.chromiumOnly ? '' : `; a bundle of ${(bundleBytes / MiB).toFixed(0)} MiB`}`);
  const proxy = await startStaticProxy(root);
  const runs: MemRun[] = [];
  const chromiumRuns: ChromiumMemRun[] = [];
  let bundleSize = 0;
  try {
    const appDir = await buildApp(() => ctx.scratch('app-build'));
    for (let round = 0; round < ctx.rounds; round++) {
      const r = await runChromiumMemory(ctx, appDir, proxy, big);
      chromiumRuns.push(r);
      ctx.log(
        `memory round ${round + 1}: Chromium ${r.ok ? 'ok' : 'FAILED: ' + (r.error ?? '')}` +
          (r.ok ? `: heap peak download ${((r.download?.total ?? 0) / MiB).toFixed(1)} MiB (page ${((r.download?.page ?? 0) / MiB).toFixed(1)}, workers ${((r.download?.workers ?? 0) / MiB).toFixed(1)}), export ${((r.export?.total ?? 0) / MiB).toFixed(1)} MiB; ${(((r.zipBytes ?? 0) / MiB) / ((r.zipSpanMs ?? NaN) / 1000)).toFixed(1)} MiB/s into IndexedDB` : ''),
      );
    }
    for (let round = 0; round < (ctx.chromiumOnly ? 0 : ctx.rounds); round++) {
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
    const dl = ctx.chromiumOnly ? undefined :  await runMeasured(process.execPath, cliArgs(proxy.url, dir, bundleMods), { cwd: dir, env, timeoutMs: 1_800_000 });
    if (dl !== undefined) {
      runs.push(asRun('modcarry-2g-download', dl));
      ctx.log(`memory: 2 GiB set downloaded and verified: ${((dl.peakRss ?? 0) / MiB).toFixed(0)} MiB RSS (${(dl.wallMs / 1000).toFixed(1)} s)`);
    }
    if (dl?.status === 0) {
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
    ...chromiumRows(chromiumRuns, big),
  ];
  if (ctx.chromiumOnly) {
    const carried = carriedRows('memory');
    return { rows: [...carried.rows, ...chromiumRows(chromiumRuns, big)], raw: { bigZipBytes: big.zipBytes, chromiumRuns, ...(carried.raw as object) } };
  }
  return { rows, raw: { bigZipBytes: big.zipBytes, bundleZipBytes: bundleBytes, bundleSize, runs, chromiumRuns } };
}

/** Page + workers V8 heaps plus their ArrayBuffer backing stores, per phase: what JS holds, buffers included. */
function buffersRow(ok: readonly ChromiumMemRun[], failed: string): Row {
  const med = (phase: 'download' | 'export'): number | undefined => {
    const xs = ok.map((r) => r[phase]?.withBuffers).filter((x): x is number => x !== undefined);
    return xs.length === 0 ? undefined : median(xs);
  };
  const d = med('download');
  const e = med('export');
  const v = d !== undefined && e !== undefined ? Math.max(d, e) : undefined;
  return {
    metric: 'Peak JS heap + ArrayBuffer backing stores, the larger of the two phases above',
    subject: 'modcarry in headless Chromium (page + its workers)',
    value: v !== undefined ? v / MiB : undefined,
    unit: 'MiB',
    target: '< 150 MiB',
    met: v === undefined ? undefined : v < LIMIT,
    note: [
      v !== undefined && v >= LIMIT ? `gap: ${(v / MiB - 150).toFixed(0)} MiB over` : '',
      `download + verify ${d !== undefined ? (d / MiB).toFixed(1) : '—'} MiB, export ${e !== undefined ? (e / MiB).toFixed(1) : '—'} MiB (median peaks)`,
      'usedSize + backingStorageSize of CDP Runtime.getHeapUsage, page and workers summed at the same instants',
      failed,
    ]
      .filter((x) => x !== '')
      .join('; '),
  };
}

const HEAP_METHOD =
  'value: V8 heap in use (CDP Runtime.getHeapUsage usedSize, not performance.measureUserAgentSpecificMemory: the app is not cross-origin isolated) of the page + its dedicated workers, summed at the same instants, sampled every 250 ms';

function chromiumRows(runs: readonly ChromiumMemRun[], big: BigModule): Row[] {
  const ok = runs.filter((r) => r.ok);
  const bad = runs.filter((r) => !r.ok);
  const failed = bad.length === 0 ? '' : `${bad.length} of ${runs.length} runs failed: ${bad[0]!.error ?? ''}`;
  const med = (f: (r: ChromiumMemRun) => number | undefined): number | undefined => {
    const xs = ok.map(f).filter((x): x is number => x !== undefined && Number.isFinite(x));
    return xs.length === 0 ? undefined : median(xs);
  };
  const heapRow = (metric: string, phase: 'download' | 'export', extra: string): Row => {
    const v = med((r) => r[phase]?.total);
    const vMiB = v !== undefined ? v / MiB : undefined;
    const page = med((r) => r[phase]?.page);
    const workers = med((r) => r[phase]?.workers);
    const buffers = med((r) => r[phase]?.withBuffers);
    return {
      metric,
      subject: 'modcarry in headless Chromium (page + its workers)',
      value: vMiB,
      unit: 'MiB',
      target: '< 150 MiB',
      met: v === undefined ? undefined : v < LIMIT,
      note: [
        vMiB !== undefined && v! >= LIMIT ? `gap: ${(vMiB - 150).toFixed(0)} MiB over` : '',
        `page ${page !== undefined ? (page / MiB).toFixed(1) : '—'} MiB, workers ${workers !== undefined ? (workers / MiB).toFixed(1) : '—'} MiB (median peaks; workers per run ${ok.map((r) => r[phase]?.maxWorkers ?? 0).join(', ')}: ${[...new Set(ok.flatMap((r) => r.workerUrls ?? []))].join(', ')}; samples ${ok.map((r) => r[phase]?.n ?? 0).join(', ')})`,
        `with ArrayBuffer backing stores (CDP backingStorageSize) ${buffers !== undefined ? (buffers / MiB).toFixed(1) : '—'} MiB; Blob data lives in the browser process, counted in neither`,
        extra,
        HEAP_METHOD,
        failed,
      ]
        .filter((x) => x !== '')
        .join('; '),
    };
  };
  const rate = med((r) => (r.zipBytes !== undefined && r.zipSpanMs !== undefined && r.zipSpanMs > 0 ? r.zipBytes / MiB / (r.zipSpanMs / 1000) : undefined));
  const bundle = med((r) => r.bundleBytes);
  return [
    heapRow(`Peak JS heap, download + verify one ${(big.zipBytes / MiB).toFixed(0)} MiB zip`, 'download', `Download click to "All 1 module versions verified": ${((med((r) => r.downloadWallMs) ?? NaN) / 1000).toFixed(1)} s`),
    heapRow(
      `Peak JS heap, export a ${bundle !== undefined ? (bundle / MiB).toFixed(0) : '—'} MiB bundle (.tar.gz of that module)`,
      'export',
      'bundle of the one 400 MiB module rather than 2 GiB: five 410 MiB modules through the app (3 rounds) do not fit the time box of this benchmark',
    ),
    buffersRow(ok, failed),
    {
      metric: `Loopback throughput into IndexedDB, one ${(big.zipBytes / MiB).toFixed(0)} MiB zip in 2 MiB chunks`,
      subject: 'modcarry in headless Chromium (engine worker, through the relay)',
      value: rate,
      unit: 'MiB/s',
      target: '—',
      met: undefined,
      note: ['zip bytes the loopback proxy sent / time from its first to its last zip byte (the engine fetches the next chunks only as earlier ones are stored; up to 4 chunks in flight); no faults', failed].filter((x) => x !== '').join('; '),
    },
  ];
}
