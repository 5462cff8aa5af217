/**
 * The benchmark runner (built to dist/bench/run.mjs by scripts/bench.mjs):
 * `run.mjs [--rounds N] [name ...]` runs the named benchmarks (all when none
 * is named), each for N rounds or else its own default, writes
 * bench/results/<name>.json for each, and regenerates
 * BENCHMARKS.md from every result file. Everything it starts listens on
 * 127.0.0.1; its scratch directory is removed on the way out.
 */
import { CHROMIUM_PATH } from '../test/support/browser.ts';
import { benchE2e } from './e2e.ts';
import { benchHashing } from './hashing.ts';
import { benchInterrupted } from './interrupted.ts';
import { benchMemory } from './memory.ts';
import { benchSumdb } from './sumdb.ts';
import { createContext } from './lib/context.ts';
import { killRunning } from './lib/measure.ts';
import type { Benchmark } from './lib/context.ts';
import { describeMachine, writeMarkdown, writeResult } from './lib/report.ts';

export const BENCHMARKS: readonly Benchmark[] = [
  // Five rounds: the wall times of whole runs on a shared 2-core machine spread
  // by a second or more either way (go's too), and this table holds the
  // headline verdicts.
  { name: 'e2e', title: '1. End to end: a real dependency set into a bundle', rounds: 5, run: benchE2e },
  { name: 'interrupted', title: '2. Interrupted: the same set with 10 connection resets', run: benchInterrupted },
  { name: 'hashing', title: '3. Hashing: h1: of large zips', run: benchHashing },
  { name: 'memory', title: '4. Memory: a 400 MiB zip and a 2 GiB bundle', run: benchMemory },
  { name: 'sumdb', title: '5. Checksum database: a 500-line go.sum from an empty cache', run: benchSumdb },
];

const USAGE = `usage: npm run bench -- [--rounds N] [--chromium-only] [${BENCHMARKS.map((b) => b.name).join('|')} ...]`;

/** Rounds for a benchmark that names none, unless `--rounds` is given. */
const DEFAULT_ROUNDS = 3;

function parse(argv: readonly string[]): { rounds: number | undefined; chromiumOnly: boolean; names: string[] } {
  let rounds: number | undefined;
  let chromiumOnly = false;
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--rounds' || a.startsWith('--rounds=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      rounds = Number(v);
      if (!Number.isInteger(rounds) || rounds < 3) throw new Error(`--rounds wants an integer of at least 3 (medians of at least 3 runs)\n${USAGE}`);
    } else if (a === '--chromium-only') {
      chromiumOnly = true;
    } else if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    } else if (BENCHMARKS.some((b) => b.name === a)) names.push(a);
    else throw new Error(`unknown benchmark ${JSON.stringify(a)}\n${USAGE}`);
  }
  return { rounds, chromiumOnly, names };
}

async function main(): Promise<number> {
  const { rounds, chromiumOnly, names } = parse(process.argv.slice(2));
  const selected = BENCHMARKS.filter((b) => names.length === 0 || names.includes(b.name));
  const machine = describeMachine(CHROMIUM_PATH);
  const command = `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`;
  const ctx = createContext(DEFAULT_ROUNDS, chromiumOnly);
  let failed = 0;
  const onSignal = (): void => {
    killRunning();
    ctx.dispose();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const b of selected) {
      const startedAt = new Date().toISOString();
      ctx.log(`--- ${b.name}: ${b.title}`);
      try {
        const bRounds = rounds ?? b.rounds ?? DEFAULT_ROUNDS;
        const outcome = await b.run({ ...ctx, rounds: bRounds });
        const file = writeResult({ name: b.name, title: b.title, startedAt, finishedAt: new Date().toISOString(), command, rounds: bRounds, machine, rows: outcome.rows, raw: outcome.raw });
        ctx.log(`${b.name}: results in ${file}`);
      } catch (err) {
        failed++;
        ctx.log(`${b.name} FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
      writeMarkdown(BENCHMARKS.map((x) => x.name));
    }
  } finally {
    ctx.dispose();
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
