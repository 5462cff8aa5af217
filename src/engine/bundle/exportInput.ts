/**
 * What a finished job contributes to a carry bundle, read from an
 * EngineStore: the module-cache files of every planned module version (the
 * .info, .mod, .zip and .ziphash the engine stored verified), every stored
 * checksum-database file (lookups and tiles, which prove inclusion offline),
 * and one manifest module per fetched module version. The CLI (`modcarry
 * download --out`) and the browser's export share it, so both bundles of the
 * same job list the same files.
 *
 * Only verified files are ever taken (the store writes module-cache paths
 * only after their hash was checked). A failed module is listed unverified,
 * with its failure, only when failures are asked for and its go.mod hash is
 * known, together with those of its files that did verify (the .mod and .info
 * of a module whose zip no proxy gives: `go list -m all` needs that .info);
 * exportBundle then refuses it unless told to allow failures.
 */
import type { ManifestModule } from '../../core/bundle/manifest.ts';
import { infoFile, modFile, SUMDB_CACHE_DIR, zipFile, ziphashFile } from '../../core/modcache/layout.ts';
import type { JobRecord } from '../job.ts';
import { migrateModuleState } from '../moduleState.ts';
import type { EngineStore } from '../ports.ts';
import type { BundleSourceFile } from './exportBundle.ts';

export interface JobBundleContent {
  files: BundleSourceFile[];
  modules: ManifestModule[];
  /** `path@version` of planned modules that are not verified (and not in modules unless withFailures). */
  unverified: string[];
}

/** Collects the bundle content of job from store; see the file comment. */
export async function collectJobBundle(store: EngineStore, job: JobRecord, opts: { withFailures?: boolean } = {}): Promise<JobBundleContent> {
  const states = new Map((await store.listModuleStates(job.id)).map((r) => [r.module, migrateModuleState(r)]));
  const files: BundleSourceFile[] = [];
  const modules: ManifestModule[] = [];
  const unverified: string[] = [];
  // Paths first, each once, in the order found.
  const wanted = new Set<string>();
  const add = (path: string): void => void wanted.add(path);
  const listed = new Set<string>();
  for (const m of job.plan.modules) {
    const key = `${m.path}@${m.version}`;
    const st = states.get(key);
    const p = m.fetchPath;
    const v = m.fetchVersion;
    const fetchKey = `${p}@${v}`;
    if (st?.state !== 'verified' || st.modHash === undefined) {
      unverified.push(key);
      if (opts.withFailures === true && st?.modHash !== undefined && !listed.has(fetchKey)) {
        listed.add(fetchKey);
        modules.push({
          path: p,
          version: v,
          mod: st.modHash,
          ...(st.zipHash !== undefined ? { zip: st.zipHash } : {}),
          checkedBy: [...(st.checkedBy ?? [])],
          verified: false,
          problems: [st.failure?.message ?? `not verified (${st.state})`],
        });
        for (const f of [infoFile(p, v), modFile(p, v), zipFile(p, v), ziphashFile(p, v)]) add(f);
      }
      continue;
    }
    for (const f of [infoFile(p, v), modFile(p, v), zipFile(p, v), ziphashFile(p, v)]) add(f);
    if (!listed.has(fetchKey)) {
      listed.add(fetchKey);
      modules.push({ path: p, version: v, mod: st.modHash, ...(st.zipHash !== undefined ? { zip: st.zipHash } : {}), checkedBy: [...(st.checkedBy ?? [])], verified: true });
    }
  }
  for (const f of await store.listFiles(SUMDB_CACHE_DIR + '/')) add(f.path);
  // The records in one read, then the verified files' bodies in another (one
  // store round trip per file left the exporter idle for most of a second
  // per thousand files).
  const paths = [...wanted];
  const records = await store.getFileRecords(paths);
  const verified = paths.flatMap((path, i) => {
    const rec = records[i];
    return rec?.verified === true ? [{ path, rec }] : [];
  });
  const bodies = await store.getFiles(verified.map((v) => v.path));
  verified.forEach(({ path, rec }, i) => {
    const body = bodies[i];
    if (body !== undefined) files.push({ path, size: rec.size, body, sha256: rec.sha256, ...(rec.slices !== undefined ? { slices: rec.slices } : {}) });
  });
  return { files, modules, unverified };
}
