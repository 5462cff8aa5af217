/**
 * `modcarry download [plan flags] [--state DIR] [--out FILE] [--compression
 * none|0-9] [--have MANIFEST]... [--chunk-size BYTES] [--hash-threads N] [module@query ...]`
 * (and `modcarry export`, the same with --out required): plans like `modcarry plan`, then downloads and verifies
 * every planned file into a state directory with the engine and the file-system
 * store. Run again after an interruption (even SIGKILL), the same inputs find
 * their job in the state directory and resume it: committed chunks are never
 * fetched again. Progress goes to stderr; each module that failed is named
 * there and the exit code is 1. With --out, once everything is verified, the
 * carry bundle is written to FILE. --allow-failures is the explicit choice to
 * write it anyway: failed modules are listed in the manifest as unverified
 * (with what failed) and only their verified files are carried; the FAILED
 * lines still go to stderr, and the exit code is 0 once the bundle is written.
 * The bundle is a plain tar when FILE ends in `.tar`, else gzip level 1,
 * unless --compression says otherwise. Each --have names a manifest from the
 * offline side: the bundle is then a delta holding only what those lack.
 * --hash-threads N hashes zips on N worker threads as well as the main thread
 * (nodeZipHasher.ts): faster on a machine with cores to spare (1 on two
 * cores), at the cost of each thread's memory, so it is a choice rather than
 * the default.
 */
import { createHash } from 'node:crypto';
import { readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { parseManifest } from '../core/bundle/manifest.ts';
import type { BundleManifest } from '../core/bundle/manifest.ts';
import { resolveGoEnv } from '../core/goproxy/goEnv.ts';
import type { ToolchainPlatform } from '../core/plan/createPlan.ts';
import { exportBundle } from '../engine/bundle/exportBundle.ts';
import { collectJobBundle } from '../engine/bundle/exportInput.ts';
import { createEngine } from '../engine/engine.ts';
import type { JobProgress } from '../engine/engine.ts';
import type { JobInputs } from '../engine/job.ts';
import { migrateModuleState } from '../engine/moduleState.ts';
import { fileSink } from '../platform/node/fileSink.ts';
import { openFsStore } from '../platform/node/fsStore.ts';
import { gzipTransform } from '../platform/node/gzipTransform.ts';
import { nodePorts } from '../platform/node/nodePorts.ts';
import { nodeZipHasher, ZIP_HASH_THREAD_ENTRY, zipHashThreadFile } from '../platform/node/nodeZipHasher.ts';
import { CliError, UsageError } from './cliError.ts';
import { readInput } from './readInput.ts';
import { lastValue, parseFlags, parseTimeout, parseToolchains } from './flags.ts';
import { planFromInputs } from './planFromInputs.ts';

const usage = (cmd: 'download' | 'export'): string =>
  `usage: modcarry ${cmd} [--gomod FILE] [--gosum FILE] [--goproxy LIST] [--gosumdb VALUE] ` +
  `[--toolchain GOOS/GOARCH]... [--retractions] [--timeout SECONDS] [--state DIR] ${cmd === 'export' ? '--out FILE' : '[--out FILE]'} ` +
  '[--compression none|0-9] [--have MANIFEST]... [--allow-failures] [--chunk-size BYTES] [--hash-threads N] [module@query ...]';

interface DownloadArgs {
  gomod?: string;
  gosum?: string;
  goproxy?: string;
  gosumdb?: string;
  state?: string;
  out?: string;
  /** The gzip level, or 'none' for a plain tar (default: by the --out name). */
  compression?: 'none' | number;
  /** Manifests from the offline side (--have): export a delta. */
  have: string[];
  chunkSize?: number;
  retractions: boolean;
  allowFailures: boolean;
  timeoutSec: number;
  /** Worker threads that hash zips; 0: the main thread (the default). */
  hashThreads: number;
  toolchains: ToolchainPlatform[];
  queries: string[];
}

function parseArgs(args: readonly string[], usageText: string): DownloadArgs {
  const f = parseFlags(
    args,
    { values: ['gomod', 'gosum', 'goproxy', 'gosumdb', 'toolchain', 'timeout', 'state', 'out', 'compression', 'have', 'chunk-size', 'hash-threads'], bools: ['retractions', 'allow-failures'] },
    usageText,
  );
  const a: DownloadArgs = {
    have: [...(f.values.get('have') ?? [])],
    retractions: f.bools.has('retractions'),
    allowFailures: f.bools.has('allow-failures'),
    timeoutSec: parseTimeout(lastValue(f, 'timeout'), 60),
    hashThreads: parseHashThreads(lastValue(f, 'hash-threads')),
    toolchains: parseToolchains(f.values.get('toolchain')),
    queries: [...f.positional],
  };
  for (const name of ['gomod', 'gosum', 'goproxy', 'gosumdb', 'state', 'out'] as const) {
    const v = lastValue(f, name);
    if (v !== undefined) a[name] = v;
  }
  const chunk = lastValue(f, 'chunk-size');
  if (chunk !== undefined) {
    const n = Number(chunk);
    if (!Number.isSafeInteger(n)) throw new UsageError(`--chunk-size wants a number of bytes, not ${JSON.stringify(chunk)}`);
    a.chunkSize = n;
  }
  const compression = lastValue(f, 'compression');
  if (compression !== undefined) {
    if (compression === 'none') a.compression = 'none';
    else if (/^[0-9]$/.test(compression)) a.compression = Number(compression);
    else throw new UsageError(`--compression wants none or a gzip level 0-9, not ${JSON.stringify(compression)}`);
  }
  if ((a.compression !== undefined || a.have.length > 0) && a.out === undefined) throw new UsageError(`--compression and --have describe the bundle: give --out FILE too\n${usageText}`);
  return a;
}

/** --hash-threads: a whole number of threads from 0 (the main thread, the default) to MAX_HASH_THREADS. */
function parseHashThreads(v: string | undefined): number {
  if (v === undefined) return 0;
  if (!/^[0-9]+$/.test(v) || Number(v) > MAX_HASH_THREADS) throw new UsageError(`--hash-threads wants a number of threads from 0 to ${MAX_HASH_THREADS}, not ${JSON.stringify(v)}`);
  return Number(v);
}

/** The most --hash-threads takes: the engine verifies two zips at once, and splits a large one among the threads. */
export const MAX_HASH_THREADS = 16;

/** The built zip hashing thread's entry, which --hash-threads needs beside the CLI's bundle. */
function hashThreadFile(): string {
  const file = zipHashThreadFile();
  if (file === undefined) throw new CliError(`--hash-threads: this copy of modcarry has no ${ZIP_HASH_THREAD_ENTRY}.mjs beside its bundle; rebuild it (npm run build:cli) or leave --hash-threads out`);
  return file;
}

/** The bundle's compression: as asked, else a plain tar for a `.tar` name and gzip level 1 (fast) otherwise. */
export function bundleCompression(out: string, asked: 'none' | number | undefined): 'none' | number {
  return asked ?? (out.toLowerCase().endsWith('.tar') ? 'none' : 1);
}

/** Reads the --have manifests, naming the file that is not one. */
async function readOfflineManifests(files: readonly string[]): Promise<BundleManifest[]> {
  const out: BundleManifest[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new CliError(`--have ${file}: ${(err as Error).message}`, { cause: err });
    }
    try {
      out.push(parseManifest(text));
    } catch (err) {
      throw new CliError(`--have ${file}: not a modcarry manifest: ${(err as Error).message}`, { cause: err });
    }
  }
  return out;
}

/** The default state directory: $XDG_CACHE_HOME/modcarry, else ~/.cache/modcarry. */
export function defaultStateDir(env: Readonly<Record<string, string | undefined>>): string {
  const base = env['XDG_CACHE_HOME'] !== undefined && env['XDG_CACHE_HOME'] !== '' ? env['XDG_CACHE_HOME'] : join(homedir(), '.cache');
  return join(base, 'modcarry');
}

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

function summary(p: JobProgress): string {
  const c = p.counts;
  return `${c.verified} verified, ${c.failed} failed, ${p.modules.length - c.verified - c.failed} pending; ${p.bytes} of ${p.totalBytes} zip bytes`;
}

/** Runs `modcarry download` (or `modcarry export`, which requires --out); errw receives the progress lines. */
export async function downloadCommand(
  args: readonly string[],
  errw: Pick<Writable, 'write'> = process.stderr,
  env: Readonly<Record<string, string | undefined>> = process.env,
  cmd: 'download' | 'export' = 'download',
): Promise<number> {
  const USAGE = usage(cmd);
  const a = parseArgs(args, USAGE);
  if (cmd === 'export' && a.out === undefined) throw new UsageError(`export needs --out FILE\n${USAGE}`);
  const offlineManifests = await readOfflineManifests(a.have);
  if (a.gomod === undefined && a.gosum === undefined && a.queries.length === 0) {
    throw new UsageError(`nothing to download: give --gomod, --gosum or module@query items\n${USAGE}`);
  }
  const goEnv = resolveGoEnv(env, {
    ...(a.goproxy !== undefined ? { GOPROXY: a.goproxy } : {}),
    ...(a.gosumdb !== undefined ? { GOSUMDB: a.gosumdb } : {}),
  });
  const stateDir = resolve(a.state ?? defaultStateDir(env));
  const store = await openFsStore(stateDir);
  const ports = nodePorts(stateDir, store, { timeoutMs: a.timeoutSec * 1000 });
  const engine = createEngine(a.hashThreads > 0 ? { ...ports, zipHasher: nodeZipHasher(store, hashThreadFile(), a.hashThreads) } : ports);
  const say = (line: string): void => void errw.write(`modcarry: ${line}\n`);

  const goMod = a.gomod !== undefined ? await readInput(a.gomod) : undefined;
  const goSum = a.gosum !== undefined ? await readInput(a.gosum) : undefined;
  const sources: JobInputs['sources'] = [
    ...(goMod !== undefined ? [{ kind: 'go.mod', name: a.gomod!, sha256: sha256(goMod) }] : []),
    ...(goSum !== undefined ? [{ kind: 'go.sum', name: a.gosum!, sha256: sha256(goSum) }] : []),
    ...a.queries.map((q) => ({ kind: 'query', name: q })),
  ];
  const inputs: JobInputs = { env: { GOPROXY: goEnv.GOPROXY, GONOPROXY: goEnv.GONOPROXY, GOSUMDB: goEnv.GOSUMDB, GONOSUMDB: goEnv.GONOSUMDB }, sources };
  // The same inputs (files by content) find the same job again: that is how a rerun resumes.
  const fingerprint = sha256(JSON.stringify({ inputs: { env: inputs.env, sources: sources.map((s) => [s.kind, s.sha256 ?? s.name]) }, toolchains: a.toolchains, retractions: a.retractions }));
  const metaKey = `cli-job/${fingerprint}`;
  const known = await store.getMeta(metaKey);
  let jobId = known !== undefined ? new TextDecoder().decode(known) : undefined;
  if (jobId !== undefined && (await engine.getJob(jobId)) === undefined) jobId = undefined;

  if (jobId === undefined) {
    const plan = await planFromInputs({
      ...(goMod !== undefined ? { goMod, goModFile: a.gomod } : {}),
      ...(goSum !== undefined ? { goSum, goSumFile: a.gosum } : {}),
      queries: a.queries,
      toolchains: a.toolchains,
      retractions: a.retractions,
      timeoutSec: a.timeoutSec,
      goEnv,
    });
    let job;
    try {
      job = await engine.createJob(inputs, plan, a.chunkSize !== undefined ? { chunkSize: a.chunkSize } : {});
    } catch (err) {
      if (err instanceof RangeError) throw new UsageError(err.message);
      throw err;
    }
    jobId = job.id;
    await store.casMeta(metaKey, known, new TextEncoder().encode(jobId));
    say(`job ${jobId}: ${plan.modules.length} module versions planned (state in ${stateDir})`);
  } else {
    say(`job ${jobId}: resuming (state in ${stateDir})`);
  }

  engine.onEvent((e) => {
    if (e.type === 'state' && (e.state === 'verified' || e.state === 'failed')) say(`${e.module}: ${e.state}`);
    else if (e.type === 'log' && (e.event === 'retry' || e.event === 'restart' || e.event === 'offline' || e.event === 'online' || e.event === 'quota')) {
      say(`${e.module === '' ? 'job' : e.module}: ${e.event}${e.error !== undefined ? ': ' + e.error.split('\n')[0] : e.detail !== undefined ? ': ' + e.detail : ''}`);
    }
  });
  const onSignal = (): void => void engine.pause(jobId, 'interrupted');
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let outcome;
  try {
    const states = (await store.listModuleStates(jobId)).map((r) => migrateModuleState(r));
    outcome = states.some((s) => s.state === 'failed') ? await engine.retryFailed(jobId) : await engine.resume(jobId);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await engine.close();
  }
  if (outcome === 'busy') throw new CliError(`another modcarry process is running this download (state in ${stateDir})`);
  const progress = await engine.progress(jobId);
  say(summary(progress));
  if (outcome !== 'done') {
    say(`download ${outcome}${progress.pauseReason !== undefined ? `: ${progress.pauseReason}` : ''}; run the same command again to resume`);
    return 1;
  }
  const failed = progress.modules.filter((m) => m.state === 'failed');
  for (const m of failed) say(`FAILED ${m.module}: ${m.failure?.message ?? 'unknown error'}`);
  if (failed.length > 0 && !(a.allowFailures && a.out !== undefined)) return 1;
  if (a.out !== undefined) {
    const written = await writeBundle(a.out, jobId, engine, store, goEnv, sources, { allowFailures: a.allowFailures, compression: bundleCompression(a.out, a.compression), offlineManifests });
    say(`bundle ${a.out}: ${written}`);
  }
  if (failed.length > 0) say(`bundle ${a.out} written WITH FAILURES (--allow-failures): ${failed.length} module version(s) marked unverified in its manifest`);
  return 0;
}

async function writeBundle(
  out: string,
  jobId: string,
  engine: ReturnType<typeof createEngine>,
  store: Awaited<ReturnType<typeof openFsStore>>,
  goEnv: ReturnType<typeof resolveGoEnv>,
  sources: JobInputs['sources'],
  opts: { allowFailures: boolean; compression: 'none' | number; offlineManifests: readonly BundleManifest[] },
): Promise<string> {
  const { allowFailures, compression, offlineManifests } = opts;
  const job = (await engine.getJob(jobId))!;
  const { files, modules } = await collectJobBundle(store, job, { withFailures: allowFailures });
  const head = await (await engine.sumdb(jobId)).head();
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    // Both adapters count bytes (Node 20's toWeb adapters count chunks): memory stays bounded however slow the disk or deflate.
    const sink = await fileSink(tmp);
    const result = await exportBundle(
      {
        files,
        modules,
        inputs: sources.map((s) => ({ ...s })),
        settings: { goproxy: goEnv.GOPROXY, gosumdb: goEnv.GOSUMDB, gonosumdb: goEnv.GONOSUMDB, goprivate: goEnv.GOPRIVATE },
        ...(head !== undefined ? { sumdb: { name: head.name, key: head.key, treeSize: head.treeSize, treeHash: head.treeHash, note: head.note } } : {}),
        createdAt: new Date(),
        ...(offlineManifests.length > 0 ? { offlineManifests } : {}),
      },
      sink,
      { allowFailures, compression, gzip: gzipTransform, bundleName: basename(out) },
    );
    await rename(tmp, out);
    const kind = compression === 'none' ? 'tar' : `tar.gz (level ${compression})`;
    return `${kind}, ${result.manifest.files.length} files for ${result.manifest.modules.length} module versions${offlineManifests.length > 0 ? ' (delta against --have)' : ''}`;
  } catch (err) {
    await rm(tmp, { force: true });
    throw new CliError(`writing ${out}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
