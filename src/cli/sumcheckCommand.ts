/**
 * `modcarry sumcheck [--gomod F] [--goproxy LIST] [--gosumdb VALUE] [--state DIR]
 * [--offline] [--timeout SECONDS] [--json] GO.SUM`: every line of a go.sum with
 * its status against the checksum database (with record id and tree size),
 * the files downloaded into the state directory, and (with --gomod) the plan:
 * lines nothing needs and needed sums the file lacks. --offline uses only the
 * proofs stored in the state directory (its `latest`, lookups and tiles), and
 * plans from its stored go.mod files. Exit 1 on any mismatch or database
 * fork, 0 otherwise; GOSUMDB, GONOSUMDB, GOPRIVATE, GOPROXY and GONOPROXY come
 * from the environment as go reads them, flags override them.
 */
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { GoproxyClient } from '../core/goproxy/client.ts';
import { resolveGoEnv } from '../core/goproxy/goEnv.ts';
import { describeFacet, facetSeverity } from '../core/inspect/inspectGoSum.ts';
import type { FacetKind } from '../core/inspect/inspectGoSum.ts';
import { createPlan } from '../core/plan/createPlan.ts';
import type { Plan } from '../core/plan/types.ts';
import { STORE_PROXY_URL, storeProxyHttp, sumcheck } from '../engine/sumcheck.ts';
import type { SumcheckReport } from '../engine/sumcheck.ts';
import { openFsStore } from '../platform/node/fsStore.ts';
import { nodeHttp } from '../platform/node/nodeHttp.ts';
import { nodeClock } from '../platform/node/nodePorts.ts';
import { CliError, UsageError } from './cliError.ts';
import { defaultStateDir } from './downloadCommand.ts';
import { lastValue, parseFlags, parseTimeout } from './flags.ts';
import { readInput } from './readInput.ts';

const USAGE =
  'usage: modcarry sumcheck [--gomod FILE] [--goproxy LIST] [--gosumdb VALUE] [--state DIR] [--offline] [--timeout SECONDS] [--json] GO.SUM';

interface SumcheckArgs {
  gosum?: string;
  gomod?: string;
  goproxy?: string;
  gosumdb?: string;
  state?: string;
  offline: boolean;
  json: boolean;
  timeoutSec: number;
}

function parseArgs(args: readonly string[]): SumcheckArgs {
  const f = parseFlags(args, { values: ['gomod', 'goproxy', 'gosumdb', 'state', 'timeout'], bools: ['json', 'offline'] }, USAGE);
  const a: SumcheckArgs = { offline: f.bools.has('offline'), json: f.bools.has('json'), timeoutSec: parseTimeout(lastValue(f, 'timeout'), 30) };
  for (const name of ['gomod', 'goproxy', 'gosumdb', 'state'] as const) {
    const v = lastValue(f, name);
    if (v !== undefined) a[name] = v;
  }
  const files = f.positional;
  if (files.length !== 1) throw new UsageError(`${files.length === 0 ? 'no go.sum given' : 'give exactly one go.sum'}\n${USAGE}`);
  a.gosum = files[0]!;
  return a;
}

const MARK: Record<ReturnType<typeof facetSeverity>, string> = { security: '!!', problem: ' !', ok: 'ok', info: ' -' };

/** The report as a readable table: each line, its facets below it, then the totals. */
export function formatSumcheck(r: SumcheckReport): string {
  let out = '';
  const db = r.db;
  out += `${r.file}: ${r.lines.length} lines`;
  if (db === undefined) out += '; checksum database off (GOSUMDB=off)';
  else out += `; ${db.name}${db.treeSize !== undefined ? ` tree size ${db.treeSize}` : ''}${db.offline ? ' (offline: stored proofs only)' : ''}`;
  out += '\n';
  if (r.fatal !== undefined) out += `\ngo refuses this file: ${r.fatal.replaceAll('\n', ' ')}\n`;
  out += '\n';
  const width = String(r.lines.at(-1)?.line ?? 0).length;
  for (const l of r.lines) {
    out += `${String(l.line).padStart(width)}  ${l.text}\n`;
    for (const f of l.facets) out += `${' '.repeat(width)}  ${MARK[facetSeverity(f.kind)]} ${describeFacet(f)}\n`;
    if (l.facets.length === 0) out += `${' '.repeat(width)}   - not checked\n`;
  }
  if (r.missing.length > 0) {
    out += `\nneeded but missing from ${r.file}:\n`;
    for (const m of r.missing) out += `  ${m.path} ${m.version}\n`;
  }
  if (r.fork !== undefined) out += `\n${r.fork}\n`;
  const counts = Object.entries(r.counts)
    .map(([k, n]) => `${n} ${describeKind(k as FacetKind)}`)
    .join(', ');
  out += `\n${r.ok ? 'OK' : 'FAILED'}: ${r.security} line${r.security === 1 ? '' : 's'} with a mismatch${r.fork !== undefined ? ', checksum database fork' : ''}${counts !== '' ? `; ${counts}` : ''}\n`;
  return out;
}

function describeKind(k: FacetKind): string {
  const words: Record<FacetKind, string> = {
    malformed: 'malformed',
    ignored: 'ignored',
    'unknown-hash': 'unknown hash kind',
    duplicate: 'duplicate',
    conflict: 'conflicting',
    'db-match': 'match the database',
    'db-mismatch': 'differ from the database',
    'db-absent': 'absent from the database',
    exempt: 'exempt',
    'db-unchecked': 'not checked against the database',
    'download-match': 'match the downloads',
    'download-mismatch': 'differ from the downloads',
    'not-needed': 'not needed',
  };
  return words[k];
}

/** Runs `modcarry sumcheck`; env defaults to the process environment. */
export async function sumcheckCommand(
  args: readonly string[],
  out: Pick<Writable, 'write'>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const a = parseArgs(args);
  const goEnv = resolveGoEnv(env, {
    ...(a.goproxy !== undefined ? { GOPROXY: a.goproxy } : {}),
    ...(a.gosumdb !== undefined ? { GOSUMDB: a.gosumdb } : {}),
  });
  const goSum = await readInput(a.gosum!);
  const goMod = a.gomod !== undefined ? await readInput(a.gomod) : undefined;
  const store = await openFsStore(resolve(a.state ?? defaultStateDir(env)));
  const http = a.offline ? undefined : nodeHttp({ timeoutMs: a.timeoutSec * 1000 });

  let plan: Plan | undefined;
  if (goMod !== undefined) {
    // Offline, the plan reads the go.mod files earlier downloads stored.
    const planHttp = http ?? storeProxyHttp(store);
    const goproxy = http !== undefined ? goEnv.GOPROXY : STORE_PROXY_URL;
    try {
      plan = await createPlan({
        goMod,
        goModFile: a.gomod,
        goSum,
        goSumFile: a.gosum,
        client: new GoproxyClient({ http: planHttp, goproxy, gonoproxy: goEnv.GONOPROXY }),
        http: planHttp,
        env: goEnv,
      });
    } catch (err) {
      throw new CliError(`planning ${a.gomod}${a.offline ? ' from the stored go.mod files' : ''}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
  let report: SumcheckReport;
  try {
    report = await sumcheck({
      goSum,
      goSumFile: a.gosum!,
      ...(plan !== undefined ? { plan } : {}),
      env: goEnv,
      store,
      clock: nodeClock,
      ...(http !== undefined ? { http } : {}),
      offline: a.offline,
    });
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), { cause: err });
  }
  out.write(a.json ? JSON.stringify(report, null, 2) + '\n' : formatSumcheck(report));
  return report.ok ? 0 : 1;
}
