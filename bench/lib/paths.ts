/**
 * Where things are. The runner is bundled into dist/bench, so paths relative to
 * a source file's import.meta.url would point into dist; scripts/bench.mjs
 * runs it with the repository root as the working directory instead.
 */
import { join, resolve } from 'node:path';

export const REPO = resolve(process.env['MODCARRY_REPO'] ?? process.cwd());
export const DEPSETS_DIR = join(REPO, 'test', 'fixtures', 'depsets');
export const BENCH_DIST = join(REPO, 'dist', 'bench');
export const BENCH_WEB_DIST = join(REPO, 'dist', 'bench-web');
/** What the benchmarks spawn: the launcher (as bin/modcarry.cjs) of the CLI copy in dist/bench. */
export const CLI = join(REPO, 'bench', 'launch.cjs');
export const RESULTS_DIR = join(REPO, 'bench', 'results');
export const BENCHMARKS_MD = join(REPO, 'BENCHMARKS.md');
