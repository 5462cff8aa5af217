import { describe, expect, it } from 'vitest';
import {
  GosumdbConfigError,
  SUM_GOLANG_ORG_KEY,
  effectiveGONOSUMDB,
  joinURL,
  parseGOSUMDB,
  proxySumdbBase,
  proxySupportedURL,
  useSumDB,
} from '../../../src/core/sumdb/gosumdb.ts';
import { generateKey } from '../../support/noteSigner.ts';

describe('GOSUMDB', () => {
  it('knows off, sum.golang.org and the sum.golang.google.cn alias', async () => {
    expect(await parseGOSUMDB('off')).toEqual({ off: true });
    expect(await parseGOSUMDB('sum.golang.org')).toEqual({
      off: false,
      key: SUM_GOLANG_ORG_KEY,
      name: 'sum.golang.org',
      directURL: 'https://sum.golang.org',
    });
    expect(await parseGOSUMDB('sum.golang.google.cn')).toEqual({
      off: false,
      key: SUM_GOLANG_ORG_KEY,
      name: 'sum.golang.org',
      url: 'https://sum.golang.google.cn',
      directURL: 'https://sum.golang.org',
    });
    expect(await parseGOSUMDB('sum.golang.org http://127.0.0.1:9/x')).toMatchObject({ key: SUM_GOLANG_ORG_KEY, url: 'http://127.0.0.1:9/x' });
  });

  it('accepts a verifier key with or without a URL', async () => {
    const { vkey } = await generateKey('sum.example.test');
    expect(await parseGOSUMDB(vkey)).toEqual({ off: false, key: vkey, name: 'sum.example.test', directURL: 'https://sum.example.test' });
    expect(await parseGOSUMDB(`  ${vkey}\t http://127.0.0.1:1234 `)).toMatchObject({ name: 'sum.example.test', url: 'http://127.0.0.1:1234' });
  });

  it.each([
    ['', 'missing GOSUMDB'],
    ['   ', 'missing GOSUMDB'],
    ['a b c', 'invalid GOSUMDB: too many fields'],
    ['sum.example.test', 'invalid GOSUMDB: malformed verifier id'],
    ['sum.golang.org+033de0af+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8', 'invalid GOSUMDB: invalid verifier hash'],
  ])('rejects %j: %s', async (value, msg) => {
    const e = await parseGOSUMDB(value).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(GosumdbConfigError);
    expect((e as Error).message).toBe(msg);
  });

  it('rejects database names that are not host[/path]', async () => {
    const { vkey } = await generateKey('user@host');
    await expect(parseGOSUMDB(vkey)).rejects.toThrowError('invalid sumdb name (must be host[/path]): user@host');
    const { vkey: ok } = await generateKey('example.com/sumdb');
    expect(await parseGOSUMDB(ok)).toMatchObject({ directURL: 'https://example.com/sumdb' });
  });
});

describe('GONOSUMDB and useSumDB', () => {
  it('falls back to GOPRIVATE when GONOSUMDB is unset or empty', () => {
    expect(effectiveGONOSUMDB({ GOPRIVATE: '*.corp' })).toBe('*.corp');
    expect(effectiveGONOSUMDB({ GONOSUMDB: '', GOPRIVATE: '*.corp' })).toBe('*.corp');
    expect(effectiveGONOSUMDB({ GONOSUMDB: 'rsc.io/private', GOPRIVATE: '*.corp' })).toBe('rsc.io/private');
    expect(effectiveGONOSUMDB({})).toBe('');
  });

  it('exempts matching module path prefixes', () => {
    const env = { GOSUMDB: 'sum.golang.org', GONOSUMDB: '*.corp.example.com,rsc.io/private' };
    expect(useSumDB('git.corp.example.com/a/b', env)).toBe(false);
    expect(useSumDB('rsc.io/private/x', env)).toBe(false);
    expect(useSumDB('rsc.io/privateer', env)).toBe(true);
    expect(useSumDB('golang.org/x/mod', env)).toBe(true);
    expect(useSumDB('golang.org/x/mod', { ...env, GOSUMDB: 'off' })).toBe(false);
  });

  it('always checks golang.org/toolchain unless GOPROXY is a single file:// URL', () => {
    const env = { GOSUMDB: 'off', GONOSUMDB: 'golang.org' };
    expect(useSumDB('golang.org/toolchain', { ...env, GOPROXY: 'https://proxy.golang.org,direct' })).toBe(true);
    expect(useSumDB('golang.org/toolchain', { ...env, GOPROXY: 'file:///tmp/p' })).toBe(false);
    expect(useSumDB('golang.org/toolchain', { ...env, GOPROXY: 'file:///tmp/p,direct' })).toBe(true);
  });

  it('joins proxy URLs like web.Join', () => {
    expect(joinURL('http://h/p/', '/lookup/x@v1')).toBe('http://h/p/lookup/x@v1');
    expect(proxySupportedURL('http://127.0.0.1:1/proxy', 'sum.golang.org')).toBe('http://127.0.0.1:1/proxy/sumdb/sum.golang.org/supported');
    expect(proxySumdbBase('http://127.0.0.1:1/', 'sum.golang.org')).toBe('http://127.0.0.1:1/sumdb/sum.golang.org');
  });
});
