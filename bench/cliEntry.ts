/**
 * The CLI as the benchmarks run it: `node dist/bench/modcarry.mjs <args>`, a
 * process of its own so its wall time and peak RSS are measured apart from the
 * runner (which also hosts the loopback proxy).
 */
import { main } from '../src/cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
