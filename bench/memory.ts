/**
 * Benchmark 4, memory: peak RSS of the CLI (1) downloading and verifying one
 * generated 400 MiB module zip, beside `go mod download` of the same module,
 * and (2) exporting a 2 GiB bundle (five ~410 MiB modules, downloaded and
 * verified once in a run that is measured too; each round then only runs the
 * export, which the CLI does when it finds every module already verified), as
 * a plain tar and as the default .tar.gz.
 * The zips are served by bench/lib/staticProxy.ts (see why there). GOSUMDB is
 * off on both sides: generated modules are in no checksum database.
 * The app in headless Chromium, with the V8 heap of the page and the engine
 * worker sampled (bench/lib/chromiumApp.ts): (1) per round, on a fresh
 * profile, the same 400 MiB module through the relay, planned, downloaded and
 * verified, which also gives the download rate into IndexedDB; (2) like the
 * CLI, the same five modules downloaded and verified once in one profile,
 * then the 2 GiB bundle exported once per round.
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, BenchOutcome } from './lib/context.ts';
import { cliEnv, goEnv } from './lib/context.ts';
import { writeBigModule } from './lib/bigZip.ts';
import type { BigModule } from './lib/bigZip.ts';
import { median, MiB, runMeasured, tail } from './lib/measure.ts';
import type { ChildRun } from './lib/measure.ts';
import { CLI_ARGV, CLI_HASH_THREADS } from './lib/paths.ts';
import type { Row } from './lib/report.ts';
import { resetStats, startStaticProxy } from './lib/staticProxy.ts';
import type { StaticProxy } from './lib/staticProxy.ts';
import { carriedRows } from './lib/report.ts';
import { buildApp, downloadAll, exportBundle, makePlan, openApp, pageSummary, peaks, sampleHeaps, serveRelayedApp } from './lib/chromiumApp.ts';
import type { HeapPeaks } from './lib/chromiumApp.ts';

const LIMIT = 150 * MiB;
const BIG_MIB = 400;
const BUNDLE_MODULES = 5;
const BUNDLE_MODULE_MIB = 410;

/** One run of the app in Chromium downloading the one big module: heap peaks and the IndexedDB download rate. */
interface ChromiumMemRun {
  readonly ok: boolean;
  readonly error?: string;
  readonly download?: HeapPeaks;
  /** Script URLs of the page's dedicated workers. */
  readonly workerUrls?: string[];
  /** Zip bytes the proxy sent over the span between its first and last zip byte. */
  readonly zipBytes?: number;
  readonly zipSpanMs?: number;
  readonly downloadWallMs?: number;
}

/** One export round of the 2 GiB bundle in Chromium. */
interface ChromiumExportRound {
  readonly ok: boolean;
  readonly error?: string;
  readonly export?: HeapPeaks;
  readonly bundleBytes?: number;
  readonly wallMs?: number;
}

/** The 2 GiB bundle in Chromium: one download of the set, then one export per round. */
interface ChromiumBundleRun {
  readonly ok: boolean;
  readonly error?: string;
  readonly download?: HeapPeaks;
  readonly downloadWallMs?: number;
  readonly zipBytes?: number;
  readonly rounds: ChromiumExportRound[];
  readonly workerUrls?: string[];
}

const firstLine = (err: unknown): string => (err instanceof Error ? err.message.split('\n')[0]! : String(err));

/**
 * The app in headless Chromium on a fresh profile, through the relay to the
 * static proxy (GOSUMDB off by URL): plan module@version and Download until
 * verified, sampling the page's and the engine worker's V8 heap throughout
 * (bench/lib/chromiumApp.ts).
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
    const workerUrls = sampler.workerUrls().map((u) => u.slice(u.lastIndexOf('/') + 1));
    const samples = await sampler.stop();
    sampler = undefined;
    return {
      ok: true,
      download: peaks(samples['download'] ?? []),
      workerUrls,
      zipBytes,
      zipSpanMs: zipFirstAt !== undefined && zipLastAt !== undefined ? zipLastAt - zipFirstAt : undefined,
      downloadWallMs,
    };
  } catch (err) {
    const seen = session !== undefined ? await pageSummary(session.page) : '';
    return { ok: false, error: [firstLine(err), seen, ...(session?.errors ?? [])].filter((x) => x !== '').join(' | ') };
  } finally {
    await sampler?.stop().catch(() => undefined);
    await session?.close();
    await app.close();
  }
}

/**
 * The 2 GiB bundle in Chromium, mirroring the CLI rows: in one fresh profile
 * the five modules are planned, downloaded and verified once (IndexedDB holds
 * them), then Export bundle is clicked `rounds` times, each until the browser
 * download is saved, with the heaps sampled in a phase per round. Each saved
 * bundle is deleted once measured (the OPFS copy is replaced by the next
 * export), so the disk holds one at a time.
 */
async function runChromiumBundle(ctx: BenchContext, appDir: string, proxy: StaticProxy, mods: readonly BigModule[], rounds: number): Promise<ChromiumBundleRun> {
  const dir = ctx.scratch('mem-chromium-bundle');
  const app = await serveRelayedApp(appDir, proxy.url, 'off');
  const done: ChromiumExportRound[] = [];
  let session;
  let sampler;
  try {
    session = await openApp(dir, app, '/?gosumdb=off');
    const quota = await session.page.evaluate(async () => navigator.storage.estimate());
    const need = 2 * mods.reduce((n, m) => n + m.zipBytes, 0);
    if ((quota.quota ?? 0) - (quota.usage ?? 0) < need) throw new Error(`the profile's storage quota (${quota.quota ?? 0} bytes) cannot hold the set in IndexedDB and its bundle in OPFS (${need} bytes)`);
    sampler = await sampleHeaps(session.page);
    sampler.phase('plan');
    await makePlan(session.page, { queries: mods.map((m) => `${m.path}@${m.version}`).join('\n') });
    resetStats(proxy.stats);
    sampler.phase('download');
    const start = performance.now();
    await downloadAll(session.page, 1_800_000);
    const downloadWallMs = performance.now() - start;
    const zipBytes = proxy.stats.zipBytes;
    ctx.log(`memory: Chromium downloaded and verified the 2 GiB set in ${(downloadWallMs / 1000).toFixed(1)} s`);
    for (let round = 0; round < rounds; round++) {
      sampler.phase(`export-${round}`);
      const t = performance.now();
      try {
        const saved = await exportBundle(session.page, 1_800_000);
        const wallMs = performance.now() - t;
        await saved.discard();
        done.push({ ok: true, bundleBytes: saved.bytes, wallMs });
      } catch (err) {
        done.push({ ok: false, error: [firstLine(err), ...session.errors].join(' | ') });
      }
      ctx.log(`memory round ${round + 1}: Chromium export of the 2 GiB set ${done[round]!.ok ? `ok (${((done[round]!.wallMs ?? 0) / 1000).toFixed(1)} s)` : 'FAILED: ' + (done[round]!.error ?? '')}`);
    }
    const workerUrls = sampler.workerUrls().map((u) => u.slice(u.lastIndexOf('/') + 1));
    const samples = await sampler.stop();
    sampler = undefined;
    return {
      ok: true,
      download: peaks(samples['download'] ?? []),
      downloadWallMs,
      zipBytes,
      workerUrls,
      rounds: done.map((r, i) => (r.ok ? { ...r, export: peaks(samples[`export-${i}`] ?? []) } : r)),
    };
  } catch (err) {
    const seen = session !== undefined ? await pageSummary(session.page) : '';
    return { ok: false, error: [firstLine(err), seen, ...(session?.errors ?? [])].filter((x) => x !== '').join(' | '), rounds: done };
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
  return [...CLI_ARGV, 'download', '--goproxy', url, '--gosumdb', 'off', '--state', join(dir, 'state'), ...(out !== undefined ? ['--out', out] : []), ...mods.map((m) => `${m.path}@${m.version}`)];
}

export async function benchMemory(ctx: BenchContext): Promise<BenchOutcome> {
  const root = ctx.scratch('big-proxy');
  const big = writeBigModule(root, 0, BIG_MIB);
  const bundleMods = Array.from({ length: BUNDLE_MODULES }, (_, i) => writeBigModule(root, i + 1, BUNDLE_MODULE_MIB));
  const bundleBytes = bundleMods.reduce((n, m) => n + m.zipBytes, 0);
  ctx.log(`memory: one ${(big.zipBytes / MiB).toFixed(0)} MiB zip; a bundle of ${(bundleBytes / MiB).toFixed(0)} MiB`);
  const proxy = await startStaticProxy(root);
  const runs: MemRun[] = [];
  const chromiumRuns: ChromiumMemRun[] = [];
  let chromiumBundle: ChromiumBundleRun | undefined;
  const bundleSize: Record<string, number> = {};
  try {
    const appDir = await buildApp(() => ctx.scratch('app-build'));
    for (let round = 0; round < ctx.rounds; round++) {
      const r = await runChromiumMemory(ctx, appDir, proxy, big);
      chromiumRuns.push(r);
      ctx.log(
        `memory round ${round + 1}: Chromium ${r.ok ? 'ok' : 'FAILED: ' + (r.error ?? '')}` +
          (r.ok ? `: heap peak download ${((r.download?.total ?? 0) / MiB).toFixed(1)} MiB (page ${((r.download?.page ?? 0) / MiB).toFixed(1)}, workers ${((r.download?.workers ?? 0) / MiB).toFixed(1)}); ${(((r.zipBytes ?? 0) / MiB) / ((r.zipSpanMs ?? NaN) / 1000)).toFixed(1)} MiB/s into IndexedDB` : ''),
      );
    }
    chromiumBundle = await runChromiumBundle(ctx, appDir, proxy, bundleMods, ctx.rounds);
    ctx.log(
      `memory: Chromium 2 GiB bundle ${chromiumBundle.ok ? 'ok' : 'FAILED: ' + (chromiumBundle.error ?? '')}: export heap peaks ${chromiumBundle.rounds.map((r) => (r.export !== undefined ? `${(r.export.total / MiB).toFixed(1)} MiB (+ buffers ${(r.export.withBuffers / MiB).toFixed(1)})` : '—')).join(', ')}`,
    );
    for (let round = 0; round < (ctx.chromiumOnly ? 0 : ctx.rounds); round++) {
      const dir = ctx.scratch('mem-mc');
      const mc = await runMeasured(process.execPath, cliArgs(proxy.url, dir, [big]), { cwd: dir, env: cliEnv(join(dir, 'home')), timeoutMs: 900_000 });
      runs.push(asRun('modcarry-400', mc));
      const tdir = ctx.scratch('mem-mc-threads');
      const mt = await runMeasured(process.execPath, [...cliArgs(proxy.url, tdir, [big]), '--hash-threads', String(CLI_HASH_THREADS)], { cwd: tdir, env: cliEnv(join(tdir, 'home')), timeoutMs: 900_000 });
      runs.push(asRun('modcarry-400-threads', mt));
      const gdir = ctx.scratch('mem-go');
      const go = await runMeasured('go', ['mod', 'download', `${big.path}@${big.version}`], { cwd: gdir, env: goEnv(join(gdir, 'home'), proxy.url, 'off'), timeoutMs: 900_000 });
      runs.push(asRun('go-400', go));
      ctx.log(`memory round ${round + 1}: 400 MiB zip: modcarry ${((mc.peakRss ?? 0) / MiB).toFixed(0)} MiB RSS (${(mc.wallMs / 1000).toFixed(1)} s), with --hash-threads ${CLI_HASH_THREADS} ${((mt.peakRss ?? 0) / MiB).toFixed(0)} MiB RSS (${(mt.wallMs / 1000).toFixed(1)} s), go ${((go.peakRss ?? 0) / MiB).toFixed(0)} MiB RSS (${(go.wallMs / 1000).toFixed(1)} s)`);
    }
    const dir = ctx.scratch('mem-bundle');
    const env = cliEnv(join(dir, 'home'));
    const dl = ctx.chromiumOnly ? undefined : await runMeasured(process.execPath, cliArgs(proxy.url, dir, bundleMods), { cwd: dir, env, timeoutMs: 1_800_000 });
    if (dl !== undefined) {
      runs.push(asRun('modcarry-2g-download', dl));
      ctx.log(`memory: 2 GiB set downloaded and verified: ${((dl.peakRss ?? 0) / MiB).toFixed(0)} MiB RSS (${(dl.wallMs / 1000).toFixed(1)} s)`);
    }
    if (dl?.status === 0) {
      // Both formats: a plain tar (the file as fast as the disk takes it) and the default .tar.gz (deflate slower than the reads).
      for (const ext of ['tar', 'tar.gz']) {
        for (let round = 0; round < ctx.rounds; round++) {
          const out = join(dir, `bundle-${round}.${ext}`);
          const ex = await runMeasured(process.execPath, cliArgs(proxy.url, dir, bundleMods, out), { cwd: dir, env, timeoutMs: 1_800_000 });
          runs.push(asRun(`modcarry-2g-export-${ext}`, ex));
          if (ex.status === 0) bundleSize[ext] = statSync(out).size;
          rmSync(out, { force: true });
          ctx.log(`memory round ${round + 1}: export .${ext}: ${((ex.peakRss ?? 0) / MiB).toFixed(0)} MiB RSS (${(ex.wallMs / 1000).toFixed(1)} s)`);
        }
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
  const judged = (metric: string, subject: string, what: string, peer?: { name: string; what: string }, extra = ''): Row => {
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
      note: [v !== undefined && v * MiB >= LIMIT ? `gap: ${(v - 150).toFixed(0)} MiB over` : '', extra, failures(what)].filter((x) => x !== '').join('; '),
    };
  };
  /** The median wall time of what's successful runs, as "N.N s", or undefined without one. */
  const wallOf = (what: string): string | undefined => {
    const ok = runs.filter((r) => r.what === what && r.ok);
    return ok.length === 0 ? undefined : `${(median(ok.map((r) => r.wallMs)) / 1000).toFixed(1)} s`;
  };
  const exportWall = (what: string): string => {
    const wall = wallOf(what);
    return wall === undefined ? '' : `export wall time ${wall} (median; the CLI first finds every module verified, then writes the bundle)`;
  };
  const [downloadHeap, throughput] = chromiumRows(chromiumRuns, big);
  const chromium = [downloadHeap!, ...chromiumBundleRows(chromiumBundle, bundleBytes), buffersRow(chromiumRuns, chromiumBundle), throughput!];
  const rows: Row[] = [
    judged(`Peak RSS, download + verify one ${(big.zipBytes / MiB).toFixed(0)} MiB zip`, 'modcarry CLI', 'modcarry-400', { name: 'go mod download', what: 'go-400' }),
    {
      metric: `Peak RSS, download + verify one ${(big.zipBytes / MiB).toFixed(0)} MiB zip, hashing on a worker thread as well as the main thread (opt-in)`,
      subject: `modcarry CLI --hash-threads ${CLI_HASH_THREADS}`,
      value: rss('modcarry-400-threads'),
      unit: 'MiB',
      target: '—',
      met: undefined,
      note: [
        `not the default: the target above is the default's (the main thread alone hashes); the thread holds memory of its own; wall time ${wallOf('modcarry-400-threads') ?? '—'} against ${wallOf('modcarry-400') ?? '—'} without`,
        failures('modcarry-400-threads'),
      ]
        .filter((x) => x !== '')
        .join('; '),
    },
    judged(`Peak RSS, download + verify ${BUNDLE_MODULES} zips (${(bundleBytes / MiB).toFixed(0)} MiB), 1 run`, 'modcarry CLI', 'modcarry-2g-download'),
    judged(`Peak RSS, export a ${((bundleSize['tar'] ?? 0) / MiB).toFixed(0)} MiB bundle (tar)`, 'modcarry CLI', 'modcarry-2g-export-tar', undefined, exportWall('modcarry-2g-export-tar')),
    judged(`Peak RSS, export a ${((bundleSize['tar.gz'] ?? 0) / MiB).toFixed(0)} MiB bundle (.tar.gz, gzip level 1, the default)`, 'modcarry CLI', 'modcarry-2g-export-tar.gz', undefined, exportWall('modcarry-2g-export-tar.gz')),
    ...chromium,
  ];
  if (ctx.chromiumOnly) {
    const carried = carriedRows('memory');
    return { rows: [...carried.rows, ...chromium], raw: { bigZipBytes: big.zipBytes, bundleZipBytes: bundleBytes, chromiumRuns, chromiumBundle, ...(carried.raw as object) } };
  }
  return { rows, raw: { bigZipBytes: big.zipBytes, bundleZipBytes: bundleBytes, bundleSize, runs, chromiumRuns, chromiumBundle } };
}

const medianOf = (xs: readonly (number | undefined)[]): number | undefined => {
  const ok = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
  return ok.length === 0 ? undefined : median(ok);
};

const mib = (v: number | undefined): string => (v !== undefined ? (v / MiB).toFixed(1) : '—');

/** Page + workers V8 heaps plus their ArrayBuffer backing stores, per phase: what JS holds, buffers included. */
function buffersRow(downloads: readonly ChromiumMemRun[], bundle: ChromiumBundleRun | undefined): Row {
  const d = medianOf(downloads.filter((r) => r.ok).map((r) => r.download?.withBuffers));
  const e = medianOf((bundle?.rounds ?? []).map((r) => r.export?.withBuffers));
  const v = d !== undefined && e !== undefined ? Math.max(d, e) : undefined;
  const bad = downloads.filter((r) => !r.ok).length + (bundle?.rounds ?? []).filter((r) => !r.ok).length + (bundle !== undefined && !bundle.ok ? 1 : 0);
  return {
    metric: 'Peak JS heap + ArrayBuffer backing stores, the larger of the two phases above',
    subject: 'modcarry in headless Chromium (page + its workers)',
    value: v !== undefined ? v / MiB : undefined,
    unit: 'MiB',
    target: '< 150 MiB',
    met: v === undefined ? undefined : v < LIMIT,
    note: [
      v !== undefined && v >= LIMIT ? `gap: ${(v / MiB - 150).toFixed(0)} MiB over` : '',
      `download + verify of the 400 MiB zip ${mib(d)} MiB, export of the 2 GiB bundle ${mib(e)} MiB (median peaks)`,
      'usedSize + backingStorageSize of CDP Runtime.getHeapUsage, page and workers summed at the same instants',
      bad > 0 ? `${bad} run(s) failed` : '',
    ]
      .filter((x) => x !== '')
      .join('; '),
  };
}

const HEAP_METHOD =
  'value: V8 heap in use (CDP Runtime.getHeapUsage usedSize, not performance.measureUserAgentSpecificMemory: the app is not cross-origin isolated) of the page + its dedicated workers, summed at the same instants, sampled every 250 ms';

/** A heap row from per-run peaks (median over runs). */
function heapRow(metric: string, all: readonly HeapPeaks[], workerUrls: readonly string[], extra: string, failed: string): Row {
  const v = medianOf(all.map((p) => p.total));
  return {
    metric,
    subject: 'modcarry in headless Chromium (page + its workers)',
    value: v !== undefined ? v / MiB : undefined,
    unit: 'MiB',
    target: '< 150 MiB',
    met: v === undefined ? undefined : v < LIMIT,
    note: [
      v !== undefined && v >= LIMIT ? `gap: ${(v / MiB - 150).toFixed(0)} MiB over` : '',
      `page ${mib(medianOf(all.map((p) => p.page)))} MiB, workers ${mib(medianOf(all.map((p) => p.workers)))} MiB (median peaks; workers per run ${all.map((p) => p.maxWorkers).join(', ')}: ${workerUrls.join(', ')}; samples ${all.map((p) => p.n).join(', ')})`,
      `with ArrayBuffer backing stores (CDP backingStorageSize) ${mib(medianOf(all.map((p) => p.withBuffers)))} MiB; Blob data lives in the browser process, counted in neither`,
      extra,
      HEAP_METHOD,
      failed,
    ]
      .filter((x) => x !== '')
      .join('; '),
  };
}

function chromiumRows(runs: readonly ChromiumMemRun[], big: BigModule): Row[] {
  const ok = runs.filter((r) => r.ok);
  const bad = runs.filter((r) => !r.ok);
  const failed = bad.length === 0 ? '' : `${bad.length} of ${runs.length} runs failed: ${bad[0]!.error ?? ''}`;
  const rate = medianOf(ok.map((r) => (r.zipBytes !== undefined && r.zipSpanMs !== undefined && r.zipSpanMs > 0 ? r.zipBytes / MiB / (r.zipSpanMs / 1000) : undefined)));
  return [
    heapRow(
      `Peak JS heap, download + verify one ${(big.zipBytes / MiB).toFixed(0)} MiB zip`,
      ok.map((r) => r.download!),
      [...new Set(ok.flatMap((r) => r.workerUrls ?? []))],
      `Download click to "All 1 module versions verified": ${((medianOf(ok.map((r) => r.downloadWallMs)) ?? NaN) / 1000).toFixed(1)} s; a fresh profile per run`,
      failed,
    ),
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

/** The 2 GiB export row: median over the export rounds of one profile. */
function chromiumBundleRows(run: ChromiumBundleRun | undefined, zipBytes: number): Row[] {
  const rounds = run?.rounds ?? [];
  const ok = rounds.filter((r) => r.ok && r.export !== undefined);
  const bad = rounds.filter((r) => !r.ok);
  const failed = [run !== undefined && !run.ok ? `the run failed: ${run.error ?? ''}` : '', bad.length > 0 ? `${bad.length} of ${rounds.length} export rounds failed: ${bad[0]!.error ?? ''}` : ''].filter((x) => x !== '').join('; ');
  const size = medianOf(ok.map((r) => r.bundleBytes));
  return [
    heapRow(
      `Peak JS heap, export a ${size !== undefined ? (size / MiB).toFixed(0) : '—'} MiB bundle (.tar.gz, gzip level 1, of ${BUNDLE_MODULES} zips, ${(zipBytes / MiB).toFixed(0)} MiB)`,
      ok.map((r) => r.export!),
      run?.workerUrls ?? [],
      `one fresh profile: the ${BUNDLE_MODULES} modules planned, downloaded and verified once (${((run?.downloadWallMs ?? NaN) / 1000).toFixed(1)} s, download heap peak ${mib(run?.download?.total)} MiB), then Export bundle clicked ${rounds.length} times, each until the browser download was saved (${ok.map((r) => ((r.wallMs ?? NaN) / 1000).toFixed(1)).join(', ')} s); the bundle goes to OPFS in the engine worker, then to the download`,
      failed,
    ),
  ];
}
