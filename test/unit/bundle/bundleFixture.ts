/**
 * Builds the inputs of a bundle export the way the engine will: module files
 * re-derived by our own code (.info re-marshalled, .ziphash from hashZip), and
 * for the checksum database the lookups, tiles and tree head our SumdbClient
 * cached while verifying every module against a test log (TestLog).
 * Also: helpers to export into memory and to re-pack a tar with edits.
 */
import { packTar, unpackTar } from 'modern-tar';
import { hashGoMod, hashZip } from '../../../src/core/dirhash/hash.ts';
import { cacheInfoText, parseInfo } from '../../../src/core/goproxy/info.ts';
import { infoFile, modFile, zipFile, ziphashFile } from '../../../src/core/modcache/layout.ts';
import { MANIFEST_FILE, parseManifest, serializeManifest } from '../../../src/core/bundle/manifest.ts';
import type { CheckSource, ManifestModule, ManifestSumdb } from '../../../src/core/bundle/manifest.ts';
import { sha256Hex } from '../../../src/core/internal/sha256.ts';
import { SumdbClient } from '../../../src/core/sumdb/client.ts';
import { hashString } from '../../../src/core/sumdb/tlog.ts';
import { openZip } from '../../../src/core/zip/reader.ts';
import { bytesSource } from '../../../src/core/zip/source.ts';
import { exportBundle } from '../../../src/engine/bundle/exportBundle.ts';
import type { BundleSourceFile, ExportInput, ExportOptions, ExportResult } from '../../../src/engine/bundle/exportBundle.ts';
import { TestLog } from '../../support/sumdbServer.ts';
import { writeZip } from '../../support/zipWriter.ts';

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** A module version as a proxy serves it. */
export interface FixtureModule {
  path: string;
  version: string;
  mod: Uint8Array;
  zip?: Uint8Array;
  /** The proxy's .info body (re-marshalled before it goes into the bundle). */
  info: Uint8Array;
}

/** A module with a go.mod and one Go package per entry of pkgs (dir -> file content). */
export function goModule(path: string, version: string, pkgs: Record<string, string> = {}, goModExtra = ''): FixtureModule {
  const prefix = `${path}@${version}/`;
  const mod = enc(`module ${path}\n\ngo 1.21\n${goModExtra}`);
  const entries = [{ name: prefix + 'go.mod', data: mod }];
  for (const [file, text] of Object.entries(pkgs)) entries.push({ name: prefix + file, data: enc(text) });
  return {
    path,
    version,
    mod,
    zip: writeZip(entries),
    info: enc(`{"Time":"2024-03-04T05:06:07.890+01:00","Version":"${version}","Extra":1}\n`),
  };
}

export interface Fixture {
  files: BundleSourceFile[];
  modules: ManifestModule[];
  sumdb?: ManifestSumdb;
  log?: TestLog;
  /** Computed hashes per `path@version`. */
  hashes: Map<string, { mod: string; zip?: string }>;
}

export interface FixtureOptions {
  /** Put the modules in a test checksum database and carry its proofs. */
  sumdb?: boolean;
  /** Filler records before the modules (tree shape); default 300. */
  filler?: number;
  /** Modules matching these paths are private: not in the database. */
  isPrivate?: (path: string) => boolean;
  /** An existing log to add to (same key), for successive bundles. */
  log?: TestLog;
}

function file(path: string, bytes: Uint8Array, asBlob = true): BundleSourceFile {
  const data = bytes as Uint8Array<ArrayBuffer>;
  return asBlob ? { path, size: data.length, body: new Blob([data]) } : { path, size: data.length, body: () => new Blob([data]).stream() };
}

/** Derives every bundle input from the modules (and, optionally, a test checksum database). */
export async function buildFixture(mods: readonly FixtureModule[], opts: FixtureOptions = {}): Promise<Fixture> {
  const files: BundleSourceFile[] = [];
  const hashes = new Map<string, { mod: string; zip?: string }>();
  for (const [i, m] of mods.entries()) {
    const modH = await hashGoMod(m.mod);
    const zipH = m.zip !== undefined ? await hashZip(await openZip(bytesSource(m.zip))) : undefined;
    hashes.set(`${m.path}@${m.version}`, { mod: modH, ...(zipH !== undefined ? { zip: zipH } : {}) });
    files.push(file(infoFile(m.path, m.version), enc(cacheInfoText(parseInfo(m.info))), i % 2 === 0));
    files.push(file(modFile(m.path, m.version), m.mod, i % 2 === 1));
    if (m.zip !== undefined && zipH !== undefined) {
      files.push(file(zipFile(m.path, m.version), m.zip));
      files.push(file(ziphashFile(m.path, m.version), enc(zipH)));
    }
  }
  const isPrivate = opts.isPrivate ?? (() => false);
  const modules: ManifestModule[] = mods.map((m) => {
    const h = hashes.get(`${m.path}@${m.version}`)!;
    const checkedBy: CheckSource[] = opts.sumdb === true && !isPrivate(m.path) ? ['go.sum', 'sumdb'] : isPrivate(m.path) ? ['gonosumdb'] : ['go.sum'];
    return { path: m.path, version: m.version, mod: h.mod, ...(h.zip !== undefined ? { zip: h.zip } : {}), checkedBy, verified: true };
  });
  if (opts.sumdb !== true) return { files, modules, hashes };

  const log = opts.log ?? (await TestLog.create());
  if (opts.log === undefined) await log.addFiller(opts.filler ?? 300);
  for (const m of mods) {
    if (isPrivate(m.path) || log.idOf(m.path, m.version) !== undefined) continue;
    const h = hashes.get(`${m.path}@${m.version}`)!;
    await log.add(m.path, m.version, h.zip ?? h.mod, h.mod);
  }
  const cache = new Map<string, Uint8Array>();
  const config = new Map<string, Uint8Array>();
  const client = new SumdbClient(
    {
      readRemote: async (p) => {
        const r = await log.handle(p);
        if (r.status !== 200) throw new Error(`${r.status} ${p}`);
        return r.body;
      },
      readConfig: (f) => Promise.resolve(config.get(f) ?? new Uint8Array()),
      writeConfig: (f, _old, next) => {
        config.set(f, next);
        return Promise.resolve();
      },
      readCache: (f) => Promise.resolve(cache.get(f)),
      writeCache: (f, d) => {
        cache.set(f, d);
        return Promise.resolve();
      },
      securityError: () => {},
    },
    { key: log.vkey },
  );
  for (const [i, m] of mods.entries()) {
    if (isPrivate(m.path)) continue;
    await client.lookup(m.path, `${m.version}/go.mod`);
    modules[i]!.sumdbRecord = log.idOf(m.path, m.version)!;
  }
  for (const [f, d] of cache) files.push(file(`cache/download/sumdb/${f}`, d));
  const { tree, note } = await client.latestTree();
  const sumdb: ManifestSumdb = { name: log.name, key: log.vkey, treeSize: tree.n, treeHash: hashString(tree.hash), note: dec(note) };
  return { files, modules, sumdb, log, hashes };
}

/** The ExportInput for a fixture. */
export function exportInput(f: Fixture, extra: Partial<ExportInput> = {}): ExportInput {
  return {
    files: f.files,
    modules: f.modules,
    inputs: [{ kind: 'go.sum', name: 'go.sum', sha256: sha256Hex(enc('x')) }],
    settings: { goproxy: 'https://proxy.example', gosumdb: f.sumdb?.key ?? 'off', gonosumdb: '', goprivate: '' },
    ...(f.sumdb !== undefined ? { sumdb: f.sumdb } : {}),
    createdAt: new Date('2026-01-02T03:04:05.678Z'),
    generator: 'modcarry test',
    ...extra,
  };
}

/** Exports into memory. */
export async function exportToBytes(input: ExportInput, options: ExportOptions = {}): Promise<{ bytes: Uint8Array; result: ExportResult }> {
  const chunks: Uint8Array[] = [];
  const sink = new WritableStream<Uint8Array>({
    write(c) {
      chunks.push(c.slice());
    },
  });
  const result = await exportBundle(input, sink, options);
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return { bytes, result };
}

/**
 * Re-packs a plain tar with edits: edit(files) may change, add or delete
 * entries (path -> content). With sneaky, the manifest's file list is updated
 * to the edited contents, so only the deeper checks can notice.
 */
export async function repack(tar: Uint8Array, edit: (files: Map<string, Uint8Array>) => void, sneaky = false): Promise<Uint8Array> {
  const entries = await unpackTar(tar);
  const files = new Map<string, Uint8Array>();
  for (const e of entries) if (e.header.type === 'file') files.set(e.header.name, e.data ?? new Uint8Array());
  edit(files);
  if (sneaky) {
    const m = parseManifest(files.get(MANIFEST_FILE)!);
    m.files = m.files
      .filter((f) => files.has(f.path))
      .map((f) => ({ path: f.path, size: files.get(f.path)!.length, sha256: sha256Hex(files.get(f.path)!) }));
    files.set(MANIFEST_FILE, enc(serializeManifest(m)));
  }
  const mtime = new Date('2026-01-02T03:04:05Z');
  return packTar([...files].map(([name, data]) => ({ header: { name, size: data.length, type: 'file' as const, mtime, mode: 0o644 }, body: data })));
}
