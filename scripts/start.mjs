#!/usr/bin/env node
// `npm start`: builds what is missing or older than its sources (the app into
// dist/app, the CLI and server into dist/cli), then serves the app on
// http://localhost:8080. PORT and HOST override the port and interface.
// The same-origin GOPROXY/checksum-database relay takes its upstreams from
// GOPROXY and GOSUMDB, else from `go env`, else GOPROXY stays unset (the app
// asks) and GOSUMDB is sum.golang.org.
// Plain Node >= 20.19: the server is imported from its built bundle.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const at = (...p) => join(ROOT, ...p);

const TARGETS = [
  {
    script: 'build:app',
    outputs: ['dist/app/index.html', 'dist/app/sw.js'],
    sources: ['index.html', 'vite.config.ts', 'package-lock.json', 'public', 'sw', 'src/app', 'src/ui', 'src/worker', 'src/platform/browser', 'src/core', 'src/engine'],
  },
  {
    script: 'build:cli',
    outputs: ['dist/cli/modcarry.mjs', 'dist/cli/server.mjs'],
    sources: ['vite.cli.config.ts', 'package-lock.json', 'src/cli', 'src/server', 'src/platform/node', 'src/core', 'src/engine'],
  },
];

/** The newest modification time under path (a file or a directory tree), 0 if absent. */
function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs; // a deleted file shows only as a newer directory
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** Why the target must be rebuilt, or null if its outputs are current. */
function staleness(target) {
  const missing = target.outputs.find((o) => !existsSync(at(o)));
  if (missing) return `${missing} is missing`;
  const built = Math.min(...target.outputs.map((o) => statSync(at(o)).mtimeMs));
  const newer = target.sources.find((s) => newestMtime(at(s)) > built);
  return newer ? `${newer} changed since the last build` : null;
}

for (const target of TARGETS) {
  const why = staleness(target);
  if (why === null) continue;
  process.stdout.write(`modcarry: building (${why}): npm run ${target.script}\n`);
  const r = spawnSync('npm', ['run', '--silent', target.script], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`modcarry: npm run ${target.script} failed; not starting the server\n`);
    process.exit(1);
  }
}

const port = process.env.PORT === undefined || process.env.PORT === '' ? 8080 : Number(process.env.PORT);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`modcarry: PORT must be a port number, not ${JSON.stringify(process.env.PORT)}\n`);
  process.exit(2);
}
const host = process.env.HOST || 'localhost';

const { createServer, readGoEnv, resolveRelaySettings } = await import(pathToFileURL(at('dist/cli/server.mjs')).href);
const needGoEnv = !process.env.GOPROXY || !process.env.GOSUMDB;
const relay = resolveRelaySettings(process.env, needGoEnv ? await readGoEnv() : undefined);
let server;
try {
  server = await createServer({ root: at('dist/app'), port, host, relay: { goproxy: relay.goproxy, gosumdb: relay.gosumdb } });
} catch (err) {
  process.stderr.write(`modcarry: cannot serve on ${host}:${port}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
process.stdout.write(`modcarry: serving the app at ${server.url}/ (Ctrl-C to stop)\n`);
process.stdout.write(
  relay.goproxy === undefined
    ? 'modcarry: relay: no GOPROXY in the environment or from `go env`; the app will ask for one\n'
    : `modcarry: relay: /goproxy/ -> GOPROXY from ${relay.source.goproxy}, /sumdb/ -> GOSUMDB from ${relay.source.gosumdb}; see ${server.url}/goproxy/config.json\n`,
);
for (const problem of server.relayProblems) process.stderr.write(`modcarry: relay: ${problem}\n`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
