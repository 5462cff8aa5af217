/**
 * `modcarry download [plan flags] [--state DIR] [--out FILE] [--chunk-size BYTES]
 * [module@query ...]`: plans like `modcarry plan`, then downloads and verifies
 * every planned file into a state directory with the engine and the file-system
 * store. Run again after an interruption (even SIGKILL), the same inputs find
 * their job in the state directory and resume it: committed chunks are never
 * fetched again. Progress goes to stderr; each module that failed is named
 * there and the exit code is 1. With --out, once everything is verified, the
 * carry bundle is written to FILE. --allow-failures is the explicit choice to
 * write it anyway: failed modules are listed in the manifest as unverified
 * (with what failed) and only their verified files are carried; the FAILED
 * lines still go to stderr, and the exit code is 0 once the bundle is written.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { GoproxyClient } from '../core/goproxy/client.ts';
import { resolveGoEnv } from '../core/goproxy/goEnv.ts';
import { createPlan } from '../core/plan/createPlan.ts';
import type { ToolchainPlatform } from '../core/plan/createPlan.ts';
import { exportBundle } from '../engine/bundle/exportBundle.ts';
import { collectJobBundle } from '../engine/bundle/exportInput.ts';
import { createEngine } from '../engine/engine.ts';
import type { JobProgress } from '../engine/engine.ts';
import type { JobInputs } from '../engine/job.ts';
import { migrateModuleState } from '../engine/moduleState.ts';
import { openFsStore } from '../platform/node/fsStore.ts';
import { nodeHttp } from '../platform/node/nodeHttp.ts';
import { nodePorts } from '../platform/node/nodePorts.ts';
import { CliError, UsageError } from './cliError.ts';
import { readInput } from './readInput.ts';

const USAGE =
  'usage: modcarry download [--gomod FILE] [--gosum FILE] [--goproxy LIST] [--gosumdb VALUE] ' +
  '[--toolchain GOOS/GOARCH]... [--retractions] [--timeout SECONDS] [--state DIR] [--out FILE] [--allow-failures] [--chunk-size BYTES] [module@query ...]';

interface DownloadArgs {
  gomod?: string;
  gosum?: string;
  goproxy?: string;
  gosumdb?: string;
  state?: string;
  out?: string;
  chunkSize?: number;
  retractions: boolean;
  allowFailures: boolean;
  timeoutSec: number;
  toolchains: ToolchainPlatform[];
  queries: string[];
}

const VALUE_FLAGS = new Set(['gomod', 'gosum', 'goproxy', 'gosumdb', 'toolchain', 'timeout', 'state', 'out', 'chunk-size']);

function parseArgs(args: readonly string[]): DownloadArgs {
  const a: DownloadArgs = { retractions: false, allowFailures: false, timeoutSec: 60, toolchains: [], queries: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      a.queries.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-')) {
      a.queries.push(arg);
      continue;
    }
    const m = /^--?([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (m === null) throw new UsageError(`unknown flag ${arg}\n${USAGE}`);
    const name = m[1]!;
    if (name === 'retractions' || name === 'allow-failures') {
      if (m[2] !== undefined) throw new UsageError(`flag --${name} takes no value`);
      if (name === 'retractions') a.retractions = true;
      else a.allowFailures = true;
      continue;
    }
    if (!VALUE_FLAGS.has(name)) throw new UsageError(`unknown flag ${arg}\n${USAGE}`);
    const value = m[2] ?? args[++i];
    if (value === undefined) throw new UsageError(`flag --${name} needs a value`);
    switch (name) {
      case 'toolchain':
        for (const p of value.split(',')) {
          const pm = /^([a-z0-9]+)\/([a-z0-9]+)$/.exec(p.trim());
          if (pm === null) throw new UsageError(`--toolchain wants GOOS/GOARCH (e.g. linux/amd64), not ${JSON.stringify(p)}`);
          a.toolchains.push({ goos: pm[1]!, goarch: pm[2]! });
        }
        break;
      case 'timeout': {
        const n = Number(value);
        if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--timeout wants a number of seconds, not ${JSON.stringify(value)}`);
        a.timeoutSec = n;
        break;
      }
      case 'chunk-size': {
        const n = Number(value);
        if (!Number.isSafeInteger(n)) throw new UsageError(`--chunk-size wants a number of bytes, not ${JSON.stringify(value)}`);
        a.chunkSize = n;
        break;
      }
      default:
        a[name as 'gomod' | 'gosum' | 'goproxy' | 'gosumdb' | 'state' | 'out'] = value;
    }
  }
  return a;
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

/** Runs `modcarry download`; errw receives the progress lines. */
export async function downloadCommand(
  args: readonly string[],
  errw: Pick<Writable, 'write'> = process.stderr,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const a = parseArgs(args);
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
  const engine = createEngine(ports);
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
    const http = nodeHttp({ timeoutMs: a.timeoutSec * 1000 });
    const client = new GoproxyClient({ http, goproxy: goEnv.GOPROXY, gonoproxy: goEnv.GONOPROXY });
    let plan;
    try {
      plan = await createPlan({
        ...(goMod !== undefined ? { goMod, goModFile: a.gomod } : {}),
        ...(goSum !== undefined ? { goSum, goSumFile: a.gosum } : {}),
        queries: a.queries,
        toolchains: a.toolchains,
        client,
        http,
        env: goEnv,
        retractions: a.retractions,
      });
    } catch (err) {
      throw new CliError(err instanceof Error ? err.message : String(err), { cause: err });
    }
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
  if (a.out !== undefined) await writeBundle(a.out, jobId, engine, store, goEnv, sources, a.allowFailures);
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
  allowFailures: boolean,
): Promise<void> {
  const job = (await engine.getJob(jobId))!;
  const { files, modules } = await collectJobBundle(store, job, { withFailures: allowFailures });
  const head = await (await engine.sumdb(jobId)).head();
  const tmp = `${out}.${process.pid}.tmp`;
  const sink = Writable.toWeb(createWriteStream(tmp)) as WritableStream<Uint8Array>;
  try {
    await exportBundle(
      {
        files,
        modules,
        inputs: sources.map((s) => ({ ...s })),
        settings: { goproxy: goEnv.GOPROXY, gosumdb: goEnv.GOSUMDB, gonosumdb: goEnv.GONOSUMDB, goprivate: goEnv.GOPRIVATE },
        ...(head !== undefined ? { sumdb: { name: head.name, key: head.key, treeSize: head.treeSize, treeHash: head.treeHash, note: head.note } } : {}),
        createdAt: new Date(),
      },
      sink,
      { allowFailures },
    );
    await rename(tmp, out);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new CliError(`writing ${out}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
