/**
 * Benchmark 5, checksum database: 250 small generated modules (a 500-line
 * go.sum) checked from an empty cache against one loopback database whose log
 * holds 80 filler records before each module (20,250 records, so lookups land
 * in many tiles), reached through the proxy (`/sumdb/<name>/...`) by both.
 * modcarry: `download --gosum go.sum` (it checks every go.sum line with the
 * database). The go command: `go mod download` of the same versions outside
 * any module, where no go.sum vouches for them, so go asks the database for
 * each. Time covers the whole run (the downloads are a few KiB each).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashGoMod, hashZip } from '../src/core/dirhash/hash.ts';
import { escapePath } from '../src/core/module/escape.ts';
import { openZip } from '../src/core/zip/reader.ts';
import { bytesSource } from '../src/core/zip/source.ts';
import { startSumdbServer } from '../test/support/sumdbServer.ts';
import { writeZip } from '../test/support/zipWriter.ts';
import type { BenchContext, BenchOutcome } from './lib/context.ts';
import { cliEnv, goEnv } from './lib/context.ts';
import { median, runMeasured, tail } from './lib/measure.ts';
import { CLI_ARGV } from './lib/paths.ts';
import type { Row } from './lib/report.ts';
import { logOf } from './lib/sumdbLog.ts';

const MODULES = 250;
const FILLER = 80;

interface SumdbRun {
  who: 'modcarry' | 'go';
  ok: boolean;
  wallMs: number;
  sumdbRequests: number;
  byKind: Record<string, number>;
  error?: string;
}

const isSumdbRequest = (line: string): boolean => /\/(sumdb\/|lookup\/|tile\/|latest$)/.test(line);
const kindOf = (line: string): string => (/\/lookup\//.test(line) ? 'lookup' : /\/tile\//.test(line) ? 'tile' : /latest$/.test(line) ? 'latest' : /supported$/.test(line) ? 'supported' : 'other');

export async function benchSumdb(ctx: BenchContext): Promise<BenchOutcome> {
  const root = ctx.scratch('sumdb-proxy');
  const lines: [string, string, string][] = [];
  const mods: string[] = [];
  for (let i = 0; i < MODULES; i++) {
    const path = `example.com/modcarry/sumbench/m${String(i).padStart(3, '0')}`;
    const version = `v1.${i % 7}.${i}`;
    const goMod = new TextEncoder().encode(`module ${path}\n\ngo 1.21\n`);
    const zip = writeZip([
      { name: `${path}@${version}/go.mod`, data: goMod },
      { name: `${path}@${version}/m.go`, data: new TextEncoder().encode(`package m\n\nconst N = ${i}\n`) },
    ]);
    const dir = join(root, escapePath(path), '@v');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${version}.zip`), zip);
    writeFileSync(join(dir, `${version}.mod`), goMod);
    writeFileSync(join(dir, `${version}.info`), JSON.stringify({ Version: version, Time: '2024-01-01T00:00:00Z' }) + '\n');
    writeFileSync(join(dir, 'list'), `${version}\n`);
    lines.push([path, version, await hashZip(await openZip(bytesSource(zip)))], [path, `${version}/go.mod`, await hashGoMod(goMod)]);
    mods.push(`${path}@${version}`);
  }
  const goSum = lines.map((l) => l.join(' ')).join('\n') + '\n';
  const log = await logOf(lines, FILLER);
  ctx.log(`sumdb: ${lines.length}-line go.sum, log of ${log.size} records`);
  const server = await startSumdbServer(log, { proxyDir: root });
  const runs: SumdbRun[] = [];
  try {
    for (let round = 0; round < ctx.rounds; round++) {
      const order = round % 2 === 0 ? (['modcarry', 'go'] as const) : (['go', 'modcarry'] as const);
      for (const who of order) {
        const dir = ctx.scratch(`sumdb-${who}`);
        const before = server.requests.length;
        let r;
        if (who === 'modcarry') {
          writeFileSync(join(dir, 'go.sum'), goSum);
          r = await runMeasured(process.execPath, [...CLI_ARGV, 'download', '--gosum', join(dir, 'go.sum'), '--goproxy', server.url, '--gosumdb', server.gosumdb, '--state', join(dir, 'state')], { cwd: dir, env: cliEnv(join(dir, 'home')), timeoutMs: 600_000 });
        } else {
          r = await runMeasured('go', ['mod', 'download', ...mods], { cwd: dir, env: goEnv(join(dir, 'home'), server.url, server.gosumdb), timeoutMs: 600_000 });
        }
        const reqs = server.requests.slice(before).filter(isSumdbRequest);
        const byKind: Record<string, number> = {};
        for (const q of reqs) byKind[kindOf(q)] = (byKind[kindOf(q)] ?? 0) + 1;
        runs.push({ who, ok: r.status === 0, wallMs: r.wallMs, sumdbRequests: reqs.length, byKind, ...(r.status === 0 ? {} : { error: tail(r.stderr) }) });
        ctx.log(`sumdb round ${round + 1}: ${who} ${r.status === 0 ? 'ok' : 'FAILED'} ${reqs.length} database requests ${JSON.stringify(byKind)} in ${(r.wallMs / 1000).toFixed(1)} s`);
        if (r.status !== 0) ctx.log(tail(r.stderr));
      }
    }
  } finally {
    await server.close();
  }
  const med = (who: string, f: (r: SumdbRun) => number): number | undefined => {
    const ok = runs.filter((r) => r.who === who && r.ok);
    return ok.length === 0 ? undefined : median(ok.map(f));
  };
  const fails = (who: string): string => {
    const bad = runs.filter((r) => r.who === who && !r.ok);
    return bad.length === 0 ? '' : `${who}: ${bad.length} run(s) failed: ${bad[0]!.error?.split('\n').pop() ?? ''}`;
  };
  const mcReq = med('modcarry', (r) => r.sumdbRequests);
  const goReq = med('go', (r) => r.sumdbRequests);
  const mcT = med('modcarry', (r) => r.wallMs / 1000);
  const goT = med('go', (r) => r.wallMs / 1000);
  const kinds = (who: string): string => JSON.stringify(runs.find((r) => r.who === who && r.ok)?.byKind ?? {});
  const note = [fails('modcarry'), fails('go')].filter((x) => x !== '').join('; ');
  const rows: Row[] = [
    {
      metric: `Checksum-DB requests, ${lines.length}-line go.sum, empty cache`,
      subject: 'modcarry CLI',
      value: mcReq,
      unit: '',
      peer: 'go mod download',
      peerValue: goReq,
      ratio: mcReq !== undefined && goReq !== undefined ? mcReq / goReq : undefined,
      target: '≤ go',
      met: mcReq !== undefined && goReq !== undefined ? mcReq <= goReq : undefined,
      note: `modcarry ${kinds('modcarry')}, go ${kinds('go')}` + (mcReq !== undefined && goReq !== undefined && mcReq > goReq ? `; gap: ${mcReq - goReq} more requests` : '') + (note !== '' ? `; ${note}` : ''),
    },
    {
      metric: 'Wall time of the same run (downloads of 250 tiny modules included)',
      subject: 'modcarry CLI',
      value: mcT,
      unit: 's',
      peer: 'go mod download',
      peerValue: goT,
      ratio: mcT !== undefined && goT !== undefined ? mcT / goT : undefined,
      target: '—',
      met: undefined,
    },
  ];
  return { rows, raw: { modules: MODULES, goSumLines: lines.length, logRecords: log.size, runs } };
}
