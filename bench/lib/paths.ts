/**
 * Where things are. The runner is bundled into dist/bench, so paths relative to
 * a source file's import.meta.url would point into dist; scripts/bench.mjs
 * runs it with the repository root as the working directory instead.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO = resolve(process.env['MODCARRY_REPO'] ?? process.cwd());
export const DEPSETS_DIR = join(REPO, 'test', 'fixtures', 'depsets');
export const BENCH_DIST = join(REPO, 'dist', 'bench');
export const BENCH_WEB_DIST = join(REPO, 'dist', 'bench-web');
/** The launcher (as bin/modcarry.cjs) of the CLI copy in dist/bench. */
export const CLI = join(REPO, 'bench', 'launch.cjs');

/**
 * The threads of the opt-in rows (the CLI's --hash-threads): the main thread
 * hashes too, so one thread beside it gives the 2-core machines these run on
 * a hashing slot per core.
 */
export const CLI_HASH_THREADS = 1;

/**
 * What the benchmarks pass to node to run the CLI: the node flags of the
 * installed command (its shebang, `#!/usr/bin/env -S node FLAGS`), then the
 * launcher, so the CLI runs as `modcarry` runs.
 */
export const CLI_ARGV: readonly string[] = [...shebangNodeFlags(readFileSync(join(REPO, 'bin', 'modcarry.cjs'), 'utf8')), CLI];

function shebangNodeFlags(script: string): string[] {
  const m = /^#!\/usr\/bin\/env -S node((?: [^\s]+)*)\n/.exec(script);
  return m === null ? [] : m[1]!.trim().split(' ').filter((x) => x !== '');
}
export const RESULTS_DIR = join(REPO, 'bench', 'results');
export const BENCHMARKS_MD = join(REPO, 'BENCHMARKS.md');
