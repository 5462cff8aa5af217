/**
 * The Http port through which the GOPROXY client reaches the network (fetch
 * in the browser and worker, fetch or the file system in Node), and the body
 * reading that every request shares. The port follows redirects itself, sends
 * plain GETs and never throws for an HTTP status: only a failure to get any
 * response (DNS, refused, reset, CORS, abort) is thrown.
 */
import type { StreamReader } from '../internal/webstd.ts';
import type { AbortSignalLike } from './tryProxies.ts';

/** Response headers, looked up case-insensitively. */
export interface HttpHeadersLike {
  get(name: string): string | null;
}

/**
 * A reader that fills the caller's memory (a WHATWG ReadableStreamBYOBReader):
 * read(view) transfers view's ArrayBuffer and resolves with a view of the same
 * memory, under a new ArrayBuffer, holding what was read. `view` is detached
 * once read is called: the caller takes its memory back from the result's
 * buffer (absent only when the stream was cancelled).
 */
export interface ByobReader {
  read(view: Uint8Array): Promise<{ done: boolean; value?: Uint8Array | undefined }>;
  cancel(reason?: unknown): Promise<void>;
  releaseLock(): void;
}

/** A streamed body: one reader of either kind may be taken. */
export interface HttpBodyStream {
  getReader(): StreamReader<Uint8Array>;
  /**
   * A BYOB reader where the stream is a byte stream (fetch's bodies, in
   * browsers and Node), else undefined and getReader is still free. Reading
   * into one reused buffer spares the allocation of a fresh piece per read.
   */
  getByobReader?(): ByobReader | undefined;
}

/** A response body: bytes, or a WHATWG ReadableStream of bytes. */
export type HttpBody = Uint8Array | HttpBodyStream | null;

/** One response as the port reports it. */
export interface HttpResponseLike {
  readonly status: number;
  /** The reason phrase; '' under HTTP/2, where go uses http.StatusText. */
  readonly statusText: string;
  readonly headers: HttpHeadersLike;
  readonly body: HttpBody;
  /**
   * file:// ports only: the open error behind a 404 (ENOENT) or 403 (EACCES),
   * e.g. "no such file or directory", which go prints instead of the status.
   */
  readonly fileError?: string;
}

/** Options for one GET. */
export interface HttpGetInit {
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignalLike;
}

/** The network port. */
export interface Http {
  get(url: string, init?: HttpGetInit): Promise<HttpResponseLike>;
}

/** A transport failure, formatted like Go's *url.Error: `Get "<url>": <reason>` or `read "<url>": <reason>`. */
export class TransportError extends Error {
  readonly op: 'Get' | 'read';
  readonly url: string;
  constructor(op: 'Get' | 'read', url: string, cause: unknown) {
    super(`${op} ${JSON.stringify(url)}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'TransportError';
    this.op = op;
    this.url = url;
  }
}

/** The body exceeded the caller's limit; readBody stopped reading after limit+1 bytes. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Reads body, handing each chunk to onChunk (or collecting them when onChunk
 * is absent). Stops and throws BodyTooLargeError once more than limit bytes
 * arrived. Returns the collected bytes (empty when onChunk consumed them) and
 * the total length.
 */
export async function readBody(
  body: HttpBody,
  opts: { limit?: number; onChunk?: (chunk: Uint8Array) => void | Promise<void> } = {},
): Promise<{ data: Uint8Array; size: number }> {
  const limit = opts.limit ?? Number.MAX_SAFE_INTEGER;
  if (body === null) return { data: new Uint8Array(0), size: 0 };
  if (body instanceof Uint8Array) {
    if (body.length > limit) throw new BodyTooLargeError(limit);
    if (opts.onChunk !== undefined) {
      await opts.onChunk(body);
      return { data: new Uint8Array(0), size: body.length };
    }
    return { data: body, size: body.length };
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      size += r.value.length;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        throw new BodyTooLargeError(limit);
      }
      if (opts.onChunk !== undefined) await opts.onChunk(r.value);
      else chunks.push(r.value);
    }
  } finally {
    try {
      reader.releaseLock();
    } catch {
      // already released by cancel
    }
  }
  if (opts.onChunk !== undefined) return { data: new Uint8Array(0), size };
  const data = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  return { data, size };
}

/** Reads at most limit bytes of body and discards the rest (for error details). */
export async function readBodyPrefix(body: HttpBody, limit: number): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  if (body instanceof Uint8Array) return body.subarray(0, limit);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const r = await reader.read();
      if (r.done) break;
      chunks.push(r.value);
      size += r.value.length;
    }
    if (size >= limit) await reader.cancel().catch(() => undefined);
  } finally {
    try {
      reader.releaseLock();
    } catch {
      // already released
    }
  }
  const data = new Uint8Array(Math.min(size, limit));
  let at = 0;
  for (const c of chunks) {
    const take = Math.min(c.length, data.length - at);
    data.set(c.subarray(0, take), at);
    at += take;
  }
  return data;
}

/** Releases a body that will not be read. */
export async function discardBody(body: HttpBody): Promise<void> {
  if (body === null || body instanceof Uint8Array) return;
  try {
    const reader = body.getReader();
    await reader.cancel();
  } catch {
    // nothing to release
  }
}
