/**
 * The Http port for Node: global fetch for http(s) URLs, node:fs for file://
 * proxies. file:// follows cmd/go's web.getFile: a missing file is a 404 and
 * an unreadable one a 403, each carrying the open error's text ("no such file
 * or directory", "permission denied") that go prints instead of the status;
 * any other failure is an error of its own.
 *
 * Every request has a time limit so a dead proxy cannot hang the CLI: the
 * response headers must arrive within timeoutMs, and then the body may not
 * pause for longer than timeoutMs between chunks.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ByobReader, Http, HttpBodyStream, HttpGetInit, HttpResponseLike } from '../../core/goproxy/http.ts';
import { byobReaderOf } from '../../core/internal/webstd.ts';
import type { StreamReader } from '../../core/internal/webstd.ts';

export interface NodeHttpOptions {
  /** Milliseconds to wait for headers, and at most between body chunks (default 30 000). */
  readonly timeoutMs?: number;
  /** Sent with every http(s) request. */
  readonly userAgent?: string;
}

/** The error a request ends with when the server stays silent too long. */
export class HttpTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`timeout: no response for ${ms / 1000}s`);
    this.name = 'HttpTimeoutError';
  }
}

const NO_HEADERS = { get: (): string | null => null };

function fileResponse(status: number, fileError: string): HttpResponseLike {
  return { status, statusText: status === 404 ? 'Not Found' : 'Forbidden', headers: NO_HEADERS, body: null, fileError };
}

async function getFile(url: string): Promise<HttpResponseLike> {
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch (err) {
    throw new Error(`invalid file URL: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  try {
    const data = await readFile(path);
    return { status: 200, statusText: 'OK', headers: NO_HEADERS, body: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return fileResponse(404, 'no such file or directory');
    if (code === 'EACCES' || code === 'EPERM') return fileResponse(403, 'permission denied');
    if (code === 'EISDIR') throw new Error('is a directory', { cause: err });
    throw err;
  }
}

/** Creates the Node Http port. */
export function nodeHttp(opts: NodeHttpOptions = {}): Http {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return {
    async get(url: string, init?: HttpGetInit): Promise<HttpResponseLike> {
      if (url.startsWith('file:')) return getFile(url);
      const controller = new AbortController();
      const outer = init?.signal as AbortSignal | undefined;
      const onOuterAbort = (): void => controller.abort(outer?.reason);
      if (outer !== undefined) {
        if (outer.aborted) controller.abort(outer.reason);
        else outer.addEventListener?.('abort', onOuterAbort, { once: true });
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const arm = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        timer = setTimeout(() => controller.abort(new HttpTimeoutError(timeoutMs)), timeoutMs);
      };
      const disarm = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        outer?.removeEventListener?.('abort', onOuterAbort);
      };
      arm();
      let res: Response;
      try {
        const headers: Record<string, string> = { ...init?.headers };
        if (opts.userAgent !== undefined) headers['User-Agent'] = opts.userAgent;
        res = await fetch(url, { headers, signal: controller.signal, redirect: 'follow' });
      } catch (err) {
        disarm();
        const reason: unknown = controller.signal.reason;
        if (reason instanceof HttpTimeoutError) throw reason;
        throw networkError(err);
      }
      const stream = res.body;
      if (stream === null) {
        disarm();
        return { status: res.status, statusText: res.statusText, headers: res.headers, body: null };
      }
      arm();
      // Every read re-arms the idle timer; the end of the body disarms it.
      const guarded = async <T extends { done: boolean }>(read: Promise<T>): Promise<T> => {
        try {
          const r = await read;
          if (r.done) disarm();
          else arm();
          return r;
        } catch (err) {
          disarm();
          const reason: unknown = controller.signal.reason;
          if (reason instanceof HttpTimeoutError) throw reason;
          throw networkError(err);
        }
      };
      const cancelling = (reader: { cancel(): Promise<void> }) => async (): Promise<void> => {
        disarm();
        await reader.cancel().catch(() => undefined);
      };
      const body: HttpBodyStream = {
        getReader(): StreamReader<Uint8Array> {
          const reader = stream.getReader();
          return {
            read: async () => {
              const r = await guarded(reader.read());
              return r.done ? { done: true } : { done: false, value: r.value };
            },
            cancel: cancelling(reader),
            releaseLock: () => reader.releaseLock(),
          };
        },
        getByobReader(): ByobReader | undefined {
          const reader = byobReaderOf<ReadableStreamBYOBReader>(stream);
          if (reader === undefined) return undefined;
          return {
            read: (view: Uint8Array) => guarded(reader.read(view)),
            cancel: cancelling(reader),
            releaseLock: () => reader.releaseLock(),
          };
        },
      };
      return { status: res.status, statusText: res.statusText, headers: res.headers, body };
    },
  };
}

/** undici's "fetch failed" hides the reason in cause; surface it (e.g. "connect ECONNREFUSED 127.0.0.1:1"). */
function networkError(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  const cause = err.cause;
  if (err.message === 'fetch failed' && cause instanceof Error) {
    const errors = (cause as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors[0] instanceof Error) return new Error(errors[0].message, { cause: err });
    return new Error(cause.message, { cause: err });
  }
  return err;
}
