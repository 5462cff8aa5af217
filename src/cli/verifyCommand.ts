/**
 * `modcarry verify FILE [--json] [--sumdb-key KEY] [--tree-head FILE]...`:
 * streams through a carry bundle (.tar or .tar.gz) and re-checks everything
 * (src/engine/bundle/verifyBundle.ts). Prints one line per module and per
 * failed bundle check, or the whole report as JSON; exits 1 when anything
 * failed, naming each failed module and check.
 *
 * Tree heads seen before: every `$GOPATH/pkg/sumdb/<name>/latest` of the
 * first GOPATH entry (default ~/go), plus each --tree-head file; the bundle's
 * tree must be consistent with all of them.
 */
import { readFile, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Writable } from 'node:stream';
import { readBundle } from '../engine/bundle/readBundle.ts';
import { verifyBundle } from '../engine/bundle/verifyBundle.ts';
import type { VerifyReport } from '../engine/bundle/verifyBundle.ts';
import { fileSource } from '../platform/node/fileSource.ts';
import { fileSpool } from '../platform/node/spool.ts';
import { CliError, UsageError } from './cliError.ts';

const USAGE = 'usage: modcarry verify FILE [--json] [--sumdb-key KEY] [--tree-head FILE]...';

async function storedTreeHeads(env: NodeJS.ProcessEnv): Promise<Uint8Array[]> {
  const gopath = (env.GOPATH ?? '').split(delimiter)[0] || join(homedir(), 'go');
  const dir = join(gopath, 'pkg', 'sumdb');
  const out: Uint8Array[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    try {
      const data = await readFile(join(dir, name, 'latest'));
      if (data.length > 0) out.push(data);
    } catch {
      // not a database directory
    }
  }
  return out;
}

/** The report as text: one line per module, failed checks indented below it. */
export function formatReport(file: string, r: VerifyReport): string {
  const lines: string[] = [];
  for (const m of r.modules) {
    lines.push(`${m.ok ? 'ok  ' : 'FAIL'} ${m.module}`);
    for (const c of m.checks) if (!c.ok) lines.push(`       ${c.name}: ${c.detail}`);
  }
  for (const c of r.bundle) if (!c.ok) lines.push(`FAIL bundle ${c.name}: ${c.detail}`);
  const failed = r.modules.filter((m) => !m.ok);
  if (r.ok) lines.push(`${file}: verified ${r.modules.length} module version(s)`);
  else {
    const names = failed.map((m) => `${m.module} (${m.checks.filter((c) => !c.ok).map((c) => c.name).join(', ')})`);
    const bundleFails = r.bundle.filter((c) => !c.ok).map((c) => c.name);
    lines.push(
      `${file}: verification FAILED` +
        (names.length > 0 ? `; modules: ${names.join('; ')}` : '') +
        (bundleFails.length > 0 ? `; bundle: ${[...new Set(bundleFails)].join(', ')}` : ''),
    );
  }
  return lines.join('\n') + '\n';
}

export async function verifyCommand(args: readonly string[], out: Pick<Writable, 'write'>, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let file: string | undefined;
  let json = false;
  let sumdbKey: string | undefined;
  const headFiles: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') json = true;
    else if (a === '--sumdb-key' || a === '--tree-head') {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value\n${USAGE}`);
      if (a === '--sumdb-key') sumdbKey = v;
      else headFiles.push(v);
    } else if (a.startsWith('-')) throw new UsageError(`unknown flag ${a}\n${USAGE}`);
    else if (file === undefined) file = a;
    else throw new UsageError(USAGE);
  }
  if (file === undefined) throw new UsageError(USAGE);

  const heads = await storedTreeHeads(env);
  for (const f of headFiles) {
    heads.push(
      await readFile(f).catch((err: NodeJS.ErrnoException) => {
        throw new CliError(`${f}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
      }),
    );
  }
  const source = await fileSource(file).catch((err: NodeJS.ErrnoException) => {
    throw new CliError(`${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  const spool = await fileSpool();
  try {
    const report = await verifyBundle(readBundle(source, { spool }), { treeHeadsSeen: heads, ...(sumdbKey !== undefined ? { sumdbKey } : {}) });
    if (json) {
      const { newTreeHead, ...rest } = report;
      const text = newTreeHead !== undefined ? new TextDecoder().decode(newTreeHead) : undefined;
      out.write(JSON.stringify({ file, ...rest, ...(text !== undefined ? { newTreeHead: text } : {}) }, null, 2) + '\n');
    } else {
      out.write(formatReport(file, report));
    }
    return report.ok ? 0 : 1;
  } finally {
    await spool.close();
    await source.close();
  }
}
