/**
 * The error for a failed proxy request, with cmd/go web.HTTPError's text:
 * `reading <url>: <status>`, plus `\n\tserver response:` and the start of a
 * text/plain body, trimmed and sanitised the way go does it so that a server
 * cannot flood or garble the user's terminal. Only 404 and 410 are not-exist.
 */
import { isValidUtf8, utf8Decode, utf8Encode } from '../internal/webstd.ts';
import type { NotExistClassified } from './notExist.ts';

const MAX_DETAIL_LINES = 8;
const MAX_DETAIL_BYTES = MAX_DETAIL_LINES * 81;

/** How much of an error body is read to build the detail; error pages are small. */
export const MAX_ERROR_BODY_BYTES = 1 << 20;

/** A non-200 response (or a file:// open failure) for url. */
export class HTTPError extends Error implements NotExistClassified {
  /** The request URL with any password redacted. */
  readonly url: string;
  /** Go's resp.Status, e.g. "404 Not Found". */
  readonly status: string;
  readonly statusCode: number;
  /** The trimmed server response, '' when absent or refused. */
  readonly detail: string;
  /** The underlying error text, for file:// proxies ("no such file or directory"). */
  readonly errText: string;

  constructor(url: string, statusCode: number, status: string, detail = '', errText = '') {
    super(httpErrorMessage(url, status, detail, errText));
    this.name = 'HTTPError';
    this.url = url;
    this.status = status;
    this.statusCode = statusCode;
    this.detail = detail;
    this.errText = errText;
  }

  /** 404 and 410 mean "not here": the GOPROXY walk may continue. */
  get notExist(): boolean {
    return this.statusCode === 404 || this.statusCode === 410;
  }
}

function httpErrorMessage(url: string, status: string, detail: string, errText: string): string {
  if (detail !== '') {
    const sep = detail.includes('\n') ? '\n\t' : ' ';
    return `reading ${url}: ${status}\n\tserver response:${sep}${detail}`;
  }
  if (errText !== '') return `reading ${url}: ${errText}`;
  return `reading ${url}: ${status}`;
}

/** http.StatusText for the codes a proxy can plausibly send. */
const STATUS_TEXT: Readonly<Record<number, string>> = {
  100: 'Continue', 101: 'Switching Protocols', 102: 'Processing', 103: 'Early Hints',
  200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-Authoritative Information', 204: 'No Content',
  205: 'Reset Content', 206: 'Partial Content', 207: 'Multi-Status', 208: 'Already Reported', 226: 'IM Used',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified',
  305: 'Use Proxy', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout',
  409: 'Conflict', 410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed', 413: 'Request Entity Too Large',
  414: 'Request URI Too Long', 415: 'Unsupported Media Type', 416: 'Requested Range Not Satisfiable',
  417: 'Expectation Failed', 418: "I'm a teapot", 421: 'Misdirected Request', 422: 'Unprocessable Entity',
  423: 'Locked', 424: 'Failed Dependency', 425: 'Too Early', 426: 'Upgrade Required', 428: 'Precondition Required',
  429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Gateway Timeout', 505: 'HTTP Version Not Supported', 506: 'Variant Also Negotiates',
  507: 'Insufficient Storage', 508: 'Loop Detected', 510: 'Not Extended', 511: 'Network Authentication Required',
};

/** http.StatusText(code), '' for unknown codes. */
export function statusText(code: number): string {
  return STATUS_TEXT[code] ?? '';
}

/**
 * Go's resp.Status: "<code> <reason>". The reason the server sent wins; an empty
 * one (HTTP/2, where fetch reports no reason phrase) becomes http.StatusText.
 */
export function statusLine(code: number, reason: string): string {
  return `${code} ${reason !== '' ? reason : statusText(code)}`;
}

/**
 * Whether go collects the body of an error response with this Content-Type:
 * media type text/plain with charset utf-8, us-ascii or none (mime.ParseMediaType).
 */
export function wantsErrorDetail(contentType: string | null): boolean {
  if (contentType === null) return false;
  const parts = contentType.split(';');
  const mediaType = parts[0]!.trim().toLowerCase();
  if (mediaType !== 'text/plain') return false;
  let charset = '';
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq < 0) {
      if (p.trim() === '') continue;
      return true; // an invalid parameter: go keeps the media type and drops all params
    }
    const key = p.slice(0, eq).trim().toLowerCase();
    let value = p.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (key === 'charset') charset = value.toLowerCase();
  }
  return charset === '' || charset === 'utf-8' || charset === 'us-ascii';
}

/** Runes go accepts in a server response: unicode.IsGraphic or unicode.IsSpace. */
const ALLOWED_RUNE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}\t\n\v\f\r\u0085\u2028\u2029]$/u;
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/u;

/**
 * The server-response detail go shows for an error body: dropped entirely if
 * it is not UTF-8 or holds a rune that is neither graphic nor space; else the
 * lines up to the first blank one, at most 8 lines and 648 bytes, joined by
 * "\n\t", with go's "[Truncated: …]" markers.
 */
export function formatErrorDetail(body: Uint8Array): string {
  if (!isValidUtf8(body)) return '';
  const s = utf8Decode(body, true);
  for (const ch of s) {
    if (!ALLOWED_RUNE.test(ch)) return '';
  }
  let detail = '';
  let detailBytes = 0;
  const lines = s.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (GO_SPACE.test(line)) break;
    if (i > 0) {
      detail += '\n\t';
      detailBytes += 2;
    }
    if (i >= MAX_DETAIL_LINES) {
      detail += '[Truncated: too many lines.]';
      break;
    }
    const lineBytes = utf8Encode(line).length;
    if (detailBytes + lineBytes > MAX_DETAIL_BYTES) {
      detail += '[Truncated: too long.]';
      break;
    }
    detail += line;
    detailBytes += lineBytes;
  }
  return detail;
}

/**
 * The HTTPError for a non-200 response. body is the start of the error body
 * (read only when wantsErrorDetail(contentType)); url must already be redacted.
 */
export function httpError(url: string, statusCode: number, reason: string, contentType: string | null, body?: Uint8Array): HTTPError {
  const detail = body !== undefined && wantsErrorDetail(contentType) ? formatErrorDetail(body) : '';
  return new HTTPError(url, statusCode, statusLine(statusCode, reason), detail);
}
