#!/usr/bin/env node
// `npm run fixture-proxy -- --root DIR [--port N] [--seed N]`: serves a GOPROXY tree
// (for example a GOMODCACHE's cache/download) on 127.0.0.1 with Range support and
// scripted faults, as the tests and benchmarks use it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/cli/fixture-proxy.mjs', import.meta.url));
if (!existsSync(bundle)) {
  const r = spawnSync('npm', ['run', '--silent', 'build:cli'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const { main } = await import(bundle);
try {
  await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`fixture-proxy: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
