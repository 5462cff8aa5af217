import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter, retryDelay } from '../../../src/engine/backoff.ts';
import { classifyError, RetryableError, SecurityError } from '../../../src/engine/classify.ts';
import { resolveSettings } from '../../../src/engine/settings.ts';
import { HTTPError } from '../../../src/core/goproxy/httpError.ts';
import { TransportError } from '../../../src/core/goproxy/http.ts';
import { ModuleError } from '../../../src/core/module/errors.ts';
import { StorageFullError } from '../../../src/engine/ports.ts';
import { ZipCheckError } from '../../../src/core/zip/checkZip.ts';

const fixed = (v: number) => ({ next: () => v });
const retry = { baseDelayMs: 100, maxDelayMs: 1000, maxAttempts: 5 };

describe('backoff with full jitter', () => {
  it('draws below a ceiling that doubles per attempt and stops at the cap', () => {
    expect(backoffDelay(0, retry, fixed(0.999))).toBe(99);
    expect(backoffDelay(1, retry, fixed(0.999))).toBe(199);
    expect(backoffDelay(3, retry, fixed(0.999))).toBe(799);
    expect(backoffDelay(4, retry, fixed(0.999))).toBe(999);
    expect(backoffDelay(60, retry, fixed(0.5))).toBe(500);
    expect(backoffDelay(2, retry, fixed(0))).toBe(0);
  });

  it('honours Retry-After as a lower bound', () => {
    expect(retryDelay(0, retry, fixed(0.5), 5000)).toBe(5000);
    expect(retryDelay(4, retry, fixed(0.5), 10)).toBe(500);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('failure classes', () => {
  const http = (code: number) => new HTTPError('https://p/x', code, `${code} X`);
  it('retries 5xx, 408 and 429 (with Retry-After), network errors and the engine\'s own transient errors', () => {
    expect(classifyError(new ModuleError('m', 'v1.0.0', http(503)))).toEqual({ kind: 'retry' });
    const limited = Object.assign(http(429), { retryAfterMs: 2000 });
    expect(classifyError(new ModuleError('m', 'v1.0.0', limited))).toEqual({ kind: 'retry', retryAfterMs: 2000 });
    expect(classifyError(http(408)).kind).toBe('retry');
    expect(classifyError(new TransportError('Get', 'https://p/x', new Error('ECONNRESET'))).kind).toBe('network');
    expect(classifyError(new RetryableError('stalled')).kind).toBe('retry');
  });
  it('stops on 404/410 after the walk, on 403 and other client errors, on security and zip-rule errors', () => {
    expect(classifyError(new ModuleError('m', 'v1.0.0', http(404))).kind).toBe('not-found');
    expect(classifyError(http(410)).kind).toBe('not-found');
    expect(classifyError(http(403)).kind).toBe('refused');
    expect(classifyError(http(401)).kind).toBe('refused');
    expect(classifyError(new SecurityError('x')).kind).toBe('security');
    expect(classifyError(new ZipCheckError('prefix', 'x')).kind).toBe('zip-rules');
    expect(classifyError(new Error('x', { cause: new StorageFullError(5, 1) })).kind).toBe('storage-full');
    expect(classifyError(new Error('odd')).kind).toBe('error');
  });
});

describe('settings', () => {
  it('fills defaults and refuses out-of-range values by name', () => {
    const s = resolveSettings({ chunkSize: 1 << 20, retry: { maxAttempts: 3 } });
    expect(s.maxConcurrentZips).toBe(4);
    expect(s.maxConcurrentMetadata).toBe(8);
    expect(s.retry).toEqual({ baseDelayMs: 1000, maxDelayMs: 60_000, maxAttempts: 3 });
    expect(() => resolveSettings({ chunkSize: 8 << 20 })).toThrow(/chunkSize/);
    expect(() => resolveSettings({ maxConcurrentZips: 0 })).toThrow(/maxConcurrentZips/);
  });
});
