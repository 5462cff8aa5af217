#!/usr/bin/env node
// The installed `modcarry` command: runs the bundled CLI (built by `npm run build:cli`,
// which `npm ci` runs through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/cli/modcarry.mjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('modcarry: the CLI is not built; run `npm run build:cli` in the modcarry directory\n');
  process.exit(1);
}
const { main } = await import(bundle);
process.exitCode = await main(process.argv.slice(2));
