/**
 * A static GOPROXY tree on disk, served to the go command as `GOPROXY=file://<root>`.
 *
 * The layout is the proxy URL space (spec §1.1, §2.4): `<root>/<escaped path>/@v/list`,
 * `<V>.info`, `<V>.mod` and `<V>.zip`, with path and version case-encoded, so a
 * module or version with capitals exercises the escaping too. Files are written
 * byte for byte as given; nothing is validated here, which is what lets tests
 * serve deliberately malformed zips.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { escapePath, escapeVersion } from '../../src/core/module/escape.ts';

export interface ProxyModule {
  path: string;
  version: string;
  /** Raw `.mod` bytes; defaults to `module <path>\n`. */
  mod?: string | Uint8Array;
  /** Raw `.zip` bytes; omitted means the proxy has no zip for this version. */
  zip?: Uint8Array;
  /** Raw `.info` body; defaults to `{"Version":V,"Time":"2024-01-01T00:00:00Z"}`. */
  info?: string;
}

/** The directory `<root>/<escaped path>/@v` of a module. */
export function proxyVersionDir(root: string, path: string): string {
  return join(root, ...escapePath(path).split('/'), '@v');
}

/**
 * Writes modules into the proxy tree at root (created if missing). The `list` of
 * each path names its versions in the order given, one per line; the go command
 * sorts and filters it itself.
 */
export function writeFileProxy(root: string, modules: readonly ProxyModule[]): void {
  const lists = new Map<string, string[]>();
  for (const m of modules) {
    const dir = proxyVersionDir(root, m.path);
    mkdirSync(dir, { recursive: true });
    const ev = escapeVersion(m.version);
    const info = m.info ?? JSON.stringify({ Version: m.version, Time: '2024-01-01T00:00:00Z' });
    writeFileSync(join(dir, `${ev}.info`), info);
    writeFileSync(join(dir, `${ev}.mod`), m.mod ?? `module ${m.path}\n`);
    if (m.zip) writeFileSync(join(dir, `${ev}.zip`), m.zip);
    const versions = lists.get(dir) ?? [];
    if (!versions.includes(m.version)) versions.push(m.version);
    lists.set(dir, versions);
  }
  for (const [dir, versions] of lists) writeFileSync(join(dir, 'list'), versions.map((v) => v + '\n').join(''));
}

/** The GOPROXY value that serves the tree at root. */
export function fileProxyUrl(root: string): string {
  return pathToFileURL(root).href;
}

/**
 * Where the go command keeps a downloaded zip in a GOMODCACHE: go names this path
 * in its `unzip <zip>: ...` errors.
 */
export function cachedZipPath(gomodcache: string, path: string, version: string): string {
  return join(gomodcache, 'cache', 'download', ...escapePath(path).split('/'), '@v', `${escapeVersion(version)}.zip`);
}
