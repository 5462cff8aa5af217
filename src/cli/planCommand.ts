/**
 * `modcarry plan [--gomod F] [--gosum F] [--goproxy LIST] [--gosumdb V]
 * [--toolchain GOOS/GOARCH]... [--retractions] [--timeout SECONDS] [--json]
 * [module@query ...]`: what a bundle must carry, as a table or (--json) the
 * Plan itself. GOPROXY, GOSUMDB, GONOSUMDB, GOPRIVATE and GONOPROXY come from
 * the environment as the go command reads them; flags override them.
 */
import type { Writable } from 'node:stream';
import { GoproxyClient } from '../core/goproxy/client.ts';
import { resolveGoEnv } from '../core/goproxy/goEnv.ts';
import { createPlan } from '../core/plan/createPlan.ts';
import type { ToolchainPlatform } from '../core/plan/createPlan.ts';
import { formatPlan } from '../core/plan/formatPlan.ts';
import { nodeHttp } from '../platform/node/nodeHttp.ts';
import { CliError, UsageError } from './cliError.ts';
import { readInput } from './readInput.ts';

const USAGE =
  'usage: modcarry plan [--gomod FILE] [--gosum FILE] [--goproxy LIST] [--gosumdb VALUE] ' +
  '[--toolchain GOOS/GOARCH]... [--retractions] [--timeout SECONDS] [--json] [module@query ...]';

interface PlanArgs {
  gomod?: string;
  gosum?: string;
  goproxy?: string;
  gosumdb?: string;
  json: boolean;
  retractions: boolean;
  timeoutSec: number;
  toolchains: ToolchainPlatform[];
  queries: string[];
}

const VALUE_FLAGS = new Set(['gomod', 'gosum', 'goproxy', 'gosumdb', 'toolchain', 'timeout']);

function parseArgs(args: readonly string[]): PlanArgs {
  const a: PlanArgs = { json: false, retractions: false, timeoutSec: 30, toolchains: [], queries: [] };
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
    const m = /^--?([a-z]+)(?:=(.*))?$/s.exec(arg);
    if (m === null) throw new UsageError(`unknown flag ${arg}\n${USAGE}`);
    const name = m[1]!;
    if (name === 'json' || name === 'retractions') {
      if (m[2] !== undefined) throw new UsageError(`flag --${name} takes no value`);
      a[name] = true;
      continue;
    }
    if (!VALUE_FLAGS.has(name)) throw new UsageError(`unknown flag ${arg}\n${USAGE}`);
    let value = m[2];
    if (value === undefined) {
      value = args[++i];
      if (value === undefined) throw new UsageError(`flag --${name} needs a value`);
    }
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
      default:
        a[name as 'gomod' | 'gosum' | 'goproxy' | 'gosumdb'] = value;
    }
  }
  return a;
}

/** Runs `modcarry plan`; env defaults to the process environment. */
export async function planCommand(
  args: readonly string[],
  out: Pick<Writable, 'write'>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const a = parseArgs(args);
  if (a.gomod === undefined && a.gosum === undefined && a.queries.length === 0) {
    throw new UsageError(`nothing to plan: give --gomod, --gosum or module@query items\n${USAGE}`);
  }
  const goEnv = resolveGoEnv(env, {
    ...(a.goproxy !== undefined ? { GOPROXY: a.goproxy } : {}),
    ...(a.gosumdb !== undefined ? { GOSUMDB: a.gosumdb } : {}),
  });
  const http = nodeHttp({ timeoutMs: a.timeoutSec * 1000 });
  const client = new GoproxyClient({ http, goproxy: goEnv.GOPROXY, gonoproxy: goEnv.GONOPROXY });
  const goMod = a.gomod !== undefined ? await readInput(a.gomod) : undefined;
  const goSum = a.gosum !== undefined ? await readInput(a.gosum) : undefined;
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
  out.write(a.json ? JSON.stringify(plan, null, 2) + '\n' : formatPlan(plan));
  return 0;
}
