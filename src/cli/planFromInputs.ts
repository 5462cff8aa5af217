/** The plan a CLI command computes from its inputs (shared by plan and download). */
import { GoproxyClient } from '../core/goproxy/client.ts';
import type { GoEnv } from '../core/goproxy/goEnv.ts';
import { createPlan } from '../core/plan/createPlan.ts';
import type { ToolchainPlatform } from '../core/plan/createPlan.ts';
import type { Plan } from '../core/plan/types.ts';
import { nodeHttp } from '../platform/node/nodeHttp.ts';
import { CliError } from './cliError.ts';

export interface PlanInputs {
  goMod?: Uint8Array;
  goModFile?: string;
  goSum?: Uint8Array;
  goSumFile?: string;
  queries: readonly string[];
  toolchains: readonly ToolchainPlatform[];
  retractions: boolean;
  timeoutSec: number;
  goEnv: GoEnv;
}

/** Plans through the GOPROXY list of goEnv; a failure is a one-line CliError. */
export async function planFromInputs(p: PlanInputs): Promise<Plan> {
  const http = nodeHttp({ timeoutMs: p.timeoutSec * 1000 });
  const client = new GoproxyClient({ http, goproxy: p.goEnv.GOPROXY, gonoproxy: p.goEnv.GONOPROXY });
  try {
    return await createPlan({
      ...(p.goMod !== undefined ? { goMod: p.goMod, goModFile: p.goModFile } : {}),
      ...(p.goSum !== undefined ? { goSum: p.goSum, goSumFile: p.goSumFile } : {}),
      queries: [...p.queries],
      toolchains: [...p.toolchains],
      client,
      http,
      env: p.goEnv,
      retractions: p.retractions,
    });
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), { cause: err });
  }
}
