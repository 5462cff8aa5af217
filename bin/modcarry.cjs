#!/usr/bin/env -S node --max-semi-space-size=2
// The installed `modcarry` command: runs the bundled CLI (built by `npm run build:cli`,
// which `npm ci` runs through the prepare script).
//
// CommonJS on purpose: this file loads without libuv's threadpool, so the pool size
// can still be chosen here. The store fsyncs every record it commits and those calls
// hold pool threads that hashing and file reads share; 4 (the default) starves them.
// (An ES module entry is itself read through the pool, which fixes its size first.)
// The shebang caps V8's young generation at 2 MiB semi-spaces: chunk and entry
// buffers then die young instead of piling up as old-space garbage until a full
// GC (peak RSS of a 2 GiB download: ~190 -> ~165 MiB; no slower).
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

process.env.UV_THREADPOOL_SIZE ??= '16';
const bundle = join(__dirname, '..', 'dist', 'cli', 'modcarry.mjs');
if (!existsSync(bundle)) {
  process.stderr.write('modcarry: the CLI is not built; run `npm run build:cli` in the modcarry directory\n');
  process.exit(1);
}
import(pathToFileURL(bundle).href).then(
  async ({ main }) => {
    process.exitCode = await main(process.argv.slice(2));
  },
  (err) => {
    process.stderr.write(`modcarry: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
