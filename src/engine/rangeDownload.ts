/**
 * Chunked, resumable download of one large file (a module zip) into the
 * store, with HTTP Range requests.
 *
 * Invariants:
 * - Chunk i covers [i·chunkSize, (i+1)·chunkSize) of the file (the last one
 *   may be shorter); a chunk is committed only whole, with its SHA-256, in the
 *   same store transaction as the progress that counts it. An interrupted
 *   request therefore loses at most the one chunk it was filling.
 * - Resumption asks for `bytes=<committed>-` with If-Range set to the
 *   validator recorded from the first response (a strong ETag, else
 *   Last-Modified). A 200 instead of a 206, a Content-Range that does not
 *   continue where we are, another total size or another ETag means the file
 *   is not the one we have chunks of: the download restarts from zero
 *   (resetDownload drops every chunk), consuming a 200's body as the new file.
 * - A chunk found bad later (its bytes no longer hash to its record, or a zip
 *   entry in it fails its CRC-32) is fetched again alone, as a bounded range
 *   guarded by If-Range, and replaces the stored chunk.
 */
import { TransportError } from '../core/goproxy/http.ts';
import type { Http, HttpHeadersLike, HttpResponseLike } from '../core/goproxy/http.ts';
import { discardBody, readBodyPrefix } from '../core/goproxy/http.ts';
import { httpError, MAX_ERROR_BODY_BYTES } from '../core/goproxy/httpError.ts';
import { redactURL } from '../core/goproxy/urls.ts';
import { sha256Digest, toHex } from '../core/internal/sha256.ts';
import { parseRetryAfter } from './backoff.ts';
import { RetryableError } from './classify.ts';
import type { LogEvent, LogFields } from './changeLog.ts';
import type { ChunkRecord, Clock, DownloadRecord, EngineStore } from './ports.ts';

/** What a ranged download needs from the engine. */
export interface RangeContext {
  readonly http: Http;
  readonly store: EngineStore;
  readonly clock: Clock;
  /** Aborts the download (pause, cancel); the abort reason is rethrown. */
  readonly signal: AbortSignal;
  /** A body silent for this long is abandoned (RetryableError). */
  readonly stallTimeoutMs: number;
  /** The largest file accepted. */
  readonly maxSize: number;
  readonly log: (event: LogEvent, fields?: LogFields) => Promise<void>;
  /** Called after each committed chunk. */
  readonly onProgress?: (rec: DownloadRecord) => void;
  /**
   * Called with each chunk a body commits (not a repair's: refetchChunks),
   * its bytes (valid only during the call) and the record that will count it,
   * while the store writes it: a chunk whose commit then fails has been seen
   * all the same.
   */
  readonly onChunk?: (chunk: ChunkRecord, data: Uint8Array, rec: DownloadRecord) => void;
  /** Throws StorageFullError when `needed` more bytes do not fit. */
  readonly ensureSpace?: (needed: number) => Promise<void>;
  /**
   * Offered a file that arrived whole in one response and fits in its first
   * chunk (most module zips), with the complete progress record it would
   * have: returning true takes the bytes, which are then the caller's to
   * verify and store, and no chunk is committed. Storing such
   * a chunk would buy nothing: an interruption before the caller's verdict
   * costs the one chunk that any interrupted download may lose.
   */
  readonly takeWhole?: (data: Uint8Array, rec: DownloadRecord) => boolean;
}

/** The file is larger than maxSize (go: "downloaded zip file too large"). */
export class FileTooLargeError extends Error {
  override name = 'FileTooLargeError';
}

/** A fresh progress record: nothing committed. */
export function freshDownload(path: string, url: string, chunkSize: number): DownloadRecord {
  return { formatVersion: 1, path, url, chunkSize, chunks: 0, bytes: 0, complete: false };
}

/** Parses `bytes first-last/total` (total may be '*'). */
export function parseContentRange(v: string | null): { start: number; end: number; total?: number } | undefined {
  if (v === null) return undefined;
  const m = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(v);
  if (m === null) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start) return undefined;
  return m[3] === '*' ? { start, end } : { start, end, total: Number(m[3]) };
}

/** The validators of a response: a strong ETag (weak ones cannot be used in If-Range), Last-Modified. */
function validators(h: HttpHeadersLike): { etag?: string; lastModified?: string } {
  const etag = h.get('etag') ?? undefined;
  const lastModified = h.get('last-modified') ?? undefined;
  const out: { etag?: string; lastModified?: string } = {};
  if (etag !== undefined && !etag.startsWith('W/')) out.etag = etag;
  if (lastModified !== undefined) out.lastModified = lastModified;
  return out;
}

function ifRange(rec: DownloadRecord): string | undefined {
  return rec.etag ?? rec.lastModified;
}

/** Whether a response's validator says the file changed since rec was started. */
function validatorChanged(rec: DownloadRecord, h: HttpHeadersLike): boolean {
  const v = validators(h);
  if (rec.etag !== undefined) return v.etag !== rec.etag;
  if (rec.lastModified !== undefined) return v.lastModified !== rec.lastModified;
  return false;
}

/**
 * Lower-case hex SHA-256. In Node the runtime's hasher reads data where it
 * lies; WebCrypto (browsers) copies it first, which only browsers pay.
 */
export async function sha256Hex(data: Uint8Array): Promise<string> {
  return toHex(await sha256Digest(data));
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason ?? new Error('aborted');
}

/** One request, linked to ctx.signal, with its own controller for stalls. */
async function request(ctx: RangeContext, url: string, headers: Record<string, string>): Promise<{ res: HttpResponseLike; ac: AbortController }> {
  throwIfAborted(ctx.signal);
  const ac = new AbortController();
  const onAbort = (): void => ac.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const timer = new AbortController();
  const stalled = ctx.clock.sleep(ctx.stallTimeoutMs, timer.signal).then(
    () => true,
    () => false,
  );
  try {
    const res = await Promise.race([
      ctx.http.get(url, { headers, signal: ac.signal }),
      stalled.then((s) => (s ? Promise.reject(new RetryableError(`Get ${JSON.stringify(redactURL(url))}: no response for ${ctx.stallTimeoutMs} ms`)) : new Promise<never>(() => undefined))),
    ]);
    return { res, ac };
  } catch (err) {
    ac.abort(err);
    throwIfAborted(ctx.signal);
    if (err instanceof RetryableError) throw err;
    throw new TransportError('Get', redactURL(url), err);
  } finally {
    timer.abort();
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

/** The error for a status other than 200/206/416, with Retry-After attached for 429/503. */
async function statusError(ctx: RangeContext, url: string, res: HttpResponseLike): Promise<Error> {
  const body = await readBodyPrefix(res.body, MAX_ERROR_BODY_BYTES).catch(() => new Uint8Array(0));
  const err = httpError(redactURL(url), res.status, res.statusText, res.headers.get('content-type'), body);
  const ra = parseRetryAfter(res.headers.get('retry-after'), ctx.clock.now());
  if (ra !== undefined) (err as { retryAfterMs?: number }).retryAfterMs = ra;
  return err;
}

/** read, unless the stall timeout passes first: then the request is aborted (RetryableError). */
async function readOrStall<T>(ctx: RangeContext, url: string, ac: AbortController, read: Promise<T>): Promise<T> {
  const timer = new AbortController();
  const stall = ctx.clock.sleep(ctx.stallTimeoutMs, timer.signal).then(
    () => 'stall' as const,
    () => 'cancelled' as const,
  );
  let r: T | 'stall';
  try {
    r = await Promise.race([read, stall.then((s) => (s === 'stall' ? ('stall' as const) : new Promise<never>(() => undefined)))]);
  } catch (err) {
    throwIfAborted(ctx.signal);
    throw new TransportError('read', redactURL(url), err);
  } finally {
    timer.abort();
  }
  if (r === 'stall') {
    ac.abort(new Error('stalled'));
    throw new RetryableError(`read ${JSON.stringify(redactURL(url))}: no data for ${ctx.stallTimeoutMs} ms`);
  }
  return r;
}

/**
 * A body read into chunk-sized memory: yields a view of `size` bytes each time
 * one is full and, at the end of the body, what is left when anything is. A
 * yielded view is the consumer's only until it asks for the next one: then
 * the same memory is refilled. `admit` is told the body's length so far
 * before those bytes are kept, and throws to refuse them. `capacity` bounds
 * the memory of a body known to be short: when admit refuses more than
 * capacity − 1 bytes, capacity bytes suffice (a module zip of 30 KiB needs no
 * 2 MiB buffer), and the spare byte lets an overlong body reach admit.
 *
 * Where the port offers a BYOB reader (fetch, in browsers and Node), the
 * body is read straight into that memory, so a 400 MiB zip costs one buffer,
 * not thousands of pieces left for the collector; other bodies are copied in
 * piece by piece. A read that does not complete within the stall timeout
 * aborts the request.
 */
async function* filledChunks(
  ctx: RangeContext,
  url: string,
  res: HttpResponseLike,
  ac: AbortController,
  size: number,
  capacity: number,
  admit: (got: number) => void,
): AsyncGenerator<Uint8Array> {
  const body = res.body;
  if (body === null) return;
  const memory = Math.min(capacity, size);
  let buf: Uint8Array = new Uint8Array(memory);
  let fill = 0;
  let got = 0;
  function* copyIn(piece: Uint8Array): Generator<Uint8Array> {
    got += piece.length;
    admit(got);
    let at = 0;
    while (at < piece.length) {
      const take = Math.min(size - fill, piece.length - at);
      buf.set(piece.subarray(at, at + take), fill);
      fill += take;
      at += take;
      if (fill === size) {
        fill = 0;
        yield buf;
      }
    }
  }
  if (body instanceof Uint8Array) {
    yield* copyIn(body);
    if (fill > 0) yield buf.subarray(0, fill);
    return;
  }
  const byob = body.getByobReader?.();
  const plain = byob === undefined ? body.getReader() : undefined;
  const onAbort = (): void => ac.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let finished = false;
  try {
    for (;;) {
      if (plain !== undefined) {
        const r = await readOrStall(ctx, url, ac, plain.read());
        if (r.done) break;
        yield* copyIn(r.value);
      } else if (byob !== undefined) {
        // At most the free room: admit sees every byte before a chunk is full.
        const r = await readOrStall(ctx, url, ac, byob.read(new Uint8Array(buf.buffer, fill, memory - fill)));
        if (r.value === undefined) throw new TransportError('read', redactURL(url), new Error('the body was cancelled'));
        // The memory came back under a new ArrayBuffer; buf's old one is detached.
        buf = new Uint8Array(r.value.buffer, 0, memory);
        if (r.done) break;
        if (r.value.length === 0) continue;
        got += r.value.length;
        admit(got);
        fill += r.value.length;
        if (fill === size) {
          fill = 0;
          yield buf;
        } else if (fill === memory) {
          throw new Error(`modcarry: ${redactURL(url)}: ${got} bytes admitted into room for ${capacity - 1}`);
        }
      }
    }
    finished = true;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    const reader = byob ?? plain;
    if (!finished) {
      // The request is aborted first; the cancel only tidies up, so nothing waits on it.
      ac.abort(new Error('body abandoned'));
      void reader?.cancel().catch(() => undefined);
    }
    try {
      reader?.releaseLock();
    } catch {
      // cancelled readers may already be released
    }
  }
  if (fill > 0) yield buf.subarray(0, fill);
}

/**
 * Consumes a body that starts at rec.bytes, committing whole chunks; returns
 * the progress record after the last commit.
 *
 * One chunk's memory serves the whole body (filledChunks): it is refilled
 * only after commitChunk has resolved, by when every store has written or
 * copied the bytes. A fresh buffer per chunk would live across several
 * young-generation collections, be promoted, and pile up as old-space garbage
 * that only a full collection frees (tens of MiB of RSS per zip in flight).
 */
async function consume(ctx: RangeContext, url: string, res: HttpResponseLike, ac: AbortController, start: DownloadRecord, offerWhole: boolean): Promise<DownloadRecord> {
  let rec = start;
  const size = rec.chunkSize;
  const total = rec.totalSize;
  const commit = async (data: Uint8Array, last: boolean): Promise<void> => {
    const chunk: ChunkRecord = { path: rec.path, index: rec.chunks, offset: rec.bytes, length: data.length, sha256: await sha256Hex(data) };
    const bytes = rec.bytes + data.length;
    const next: DownloadRecord = { ...rec, chunks: rec.chunks + 1, bytes, complete: last || (total !== undefined && bytes === total) };
    throwIfAborted(ctx.signal);
    const committed = ctx.store.commitChunk(chunk, data, next);
    try {
      // This thread's work on the bytes overlaps the store's write of them.
      ctx.onChunk?.(chunk, data, next);
    } finally {
      await committed;
    }
    rec = next;
    ctx.onProgress?.(rec);
  };
  const admit = (got: number): void => {
    const at = start.bytes + got;
    if ((total !== undefined && at > total) || at > ctx.maxSize) {
      ac.abort(new Error('too large'));
      if (at > ctx.maxSize) throw new FileTooLargeError('downloaded zip file too large');
      throw new RetryableError(`read ${JSON.stringify(redactURL(url))}: more bytes than the declared size ${total}`);
    }
  };
  // A body known to end within this chunk needs room for that much and one byte more (to notice a longer one).
  const capacity = total !== undefined ? Math.min(size, total - start.bytes + 1) : size;
  let tail: Uint8Array | undefined;
  for await (const data of filledChunks(ctx, url, res, ac, size, capacity, admit)) {
    if (data.length === size) await commit(data, false);
    else tail = data;
  }
  if (tail !== undefined) {
    if (total !== undefined && rec.bytes + tail.length !== total) {
      throw new TransportError('read', redactURL(url), new Error('unexpected EOF'));
    }
    throwIfAborted(ctx.signal);
    const whole: DownloadRecord = { ...rec, chunks: 1, bytes: tail.length, totalSize: tail.length, complete: true };
    // The memory is this call's own, so bytes handed over are never refilled.
    if (offerWhole && rec.chunks === 0 && ctx.takeWhole?.(tail, whole) === true) {
      ctx.onProgress?.(whole);
      return whole;
    }
    await commit(tail, true);
  } else if (!rec.complete) {
    if (total !== undefined && rec.bytes < total) throw new TransportError('read', redactURL(url), new Error('unexpected EOF'));
    rec = { ...rec, complete: true, totalSize: rec.bytes };
    await ctx.store.truncateDownload(rec.path, rec.chunks, rec);
  }
  return rec;
}

/** Restarts the download from zero with the given record (all chunks dropped). */
async function restart(ctx: RangeContext, rec: DownloadRecord, why: string): Promise<void> {
  await ctx.log('restart', { bytes: rec.bytes, detail: why });
  await ctx.store.resetDownload(rec);
}

/**
 * Downloads url into the store under path (a module-cache path) until the
 * progress record is complete, resuming whatever is committed. A progress
 * record for another URL, or with another chunk size, is started over.
 * `stored` is the progress record as the caller has just read it (its
 * `record` undefined when there is none), saving a store read; without it the
 * record is read here.
 */
export async function downloadRanged(
  ctx: RangeContext,
  path: string,
  url: string,
  chunkSize: number,
  stored?: { readonly record: DownloadRecord | undefined },
): Promise<DownloadRecord> {
  let rec = stored !== undefined ? stored.record : await ctx.store.getDownload(path);
  // Whether the store holds a record for path: a file taken whole (takeWhole)
  // must leave none behind, so only a download that stored nothing offers it.
  let holds = rec !== undefined;
  if (rec === undefined) {
    // Nothing stored yet: the first chunk's commit (or the completion of an
    // empty file) writes the progress record, so no commit is spent here.
    rec = freshDownload(path, url, chunkSize);
  } else if (rec.url !== url || rec.chunkSize !== chunkSize) {
    await ctx.log('restart', { bytes: rec.bytes, detail: rec.url !== url ? 'the file now comes from another URL' : 'the chunk size changed' });
    rec = freshDownload(path, url, chunkSize);
    await ctx.store.resetDownload(rec);
    holds = true;
  }
  let checkedSpace = false;
  while (!rec.complete) {
    const headers: Record<string, string> = { Range: `bytes=${rec.bytes}-` };
    const v = ifRange(rec);
    if (rec.bytes > 0 && v !== undefined) headers['If-Range'] = v;
    const { res, ac } = await request(ctx, url, headers);
    if (res.status === 206) {
      const cr = parseContentRange(res.headers.get('content-range'));
      const changed = rec.bytes > 0 && validatorChanged(rec, res.headers);
      const badTotal = rec.totalSize !== undefined && cr?.total !== rec.totalSize;
      if (cr === undefined || cr.start !== rec.bytes || changed || badTotal) {
        await discardBody(res.body);
        const why = changed ? 'the validator changed' : cr === undefined ? 'unreadable Content-Range' : badTotal ? 'the file size changed' : 'the range does not continue the download';
        rec = freshDownload(path, url, chunkSize);
        await restart(ctx, rec, why);
        holds = true;
        continue;
      }
      if (rec.bytes === 0) {
        rec = { ...freshDownload(path, url, chunkSize), ...validators(res.headers), ...(cr.total !== undefined ? { totalSize: cr.total } : {}) };
      }
    } else if (res.status === 200) {
      const len = res.headers.get('content-length');
      const fresh: DownloadRecord = { ...freshDownload(path, url, chunkSize), ...validators(res.headers), ...(len !== null && /^\d+$/.test(len) ? { totalSize: Number(len) } : {}) };
      if (rec.bytes > 0) {
        await restart(ctx, fresh, 'the server answered a Range request with 200 (ignored the range or the file changed)');
        holds = true;
      }
      rec = fresh;
    } else if (res.status === 416) {
      await discardBody(res.body);
      if (rec.totalSize !== undefined && rec.bytes === rec.totalSize) {
        rec = { ...rec, complete: true };
        await ctx.store.truncateDownload(path, rec.chunks, rec);
        break;
      }
      rec = freshDownload(path, url, chunkSize);
      await restart(ctx, rec, 'range not satisfiable');
      throw new RetryableError(`reading ${redactURL(url)}: 416 Range Not Satisfiable`);
    } else {
      throw await statusError(ctx, url, res);
    }
    if (rec.totalSize !== undefined && rec.totalSize > ctx.maxSize) {
      await discardBody(res.body);
      throw new FileTooLargeError('downloaded zip file too large');
    }
    if (!checkedSpace && rec.totalSize !== undefined && ctx.ensureSpace !== undefined) {
      checkedSpace = true;
      try {
        await ctx.ensureSpace(rec.totalSize - rec.bytes);
      } catch (err) {
        await discardBody(res.body);
        throw err;
      }
    }
    rec = await consume(ctx, url, res, ac, rec, !holds);
    holds = true;
  }
  return rec;
}

/**
 * Fetches the chunks at indices again, in order, each as a bounded If-Range
 * request, replacing the stored chunk when the bytes differ. With
 * untilChanged, stops after the first chunk that differed: an entry failing
 * its CRC-32 says which entry is damaged, not which of its chunks, and one
 * transmission error damages one chunk. Returns 'restarted' when the file changed
 * meanwhile (the download was reset and must be run again).
 */
export async function refetchChunks(
  ctx: RangeContext,
  path: string,
  indices: readonly number[],
  opts: { untilChanged?: boolean } = {},
): Promise<'ok' | 'restarted'> {
  const rec = await ctx.store.getDownload(path);
  if (rec === undefined) return 'restarted';
  const chunks = new Map((await ctx.store.listChunks(path)).map((c) => [c.index, c]));
  for (const index of [...new Set(indices)].sort((a, b) => a - b)) {
    const old = chunks.get(index);
    if (old === undefined) continue;
    await ctx.log('chunk-refetch', { bytes: old.length, detail: `chunk ${index} (bytes ${old.offset}-${old.offset + old.length - 1})` });
    const headers: Record<string, string> = { Range: `bytes=${old.offset}-${old.offset + old.length - 1}` };
    const v = ifRange(rec);
    if (v !== undefined) headers['If-Range'] = v;
    const { res, ac } = await request(ctx, rec.url, headers);
    if (res.status === 200 || (res.status === 206 && validatorChanged(rec, res.headers))) {
      await discardBody(res.body);
      await restart(ctx, freshDownload(path, rec.url, rec.chunkSize), 'the validator changed while re-fetching a bad chunk');
      return 'restarted';
    }
    if (res.status !== 206) throw await statusError(ctx, rec.url, res);
    const cr = parseContentRange(res.headers.get('content-range'));
    if (cr === undefined || cr.start !== old.offset || cr.end !== old.offset + old.length - 1 || (rec.totalSize !== undefined && cr.total !== rec.totalSize)) {
      await discardBody(res.body);
      await restart(ctx, freshDownload(path, rec.url, rec.chunkSize), 'unexpected Content-Range while re-fetching a bad chunk');
      return 'restarted';
    }
    // Room for one byte more than the range: a longer body is refused, not cut.
    let data: Uint8Array | undefined;
    const admit = (got: number): void => {
      if (got > old.length) throw new RetryableError(`read ${JSON.stringify(redactURL(rec.url))}: more bytes than the requested range`);
    };
    for await (const piece of filledChunks(ctx, rec.url, res, ac, old.length + 1, old.length + 1, admit)) data = piece;
    if (data === undefined || data.length !== old.length) throw new TransportError('read', redactURL(rec.url), new Error('unexpected EOF'));
    throwIfAborted(ctx.signal);
    const sha = await sha256Hex(data);
    const differs = sha !== old.sha256;
    // Without untilChanged the stored bytes themselves are suspect: always replace them.
    if (differs || opts.untilChanged !== true) await ctx.store.commitChunk({ ...old, sha256: sha }, data, rec);
    // The damaged chunk is found: the server's bytes differ from what was recorded.
    if (differs && opts.untilChanged === true) break;
  }
  return 'ok';
}
