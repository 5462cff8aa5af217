#!/usr/bin/env node
// `npm run bench -- [--rounds N] [e2e|interrupted|hashing|memory|sumdb ...]`: builds the
// benchmark runner and its copy of the CLI (vite.bench.config.ts, into dist/bench) and the
// Chromium hashing page (dist/bench-web), then runs them from the repository root. The
// benchmarks talk to servers on 127.0.0.1 only and write BENCHMARKS.md and bench/results/*.json.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
const configFile = fileURLToPath(new URL('../vite.bench.config.ts', import.meta.url));
for (const mode of ['node', 'web']) {
  await build({ configFile, mode, logLevel: 'warn' });
}
const run = spawnSync(process.execPath, ['dist/bench/run.mjs', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
