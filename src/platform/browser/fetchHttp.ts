/**
 * The engine's Http port over the browser's fetch, for the page and the
 * dedicated worker.
 *
 * - Bodies stream: the response body is handed on as a reader, never buffered
 *   here; a failure while reading it becomes TransportError('read', url).
 * - Redirects are followed by fetch itself (redirect: 'follow').
 * - An HTTP status is never an error; only getting no response is. fetch
 *   reports a CORS refusal and a network failure with the same bare
 *   TypeError, so the URL's origin decides the message: a cross-origin URL
 *   gets one that names the likely cause (the public Go module proxy refuses
 *   cross-site browser requests, and zip redirects carry no CORS headers) and
 *   points to the same-origin relay.
 * - An abort rethrows the signal's reason, so callers see their own cause.
 */
import { TransportError } from '../../core/goproxy/http.ts';
import type { ByobReader, Http, HttpBodyStream, HttpGetInit, HttpResponseLike } from '../../core/goproxy/http.ts';
import { byobReaderOf } from '../../core/internal/webstd.ts';
import type { StreamReader } from '../../core/internal/webstd.ts';

/** The same-origin relay paths the app's server provides (src/server). */
export const RELAY_PATHS = { goproxy: '/goproxy/', sumdb: '/sumdb/' } as const;

export interface FetchHttpOptions {
  /** The fetch to use (default globalThis.fetch). */
  fetch?: typeof fetch;
  /** The app's origin, to tell cross-origin failures apart (default location.origin). */
  origin?: string;
}

/** An Http port over fetch. */
export function fetchHttp(options: FetchHttpOptions = {}): Http {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const origin = options.origin ?? (globalThis as { location?: { origin: string } }).location?.origin;
  return {
    async get(url: string, init: HttpGetInit = {}): Promise<HttpResponseLike> {
      const signal = init.signal as AbortSignal | undefined;
      let response: Response;
      try {
        response = await doFetch(url, {
          method: 'GET',
          headers: init.headers === undefined ? undefined : { ...init.headers },
          redirect: 'follow',
          credentials: 'same-origin',
          ...(signal === undefined ? {} : { signal }),
        });
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        throw new TransportError('Get', url, explainFetchFailure(url, origin, err));
      }
      return {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
        body: response.body === null ? null : readerOf(response.body, url, signal),
      };
    },
  };
}

/** The cause to report for a fetch that produced no response. */
export function explainFetchFailure(url: string, origin: string | undefined, err: unknown): Error {
  if (!(err instanceof TypeError)) return err instanceof Error ? err : new Error(String(err));
  let target: URL | undefined;
  try {
    target = new URL(url, origin);
  } catch {
    // not a URL: report the TypeError as it is
  }
  if (target !== undefined && origin !== undefined && target.origin !== origin) {
    return new Error(
      `the browser refused a cross-origin request to ${target.origin} (no CORS permission, or the network is down): ` +
        `set the GOPROXY to the same-origin relay ${new URL(RELAY_PATHS.goproxy, origin).href} ` +
        `(and the checksum database to ${new URL(RELAY_PATHS.sumdb, origin).href}), which the modcarry server forwards`,
      { cause: err },
    );
  }
  return new Error(`network error: ${err.message}`, { cause: err });
}

/** Body readers whose read failures are TransportErrors naming the URL. */
function readerOf(stream: ReadableStream<Uint8Array>, url: string, signal: AbortSignal | undefined): HttpBodyStream {
  const failure = (err: unknown): unknown => {
    if (signal?.aborted) return signal.reason;
    return new TransportError('read', url, err instanceof TypeError ? new Error(`network error: ${err.message}`, { cause: err }) : err);
  };
  return {
    getReader(): StreamReader<Uint8Array> {
      const reader = stream.getReader();
      return {
        async read() {
          try {
            const r = await reader.read();
            return r.done ? { done: true } : { done: false, value: r.value };
          } catch (err) {
            throw failure(err);
          }
        },
        cancel: (reason?: unknown) => reader.cancel(reason),
        releaseLock: () => reader.releaseLock(),
      };
    },
    getByobReader(): ByobReader | undefined {
      const reader = byobReaderOf<ReadableStreamBYOBReader>(stream);
      if (reader === undefined) return undefined;
      return {
        async read(view: Uint8Array) {
          try {
            const r = await reader.read(view);
            return { done: r.done, value: r.value };
          } catch (err) {
            throw failure(err);
          }
        },
        cancel: (reason?: unknown) => reader.cancel(reason),
        releaseLock: () => reader.releaseLock(),
      };
    },
  };
}
