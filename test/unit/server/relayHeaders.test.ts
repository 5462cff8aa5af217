import { describe, expect, it } from 'vitest';
import { downstreamHeaders, upstreamHeaders } from '../../../src/server/relay/relayHeaders.ts';

describe('relay headers', () => {
  it('sends only Range and validators upstream, always asking for identity', () => {
    expect(
      upstreamHeaders({ range: 'bytes=5-', 'if-range': '"e"', 'if-none-match': '"e"', cookie: 'a=b', authorization: 'x', 'accept-encoding': 'gzip', origin: 'http://x', host: 'h' }),
    ).toEqual({ range: 'bytes=5-', 'if-range': '"e"', 'if-none-match': '"e"', 'accept-encoding': 'identity', 'user-agent': 'modcarry-relay' });
  });

  it('drops oversized or non-printable values', () => {
    expect(upstreamHeaders({ range: 'bytes=' + '1'.repeat(2000) }).range).toBeUndefined();
    expect(upstreamHeaders({ 'if-range': '"\u00e9"' })['if-range']).toBeUndefined();
  });

  it('passes body and caching headers down, nothing else', () => {
    expect(
      downstreamHeaders({
        'content-type': 'application/zip',
        'content-length': '10',
        'content-range': 'bytes 0-9/20',
        'accept-ranges': 'bytes',
        etag: '"e"',
        'last-modified': 'x',
        'cache-control': 'public, max-age=3600',
        'retry-after': '7',
        'content-encoding': 'identity',
        'set-cookie': ['a=b'],
        location: 'https://x',
        'access-control-allow-origin': '*',
        'www-authenticate': 'Basic',
      }),
    ).toEqual({
      'content-type': 'application/zip',
      'content-length': '10',
      'content-range': 'bytes 0-9/20',
      'accept-ranges': 'bytes',
      etag: '"e"',
      'last-modified': 'x',
      'cache-control': 'public, max-age=3600',
      'retry-after': '7',
    });
    expect(downstreamHeaders({ 'content-encoding': 'gzip' })).toEqual({ 'content-encoding': 'gzip' });
  });
});
