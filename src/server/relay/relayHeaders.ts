/**
 * The headers the relays let through, each way. Everything else is dropped:
 * the browser's cookies, credentials and client hints never reach an upstream,
 * and an upstream's cookies, auth challenges, CORS and redirect headers never
 * reach the page.
 *
 * Upstream: only the validators and Range the app uses to resume zips, and
 * `Accept-Encoding: identity`, so byte ranges and lengths are the file's own.
 * Downstream: what describes the body and its caching. Content-Encoding is
 * passed on if an upstream compresses in spite of identity, so the bytes stay
 * decodable; Retry-After goes with 429 and 503.
 */
import type { IncomingHttpHeaders } from 'node:http';

const UPSTREAM = ['range', 'if-range', 'if-none-match', 'if-modified-since'] as const;

const DOWNSTREAM = [
  'content-type',
  'content-length',
  'content-range',
  'content-encoding',
  'accept-ranges',
  'etag',
  'last-modified',
  'cache-control',
  'expires',
  'retry-after',
] as const;

/** Longest header value forwarded; validators and ranges are short. */
const MAX_VALUE = 1024;

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The request headers to send upstream, from the browser's. */
export function upstreamHeaders(incoming: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {
    'accept-encoding': 'identity',
    'user-agent': 'modcarry-relay',
  };
  for (const name of UPSTREAM) {
    const v = first(incoming[name]);
    if (v !== undefined && v.length <= MAX_VALUE && /^[\x20-\x7e]*$/.test(v)) out[name] = v;
  }
  return out;
}

/** The response headers to send to the browser, from the upstream's. */
export function downstreamHeaders(upstream: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of DOWNSTREAM) {
    const v = first(upstream[name]);
    if (v === undefined) continue;
    if (name === 'content-encoding' && v.trim().toLowerCase() === 'identity') continue;
    out[name] = v;
  }
  return out;
}
