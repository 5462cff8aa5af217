import { describe, expect, it } from 'vitest';
import { checkGoproxyPath, checkSumdbPath, decodeRelayPath } from '../../../src/server/relay/relayPath.ts';

describe('checkGoproxyPath', () => {
  it.each([
    ['example.com/!foo/@v/list', 'example.com/%21foo/@v/list'],
    ['example.com/%21foo/@v/v1.0.0.info', 'example.com/%21foo/@v/v1.0.0.info'],
    ['golang.org/x/mod/@v/v0.1.0.mod', 'golang.org/x/mod/@v/v0.1.0.mod'],
    ['example.com/m/@v/v2.0.0+incompatible.zip', 'example.com/m/@v/v2.0.0+incompatible.zip'],
    ['example.com/m/@v/v0.0.0-20200102030405-0123456789ab.info', 'example.com/m/@v/v0.0.0-20200102030405-0123456789ab.info'],
    ['example.com/m/@v/master.info', 'example.com/m/@v/master.info'],
    ['gopkg.in/yaml.v3/@latest', 'gopkg.in/yaml.v3/@latest'],
    ['golang.org/toolchain/@v/v0.0.1-go1.22.0.linux-amd64.zip', 'golang.org/toolchain/@v/v0.0.1-go1.22.0.linux-amd64.zip'],
    ['sumdb/sum.golang.org/supported', 'sumdb/sum.golang.org/supported'],
    ['sumdb/sum.golang.org/lookup/example.com/!foo@v1.0.0', 'sumdb/sum.golang.org/lookup/example.com/%21foo@v1.0.0'],
    ['sumdb/sum.golang.org/tile/8/1/x001/234.p/5', 'sumdb/sum.golang.org/tile/8/1/x001/234.p/5'],
    ['sumdb/sum.golang.org/tile/8/data/000', 'sumdb/sum.golang.org/tile/8/data/000'],
    ['sumdb/sum.example.com:8443/db/latest', 'sumdb/sum.example.com:8443/db/latest'],
  ])('accepts %s and forwards it as %s', (raw, forwarded) => {
    expect(checkGoproxyPath(raw)).toEqual({ ok: true, path: forwarded });
  });

  it.each([
    ['', /empty/],
    ['example.com/!foo/@v/../@v/list', /dot segment/],
    ['example.com/!foo/@v/%2E%2E/list', /dot segment/],
    ['./example.com/@v/list', /dot segment/],
    ['example.com%2Ffoo/@v/list', /not allowed/],
    ['example.com%2ffoo/@v/list', /not allowed/],
    ['example.com%5Cfoo/@v/list', /not allowed/],
    ['example.com\\foo/@v/list', /backslash/],
    ['example.com/%2521/@v/list', /not allowed/],
    ['example.com/%zz/@v/list', /not allowed/],
    ['example.com/foo/@v/list%0d%0aX:%20y', /not allowed/],
    ['example.com/foo/@v/list\r\nX: y', /control/],
    ['example.com/foo/@v/list%00', /not allowed/],
    ['example.com/foo/@v/list%3Fx', /not allowed/],
    ['example.com/foo/@v/list?x', /query/],
    ['example.com/foo/@v/list#x', /query/],
    ['/example.com/foo/@v/list', /empty path element/],
    ['example.com//foo/@v/list', /empty path element/],
    ['http://evil.example/a/@v/list', /absolute URL/],
    ['https:evil.example/a/@v/list', /absolute URL/],
    ['example.com/%C3%A9/@v/list', /non-ASCII/],
    ['example.com/%FF/@v/list', /UTF-8/],
    ['example.com/Foo/@v/list', /invalid escaped module path/],
    ['localhost/@v/list', /invalid escaped module path/],
    ['etc/passwd', /not a GOPROXY path/],
    ['example.com/foo/@v/v1.0.0.exe', /not a GOPROXY file/],
    ['example.com/foo/@v/list/x', /not a GOPROXY file/],
    ['example.com/foo/@v/V1.0.0.zip', /invalid escaped version/],
    ['sumdb/sum.golang.org/admin', /malformed checksum-database path/],
    ['sumdb/sum.golang.org/tile/8/0/0000', /not a checksum-database path/],
    ['sumdb/sum.golang.org/tile/0/0/000', /not a checksum-database path/],
    ['sumdb/evil_host/supported', /malformed/],
    ['sumdb/sum.golang.org/lookup/@v1.0.0', /malformed lookup/],
  ])('refuses %j (%s)', (raw, reason) => {
    const r = checkGoproxyPath(raw);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toMatch(reason);
  });
});

describe('checkSumdbPath', () => {
  it('accepts the database resources and re-encodes lookups like go', () => {
    expect(checkSumdbPath('supported')).toEqual({ ok: true, path: 'supported' });
    expect(checkSumdbPath('latest')).toEqual({ ok: true, path: 'latest' });
    expect(checkSumdbPath('lookup/github.com/!azure/go@v1.2.3')).toEqual({ ok: true, path: 'lookup/github.com/%21azure/go@v1.2.3' });
    expect(checkSumdbPath('tile/8/0/000.p/1')).toEqual({ ok: true, path: 'tile/8/0/000.p/1' });
  });

  it.each(['lookup/../../etc', 'example.com/foo/@v/list', 'tile/8/0/000.p/0', 'lookup/example.com/foo', '../latest'])('refuses %s', (raw) => {
    expect(checkSumdbPath(raw).ok).toBe(false);
  });
});

describe('decodeRelayPath', () => {
  it('decodes escapes that are safe', () => {
    expect(decodeRelayPath('a/%21b/c%40d')).toEqual({ ok: true, path: 'a/!b/c@d' });
  });
});
