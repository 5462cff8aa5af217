/**
 * Runs one job: every planned module version through fetch and verify, with
 * the concurrency limits of the settings (zips, metadata requests), retries
 * on the Clock (backoff with full jitter, Retry-After), pause/cancel through
 * one AbortSignal, and the network gate.
 *
 * The network gate: a network-level failure is first checked with a cheap
 * real request (the Connectivity hint alone is not trusted). If that fails
 * too, the network is gone: every module waits, no retry is counted, and the
 * gate re-probes on each wake-up (online event, page visible, app start) and
 * on a timer until the network answers.
 */
import { cacheInfoText } from '../core/goproxy/info.ts';
import { DirectUnsupportedError, GoproxyClient, MAX_ZIP_FILE } from '../core/goproxy/client.ts';
import type { Http, HttpGetInit, HttpResponseLike } from '../core/goproxy/http.ts';
import { discardBody } from '../core/goproxy/http.ts';
import { parseProxyList } from '../core/goproxy/proxyList.ts';
import type { ProxySpec } from '../core/goproxy/proxyList.ts';
import { noproxyError, proxyOffError, tryProxies, UseProxyError } from '../core/goproxy/tryProxies.ts';
import { versionFileURL } from '../core/goproxy/urls.ts';
import { hashGoMod } from '../core/dirhash/hash.ts';
import { matchPrefixPatterns } from '../core/module/match.ts';
import { versionError } from '../core/module/errors.ts';
import { infoFile, modFile, zipFile, ziphashFile } from '../core/modcache/layout.ts';
import type { PlannedModule } from '../core/plan/types.ts';
import { utf8Decode, utf8Encode } from '../core/internal/webstd.ts';
import { blobSource, bytesSource } from '../core/zip/source.ts';
import { checkZipPrefix } from '../core/zip/checkZip.ts';
import { openZip, ZipFormatError } from '../core/zip/reader.ts';
import type { ZipReader } from '../core/zip/reader.ts';
import { mapLimit } from '../core/internal/mapLimit.ts';
import { oneShotPays } from '../core/internal/sha256.ts';
import { assembleChunks, chunksForRange, findBadChunks, MissingChunkError, sha256HexOfBlob } from './assemble.ts';
import { parseRetryAfter, retryDelay } from './backoff.ts';
import type { ChangeLog, LogEvent, LogFields } from './changeLog.ts';
import { classifyError } from './classify.ts';
import type { JobRecord } from './job.ts';
import { moduleKey } from './job.ts';
import type { CheckSource, FailureKind, ModuleStateRecord } from './moduleState.ts';
import { isFinal, plannedState, transition } from './moduleState.ts';
import type { ChunkRecord, DownloadRecord, EnginePorts, FilePut, FileRecord, FileSlices, ModuleState, StoredZip } from './ports.ts';
import { StorageFullError } from './ports.ts';
import type { RangeContext } from './rangeDownload.ts';
import { downloadRanged, refetchChunks, sha256Hex } from './rangeDownload.ts';
import { RunningFileHashes } from './runningFileHash.ts';
import type { JobSumdb } from './sumdbChecker.ts';
import { checkExtractable, checkHashes, hashZipOrLocate } from './verifyModule.ts';
import type { ZipHashResult } from './verifyModule.ts';

/** Where unverified metadata waits for its module's verification (never a module-cache path). */
export const STAGING_DIR = 'staging';

/** Engine events for the UI (the same facts are in the store). */
export type EngineEvent =
  | { type: 'log'; jobId: string; module: string; event: string; detail?: string; error?: string }
  | { type: 'state'; jobId: string; module: string; state: ModuleState; failure?: string }
  | { type: 'progress'; jobId: string; module: string; bytes: number; totalBytes?: number }
  | { type: 'job'; jobId: string; status: string; reason?: string };

export type StopRequest = { kind: 'pause'; reason: string } | { kind: 'cancel' };

/** How a run ended. */
export type RunOutcome = 'done' | 'paused' | 'cancelled';

interface Waiter {
  readonly signal: AbortSignal;
  wake(): void;
  reject(reason: unknown): void;
}

/**
 * A counting semaphore whose waiters leave when their AbortSignal aborts.
 * Waiters on the same signal share one 'abort' listener: a large plan has
 * hundreds of modules waiting on the job's signal at once, and a listener
 * each tripped Node's leak warning and cost a registration per wait.
 */
export class Semaphore {
  #free: number;
  /** In arrival order: the first is woken first. */
  readonly #waiters: Waiter[] = [];
  /** Per signal with waiters: its one listener and how many wait on it. */
  readonly #watched = new Map<AbortSignal, { readonly onAbort: () => void; count: number }>();

  constructor(n: number) {
    this.#free = n;
  }

  async use<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else {
      if (signal.aborted) throw signal.reason;
      await new Promise<void>((wake, reject) => {
        this.#waiters.push({ signal, wake, reject });
        this.#watch(signal);
      });
    }
    try {
      return await fn();
    } finally {
      const next = this.#waiters.shift();
      if (next === undefined) this.#free++;
      else {
        this.#unwatch(next.signal);
        next.wake();
      }
    }
  }

  #watch(signal: AbortSignal): void {
    const w = this.#watched.get(signal);
    if (w !== undefined) {
      w.count++;
      return;
    }
    const onAbort = (): void => {
      this.#watched.delete(signal);
      const staying = this.#waiters.filter((x) => x.signal !== signal);
      const leaving = this.#waiters.filter((x) => x.signal === signal);
      this.#waiters.splice(0, this.#waiters.length, ...staying);
      for (const x of leaving) x.reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    this.#watched.set(signal, { onAbort, count: 1 });
  }

  #unwatch(signal: AbortSignal): void {
    const w = this.#watched.get(signal);
    if (w === undefined || --w.count > 0) return;
    signal.removeEventListener('abort', w.onAbort);
    this.#watched.delete(signal);
  }
}

/** Waits out network outages without burning retries. */
export class NetworkGate {
  #offline: Promise<void> | undefined;
  readonly #wakers = new Set<() => void>();

  constructor(
    private readonly ports: Pick<EnginePorts, 'http' | 'clock' | 'connectivity'>,
    private readonly probeURL: string | undefined,
    private readonly probeIntervalMs: number,
    private readonly log: (event: LogEvent, fields?: LogFields) => Promise<void>,
  ) {}

  /** A wake-up (online event, visibility, app start): offline waiters probe now. */
  wake(): void {
    for (const w of [...this.#wakers]) w();
  }

  /** Resolves at once unless the gate is closed; then when the network answers again. */
  async whenOnline(signal: AbortSignal): Promise<void> {
    const p = this.#offline;
    if (p !== undefined) await abortable(p, signal);
  }

  /** One cheap real request: any HTTP answer means the network is there. */
  async probe(signal: AbortSignal): Promise<boolean> {
    if (this.probeURL === undefined) return true;
    try {
      const res = await this.ports.http.get(this.probeURL, { signal });
      await discardBody(res.body);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Called after a network-level failure. Returns true when the network was
   * found gone (and has come back now: the failure should not count), false
   * when the network answers (the failure was the server's: count it).
   */
  async afterNetworkError(signal: AbortSignal): Promise<boolean> {
    if (this.#offline !== undefined) {
      await abortable(this.#offline, signal);
      return true;
    }
    if (this.ports.connectivity.isOnline() && (await this.probe(signal))) return false;
    if (this.#offline === undefined) {
      const p = this.#waitForNetwork(signal);
      this.#offline = p;
      void p.finally(() => {
        if (this.#offline === p) this.#offline = undefined;
      }).catch(() => undefined);
    }
    await abortable(this.#offline, signal);
    return true;
  }

  async #waitForNetwork(signal: AbortSignal): Promise<void> {
    await this.log('offline', { detail: 'network unreachable; waiting without counting retries' });
    for (;;) {
      const timer = new AbortController();
      const onAbort = (): void => timer.abort(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      let wakeUp: (() => void) | undefined;
      const woken = new Promise<string>((resolve) => {
        wakeUp = () => resolve('wake');
        this.#wakers.add(wakeUp);
      });
      try {
        await Promise.race([this.ports.clock.sleep(this.probeIntervalMs, timer.signal).then(() => 'timer'), woken]);
      } finally {
        timer.abort();
        signal.removeEventListener('abort', onAbort);
        if (wakeUp !== undefined) this.#wakers.delete(wakeUp);
      }
      if (signal.aborted) throw signal.reason;
      if (this.ports.connectivity.isOnline() && (await this.probe(signal))) {
        await this.log('online', { detail: 'the network answers again' });
        return;
      }
    }
  }
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** An Http wrapper that remembers the Retry-After of 429/503 answers (GoproxyClient drops headers). */
function retryAfterRecorder(http: Http, now: () => number): { http: Http; retryAfterMs: () => number | undefined } {
  let last: number | undefined;
  return {
    http: {
      async get(url: string, init?: HttpGetInit): Promise<HttpResponseLike> {
        const res = await http.get(url, init);
        if (res.status === 429 || res.status === 503) last = parseRetryAfter(res.headers.get('retry-after'), now());
        return res;
      },
    },
    retryAfterMs: () => last,
  };
}

/** The first http(s) GOPROXY entry's root, for probes; undefined when there is none to probe. */
export function probeURLFor(goproxy: string, gonoproxy: string): string | undefined {
  try {
    const p = parseProxyList(goproxy, gonoproxy).find((x) => /^https?:\/\//i.test(x.url));
    return p === undefined ? undefined : p.url.replace(/\/*$/, '/');
  } catch {
    return undefined;
  }
}

export interface RunnerDeps {
  readonly ports: EnginePorts;
  readonly job: JobRecord;
  readonly log: ChangeLog;
  readonly sumdb: JobSumdb;
  readonly emit: (e: EngineEvent) => void;
}

/** Planned-state records written at once when a run starts. */
const STATE_WRITES = 16;

/** One run of one job (created per start; the store carries everything across runs). */
export class JobRunner {
  readonly #ac = new AbortController();
  #stop: StopRequest | undefined;
  readonly #deps: RunnerDeps;
  readonly #zips: Semaphore;
  /**
   * Zips being verified. Apart from #zips, so that downloads go on while
   * earlier zips are hashed (verifying is CPU work on this thread, downloading
   * mostly waiting): two at a time keep one's waits (store, checksum database)
   * overlapped with the other's hashing.
   */
  readonly #verifying: Semaphore;
  readonly #meta: Semaphore;
  readonly gate: NetworkGate;
  readonly #states = new Map<string, ModuleStateRecord>();
  readonly #madeProgress = new Set<string>();
  /** Zip paths whose every chunk was fetched by this run (their chunk hashes were checked as they arrived). */
  readonly #freshZips = new Set<string>();
  /**
   * Zips' file hashes taken as their chunks are stored: where the runtime
   * hashes incrementally in native code (Node), every zip's, saving a read of
   * the file; in browsers only a zip too large for one WebCrypto digest,
   * which would otherwise be read back and hashed in JS all the same.
   */
  readonly #fileHashes = new RunningFileHashes((total) => !oneShotPays(total ?? Number.POSITIVE_INFINITY));

  constructor(deps: RunnerDeps) {
    this.#deps = deps;
    const s = deps.job.settings;
    this.#zips = new Semaphore(s.maxConcurrentZips);
    this.#verifying = new Semaphore(Math.min(2, s.maxConcurrentZips));
    this.#meta = new Semaphore(s.maxConcurrentMetadata);
    const env = deps.job.inputs.env;
    this.gate = new NetworkGate(deps.ports, probeURLFor(env.GOPROXY, env.GONOPROXY), s.probeIntervalMs, (e, f) => deps.log.record('', e, f));
  }

  get signal(): AbortSignal {
    return this.#ac.signal;
  }

  get stopRequest(): StopRequest | undefined {
    return this.#stop;
  }

  /** Stops the run: in-flight requests abort; nothing committed is lost. */
  stop(req: StopRequest): void {
    if (this.#stop === undefined || req.kind === 'cancel') this.#stop = req;
    this.#ac.abort(new StopSignal(req));
  }

  async run(): Promise<RunOutcome> {
    const { ports, job, log } = this.#deps;
    const now = ports.clock.now();
    for (const raw of await ports.store.listModuleStates(job.id)) {
      const rec = raw as ModuleStateRecord;
      this.#states.set(rec.module, rec);
    }
    const fresh = [...new Set(job.plan.modules.map(moduleKey))].filter((key) => !this.#states.has(key));
    await mapLimit(fresh, STATE_WRITES, async (key) => {
      const rec = plannedState(job.id, key, now);
      await ports.store.putModuleState(rec);
      this.#states.set(key, rec);
    });
    try {
      const granted = await ports.quota.persist();
      await log.record('', 'persist', { detail: granted ? 'persistent storage granted' : 'persistent storage not granted: the browser may evict data under pressure' });
      await this.ensureSpace(job.settings.chunkSize * job.settings.maxConcurrentZips);
    } catch (err) {
      if (err instanceof StorageFullError) {
        this.stop({ kind: 'pause', reason: err.message });
        await log.record('', 'quota', { error: err.message, bytes: err.needed });
      } else throw err;
    }
    if (!this.signal.aborted) await Promise.all(job.plan.modules.map((m) => this.#module(m)));
    const stop = this.#stop;
    if (stop?.kind === 'cancel') return 'cancelled';
    if (stop?.kind === 'pause') return 'paused';
    return 'done';
  }

  /** Throws StorageFullError when needed more bytes do not fit the quota. */
  async ensureSpace(needed: number): Promise<void> {
    const est = await this.#deps.ports.quota.estimate();
    if (est === undefined) return;
    const available = Math.max(0, est.quota - est.usage);
    if (available < needed) throw new StorageFullError(needed, available);
  }

  async #setState(key: string, to: ModuleState, patch: TransitionPatch = {}): Promise<ModuleStateRecord> {
    return this.#setStates(key, [[to, patch]]);
  }

  /**
   * Moves a module through states in one store write: the last state, with a
   * change-log entry for each change on the way (in order).
   */
  async #setStates(key: string, steps: readonly (readonly [ModuleState, TransitionPatch])[]): Promise<ModuleStateRecord> {
    const { ports, log, emit, job } = this.#deps;
    const now = ports.clock.now();
    let cur = this.#states.get(key)!;
    const changed: ModuleStateRecord[] = [];
    const details: LogFields[] = [];
    for (const [to, patch] of steps) {
      const next = transition(cur, to, now, patch);
      if (cur.state !== to || to === 'failed') {
        changed.push(next);
        details.push({ detail: `${cur.state} -> ${to}`, ...(next.failure ? { error: next.failure.message } : {}) });
      }
      cur = next;
    }
    const last = cur;
    if (changed.length > 0) await log.recordVia(key, 'state', details, (entries) => ports.store.putModuleState(last, entries));
    else await ports.store.putModuleState(last);
    this.#states.set(key, last);
    for (const next of changed) emit({ type: 'state', jobId: job.id, module: key, state: next.state, ...(next.failure ? { failure: next.failure.message } : {}) });
    return last;
  }

  async #fail(key: string, kind: FailureKind, err: unknown): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    await this.#setState(key, 'failed', { failure: { kind, message } });
  }

  async #module(m: PlannedModule): Promise<void> {
    const key = moduleKey(m);
    const { ports, job, log } = this.#deps;
    const retry = job.settings.retry;
    for (;;) {
      const cur = this.#states.get(key)!;
      if (isFinal(cur.state)) return;
      try {
        if (this.signal.aborted) throw this.signal.reason;
        await this.gate.whenOnline(this.signal);
        if (cur.state === 'paused') await this.#setState(key, 'planned');
        await this.#setState(key, 'fetching');
        await this.#fetchAndVerify(m, key);
        return;
      } catch (err) {
        if (this.signal.aborted) {
          const st = this.#states.get(key)!;
          if (!isFinal(st.state) && st.state !== 'paused') await this.#setState(key, 'paused').catch(() => undefined);
          return;
        }
        const cls = classifyError(err);
        const message = err instanceof Error ? err.message : String(err);
        switch (cls.kind) {
          case 'storage-full':
            await log.record(key, 'quota', { error: message, bytes: cls.error.needed });
            this.stop({ kind: 'pause', reason: message });
            continue;
          case 'network':
          case 'retry': {
            // A network failure counts only when the network answers (the server failed, not the link).
            if (cls.kind === 'network' && (await this.gate.afterNetworkError(this.signal).catch(() => true))) continue;
            const st = this.#states.get(key)!;
            const attempts = (this.#madeProgress.delete(key) ? 0 : st.attempts) + 1;
            if (attempts >= retry.maxAttempts) {
              await this.#fail(key, 'exhausted', new Error(`gave up after ${attempts} attempts: ${message}`));
              return;
            }
            const delay = retryDelay(attempts - 1, retry, ports.random, cls.kind === 'retry' ? cls.retryAfterMs : undefined);
            await this.#setState(key, 'fetching', { attempts, nextAttemptAt: ports.clock.now() + delay });
            await log.record(key, 'retry', { error: message, detail: `attempt ${attempts} failed; next in ${delay} ms` });
            try {
              await ports.clock.sleep(delay, this.signal);
            } catch {
              // stopped while waiting: handled at the top of the loop
            }
            continue;
          }
          case 'not-found':
            await this.#fail(key, 'not-found', err);
            return;
          case 'refused':
            await this.#fail(key, 'refused', err);
            return;
          case 'security':
            await this.#fail(key, 'security', err);
            // A checksum database caught lying (a fork of its log) taints every
            // answer it gives: the whole job stops with the proof, as go exits.
            if (message.includes('misbehavior detected')) this.stop({ kind: 'pause', reason: message });
            return;
          case 'zip-rules':
            await this.#fail(key, 'zip-rules', err);
            return;
          case 'error':
            await this.#fail(key, 'error', err);
            return;
        }
      }
    }
  }

  /** Notes progress: the next failure counts as the first attempt again, as the retry design asks. */
  #progressed(key: string): void {
    this.#madeProgress.add(key);
  }

  async #readFile(path: string): Promise<Uint8Array | undefined> {
    const blob = await this.#deps.ports.store.getFile(path);
    return blob === undefined ? undefined : new Uint8Array(await blob.arrayBuffer());
  }

  /** A file with its record (SHA-256 computed here unless under way), for commitFiles. */
  async #fileEntry(path: string, data: Uint8Array | Blob, verified: boolean, slices?: FileSlices, fileSha256?: Promise<string>): Promise<FilePut> {
    const sha256 = await (fileSha256 ?? (data instanceof Uint8Array ? sha256Hex(data) : sha256HexOfBlob(data)));
    const size = data instanceof Uint8Array ? data.length : data.size;
    return { record: { formatVersion: 1, path, size, sha256, verified, storedAt: this.#deps.ports.clock.now(), ...(slices !== undefined ? { slices } : {}) }, data };
  }

  /**
   * A module's verdict as one store commit: its verified files (the zip and
   * its .ziphash when verified in this run; .mod and .info unless stored
   * verified before) written, its staged metadata removed.
   */
  async #commitVerified(
    paths: { info: string; mod: string; zip: string; ziphash: string },
    files: { zip?: VerifiedZip | undefined; mod?: { data: Uint8Array; verified: boolean } | undefined; info?: { data: Uint8Array; verified: boolean } | undefined },
  ): Promise<void> {
    const puts: FilePut[] = [];
    if (files.zip !== undefined) {
      const zip = await this.#fileEntry(paths.zip, files.zip.data, true, files.zip.slices, files.zip.sha256);
      puts.push(files.zip.fromDownload === true ? { ...zip, fromDownload: true } : zip, await this.#fileEntry(paths.ziphash, utf8Encode(files.zip.hash), true));
    }
    if (files.mod !== undefined && !files.mod.verified) puts.push(await this.#fileEntry(paths.mod, files.mod.data, true));
    if (files.info !== undefined && !files.info.verified) puts.push(await this.#fileEntry(paths.info, files.info.data, true));
    await this.#deps.ports.store.commitFiles(puts, [STAGING_DIR + '/' + paths.mod, STAGING_DIR + '/' + paths.info]);
  }

  /**
   * A metadata file: verified in the cache, else staged, else fetched
   * (`fetched`: the caller stages it). `known`: the store's records of both.
   */
  async #metadata(
    cachePath: string,
    known: { rec: FileRecord | undefined; staged: FileRecord | undefined },
    fetch: () => Promise<Uint8Array>,
  ): Promise<{ data: Uint8Array; verified: boolean; fetched?: true }> {
    if (known.rec?.verified) {
      const data = await this.#readFile(cachePath);
      if (data !== undefined) return { data, verified: true };
    }
    const have = known.staged !== undefined ? await this.#readFile(STAGING_DIR + '/' + cachePath) : undefined;
    if (have !== undefined) return { data: have, verified: false };
    return { data: await this.#meta.use(this.signal, fetch), verified: false, fetched: true };
  }

  /** Stores fetched metadata, unverified, under staging/ (one commit), so a later run need not fetch it again. */
  async #stage(key: string, fetched: readonly { path: string; data: Uint8Array }[]): Promise<void> {
    if (fetched.length === 0) return;
    const puts = await Promise.all(fetched.map((f) => this.#fileEntry(STAGING_DIR + '/' + f.path, f.data, false)));
    await this.#deps.ports.store.commitFiles(puts, []);
    // One log entry for the commit (a log write is a store commit too).
    const bytes = fetched.reduce((n, f) => n + f.data.length, 0);
    await this.#deps.log.record(key, 'file-stored', { bytes, detail: puts.map((f) => f.record.path).join(', ') });
  }

  #client(): { client: GoproxyClient; retryAfterMs: () => number | undefined } {
    const env = this.#deps.job.inputs.env;
    const rec = retryAfterRecorder(this.#deps.ports.http, () => this.#deps.ports.clock.now());
    return { client: new GoproxyClient({ http: rec.http, goproxy: env.GOPROXY, gonoproxy: env.GONOPROXY, signal: this.signal }), retryAfterMs: rec.retryAfterMs };
  }

  async #withRetryAfter<T>(f: (c: GoproxyClient) => Promise<T>): Promise<T> {
    const { client, retryAfterMs } = this.#client();
    try {
      return await f(client);
    } catch (err) {
      const ra = retryAfterMs();
      if (ra !== undefined && err instanceof Error) (err as { retryAfterMs?: number }).retryAfterMs = ra;
      throw err;
    }
  }

  #rangeContext(key: string): RangeContext {
    const { ports, job, log, emit } = this.#deps;
    return {
      http: ports.http,
      store: ports.store,
      clock: ports.clock,
      signal: this.signal,
      stallTimeoutMs: job.settings.stallTimeoutMs,
      maxSize: MAX_ZIP_FILE,
      log: (event, fields) => log.record(key, event, fields),
      onProgress: (rec: DownloadRecord) => {
        emit({ type: 'progress', jobId: job.id, module: key, bytes: rec.bytes, ...(rec.totalSize !== undefined ? { totalBytes: rec.totalSize } : {}) });
        this.#progressed(key);
      },
      ensureSpace: (needed) => this.ensureSpace(needed),
      onChunk: (chunk, data, rec) => this.#fileHashes.add(chunk, data, rec.totalSize),
    };
  }

  /**
   * Downloads the zip, walking the GOPROXY list like go (404/410 move on),
   * resuming a stored download first. With whole, a zip that arrives whole in
   * its first chunk is returned instead of stored (see RangeContext.takeWhole).
   * onPartial is called when a chunk is committed with more to come.
   */
  async #downloadZip(m: PlannedModule, key: string, zipPath: string, opts: { whole?: boolean; onPartial?: () => void } = {}): Promise<WholeZip | undefined> {
    const env = this.#deps.job.inputs.env;
    let whole: WholeZip | undefined;
    const base = this.#rangeContext(key);
    const ctx: RangeContext = {
      ...base,
      onProgress: (rec) => {
        base.onProgress?.(rec);
        if (!rec.complete) opts.onPartial?.();
      },
      ...(opts.whole === true
        ? {
            takeWhole: (data: Uint8Array, rec: DownloadRecord) => {
              whole = { data, rec };
              return true;
            },
          }
        : {}),
    };
    const chunkSize = this.#deps.job.settings.chunkSize;
    const path = m.fetchPath;
    const version = m.fetchVersion;
    const proxies: ProxySpec[] = parseProxyList(env.GOPROXY, env.GONOPROXY);
    const existing = await this.#deps.ports.store.getDownload(zipPath);
    if (existing === undefined || existing.chunks === 0) this.#freshZips.add(zipPath);
    else this.#freshZips.delete(zipPath);
    const resumable = existing !== undefined && proxies.some((p) => p.url !== 'off' && p.url !== 'direct' && p.url !== 'noproxy' && versionFileURL(p.url, path, version, 'zip') === existing.url);
    if (resumable && existing !== undefined) {
      try {
        await downloadRanged(ctx, zipPath, existing.url, existing.chunkSize, { record: existing });
        return whole;
      } catch (err) {
        if (classifyError(err).kind !== 'not-found') throw versionError({ path, version }, err as Error);
      }
    }
    const private_ = matchPrefixPatterns(env.GONOPROXY, path);
    // Unless a resumption used it, the record read above still holds for the first proxy tried.
    let known: { record: DownloadRecord | undefined } | undefined = resumable ? undefined : { record: existing };
    try {
      await tryProxies(
        proxies,
        async (p) => {
          if (private_) {
            if (p.url === 'noproxy' || p.url === 'direct') throw new DirectUnsupportedError();
            throw noproxyError();
          }
          if (p.url === 'off') throw proxyOffError();
          if (p.url === 'direct') throw new DirectUnsupportedError();
          if (p.url === 'noproxy') throw new UseProxyError();
          const stored = known;
          known = undefined;
          return downloadRanged(ctx, zipPath, versionFileURL(p.url, path, version, 'zip'), chunkSize, stored);
        },
        this.signal,
      );
    } catch (err) {
      throw err instanceof Error ? versionError({ path, version }, err) : err;
    }
    return whole;
  }

  async #fetchAndVerify(m: PlannedModule, key: string): Promise<void> {
    const { ports, job } = this.#deps;
    const lockName = `modcarry-module:${m.fetchPath}@${m.fetchVersion}`;
    const ran = await ports.locks.withLock(lockName, () => this.#fetchAndVerifyLocked(m, key), { signal: this.signal });
    if (ran === undefined && this.signal.aborted) throw this.signal.reason;
    void job;
  }

  async #fetchAndVerifyLocked(m: PlannedModule, key: string): Promise<void> {
    const { ports, job } = this.#deps;
    const p = m.fetchPath;
    const v = m.fetchVersion;
    const files = new Set(m.files);
    const paths = { info: infoFile(p, v), mod: modFile(p, v), zip: zipFile(p, v), ziphash: ziphashFile(p, v) };
    // What the store already holds for this module, in one read (the module
    // lock keeps these records from changing under this run).
    const [infoRec, modRec, zipRec, ziphashRec, stagedInfoRec, stagedModRec] = await ports.store.getFileRecords([
      paths.info,
      paths.mod,
      paths.zip,
      paths.ziphash,
      STAGING_DIR + '/' + paths.info,
      STAGING_DIR + '/' + paths.mod,
    ]);

    // .info and .mod at the same time.
    const [infoGot, modGot] = await Promise.allSettled([
      files.has('info')
        ? this.#metadata(paths.info, { rec: infoRec, staged: stagedInfoRec }, () =>
            this.#withRetryAfter(async (c) => utf8Encode(cacheInfoText((await c.stat(p, v)).value.info))),
          )
        : undefined,
      files.has('mod') ? this.#metadata(paths.mod, { rec: modRec, staged: stagedModRec }, () => this.#withRetryAfter(async (c) => (await c.goMod(p, v)).value)) : undefined,
    ]);
    const fetched = [infoGot, modGot].flatMap((r, i) => (r.status === 'fulfilled' && r.value?.fetched ? [{ path: i === 0 ? paths.info : paths.mod, data: r.value.data }] : []));
    if (fetched.length > 0) this.#progressed(key);
    // What was fetched is staged (stored unverified, in one commit) only when
    // this run may not reach the verdict at once: a zip that takes more than
    // one chunk, or a failure or stop before the verdict. The verdict stores
    // it verified; staging it first would be two more commits per module.
    let staging: Promise<void> | undefined;
    const stage = (): Promise<void> => (staging ??= this.#stage(key, fetched));
    /** Set once a commit has stored the metadata verified: nothing is left to stage. */
    let committed = false;
    try {
      // The .info's failure first, as when they were fetched one after the other.
      if (infoGot.status === 'rejected') throw infoGot.reason;
      if (modGot.status === 'rejected') throw modGot.reason;
      const info = infoGot.value;
      const mod = modGot.value;

      const zipDone = async (): Promise<string | undefined> => {
        if (!zipRec?.verified || !ziphashRec?.verified) return undefined;
        const h = await this.#readFile(paths.ziphash);
        return h === undefined ? undefined : utf8Decode(h, false);
      };

      let storedZipHash = files.has('zip') ? await zipDone() : undefined;
      /** The zip verified in this run, stored with the verdict. */
      let verifiedZip: VerifiedZip | undefined;
      const needZip = files.has('zip') && storedZipHash === undefined;
      // A zip stored without its verified .ziphash is incomplete, as go
      // treats it, and is downloaded again from nothing: the store refuses
      // chunks for a path whose file keeps those it came from.
      if (needZip && zipRec !== undefined) await ports.store.deleteFile(paths.zip);
      let whole: WholeZip | undefined;
      if (needZip) {
        await this.#zips.use(this.signal, async () => {
          // The database is asked while the zip downloads, not once its h1
          // is known: a verification slot then never waits on the network.
          this.#deps.sumdb.prefetch?.(p, v, files.has('mod') ? 'mod' : 'zip');
          try {
            whole = await this.#downloadZip(m, key, paths.zip, { whole: true, onPartial: () => void stage().catch(() => undefined) });
          } catch (err) {
            await staging?.catch(() => undefined);
            committed = await this.#keepMetadataWithoutZip(m, key, paths, info, mod, err);
            throw err;
          }
        });
      }
      await this.#setStates(key, [
        ['fetched', {}],
        ['verifying', {}],
      ]);
      if (needZip) {
        verifiedZip = await this.#verifying.use(this.signal, async () => {
          const got = whole !== undefined ? await this.#verifyWholeZip(m, paths, whole.data, mod) : undefined;
          if (got !== undefined) return got;
          // Chunks the repair rounds can work on: the zip taken whole is stored as chunk 0.
          if (whole !== undefined) await this.#storeWhole(whole);
          return this.#verifyZip(m, key, paths, mod);
        });
        storedZipHash = verifiedZip.hash;
      }

      // A zip verified here was checked together with this .mod: that answer stands.
      const { modHash, checkedBy } = verifiedZip ?? (await this.#checkHashes(m, mod, storedZipHash));
      // Staging done first: the verdict deletes what it wrote. (Its failure
      // cost only the chance to skip a fetch next time.)
      await staging?.catch(() => undefined);
      // A zip verified from its chunks ends its download in this commit
      // (FilePut.fromDownload): a crash before leaves them to verify again.
      await this.#commitVerified(paths, { zip: verifiedZip, mod, info });
      committed = true;
      await this.#setState(key, 'verified', {
        attempts: 0,
        ...(modHash !== undefined ? { modHash } : {}),
        ...(storedZipHash !== undefined ? { zipHash: storedZipHash } : {}),
        checkedBy,
      });
    } catch (err) {
      // Kept for the next attempt or run; the failure that got here is the one reported.
      if (!committed) await stage().catch(() => undefined);
      throw err;
    }
    void job;
  }

  /**
   * When no proxy will give the zip (404/410 from every entry, or a refusal
   * such as 403), the module fails, but its .mod is still checked against
   * go.sum and the database and kept with its .info, as `go mod download`
   * keeps them: `go list -m all` needs the .info of every build-list module,
   * even one whose zip no build reads. The go.mod hash goes into the state,
   * so an export with failures can list the module. A hash mismatch found
   * here replaces the zip's error (it is the graver one). Returns whether the
   * metadata was stored.
   */
  async #keepMetadataWithoutZip(
    m: PlannedModule,
    key: string,
    paths: { info: string; mod: string; zip: string; ziphash: string },
    info: { data: Uint8Array; verified: boolean } | undefined,
    mod: { data: Uint8Array; verified: boolean } | undefined,
    err: unknown,
  ): Promise<boolean> {
    const kind = classifyError(err).kind;
    if (mod === undefined || (kind !== 'not-found' && kind !== 'refused')) return false;
    const { modHash, checkedBy } = await this.#checkHashes(m, mod, undefined);
    await this.#commitVerified(paths, { mod, info });
    await this.#setState(key, 'fetching', { modHash, checkedBy });
    return true;
  }

  /**
   * Verifies a zip that arrived whole (RangeContext.takeWhole) from memory:
   * its h1 against go.sum and the checksum database, and the extraction
   * rules. Undefined when the bytes fail a zip check, so the caller stores
   * them as chunks and runs #verifyZip, whose repair rounds re-fetch and
   * report as for any download. A hash mismatch with the database or go.sum
   * (a security error) and network errors are thrown.
   */
  async #verifyWholeZip(m: PlannedModule, paths: { zip: string }, whole: Uint8Array, mod: { data: Uint8Array } | undefined): Promise<VerifiedZip | undefined> {
    const mv = { path: m.fetchPath, version: m.fetchVersion };
    let zip;
    try {
      zip = await openZip(bytesSource(whole));
    } catch (err) {
      if (err instanceof ZipFormatError) return undefined;
      throw err;
    }
    const r = await this.#hashZip(mv, zip, whole);
    if (!r.ok) return undefined;
    return this.#checkHashedZip(m, zip, r.hash, mod, paths.zip, whole);
  }

  /**
   * The prefix check, then the zip's h1 or its failing entries' byte ranges
   * (hashZipOrLocate), on another thread where the runtime has a ZipHasher:
   * zip is data opened here, for the checks made on this thread.
   */
  async #hashZip(mv: { path: string; version: string }, zip: ZipReader, data: Blob | Uint8Array, stored?: StoredZip): Promise<ZipHashResult> {
    checkZipPrefix(mv, zip);
    const hasher = this.#deps.ports.zipHasher;
    return hasher !== undefined ? hasher.hash(data, zip.entries, stored) : hashZipOrLocate(zip);
  }

  /** The .mod's hash and a zip hash already known, against go.sum and the checksum database. */
  async #checkHashes(m: PlannedModule, mod: { data: Uint8Array } | undefined, zipHash: string | undefined): Promise<{ modHash: string | undefined; checkedBy: CheckSource[] }> {
    const modHash = mod !== undefined ? await hashGoMod(mod.data) : undefined;
    const hashes = { ...(modHash !== undefined ? { mod: modHash } : {}), ...(zipHash !== undefined ? { zip: zipHash } : {}) };
    return { modHash, checkedBy: await this.#meta.use(this.signal, () => checkHashes(m, hashes, this.#deps.sumdb)) };
  }

  /**
   * What a zip whose h1 is known must still pass before its verdict, in go's
   * order: its h1 (and the .mod's) against go.sum and the checksum database,
   * then go's extraction rules. Returns the verified zip with what checked it,
   * which the verdict reuses rather than asking again.
   */
  async #checkHashedZip(m: PlannedModule, zip: ZipReader, hash: string, mod: { data: Uint8Array } | undefined, zipPath: string, data: Blob | Uint8Array): Promise<VerifiedZip> {
    const { modHash, checkedBy } = await this.#checkHashes(m, mod, hash);
    checkExtractable({ path: m.fetchPath, version: m.fetchVersion }, zip, zipPath);
    return { hash, data, modHash, checkedBy };
  }

  /** Stores a zip taken whole as the one committed chunk of a complete download. */
  async #storeWhole({ data, rec }: WholeZip): Promise<void> {
    await this.#deps.ports.store.commitChunk({ path: rec.path, index: 0, offset: 0, length: data.length, sha256: await sha256Hex(data) }, data, rec);
  }

  /**
   * Assembles, re-checks and hashes the downloaded zip, repairing bad chunks
   * (hash or CRC failures) by re-fetching only them; checks the hashes and the
   * extraction rules. Returns the h1 and the verified bytes (still the
   * download's chunks), which the module's verdict stores.
   */
  async #verifyZip(m: PlannedModule, key: string, paths: { zip: string; ziphash: string; mod: string }, mod: { data: Uint8Array } | undefined): Promise<VerifiedZip> {
    const { ports, job, log } = this.#deps;
    const mv = { path: m.fetchPath, version: m.fetchVersion };
    const ctx = this.#rangeContext(key);
    for (let round = 0; ; round++) {
      let assembled;
      try {
        assembled = await assembleChunks(ports.store, paths.zip);
      } catch (err) {
        // Chunks the progress record counts are gone (a power loss can leave
        // an older record, or files were removed by hand): start over.
        if (!(err instanceof MissingChunkError) || round >= job.settings.maxRepairRounds) throw err;
        await ports.store.deleteDownload(paths.zip);
        await log.record(key, 'restart', { detail: `${err.message}; downloading it again` });
        await this.#downloadZip(m, key, paths.zip);
        continue;
      }
      // Chunks all committed by this run were hashed as they arrived, so the
      // first round goes straight to the zip (whose h1 and CRCs catch damage);
      // chunks from an earlier run, later rounds and a failed first round are
      // re-checked against their recorded SHA-256 (bytes outside the entries
      // are covered by nothing else) and damage is pinned on chunks.
      const fresh = round === 0 && this.#freshZips.has(paths.zip);
      let bad = fresh ? [] : await findBadChunks(ports.store, paths.zip, assembled.chunks);
      let repair: number[] = bad;
      let zipErr: Error | undefined;
      if (bad.length > 0) {
        await log.record(key, 'chunk-refetch', { detail: `stored chunks ${bad.join(', ')} no longer match their SHA-256` });
      } else {
        let zip;
        try {
          zip = await openZip(ports.store.openChunks?.(paths.zip, assembled.chunks) ?? blobSource(assembled.blob));
        } catch (err) {
          if (!(err instanceof ZipFormatError)) throw err;
          zip = undefined;
          zipErr = err;
        }
        if (zip !== undefined) {
          // The file's own SHA-256 (its record's) is its one chunk's, or was
          // taken as its chunks arrived, when it was worth it and they are
          // the stored ones. Else, where the zip hashes on other threads, it
          // is read for it on this one meanwhile, not after the verdict: this
          // thread would otherwise wait on them and they on it. (Where this
          // thread hashes the zip, the two would only hold memory at once.)
          const taken = this.#fileHashes.take(paths.zip, assembled.chunks);
          const fileSha256 = taken !== undefined ? Promise.resolve(taken) : ports.zipHasher !== undefined ? sha256HexOfBlob(assembled.blob) : undefined;
          fileSha256?.catch(() => undefined); // a zip that fails its checks never needs it
          const r = await this.#hashZip(mv, zip, assembled.blob, { path: paths.zip, chunks: assembled.chunks });
          if (r.ok) return { ...(await this.#checkHashedZip(m, zip, r.hash, mod, paths.zip, assembled.blob)), slices: chunkSlices(assembled.record, assembled.chunks), fromDownload: true, ...(fileSha256 !== undefined ? { sha256: fileSha256 } : {}) };
          zipErr = r.error;
          repair = r.badRanges.flatMap(([a, b]) => chunksForRange(assembled.chunks, a, b));
        }
        if (fresh) bad = await findBadChunks(ports.store, paths.zip, assembled.chunks);
        if (bad.length > 0) {
          repair = bad;
          await log.record(key, 'chunk-refetch', { ...(zipErr !== undefined ? { error: zipErr.message } : {}), detail: `stored chunks ${bad.join(', ')} no longer match their SHA-256` });
        } else if (zip !== undefined) {
          await log.record(key, 'chunk-refetch', { ...(zipErr !== undefined ? { error: zipErr.message } : {}), detail: `zip entries failed their checks; re-fetching chunks ${repair.join(', ')}` });
        }
      }
      if (round >= job.settings.maxRepairRounds) throw versionError(mv, zipErr ?? new Error('stored chunks keep failing their SHA-256'));
      if (repair.length === 0) {
        // Nothing to pin the damage on (e.g. an unreadable central directory): fetch the file again.
        await ports.store.resetDownload({ formatVersion: 1, path: paths.zip, url: assembled.record.url, chunkSize: assembled.record.chunkSize, chunks: 0, bytes: 0, complete: false });
        await log.record(key, 'restart', { detail: `zip unreadable (${zipErr?.message ?? 'unknown'}); downloading it again` });
        await this.#downloadZip(m, key, paths.zip);
        continue;
      }
      if ((await refetchChunks(ctx, paths.zip, repair, { untilChanged: bad.length === 0 })) === 'restarted') await this.#downloadZip(m, key, paths.zip);
    }
  }
}

type TransitionPatch = Parameters<typeof transition>[3];

/** A zip verified in this run: its h1 and its bytes (the download's chunks, or the whole zip in memory). */
interface VerifiedZip {
  readonly hash: string;
  readonly data: Blob | Uint8Array;
  /** The .mod's hash, when the .mod was checked with the zip. */
  readonly modHash: string | undefined;
  /** What vouched for the zip's (and that .mod's) hash. */
  readonly checkedBy: CheckSource[];
  /** The hashes of the chunks it was assembled from, kept in its file record. */
  readonly slices?: FileSlices;
  /** data is the download's chunks assembled: storing it ends that download (FilePut.fromDownload). */
  readonly fromDownload?: true;
  /** The SHA-256 of its bytes, when already under way. */
  readonly sha256?: Promise<string>;
}

/**
 * A complete download's chunk hashes as the slices of its file, when every
 * chunk but the last is chunkSize long (assembleChunks has already checked
 * that they are in order and contiguous).
 */
function chunkSlices(rec: DownloadRecord, chunks: readonly ChunkRecord[]): FileSlices | undefined {
  const size = rec.chunkSize;
  const uniform = chunks.every((c, i) => (i === chunks.length - 1 ? c.length > 0 && c.length <= size : c.length === size));
  return uniform && chunks.length > 0 ? { size, sha256: chunks.map((c) => c.sha256) } : undefined;
}

/** A zip that arrived whole in its first chunk, and the progress record it would have had. */
interface WholeZip {
  readonly data: Uint8Array;
  readonly rec: DownloadRecord;
}

/** The abort reason of a stopped run. */
export class StopSignal extends Error {
  override name = 'StopSignal';
  constructor(readonly request: StopRequest) {
    super(request.kind === 'cancel' ? 'job cancelled' : `job paused: ${request.reason}`);
  }
}
