/**
 * The CLI as the benchmarks run it (through bench/launch.cjs, as bin/modcarry.cjs), a
 * process of its own so its wall time and peak RSS are measured apart from the
 * runner (which also hosts the loopback proxy). With MODCARRY_BENCH_CPU_PROF
 * set to a directory, the run's CPU profile is written there
 * (`--cpu-prof` is refused in NODE_OPTIONS, so the inspector does it).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { main } from '../src/cli/main.ts';

const profileDir = process.env['MODCARRY_BENCH_CPU_PROF'];
if (profileDir) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  process.exitCode = await main(process.argv.slice(2));
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(join(profileDir, `cli-${process.pid}.cpuprofile`), JSON.stringify(profile));
} else {
  process.exitCode = await main(process.argv.slice(2));
}
