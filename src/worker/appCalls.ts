/**
 * The app's second dedicated worker: the work the UI asks for that is not the
 * download engine's (src/worker/engine.worker.ts runs that), kept off the
 * page's thread because it hashes, inflates and compresses: planning, the
 * go.sum inspector, bundle export (a .tar.gz into OPFS, a plain .tar as a
 * Blob of the stored files, or either into a file the person chose),
 * bundle verification, the stored jobs and storage use, and cleanup.
 *
 * It shares the engine's IndexedDB store (a second connection to the same
 * database: IndexedDB serialises the transactions) and only reads what the
 * engine writes, except for deleting a job it was asked to delete and its
 * own meta records (prefix `app-`). Its protocol is src/app/appCalls.ts:
 * `{ id, method, args }` in, one `result` per call out, and `progress`
 * messages for long calls.
 */
import { createPlan } from '../core/plan/createPlan.ts';
import type { Plan } from '../core/plan/types.ts';
import { GoproxyClient } from '../core/goproxy/client.ts';
import { parseManifest } from '../core/bundle/manifest.ts';
import type { BundleManifest } from '../core/bundle/manifest.ts';
import { infoFile, modFile, zipFile, ziphashFile } from '../core/modcache/layout.ts';
import { blobSource } from '../core/zip/source.ts';
import type { RandomAccessSource } from '../core/zip/source.ts';
import { utf8Decode, utf8Encode } from '../core/internal/webstd.ts';
import { exportBundle, exportBundleBlob } from '../engine/bundle/exportBundle.ts';
import { collectJobBundle } from '../engine/bundle/exportInput.ts';
import { readBundle } from '../engine/bundle/readBundle.ts';
import type { Spool } from '../engine/bundle/readBundle.ts';
import { verifyBundle } from '../engine/bundle/verifyBundle.ts';
import { migrateJob } from '../engine/job.ts';
import type { JobRecord } from '../engine/job.ts';
import type { EngineStore } from '../engine/ports.ts';
import type { AppCallMap, AppCallName, ExportRequest, ExportSummary, InspectRequest, JobSummary, JobTexts, PlanRequest, ProgressFn } from '../platform/browser/appProtocol.ts';
import { sumcheck } from '../engine/sumcheck.ts';
import { createSumdbChecker, readSumdbTimeline, sumdbConfigKey } from '../engine/sumdbChecker.ts';
import { fetchHttp } from '../platform/browser/fetchHttp.ts';
import { systemClock } from '../platform/browser/browserPorts.ts';
import { openIdbStore } from '../platform/browser/idbStore.ts';
import { throttleProgress } from '../platform/browser/throttleProgress.ts';
import { toWireError } from '../platform/browser/engineProtocol.ts';

declare const self: DedicatedWorkerGlobalScope;

const textsKey = (jobId: string) => `app-job-texts/${jobId}`;
const headsKey = (name: string) => `app-verified-heads/${name}`;
const EXPORT_DIR = 'exports';

/** At most this often a call's progress reaches the page (each report re-renders it). */
const PROGRESS_MS = 200;

let storeP: Promise<EngineStore> | undefined;
const store = () => (storeP ??= openIdbStore());
const http = fetchHttp();

async function getMetaJson<T>(key: string): Promise<T | undefined> {
  const raw = await (await store()).getMeta(key);
  if (raw === undefined || raw.length === 0) return undefined;
  return JSON.parse(utf8Decode(raw, false)) as T;
}

/** Replaces a meta record (retrying the compare-and-swap a few times); an empty value deletes it in effect. */
async function putMeta(key: string, value: Uint8Array): Promise<void> {
  const s = await store();
  for (let i = 0; i < 5; i++) if (await s.casMeta(key, await s.getMeta(key), value)) return;
  throw new Error(`could not update ${key}: it keeps changing`);
}

async function loadJob(jobId: string): Promise<JobRecord> {
  const raw = await (await store()).getJob(jobId);
  if (raw === undefined) throw new Error(`no job ${jobId} in this browser`);
  return migrateJob(raw);
}

type Progress = ProgressFn;

// ---------------------------------------------------------------------------

async function plan(req: PlanRequest): Promise<Plan> {
  const client = new GoproxyClient({ http, goproxy: req.env.GOPROXY, gonoproxy: req.env.GONOPROXY });
  return createPlan({
    ...(req.goMod !== undefined && req.goMod.trim() !== '' ? { goMod: req.goMod } : {}),
    ...(req.goSum !== undefined && req.goSum.trim() !== '' ? { goSum: req.goSum } : {}),
    queries: req.queries,
    toolchains: req.toolchains,
    client,
    http,
    env: { GONOPROXY: req.env.GONOPROXY },
  });
}

async function inspect(req: InspectRequest) {
  let goSum = req.goSum;
  let env = req.env;
  let p = req.plan;
  if (req.jobId !== undefined) {
    const job = await loadJob(req.jobId);
    goSum ??= (await getMetaJson<JobTexts>(textsKey(req.jobId)))?.goSum;
    env ??= job.inputs.env;
    p ??= job.plan;
  }
  if (goSum === undefined || env === undefined) throw new Error('the inspector needs a go.sum and the settings it was checked with');
  return sumcheck({ goSum, ...(p !== undefined ? { plan: p } : {}), env, store: await store(), clock: systemClock, http, offline: req.offline });
}

// ---------------------------------------------------------------------------

function bundleName(job: JobRecord, compression: 'none' | number, delta: boolean, now: Date): string {
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  const main = job.plan.mainModule?.split('/').at(-1)?.replace(/[^A-Za-z0-9._-]/g, '_') ?? 'modules';
  return `modcarry-${main}-${stamp}${delta ? '-delta' : ''}.${compression === 'none' ? 'tar' : 'tar.gz'}`;
}

/** A sink that counts bytes and reports progress on the way to the real one. */
function counting(sink: WritableStream<Uint8Array>, onBytes: (n: number) => void): WritableStream<Uint8Array> {
  const writer = sink.getWriter();
  let n = 0;
  return new WritableStream<Uint8Array>({
    async write(chunk) {
      await writer.write(chunk);
      n += chunk.length;
      onBytes(n);
    },
    close: () => writer.close(),
    abort: (reason) => writer.abort(reason),
  });
}

async function opfsExports(): Promise<FileSystemDirectoryHandle | undefined> {
  try {
    const root = await navigator.storage.getDirectory();
    return await root.getDirectoryHandle(EXPORT_DIR, { create: true });
  } catch {
    return undefined;
  }
}

async function exportJob(req: ExportRequest, progress: Progress): Promise<ExportSummary> {
  const job = await loadJob(req.jobId);
  const s = await store();
  const content = await collectJobBundle(s, job, { withFailures: req.allowFailures });
  const checker = await createSumdbChecker({ http, store: s, clock: systemClock, env: job.inputs.env });
  const head = await checker.head().catch(() => undefined);
  const offlineManifests: BundleManifest[] = req.offlineManifests.map((t, i) => {
    try {
      return parseManifest(t);
    } catch (err) {
      throw new Error(`offline manifest ${i + 1}: ${(err as Error).message}`, { cause: err });
    }
  });
  const delta = offlineManifests.length > 0;
  const createdAt = new Date();
  const name = req.target?.name ?? bundleName(job, req.compression, delta, createdAt);
  const total = content.files.reduce((n, f) => n + f.size, 0);
  const env = job.inputs.env;
  const input = {
    files: content.files,
    modules: content.modules,
    inputs: job.inputs.sources.map((x) => ({ ...x })),
    settings: { goproxy: env.GOPROXY, gosumdb: env.GOSUMDB, gonosumdb: env.GONOSUMDB, goprivate: req.goprivate },
    ...(head !== undefined ? { sumdb: { name: head.name, key: head.key, treeSize: head.treeSize, treeHash: head.treeHash, note: head.note } } : {}),
    createdAt,
    ...(delta ? { offlineManifests } : {}),
  };
  const options = { compression: req.compression, allowFailures: req.allowFailures, bundleName: name };
  const onBytes = (n: number) => progress(Math.min(n, total), total, 'writing the bundle');
  const summary = { name, modules: content.modules.length, files: content.files.length, delta, unverified: content.unverified };

  if (req.compression === 'none') {
    // A plain tar is a Blob of the stored files between tar headers: nothing
    // is copied until the browser saves it (to the download, or the chosen file).
    const r = await exportBundleBlob(input, { ...options, onBytes });
    if (req.target === undefined) return { ...summary, bytes: r.bytes, file: new File([r.blob], name, { type: 'application/x-tar' }) };
    const w = await req.target.createWritable();
    try {
      await w.write(r.blob);
      await w.close();
    } catch (err) {
      await w.abort(err).catch(() => undefined);
      throw err;
    }
    return { ...summary, bytes: r.bytes };
  }
  if (req.target !== undefined) {
    const w = await req.target.createWritable();
    const r = await exportBundle(input, counting(w as unknown as WritableStream<Uint8Array>, onBytes), options);
    return { ...summary, bytes: r.bytes };
  }
  const dir = await opfsExports();
  if (dir !== undefined) {
    try {
      const fh = await dir.getFileHandle(name, { create: true });
      const w = await fh.createWritable();
      const r = await exportBundle(input, counting(w as unknown as WritableStream<Uint8Array>, onBytes), options);
      return { ...summary, bytes: r.bytes, file: await fh.getFile() };
    } catch (err) {
      await dir.removeEntry(name).catch(() => undefined);
      // createWritable is missing in some browsers' workers: fall back to memory below
      if (!(err instanceof TypeError)) throw err;
    }
  }
  const parts: Uint8Array<ArrayBuffer>[] = [];
  const mem = new WritableStream<Uint8Array>({ write: (c) => void parts.push(new Uint8Array(c)) });
  const r = await exportBundle(input, counting(mem, onBytes), options);
  return { ...summary, bytes: r.bytes, file: new File(parts, name, { type: 'application/gzip' }) };
}

// ---------------------------------------------------------------------------

/** Large entries of a .tar.gz land in Blobs, which browsers keep on disk when big. */
function blobSpool(): Spool {
  return {
    create() {
      let parts: Uint8Array<ArrayBuffer>[] = [];
      return Promise.resolve({
        write(chunk: Uint8Array) {
          parts.push(new Uint8Array(chunk));
          return Promise.resolve();
        },
        finish(): Promise<RandomAccessSource> {
          const blob = new Blob(parts);
          parts = [];
          return Promise.resolve(blobSource(blob));
        },
        dispose() {
          parts = [];
          return Promise.resolve();
        },
      });
    },
  };
}

/** The tree heads this browser saw for the database: the engine's timeline, its latest, and heads of bundles verified before. */
async function treeHeadsSeen(name: string): Promise<Uint8Array[]> {
  const s = await store();
  const heads = new Set<string>();
  for (const h of (await readSumdbTimeline(s, name)).heads) heads.add(h.note);
  const latest = await s.getMeta(sumdbConfigKey(`${name}/latest`));
  if (latest !== undefined && latest.length > 0) heads.add(utf8Decode(latest, false));
  for (const h of (await getMetaJson<string[]>(headsKey(name))) ?? []) heads.add(h);
  return [...heads].map((h) => utf8Encode(h));
}

/** The manifest's checksum database name, read from the first entry without reading the rest. */
async function bundleDbName(file: Blob): Promise<string | undefined> {
  const entries = readBundle(blobSource(file), { spool: blobSpool() });
  try {
    const first = await entries.next();
    if (first.done === true || first.value.path !== 'modcarry-manifest.json') return undefined;
    return parseManifest(await first.value.bytes()).sumdb?.name;
  } catch {
    return undefined; // verifyBundle reports what is wrong with it
  } finally {
    await entries.return(undefined);
  }
}

async function verify(req: { file: Blob; sumdbKey?: string }, progress: Progress) {
  const name = await bundleDbName(req.file);
  const heads = name !== undefined ? await treeHeadsSeen(name) : [];
  let seen = 0;
  const report = await verifyBundle(readBundle(blobSource(req.file), { spool: blobSpool() }), {
    treeHeadsSeen: heads,
    ...(req.sumdbKey !== undefined && req.sumdbKey !== '' ? { sumdbKey: req.sumdbKey } : {}),
    onEntry: (path, size) => {
      seen += size;
      progress(Math.min(seen, req.file.size), req.file.size, path);
    },
  });
  if (report.ok && report.newTreeHead !== undefined && name !== undefined) {
    const kept = (await getMetaJson<string[]>(headsKey(name))) ?? [];
    const text = utf8Decode(report.newTreeHead, false);
    if (!kept.includes(text)) await putMeta(headsKey(name), utf8Encode(JSON.stringify([...kept, text].slice(-20))));
  }
  return { ...report, treeHeadsChecked: heads.length };
}

// ---------------------------------------------------------------------------

function moduleFiles(job: JobRecord): string[] {
  return job.plan.modules.flatMap((m) => [infoFile(m.fetchPath, m.fetchVersion), modFile(m.fetchPath, m.fetchVersion), zipFile(m.fetchPath, m.fetchVersion), ziphashFile(m.fetchPath, m.fetchVersion)]);
}

async function jobs(): Promise<JobSummary[]> {
  const s = await store();
  const out: JobSummary[] = [];
  for (const raw of await s.listJobs()) {
    let job: JobRecord;
    try {
      job = migrateJob(raw);
    } catch {
      continue; // written by a newer modcarry: not ours to show
    }
    // Two reads per job, not two per file: the list is shown while downloads write.
    const files = moduleFiles(job);
    const [records, downloads] = await Promise.all([s.getFileRecords(files), s.getDownloads(files)]);
    const bytes = files.reduce((n, _, i) => n + (records[i]?.size ?? downloads[i]?.bytes ?? 0), 0);
    out.push({
      id: job.id,
      status: job.status,
      createdAt: job.createdAt,
      updatedAt: job.updatedAt,
      modules: job.plan.modules.length,
      ...(job.plan.mainModule !== undefined ? { mainModule: job.plan.mainModule } : {}),
      sources: job.inputs.sources.map((x) => x.name),
      bytes,
    });
  }
  return out.sort((a, b) => b.createdAt - a.createdAt);
}

async function exportsUsage(): Promise<{ name: string; size: number }[]> {
  const dir = await opfsExports();
  const out: { name: string; size: number }[] = [];
  if (dir === undefined) return out;
  for await (const [name, h] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
    if (h.kind === 'file') out.push({ name, size: (await (h as FileSystemFileHandle).getFile()).size });
  }
  return out;
}

async function storage() {
  const s = await store();
  const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
  const persisted = await navigator.storage?.persisted?.().catch(() => false);
  return {
    storeBytes: await s.usage(),
    ...(estimate?.usage !== undefined && estimate.quota !== undefined ? { usage: estimate.usage, quota: estimate.quota } : {}),
    persisted: persisted === true,
    exports: await exportsUsage(),
  };
}

/** Deletes a job, and every module file and partial download no other job plans. */
async function deleteJob(jobId: string): Promise<{ freed: number }> {
  const s = await store();
  const job = await loadJob(jobId);
  if (job.status === 'running') throw new Error('this job is running: pause or cancel it before deleting it');
  const keep = new Set<string>();
  for (const raw of await s.listJobs()) {
    if (raw.id === jobId) continue;
    try {
      for (const f of moduleFiles(migrateJob(raw))) keep.add(f);
    } catch {
      // unreadable job: keep everything it might need by keeping nothing less
    }
  }
  let freed = 0;
  for (const f of moduleFiles(job)) {
    if (keep.has(f)) continue;
    const rec = await s.getFileRecord(f);
    if (rec !== undefined) {
      freed += rec.size;
      await s.deleteFile(f);
    }
    const d = await s.getDownload(f);
    if (d !== undefined) {
      freed += d.bytes;
      await s.deleteDownload(f);
    }
  }
  await s.deleteJob(jobId);
  await putMeta(textsKey(jobId), new Uint8Array(0));
  return { freed };
}

async function deleteExport(name: string): Promise<void> {
  const dir = await opfsExports();
  await dir?.removeEntry(name);
}

async function saveJobTexts(jobId: string, texts: JobTexts): Promise<void> {
  await putMeta(textsKey(jobId), utf8Encode(JSON.stringify(texts)));
}

async function jobTexts(jobId: string): Promise<JobTexts | undefined> {
  return getMetaJson<JobTexts>(textsKey(jobId));
}

// ---------------------------------------------------------------------------

const HANDLERS = {
  plan,
  inspect,
  exportJob,
  verify,
  jobs,
  storage,
  deleteJob,
  deleteExport,
  saveJobTexts,
  jobTexts,
} as const;

// Every call of the protocol has a handler of its shape (the progress callback comes last).
type Handlers = { [M in AppCallName]: (...a: [...AppCallMap[M][0], Progress]) => Promise<AppCallMap[M][1]> };
HANDLERS satisfies Handlers;
type HandlerName = keyof typeof HANDLERS;

self.addEventListener('message', (event: MessageEvent) => {
  const { id, method, args } = event.data as { id: number; method: HandlerName; args: unknown[] };
  const progress: Progress = throttleProgress((done, total, label) => self.postMessage({ kind: 'progress', id, done, total, label }), PROGRESS_MS);
  const fn = HANDLERS[method] as ((...a: unknown[]) => Promise<unknown>) | undefined;
  if (fn === undefined) {
    self.postMessage({ kind: 'result', id, ok: false, error: { name: 'Error', message: `unknown call ${String(method)}` } });
    return;
  }
  void (async () => {
    try {
      const value = await fn(...args, progress);
      self.postMessage({ kind: 'result', id, ok: true, value });
    } catch (err) {
      self.postMessage({ kind: 'result', id, ok: false, error: toWireError(err) });
    }
  })();
});
