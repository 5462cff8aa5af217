/**
 * Where the go command keeps each file of the module cache, as paths relative
 * to `$GOMODCACHE` ('/'-separated, escaped with module.escapePath and
 * escapeVersion, so `example.com/Dep` lives under `example.com/!dep`).
 *
 * Everything but the sumdb `latest` file lives under GOMODCACHE. `latest` is a
 * config file of the checksum-database client in `$GOPATH/pkg/sumdb/<name>/`,
 * which GOMODCACHE does not move and `go clean -modcache` does not remove (it
 * is the rollback/fork detector). A carry bundle is rooted at GOMODCACHE, so it
 * carries `latest` beside `cache/` as `gopath/pkg/sumdb/<name>/latest`
 * (BUNDLE_GOPATH_DIR): the go command never reads that directory inside a
 * module cache (`gopath` is not a valid first module path element), and the
 * offline README says to copy it into `$(go env GOPATH)/pkg/sumdb/` when no
 * newer one is there.
 */
import { escapePath, escapeVersion, unescapePath, unescapeVersion } from '../module/escape.ts';
import { parseTilePath, tilePath } from '../sumdb/tile.ts';
import type { Tile } from '../sumdb/tile.ts';

/** The download cache below GOMODCACHE; also a valid `GOPROXY=file://` root. */
export const DOWNLOAD_DIR = 'cache/download';

/** The checksum-database cache below GOMODCACHE. */
export const SUMDB_CACHE_DIR = `${DOWNLOAD_DIR}/sumdb`;

/** Where a bundle keeps files that belong under `$GOPATH` rather than GOMODCACHE. */
export const BUNDLE_GOPATH_DIR = 'gopath';

/** `cache/download/<escaped path>/@v`. */
export function versionDir(path: string): string {
  return `${DOWNLOAD_DIR}/${escapePath(path)}/@v`;
}

/** `cache/download/<escaped path>/@v/list`: the version list go regenerates from the .mod files. */
export function listFile(path: string): string {
  return `${versionDir(path)}/list`;
}

function versionFile(path: string, version: string, ext: string): string {
  return `${versionDir(path)}/${escapeVersion(version)}${ext}`;
}

/** `…/@v/<V>.info`: re-marshalled RevInfo JSON, no newline. */
export function infoFile(path: string, version: string): string {
  return versionFile(path, version, '.info');
}

/** `…/@v/<V>.mod`: the go.mod bytes as downloaded. */
export function modFile(path: string, version: string): string {
  return versionFile(path, version, '.mod');
}

/** `…/@v/<V>.zip`: the module zip as downloaded. */
export function zipFile(path: string, version: string): string {
  return versionFile(path, version, '.zip');
}

/** `…/@v/<V>.ziphash`: the zip's h1: hash, 47 bytes, no newline. */
export function ziphashFile(path: string, version: string): string {
  return versionFile(path, version, '.ziphash');
}

/** `cache/download/sumdb/<name>`: the checksum database's cache directory (its file-proxy base). */
export function sumdbDir(name: string): string {
  return `${SUMDB_CACHE_DIR}/${name}`;
}

/** `cache/download/sumdb/<name>/supported`: makes `GOPROXY=file://…/cache/download` serve the database. */
export function sumdbSupportedFile(name: string): string {
  return `${sumdbDir(name)}/supported`;
}

/** `cache/download/sumdb/<name>/lookup/<escpath>@<escver>`: a verified /lookup response body. */
export function sumdbLookupFile(name: string, path: string, version: string): string {
  return `${sumdbDir(name)}/lookup/${escapePath(path)}@${escapeVersion(version)}`;
}

/** `cache/download/sumdb/<name>/tile/H/L/NNN[.p/W]`: an authenticated tile; a string is taken as the tile path. */
export function sumdbTileFile(name: string, tile: Tile | string): string {
  const p = typeof tile === 'string' ? tile : tilePath(tile);
  if (!p.startsWith('tile/')) throw new Error(`not a tile path: ${JSON.stringify(p)}`);
  return `${sumdbDir(name)}/${p}`;
}

/** `pkg/sumdb/<name>/latest`, relative to `$GOPATH` (not GOMODCACHE): the newest signed tree head seen. */
export function sumdbLatestFile(name: string): string {
  return `pkg/sumdb/${name}/latest`;
}

/** Where a bundle carries the `latest` file: `gopath/pkg/sumdb/<name>/latest`. */
export function bundleLatestFile(name: string): string {
  return `${BUNDLE_GOPATH_DIR}/${sumdbLatestFile(name)}`;
}

/** What a cache (or bundle) path holds. */
export type CachePath =
  | { kind: 'info' | 'mod' | 'zip' | 'ziphash'; path: string; version: string }
  | { kind: 'list'; path: string }
  | { kind: 'lookup'; name: string; path: string; version: string }
  | { kind: 'tile'; name: string; tile: Tile; tilePath: string }
  | { kind: 'supported'; name: string }
  | { kind: 'latest'; name: string };

const VERSION_EXTS = ['info', 'mod', 'zip', 'ziphash'] as const;

/**
 * Classifies a path relative to GOMODCACHE (or to a bundle root, where
 * `gopath/pkg/sumdb/<name>/latest` is also known), or undefined when it is
 * none of the files above or its escaping is invalid. Only the canonical
 * spelling each builder above produces is accepted.
 */
export function parseCachePath(p: string): CachePath | undefined {
  const latest = /^gopath\/pkg\/sumdb\/([^/]+)\/latest$/.exec(p);
  if (latest) return { kind: 'latest', name: latest[1]! };
  if (p.startsWith(SUMDB_CACHE_DIR + '/')) return parseSumdbPath(p.slice(SUMDB_CACHE_DIR.length + 1));
  if (!p.startsWith(DOWNLOAD_DIR + '/')) return undefined;
  const rest = p.slice(DOWNLOAD_DIR.length + 1);
  const at = rest.lastIndexOf('/@v/');
  if (at < 0) return undefined;
  const file = rest.slice(at + 4);
  if (file.includes('/')) return undefined;
  let path: string;
  try {
    path = unescapePath(rest.slice(0, at));
  } catch {
    return undefined;
  }
  if (file === 'list') return { kind: 'list', path };
  const dot = file.lastIndexOf('.');
  const ext = file.slice(dot + 1);
  if (dot <= 0 || !(VERSION_EXTS as readonly string[]).includes(ext)) return undefined;
  let version: string;
  try {
    version = unescapeVersion(file.slice(0, dot));
  } catch {
    return undefined;
  }
  return { kind: ext as (typeof VERSION_EXTS)[number], path, version };
}

function parseSumdbPath(p: string): CachePath | undefined {
  const slash = p.indexOf('/');
  if (slash <= 0) return undefined;
  const name = p.slice(0, slash);
  const rest = p.slice(slash + 1);
  if (rest === 'supported') return { kind: 'supported', name };
  if (rest.startsWith('lookup/')) {
    const mod = rest.slice('lookup/'.length);
    const at = mod.lastIndexOf('@');
    if (at <= 0) return undefined;
    try {
      const path = unescapePath(mod.slice(0, at));
      const version = unescapeVersion(mod.slice(at + 1));
      return { kind: 'lookup', name, path, version };
    } catch {
      return undefined;
    }
  }
  if (rest.startsWith('tile/')) {
    try {
      const tile = parseTilePath(rest);
      if (tilePath(tile) !== rest) return undefined;
      return { kind: 'tile', name, tile, tilePath: rest };
    } catch {
      return undefined;
    }
  }
  return undefined;
}
