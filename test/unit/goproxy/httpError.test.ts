import { describe, expect, it } from 'vitest';
import { formatErrorDetail, HTTPError, httpError, statusLine, wantsErrorDetail } from '../../../src/core/goproxy/httpError.ts';
import { isNotExist } from '../../../src/core/goproxy/notExist.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const URL = 'https://p/example.com/m/@v/v1.0.0.info';

describe('HTTPError text', () => {
  it('status only', () => {
    expect(httpError(URL, 404, 'Not Found', null).message).toBe(`reading ${URL}: 404 Not Found`);
    expect(httpError(URL, 503, '', 'text/html', enc('busy')).message).toBe(`reading ${URL}: 503 Service Unavailable`);
  });

  it('a single-line text/plain body goes on the same line', () => {
    expect(httpError(URL, 404, 'Not Found', 'text/plain; charset=utf-8', enc('not found: example.com/m@v1.0.0: invalid version\n')).message).toBe(
      `reading ${URL}: 404 Not Found\n\tserver response: not found: example.com/m@v1.0.0: invalid version`,
    );
  });

  it('a multi-line body is indented on its own lines', () => {
    expect(httpError(URL, 500, 'Internal Server Error', 'text/plain', enc('line1\nline2\n')).message).toBe(
      `reading ${URL}: 500 Internal Server Error\n\tserver response:\n\tline1\n\tline2`,
    );
  });

  it('file:// errors print the open error', () => {
    expect(new HTTPError('file:///p/x.info', 404, '404 Not Found', '', 'no such file or directory').message).toBe('reading file:///p/x.info: no such file or directory');
  });

  it('only 404 and 410 are not-exist', () => {
    expect(isNotExist(httpError(URL, 404, '', null))).toBe(true);
    expect(isNotExist(httpError(URL, 410, '', null))).toBe(true);
    for (const s of [400, 401, 403, 429, 500, 502]) expect(isNotExist(httpError(URL, s, '', null))).toBe(false);
  });

  it('statusLine falls back to http.StatusText when the reason is empty (HTTP/2)', () => {
    expect(statusLine(410, '')).toBe('410 Gone');
    expect(statusLine(404, 'testing')).toBe('404 testing');
  });
});

describe('wantsErrorDetail', () => {
  it('text/plain with utf-8, us-ascii or no charset only', () => {
    expect(wantsErrorDetail('text/plain')).toBe(true);
    expect(wantsErrorDetail('Text/Plain; Charset="UTF-8"')).toBe(true);
    expect(wantsErrorDetail('text/plain; charset=us-ascii')).toBe(true);
    expect(wantsErrorDetail('text/plain; charset=iso-8859-1')).toBe(false);
    expect(wantsErrorDetail('text/html')).toBe(false);
    expect(wantsErrorDetail(null)).toBe(false);
  });
});

describe('formatErrorDetail', () => {
  it('stops at the first blank line', () => {
    expect(formatErrorDetail(enc('a\nb\n \nc'))).toBe('a\n\tb');
    expect(formatErrorDetail(enc('\nafter blank'))).toBe('');
  });

  it('keeps at most 8 lines', () => {
    const body = Array.from({ length: 12 }, (_, i) => `l${i}`).join('\n');
    expect(formatErrorDetail(enc(body))).toBe('l0\n\tl1\n\tl2\n\tl3\n\tl4\n\tl5\n\tl6\n\tl7\n\t[Truncated: too many lines.]');
    expect(formatErrorDetail(enc(Array.from({ length: 8 }, (_, i) => `l${i}`).join('\n')))).not.toContain('Truncated');
  });

  it('keeps at most 648 bytes, counting separators', () => {
    expect(formatErrorDetail(enc('x'.repeat(649)))).toBe('[Truncated: too long.]');
    expect(formatErrorDetail(enc('x'.repeat(648)))).toBe('x'.repeat(648));
    const two = formatErrorDetail(enc('x'.repeat(600) + '\n' + 'y'.repeat(47)));
    expect(two).toBe('x'.repeat(600) + '\n\t[Truncated: too long.]');
    expect(formatErrorDetail(enc('x'.repeat(600) + '\n' + 'y'.repeat(46)))).toBe('x'.repeat(600) + '\n\t' + 'y'.repeat(46));
    expect(formatErrorDetail(enc('é'.repeat(325)))).toBe('[Truncated: too long.]');
  });

  it('drops bodies that are not UTF-8 or hold control characters', () => {
    expect(formatErrorDetail(new Uint8Array([0x61, 0xff, 0x62]))).toBe('');
    expect(formatErrorDetail(enc('bad \x1b[31m red'))).toBe('');
    expect(formatErrorDetail(enc('zero\u200bwidth'))).toBe('');
    expect(formatErrorDetail(enc('tabs\tand\u00a0nbsp are fine\r'))).toBe('tabs\tand\u00a0nbsp are fine\r');
  });
});
