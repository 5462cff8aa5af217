#!/usr/bin/env -S node --max-semi-space-size=2
// The benchmarks' CLI launcher: bin/modcarry.cjs (threadpool size included) for the
// benchmark copy of the CLI, dist/bench/modcarry.mjs (see bench/cliEntry.ts).
'use strict';
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

process.env.UV_THREADPOOL_SIZE ??= '16';
import(pathToFileURL(join(__dirname, '..', 'dist', 'bench', 'modcarry.mjs')).href).catch((err) => {
  process.stderr.write(`modcarry: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
