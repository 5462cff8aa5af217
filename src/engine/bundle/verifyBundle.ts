/**
 * Verification of a carry bundle, in one pass over its entries (readBundle):
 * every module's .mod and zip h1 hashes against the manifest, every .ziphash
 * against its zip, the zip rules go applies before extracting, the .info
 * files, every `@v/list` against the one go would write, every file's size
 * and SHA-256 against the manifest (and no file the manifest does not list),
 * and, through a SumdbVerifier, each module's inclusion in the checksum
 * database from the bundled lookups and tiles and the consistency of the
 * bundle's tree head with the tree heads seen before.
 *
 * Memory: zips are hashed and checked when their entry arrives and then
 * dropped (their spool is released by readBundle); only small metadata files
 * (.mod, .info, .ziphash, list, lookups, tiles, latest, manifest) are kept.
 *
 * The report names each module and each failed check; `ok` is true only if
 * every check of every module and of the bundle passed.
 */
import { hashGoMod, hashZip } from '../../core/dirhash/hash.ts';
import { parseInfo } from '../../core/goproxy/info.ts';
import { utf8Decode } from '../../core/internal/webstd.ts';
import { bundleLatestFile, modFile, parseCachePath, sumdbDir } from '../../core/modcache/layout.ts';
import { versionListFromFileNames } from '../../core/modcache/versionList.ts';
import { compareModuleVersions } from '../../core/module/sort.ts';
import { matchPrefixPatterns } from '../../core/module/match.ts';
import { openZip } from '../../core/zip/reader.ts';
import { checkZip, zipCheckFailure } from '../../core/zip/checkZip.ts';
import { MANIFEST_FILE, README_FILE, parseManifest } from '../../core/bundle/manifest.ts';
import type { BundleManifest, ManifestModule } from '../../core/bundle/manifest.ts';
import type { BundleEntry } from './readBundle.ts';
import { offlineSumdbVerifier } from './sumdbVerifier.ts';
import type { SumdbVerdict, SumdbVerifier } from './sumdbVerifier.ts';

export interface Check {
  /** 'manifest', 'mod', 'zip', 'ziphash', 'zip-rules', 'info', 'list', 'sumdb', 'export', or a bundle-level name. */
  name: string;
  ok: boolean;
  detail: string;
}

export interface ModuleReport {
  /** `path@version`. */
  module: string;
  ok: boolean;
  checks: Check[];
}

export interface VerifyReport {
  ok: boolean;
  modules: ModuleReport[];
  /** Checks of the bundle as a whole (manifest, unexpected files, tree heads). */
  bundle: Check[];
  manifest?: BundleManifest;
  /** The bundle's newest proven tree head, for the caller to store. */
  newTreeHead?: Uint8Array;
}

export interface VerifyOptions {
  /** Default: offlineSumdbVerifier({ trustedKey: sumdbKey }). */
  sumdbVerifier?: SumdbVerifier;
  /** The trusted verifier key of the bundle's checksum database. */
  sumdbKey?: string;
  /** Signed tree heads seen before (raw notes), e.g. `$GOPATH/pkg/sumdb/<name>/latest`. */
  treeHeadsSeen?: readonly Uint8Array[];
  /** Called for each entry as it is read (progress). */
  onEntry?: (path: string, size: number) => void;
}

/** Small files are kept for the final checks; anything larger is refused as metadata. */
const MAX_KEPT = 16 << 20;
const H1_LEN = 47;

interface ZipResult {
  h1?: string;
  error?: string;
  rules?: string;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Verifies the bundle whose entries are given (in archive order). */
export async function verifyBundle(entries: AsyncIterable<BundleEntry>, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const bundle: Check[] = [];
  const files = new Map<string, { size: number; sha256: string }>();
  const kept = new Map<string, Uint8Array>();
  const zips = new Map<string, ZipResult>();

  try {
    for await (const e of entries) {
      opts.onEntry?.(e.path, e.size);
      if (e.type === 'directory') continue;
      if (e.type !== 'file') {
        bundle.push({ name: 'files', ok: false, detail: `${e.path}: not a regular file or directory` });
        continue;
      }
      if (files.has(e.path)) {
        bundle.push({ name: 'files', ok: false, detail: `${e.path}: appears twice in the bundle` });
        continue;
      }
      files.set(e.path, { size: e.size, sha256: await e.sha256() });
      const cp = parseCachePath(e.path);
      if (cp?.kind === 'zip') {
        const key = `${cp.path}@${cp.version}`;
        try {
          const zip = await openZip(e.source());
          const failure = zipCheckFailure(checkZip(cp, zip));
          zips.set(key, { h1: await hashZip(zip), ...(failure !== undefined ? { rules: failure.message } : {}) });
        } catch (err) {
          zips.set(key, { error: errText(err) });
        }
      } else if (e.size <= MAX_KEPT && (cp !== undefined || e.path === MANIFEST_FILE)) {
        kept.set(e.path, await e.bytes());
      }
    }
  } catch (err) {
    bundle.push({ name: 'format', ok: false, detail: errText(err) });
  }

  // The manifest.
  let manifest: BundleManifest | undefined;
  const manifestBytes = kept.get(MANIFEST_FILE);
  if (manifestBytes === undefined) {
    bundle.push({ name: 'manifest', ok: false, detail: `${MANIFEST_FILE} is missing` });
  } else {
    try {
      manifest = parseManifest(manifestBytes);
      bundle.push({ name: 'manifest', ok: true, detail: `${manifest.modules.length} modules, ${manifest.files.length} files, created ${manifest.createdAt}` });
    } catch (err) {
      bundle.push({ name: 'manifest', ok: false, detail: errText(err) });
    }
  }

  // Every file against the manifest, attributed to its module version when it has one.
  const fileProblems = new Map<string, string[]>();
  const note = (path: string, problem: string): void => {
    const cp = parseCachePath(path);
    const owner = cp !== undefined && 'version' in cp ? `${cp.path}@${cp.version}` : '';
    if (owner === '') {
      bundle.push({ name: 'files', ok: false, detail: problem });
      return;
    }
    fileProblems.set(owner, [...(fileProblems.get(owner) ?? []), problem]);
  };
  if (manifest !== undefined) {
    const listed = new Map(manifest.files.map((f) => [f.path, f]));
    for (const f of manifest.files) {
      const got = files.get(f.path);
      if (got === undefined) note(f.path, `${f.path}: listed in the manifest but missing from the bundle`);
      else if (got.size !== f.size) note(f.path, `${f.path}: ${got.size} bytes, manifest says ${f.size}`);
      else if (got.sha256 !== f.sha256) note(f.path, `${f.path}: SHA-256 ${got.sha256}, manifest says ${f.sha256}`);
    }
    for (const p of files.keys()) {
      if (p !== MANIFEST_FILE && !listed.has(p)) note(p, `${p}: in the bundle but not in the manifest`);
    }
    if (!files.has(README_FILE)) bundle.push({ name: 'files', ok: false, detail: `${README_FILE} is missing` });
  }
  for (const p of files.keys()) {
    if (p !== MANIFEST_FILE && p !== README_FILE && parseCachePath(p) === undefined) bundle.push({ name: 'files', ok: false, detail: `${p}: not a module cache file` });
  }

  // Module versions: those the manifest names plus any the files imply.
  const mods = new Map<string, ManifestModule | undefined>();
  for (const m of manifest?.modules ?? []) mods.set(`${m.path}@${m.version}`, m);
  const modDirs = new Map<string, string[]>();
  for (const p of files.keys()) {
    const cp = parseCachePath(p);
    if (cp === undefined) continue;
    if (cp.kind === 'info' || cp.kind === 'mod' || cp.kind === 'zip' || cp.kind === 'ziphash') {
      const key = `${cp.path}@${cp.version}`;
      if (!mods.has(key)) mods.set(key, undefined);
    }
    if (cp.kind === 'mod' || cp.kind === 'list' || cp.kind === 'info' || cp.kind === 'zip' || cp.kind === 'ziphash') {
      const dir = p.slice(0, p.lastIndexOf('/'));
      modDirs.set(dir, [...(modDirs.get(dir) ?? []), p.slice(dir.length + 1)]);
    }
  }
  const listProblem = new Map<string, string>();
  for (const [dir, names] of modDirs) {
    const listPath = `${dir}/list`;
    const got = kept.get(listPath);
    if (got === undefined) {
      if (names.some((n) => n.endsWith('.mod'))) listProblem.set(dir, `${listPath} is missing`);
    } else {
      const text = utf8Decode(got, false);
      // A delta's list also names the base bundle's versions: it must still be a
      // list go could have written, and hold every version of this bundle.
      const base = manifest?.delta !== undefined ? text.split('\n').filter((v) => v !== '').map((v) => v + '.mod') : [];
      const expected = versionListFromFileNames([...names, ...base]);
      if (text !== expected) listProblem.set(dir, `${listPath} is ${JSON.stringify(text)}, go would write ${JSON.stringify(expected)}`);
    }
  }

  for (const [owner, probs] of fileProblems) {
    if (!mods.has(owner)) for (const p of probs) bundle.push({ name: 'files', ok: false, detail: p });
  }

  const computed = new Map<string, { mod?: string; zip?: string }>();
  const reports = new Map<string, Check[]>();
  const keys = [...mods.keys()].sort((a, b) => {
    const [pa, va] = [a.slice(0, a.lastIndexOf('@')), a.slice(a.lastIndexOf('@') + 1)];
    const [pb, vb] = [b.slice(0, b.lastIndexOf('@')), b.slice(b.lastIndexOf('@') + 1)];
    return compareModuleVersions({ path: pa, version: va }, { path: pb, version: vb });
  });
  for (const key of keys) {
    const m = mods.get(key);
    const at = key.lastIndexOf('@');
    const path = key.slice(0, at);
    const version = key.slice(at + 1);
    const checks: Check[] = [];
    reports.set(key, checks);
    const base = versionFileStem(path, version);
    const probs = fileProblems.get(key) ?? [];
    if (m === undefined) checks.push({ name: 'manifest', ok: false, detail: `${key} has files in the bundle but is not in the manifest's modules` });
    else checks.push({ name: 'manifest', ok: probs.length === 0, detail: probs.length === 0 ? 'files match the manifest' : probs.join('; ') });
    if (m !== undefined && !m.verified) checks.push({ name: 'export', ok: false, detail: `exported with failures: ${(m.problems ?? ['not verified']).join('; ')}` });

    const c: { mod?: string; zip?: string } = {};
    computed.set(key, c);
    const mod = kept.get(`${base}.mod`);
    if (mod === undefined) checks.push({ name: 'mod', ok: false, detail: `${base}.mod is missing` });
    else {
      c.mod = await hashGoMod(mod);
      const ok = m === undefined || c.mod === m.mod;
      checks.push({ name: 'mod', ok, detail: ok ? c.mod : `go.mod hash ${c.mod}, manifest says ${m?.mod}` });
    }

    const z = zips.get(key);
    if (z === undefined) {
      if (m?.zip !== undefined) checks.push({ name: 'zip', ok: false, detail: `${base}.zip is missing` });
      if (kept.has(`${base}.ziphash`)) checks.push({ name: 'ziphash', ok: false, detail: `${base}.ziphash without a zip` });
    } else if (z.h1 === undefined) {
      checks.push({ name: 'zip', ok: false, detail: `${base}.zip: ${z.error ?? 'unreadable'}` });
    } else {
      c.zip = z.h1;
      const ok = m === undefined || m.zip === z.h1;
      checks.push({ name: 'zip', ok, detail: ok ? z.h1 : `zip hash ${z.h1}, manifest says ${m?.zip ?? 'no zip'}` });
      checks.push({ name: 'zip-rules', ok: z.rules === undefined, detail: z.rules ?? 'go would extract it' });
      const zh = kept.get(`${base}.ziphash`);
      if (zh === undefined) checks.push({ name: 'ziphash', ok: false, detail: `${base}.ziphash is missing` });
      else {
        const text = utf8Decode(zh, false);
        const ok2 = zh.length === H1_LEN && text === z.h1;
        checks.push({ name: 'ziphash', ok: ok2, detail: ok2 ? 'matches the zip' : `${base}.ziphash is ${JSON.stringify(text)}, the zip hashes to ${z.h1}` });
      }
    }

    const info = kept.get(`${base}.info`);
    if (info === undefined) {
      // go reads the .info of build-list modules only, and those are the ones carried with a zip;
      // a go.mod-only module (the rest of the module graph) has none in go's cache either.
      if (m?.zip !== undefined || z !== undefined) checks.push({ name: 'info', ok: false, detail: `${base}.info is missing (go list -m and go mod download need it)` });
    } else {
      try {
        const ri = parseInfo(info);
        const ok = ri.version === version;
        checks.push({ name: 'info', ok, detail: ok ? 'ok' : `${base}.info names version ${ri.version}` });
      } catch (err) {
        checks.push({ name: 'info', ok: false, detail: `${base}.info: ${errText(err)}` });
      }
    }
    const lp = listProblem.get(base.slice(0, base.lastIndexOf('/')));
    checks.push({ name: 'list', ok: lp === undefined, detail: lp ?? 'as go would write it' });
  }

  // The checksum database.
  let verdict: SumdbVerdict | undefined;
  const sumdb = manifest?.sumdb;
  if (sumdb !== undefined) {
    const latest = kept.get(bundleLatestFile(sumdb.name));
    if (latest === undefined) bundle.push({ name: 'tree-head', ok: false, detail: `${bundleLatestFile(sumdb.name)} is missing` });
    else if (utf8Decode(latest, false) !== sumdb.note) bundle.push({ name: 'tree-head', ok: false, detail: `${bundleLatestFile(sumdb.name)} differs from the manifest's tree head` });
    const dir = sumdbDir(sumdb.name) + '/';
    const toProve = [...mods.entries()]
      .filter(([, m]) => m !== undefined && m.checkedBy.includes('sumdb'))
      .map(([key, m]) => ({ path: m!.path, version: m!.version, ...computed.get(key) }));
    const verifier = opts.sumdbVerifier ?? offlineSumdbVerifier(opts.sumdbKey !== undefined ? { trustedKey: opts.sumdbKey } : {});
    try {
      verdict = await verifier.verifyBundled(
        { name: sumdb.name, key: sumdb.key, latest, modules: toProve, read: (f) => kept.get(dir + f) },
        opts.treeHeadsSeen ?? [],
      );
      bundle.push({ name: 'sumdb-key', ...verdict.key });
      for (const t of verdict.treeHeads) bundle.push({ name: 'tree-consistency', ...t });
    } catch (err) {
      bundle.push({ name: 'sumdb', ok: false, detail: errText(err) });
    }
  }
  for (const [key, m] of mods) {
    if (m === undefined) continue;
    const checks = reports.get(key)!;
    if (m.checkedBy.includes('sumdb')) {
      const v = verdict?.modules.get(key);
      checks.push(v !== undefined ? { name: 'sumdb', ...v } : { name: 'sumdb', ok: false, detail: sumdb === undefined ? 'the manifest says sumdb but names no checksum database' : 'not checked' });
    } else if (manifest !== undefined && matchPrefixPatterns(manifest.settings.gonosumdb || manifest.settings.goprivate, m.path)) {
      checks.push({ name: 'sumdb', ok: true, detail: 'private (GONOSUMDB): not in a checksum database' });
    } else if (m.checkedBy.length === 0) {
      checks.push({ name: 'sumdb', ok: false, detail: 'checked against nothing before export (no go.sum line, no checksum database)' });
    }
  }

  const modules: ModuleReport[] = keys.map((module) => {
    const checks = reports.get(module)!;
    return { module, ok: checks.every((c) => c.ok), checks };
  });
  const ok = modules.every((m) => m.ok) && bundle.every((c) => c.ok) && manifest !== undefined;
  return {
    ok,
    modules,
    bundle,
    ...(manifest !== undefined ? { manifest } : {}),
    ...(verdict?.newest !== undefined ? { newTreeHead: verdict.newest } : {}),
  };
}

/** `cache/download/<escpath>/@v/<escver>`: the common stem of a version's files. */
function versionFileStem(path: string, version: string): string {
  return modFile(path, version).slice(0, -'.mod'.length);
}
