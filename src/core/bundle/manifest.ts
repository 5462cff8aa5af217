/**
 * modcarry-manifest.json: what a carry bundle holds and why it can be trusted.
 *
 * Invariants of a valid manifest (parseManifest and buildManifest enforce them):
 * - `format` is "modcarry-bundle"; `formatVersion` is MANIFEST_FORMAT_VERSION
 *   after migration (older versions pass through MIGRATIONS, one step each;
 *   a newer version is refused, since its meaning is unknown here).
 * - `files` lists every file of the bundle except the manifest itself, by
 *   bundle-relative path ('/'-separated, no empty, `.` or `..` element), in
 *   byte order without duplicates, each with its exact size and SHA-256 (hex).
 * - `modules` is in module.Sort order without duplicates; every module has
 *   the h1: hash of its .mod and, unless only its go.mod was needed, of its
 *   zip; `checkedBy` says against what those hashes were checked before
 *   export. `verified: false` appears only when `exportedWithFailures` is true.
 *
 * The serialisation is canonical: object keys sorted, two-space indentation,
 * a final newline, absent optional fields omitted, so the same facts always
 * give the same bytes (and the same tar).
 */
import { checkPath } from '../module/path.ts';
import { canonicalVersion } from '../module/path.ts';
import { compareModuleVersions } from '../module/sort.ts';
import { parseCachePath } from '../modcache/layout.ts';
import { versionListFromFileNames } from '../modcache/versionList.ts';
import { utf8Decode, utf8Encode } from '../internal/webstd.ts';
import { sha256Hex } from '../internal/sha256.ts';
import { compareStrings } from '../internal/strings.ts';

/** The manifest's name at the bundle root. */
export const MANIFEST_FILE = 'modcarry-manifest.json';
/** The offline instructions' name at the bundle root. */
export const README_FILE = 'README-OFFLINE.txt';
export const MANIFEST_FORMAT = 'modcarry-bundle';
export const MANIFEST_FORMAT_VERSION = 1;

/** One bundled file. */
export interface ManifestFile {
  path: string;
  size: number;
  /** Lower-case hex SHA-256 of the content. */
  sha256: string;
}

/**
 * Where a module's hashes were checked before export:
 * 'go.sum': equal to the line of an input go.sum;
 * 'sumdb': equal to the checksum database's record (inclusion proven);
 * 'gonosumdb': private module (GONOSUMDB/GOPRIVATE): no database, trust on first use.
 */
export type CheckSource = 'go.sum' | 'sumdb' | 'gonosumdb';
export const CHECK_SOURCES: readonly CheckSource[] = ['go.sum', 'sumdb', 'gonosumdb'];

export interface ManifestModule {
  path: string;
  version: string;
  /** h1: of the .mod file (the `/go.mod` go.sum line). */
  mod: string;
  /** h1: of the zip; absent when only the go.mod was needed. */
  zip?: string;
  checkedBy: CheckSource[];
  /** The record id in the checksum database, when checkedBy has 'sumdb'. */
  sumdbRecord?: number;
  verified: boolean;
  /** Why the module did not verify (present only when verified is false). */
  problems?: string[];
}

/** The checksum database the bundle's lookups and tiles belong to. */
export interface ManifestSumdb {
  name: string;
  /** The verifier key `name+hash+key`. */
  key: string;
  /** The newest signed tree head: size, root hash (base64) and the signed note text. */
  treeSize: number;
  treeHash: string;
  note: string;
}

/** The go environment the bundle was made for. */
export interface ManifestSettings {
  goproxy: string;
  gosumdb: string;
  gonosumdb: string;
  goprivate: string;
  /** 'none' for a plain tar, else the gzip level. */
  compression: 'none' | number;
}

/** What the export was asked for, e.g. {kind: 'go.sum', name: 'go.sum', sha256}. */
export interface ManifestInput {
  kind: string;
  name: string;
  sha256?: string;
}

/** Present on delta bundles: the offline manifests this bundle completes. */
export interface ManifestDelta {
  /** SHA-256 (hex) of each base manifest's canonical bytes. */
  baseManifests: string[];
}

export interface BundleManifest {
  format: typeof MANIFEST_FORMAT;
  formatVersion: typeof MANIFEST_FORMAT_VERSION;
  /** e.g. "modcarry 0.1.0". */
  generator: string;
  /** RFC 3339 UTC, whole seconds: also every tar header's mtime. */
  createdAt: string;
  inputs: ManifestInput[];
  settings: ManifestSettings;
  sumdb?: ManifestSumdb;
  exportedWithFailures: boolean;
  delta?: ManifestDelta;
  modules: ManifestModule[];
  files: ManifestFile[];
}

/** A manifest that fails validation; message names the field, e.g. `modules[2].zip: …`. */
export class ManifestError extends Error {
  override name = 'ManifestError';
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`${MANIFEST_FILE}: ${field === '' ? '' : field + ': '}${detail}`);
  }
}

/** One upgrade step: a raw manifest of formatVersion v in, formatVersion v+1 out. */
export type ManifestMigration = (raw: Record<string, unknown>) => Record<string, unknown>;

/** MIGRATIONS[v] upgrades formatVersion v to v+1. Version 1 is the first: none yet. */
export const MIGRATIONS: Readonly<Record<number, ManifestMigration>> = {};

/**
 * Upgrades a raw (JSON-parsed) manifest to version target (normally
 * MANIFEST_FORMAT_VERSION) one step at a time; throws ManifestError when it cannot.
 */
export function migrateManifest(
  raw: unknown,
  migrations: Readonly<Record<number, ManifestMigration>> = MIGRATIONS,
  target: number = MANIFEST_FORMAT_VERSION,
): Record<string, unknown> {
  if (!isObject(raw)) throw new ManifestError('', 'not a JSON object');
  let m = raw;
  if (m.format !== MANIFEST_FORMAT) throw new ManifestError('format', `want ${JSON.stringify(MANIFEST_FORMAT)}, got ${show(m.format)}`);
  for (;;) {
    const v = m.formatVersion;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new ManifestError('formatVersion', `want a positive integer, got ${show(v)}`);
    if (v === target) return m;
    if (v > target) throw new ManifestError('formatVersion', `${v} is newer than this modcarry reads (${target}); update modcarry`);
    const step = migrations[v];
    if (step === undefined) throw new ManifestError('formatVersion', `no migration from ${v}`);
    m = step(m);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 80 ? s.slice(0, 77) + '...' : s;
}

const H1_RE = /^h1:[A-Za-z0-9+/]{43}=$/;
const HEX64_RE = /^[0-9a-f]{64}$/;
const RFC3339_UTC_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** Go's strings.Compare for paths (UTF-8 byte order = code point order). */
export const comparePaths: (a: string, b: string) => number = compareStrings;

/** Whether p is a clean relative bundle path. */
export function isBundlePath(p: string): boolean {
  if (p === '' || p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false;
  return p.split('/').every((e) => e !== '' && e !== '.' && e !== '..');
}

/** Field-by-field checks; the first problem throws. */
class Checker {
  constructor(private readonly raw: Record<string, unknown>) {}

  str(obj: Record<string, unknown>, key: string, field: string, opts: { optional?: boolean; re?: RegExp; what?: string } = {}): string | undefined {
    const v = obj[key];
    if (v === undefined && opts.optional === true) return undefined;
    if (typeof v !== 'string') throw new ManifestError(field, `want a string, got ${show(v)}`);
    if (opts.re !== undefined && !opts.re.test(v)) throw new ManifestError(field, `want ${opts.what ?? opts.re.source}, got ${show(v)}`);
    return v;
  }

  int(obj: Record<string, unknown>, key: string, field: string, optional = false): number | undefined {
    const v = obj[key];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ManifestError(field, `want a non-negative integer, got ${show(v)}`);
    return v;
  }

  bool(obj: Record<string, unknown>, key: string, field: string): boolean {
    const v = obj[key];
    if (typeof v !== 'boolean') throw new ManifestError(field, `want true or false, got ${show(v)}`);
    return v;
  }

  obj(obj: Record<string, unknown>, key: string, field: string, optional = false): Record<string, unknown> | undefined {
    const v = obj[key];
    if (v === undefined && optional) return undefined;
    if (!isObject(v)) throw new ManifestError(field, `want an object, got ${show(v)}`);
    return v;
  }

  arr(obj: Record<string, unknown>, key: string, field: string): unknown[] {
    const v = obj[key];
    if (!Array.isArray(v)) throw new ManifestError(field, `want an array, got ${show(v)}`);
    return v;
  }

  manifest(): BundleManifest {
    const r = this.raw;
    const createdAt = this.str(r, 'createdAt', 'createdAt', { re: RFC3339_UTC_RE, what: 'an RFC 3339 UTC time in whole seconds' })!;
    if (Number.isNaN(Date.parse(createdAt))) throw new ManifestError('createdAt', `not a date: ${show(createdAt)}`);
    const inputs = this.arr(r, 'inputs', 'inputs').map((x, i): ManifestInput => {
      const f = `inputs[${i}]`;
      if (!isObject(x)) throw new ManifestError(f, `want an object, got ${show(x)}`);
      const sha = this.str(x, 'sha256', `${f}.sha256`, { optional: true, re: HEX64_RE, what: '64 lower-case hex digits' });
      return { kind: this.str(x, 'kind', `${f}.kind`)!, name: this.str(x, 'name', `${f}.name`)!, ...(sha !== undefined ? { sha256: sha } : {}) };
    });
    const s = this.obj(r, 'settings', 'settings')!;
    const comp = s.compression;
    if (comp !== 'none' && !(typeof comp === 'number' && Number.isInteger(comp) && comp >= 0 && comp <= 9)) {
      throw new ManifestError('settings.compression', `want "none" or a gzip level 0-9, got ${show(comp)}`);
    }
    const settings: ManifestSettings = {
      goproxy: this.str(s, 'goproxy', 'settings.goproxy')!,
      gosumdb: this.str(s, 'gosumdb', 'settings.gosumdb')!,
      gonosumdb: this.str(s, 'gonosumdb', 'settings.gonosumdb')!,
      goprivate: this.str(s, 'goprivate', 'settings.goprivate')!,
      compression: comp,
    };
    let sumdb: ManifestSumdb | undefined;
    const sd = this.obj(r, 'sumdb', 'sumdb', true);
    if (sd !== undefined) {
      sumdb = {
        name: this.str(sd, 'name', 'sumdb.name', { re: /^[^\s/+]+$/, what: 'a database name' })!,
        key: this.str(sd, 'key', 'sumdb.key', { re: /^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$/, what: 'a verifier key name+hash+key' })!,
        treeSize: this.int(sd, 'treeSize', 'sumdb.treeSize')!,
        treeHash: this.str(sd, 'treeHash', 'sumdb.treeHash', { re: /^[A-Za-z0-9+/]{43}=$/, what: 'a base64 SHA-256 hash' })!,
        note: this.str(sd, 'note', 'sumdb.note')!,
      };
      if (!sumdb.key.startsWith(sumdb.name + '+')) throw new ManifestError('sumdb.key', `names ${show(sumdb.key.split('+')[0])}, not ${show(sumdb.name)}`);
    }
    const exportedWithFailures = this.bool(r, 'exportedWithFailures', 'exportedWithFailures');
    let delta: ManifestDelta | undefined;
    const d = this.obj(r, 'delta', 'delta', true);
    if (d !== undefined) {
      delta = {
        baseManifests: this.arr(d, 'baseManifests', 'delta.baseManifests').map((x, i) => {
          if (typeof x !== 'string' || !HEX64_RE.test(x)) throw new ManifestError(`delta.baseManifests[${i}]`, `want 64 lower-case hex digits, got ${show(x)}`);
          return x;
        }),
      };
    }
    const modules = this.arr(r, 'modules', 'modules').map((x, i) => this.module(x, `modules[${i}]`, exportedWithFailures));
    for (let i = 1; i < modules.length; i++) {
      if (compareModuleVersions(modules[i - 1]!, modules[i]!) >= 0) {
        throw new ManifestError(`modules[${i}]`, `${modules[i]!.path}@${modules[i]!.version} is out of order or repeated`);
      }
    }
    const files = this.arr(r, 'files', 'files').map((x, i): ManifestFile => {
      const f = `files[${i}]`;
      if (!isObject(x)) throw new ManifestError(f, `want an object, got ${show(x)}`);
      const path = this.str(x, 'path', `${f}.path`)!;
      if (!isBundlePath(path) || path === MANIFEST_FILE) throw new ManifestError(`${f}.path`, `not a bundle file path: ${show(path)}`);
      return { path, size: this.int(x, 'size', `${f}.size`)!, sha256: this.str(x, 'sha256', `${f}.sha256`, { re: HEX64_RE, what: '64 lower-case hex digits' })! };
    });
    for (let i = 1; i < files.length; i++) {
      if (comparePaths(files[i - 1]!.path, files[i]!.path) >= 0) throw new ManifestError(`files[${i}].path`, `${show(files[i]!.path)} is out of order or repeated`);
    }
    return {
      format: MANIFEST_FORMAT,
      formatVersion: MANIFEST_FORMAT_VERSION,
      generator: this.str(r, 'generator', 'generator')!,
      createdAt,
      inputs,
      settings,
      ...(sumdb !== undefined ? { sumdb } : {}),
      exportedWithFailures,
      ...(delta !== undefined ? { delta } : {}),
      modules,
      files,
    };
  }

  module(x: unknown, f: string, failuresAllowed: boolean): ManifestModule {
    if (!isObject(x)) throw new ManifestError(f, `want an object, got ${show(x)}`);
    const path = this.str(x, 'path', `${f}.path`)!;
    try {
      checkPath(path);
    } catch (e) {
      throw new ManifestError(`${f}.path`, (e as Error).message);
    }
    const version = this.str(x, 'version', `${f}.version`)!;
    if (canonicalVersion(version) !== version) throw new ManifestError(`${f}.version`, `not a canonical version: ${show(version)}`);
    const mod = this.str(x, 'mod', `${f}.mod`, { re: H1_RE, what: 'an h1: hash' })!;
    const zip = this.str(x, 'zip', `${f}.zip`, { optional: true, re: H1_RE, what: 'an h1: hash' });
    const checkedBy = this.arr(x, 'checkedBy', `${f}.checkedBy`).map((c, j) => {
      if (!CHECK_SOURCES.includes(c as CheckSource)) throw new ManifestError(`${f}.checkedBy[${j}]`, `want one of ${CHECK_SOURCES.join(', ')}, got ${show(c)}`);
      return c as CheckSource;
    });
    const sumdbRecord = this.int(x, 'sumdbRecord', `${f}.sumdbRecord`, true);
    const verified = this.bool(x, 'verified', `${f}.verified`);
    if (!verified && !failuresAllowed) throw new ManifestError(`${f}.verified`, `${path}@${version} is unverified but exportedWithFailures is false`);
    let problems: string[] | undefined;
    if (x.problems !== undefined) {
      problems = this.arr(x, 'problems', `${f}.problems`).map((p, j) => {
        if (typeof p !== 'string') throw new ManifestError(`${f}.problems[${j}]`, `want a string, got ${show(p)}`);
        return p;
      });
    }
    return {
      path,
      version,
      mod,
      ...(zip !== undefined ? { zip } : {}),
      checkedBy,
      ...(sumdbRecord !== undefined ? { sumdbRecord } : {}),
      verified,
      ...(problems !== undefined ? { problems } : {}),
    };
  }
}

/** Validates a raw manifest of the current formatVersion (after migrateManifest). */
export function validateManifest(raw: Record<string, unknown>): BundleManifest {
  return new Checker(raw).manifest();
}

/** Parses, migrates and validates manifest bytes or text. */
export function parseManifest(data: string | Uint8Array): BundleManifest {
  let text: string;
  try {
    text = typeof data === 'string' ? data : utf8Decode(data);
  } catch {
    throw new ManifestError('', 'not valid UTF-8');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ManifestError('', `invalid JSON: ${(e as Error).message}`);
  }
  return validateManifest(migrateManifest(raw));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = sortKeys(v[k]);
  return out;
}

/** The canonical text: sorted keys, two-space indentation, trailing newline. */
export function serializeManifest(m: BundleManifest): string {
  return JSON.stringify(sortKeys(m), null, 2) + '\n';
}

/** The canonical bytes. */
export function manifestBytes(m: BundleManifest): Uint8Array {
  return utf8Encode(serializeManifest(m));
}

/** The facts a manifest is built from; order does not matter. */
export type ManifestFacts = Omit<BundleManifest, 'format' | 'formatVersion' | 'createdAt'> & { createdAt: Date };

/** RFC 3339 UTC in whole seconds (what tar mtimes can hold). */
export function formatCreatedAt(d: Date): string {
  return new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Builds a valid manifest: sorts modules and files, normalises fields, validates. */
export function buildManifest(facts: ManifestFacts): BundleManifest {
  const modules = facts.modules.map((m) => ({ ...m, checkedBy: [...new Set(m.checkedBy)].sort() }));
  modules.sort(compareModuleVersions);
  const files = [...facts.files].sort((a, b) => comparePaths(a.path, b.path));
  const m: BundleManifest = {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    generator: facts.generator,
    createdAt: formatCreatedAt(facts.createdAt),
    inputs: facts.inputs,
    settings: facts.settings,
    ...(facts.sumdb !== undefined ? { sumdb: facts.sumdb } : {}),
    exportedWithFailures: facts.exportedWithFailures,
    ...(facts.delta !== undefined ? { delta: facts.delta } : {}),
    modules,
    files,
  };
  // Round-trip through the validator so a bad fact fails here, not on the offline side.
  return validateManifest(JSON.parse(serializeManifest(m)) as Record<string, unknown>);
}

/** SHA-256 (hex) of a manifest's canonical bytes: how a delta names its base. */
export function manifestDigest(m: BundleManifest): string {
  return sha256Hex(manifestBytes(m));
}

/** A file the exporter may ship, as a delta plan sees it. */
export interface DeltaCandidate {
  path: string;
  sha256: string;
}

export interface DeltaPlan {
  /** Paths of candidate files to ship. */
  ship: Set<string>;
  /**
   * The `@v/list` files for the offline side after this delta, regenerated
   * from the .mod files of both sides; a list appears here only when it
   * differs from what the offline side has.
   */
  lists: Map<string, string>;
  /** Module versions (`path@version`) the offline side already has complete. */
  present: Set<string>;
}

/**
 * What to ship so that the offline side, which holds the files of the given
 * manifests (base bundle plus deltas, oldest first), ends up with the
 * candidates. Rules, chosen so that a delta bundle verifies on its own:
 * - a module version ships whole (.info, .mod, .zip, .ziphash) unless the
 *   offline side has every one of its candidate files with the same SHA-256;
 * - a lookup ships with its module, or when the offline copy differs;
 * - tiles, `supported` and `latest` always ship (small, and the proofs of
 *   every shipped module need them);
 * - lists are regenerated over the union of both sides' .mod files;
 * - anything else ships unless the offline side has it with the same SHA-256.
 */
export function planDelta(candidates: readonly DeltaCandidate[], offline: readonly BundleManifest[]): DeltaPlan {
  const have = new Map<string, string>();
  for (const m of offline) for (const f of m.files) have.set(f.path, f.sha256);
  const same = (c: DeltaCandidate): boolean => have.get(c.path) === c.sha256;

  const byVersion = new Map<string, DeltaCandidate[]>();
  const modNames = new Map<string, Set<string>>();
  const addMod = (p: string): void => {
    const dir = p.slice(0, p.lastIndexOf('/'));
    let s = modNames.get(dir);
    if (s === undefined) modNames.set(dir, (s = new Set()));
    s.add(p.slice(dir.length + 1));
  };
  for (const p of have.keys()) if (parseCachePath(p)?.kind === 'mod') addMod(p);
  for (const c of candidates) {
    const cp = parseCachePath(c.path);
    if (cp === undefined) continue;
    if (cp.kind === 'mod') addMod(c.path);
    if (cp.kind === 'info' || cp.kind === 'mod' || cp.kind === 'zip' || cp.kind === 'ziphash') {
      const key = `${cp.path}@${cp.version}`;
      const list = byVersion.get(key) ?? [];
      list.push(c);
      byVersion.set(key, list);
    }
  }
  const present = new Set<string>();
  for (const [key, files] of byVersion) if (files.every(same)) present.add(key);

  const ship = new Set<string>();
  for (const c of candidates) {
    const cp = parseCachePath(c.path);
    switch (cp?.kind) {
      case 'info':
      case 'mod':
      case 'zip':
      case 'ziphash':
        if (!present.has(`${cp.path}@${cp.version}`)) ship.add(c.path);
        break;
      case 'lookup':
        if (!present.has(`${cp.path}@${cp.version}`) || !same(c)) ship.add(c.path);
        break;
      case 'tile':
      case 'supported':
      case 'latest':
        ship.add(c.path);
        break;
      case 'list':
        break; // regenerated below
      default:
        if (!same(c)) ship.add(c.path);
    }
  }
  const lists = new Map<string, string>();
  for (const [dir, names] of modNames) {
    const listPath = `${dir}/list`;
    const content = versionListFromFileNames(names);
    if (have.get(listPath) !== sha256Hex(utf8Encode(content))) lists.set(listPath, content);
  }
  return { ship, lists, present };
}
