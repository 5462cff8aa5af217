/**
 * `modcarry plan [--gomod F] [--gosum F] [--goproxy LIST] [--gosumdb V]
 * [--toolchain GOOS/GOARCH]... [--retractions] [--timeout SECONDS] [--json]
 * [module@query ...]`: what a bundle must carry, as a table or (--json) the
 * Plan itself. GOPROXY, GOSUMDB, GONOSUMDB, GOPRIVATE and GONOPROXY come from
 * the environment as the go command reads them; flags override them.
 */
import type { Writable } from 'node:stream';
import { resolveGoEnv } from '../core/goproxy/goEnv.ts';
import type { ToolchainPlatform } from '../core/plan/createPlan.ts';
import { formatPlan } from '../core/plan/formatPlan.ts';
import { UsageError } from './cliError.ts';
import { readInput } from './readInput.ts';
import { lastValue, parseFlags, parseTimeout, parseToolchains } from './flags.ts';
import { planFromInputs } from './planFromInputs.ts';

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

function parseArgs(args: readonly string[]): PlanArgs {
  const f = parseFlags(args, { values: ['gomod', 'gosum', 'goproxy', 'gosumdb', 'toolchain', 'timeout'], bools: ['json', 'retractions'] }, USAGE);
  const a: PlanArgs = {
    json: f.bools.has('json'),
    retractions: f.bools.has('retractions'),
    timeoutSec: parseTimeout(lastValue(f, 'timeout'), 30),
    toolchains: parseToolchains(f.values.get('toolchain')),
    queries: [...f.positional],
  };
  for (const name of ['gomod', 'gosum', 'goproxy', 'gosumdb'] as const) {
    const v = lastValue(f, name);
    if (v !== undefined) a[name] = v;
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
  const goMod = a.gomod !== undefined ? await readInput(a.gomod) : undefined;
  const goSum = a.gosum !== undefined ? await readInput(a.gosum) : undefined;
  const plan = await planFromInputs({
    ...(goMod !== undefined ? { goMod, goModFile: a.gomod } : {}),
    ...(goSum !== undefined ? { goSum, goSumFile: a.gosum } : {}),
    queries: a.queries,
    toolchains: a.toolchains,
    retractions: a.retractions,
    timeoutSec: a.timeoutSec,
    goEnv,
  });
  out.write(a.json ? JSON.stringify(plan, null, 2) + '\n' : formatPlan(plan));
  return 0;
}
