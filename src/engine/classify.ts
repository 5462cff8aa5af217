/**
 * What the engine does with a failure. Network errors, 5xx, 408 and 429
 * retry (429/503 after Retry-After); 404/410 already made the GOPROXY walk
 * move on, so a not-exist error that reaches here means no proxy has the
 * file; 403 and other client errors stop with the proxy's reason; hash
 * mismatches are security errors and never retried; a full store pauses the
 * job.
 */
import { DirectUnsupportedError } from '../core/goproxy/client.ts';
import { TransportError } from '../core/goproxy/http.ts';
import { HTTPError } from '../core/goproxy/httpError.ts';
import { isNotExist } from '../core/goproxy/notExist.ts';
import { ProxyConfigError } from '../core/goproxy/proxyList.ts';
import { ZipCheckError } from '../core/zip/checkZip.ts';
import { StorageFullError } from './ports.ts';

/** A hash that differs from go.sum or the checksum database; message is go's text. */
export class SecurityError extends Error {
  override name = 'SecurityError';
}

/** A transient failure the engine made itself (stalled body, short body, validator restart). */
export class RetryableError extends Error {
  override name = 'RetryableError';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type ErrorClass =
  | { kind: 'storage-full'; error: StorageFullError }
  | { kind: 'security' }
  | { kind: 'network' }
  | { kind: 'retry'; retryAfterMs?: number }
  | { kind: 'not-found' }
  | { kind: 'refused' }
  | { kind: 'zip-rules' }
  | { kind: 'error' };

/** The error and everything it wraps (`err` of ModuleError, then `cause`). */
export function* errorChain(err: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e !== null && e !== undefined && !seen.has(e)) {
    seen.add(e);
    yield e;
    if (typeof e !== 'object') return;
    const inner = (e as { err?: unknown }).err;
    e = inner !== undefined ? inner : (e as { cause?: unknown }).cause;
  }
}

function retryAfterOf(err: unknown): number | undefined {
  for (const e of errorChain(err)) {
    const v = (e as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof v === 'number') return v;
  }
  return undefined;
}

export function classifyError(err: unknown): ErrorClass {
  const chain = [...errorChain(err)];
  for (const e of chain) {
    if (e instanceof StorageFullError) return { kind: 'storage-full', error: e };
    if (e instanceof SecurityError) return { kind: 'security' };
    if (e instanceof ZipCheckError) return { kind: 'zip-rules' };
  }
  for (const e of chain) {
    if (e instanceof HTTPError) {
      const s = e.statusCode;
      if (s >= 500 || s === 429 || s === 408) {
        const ra = retryAfterOf(err);
        return ra !== undefined ? { kind: 'retry', retryAfterMs: ra } : { kind: 'retry' };
      }
      if (s === 404 || s === 410) return { kind: 'not-found' };
      return { kind: 'refused' };
    }
    if (e instanceof RetryableError) return e.retryAfterMs !== undefined ? { kind: 'retry', retryAfterMs: e.retryAfterMs } : { kind: 'retry' };
    if (e instanceof TransportError) return { kind: 'network' };
    if (e instanceof DirectUnsupportedError || e instanceof ProxyConfigError) return { kind: 'refused' };
  }
  if (isNotExist(err)) return { kind: 'not-found' };
  return { kind: 'error' };
}
