import { describe, expect, it } from 'vitest';
import { GO_ENV_DEFAULTS, parseProxyList, ProxyConfigError, resolveGoEnv } from '../../../src/core/goproxy/proxyList.ts';

const urls = (goproxy: string, gonoproxy = ''): string[] =>
  parseProxyList(goproxy, gonoproxy).map((p) => `${p.url}${p.fallBackOnError ? '|' : ','}`);

describe('parseProxyList', () => {
  it('splits on , and | with the separator after an entry deciding its fallback', () => {
    expect(urls('https://a,https://b|https://c')).toEqual(['https://a,', 'https://b|', 'https://c,']);
    expect(urls('https://a|direct')).toEqual(['https://a|', 'direct,']);
  });

  it('trims entries and skips empty ones', () => {
    expect(urls(' https://a ,, |\thttps://b ')).toEqual(['https://a,', 'https://b,']);
  });

  it('off and direct end the list', () => {
    expect(urls('https://a,off,https://b')).toEqual(['https://a,', 'off,']);
    expect(urls('direct,https://b')).toEqual(['direct,']);
    expect(urls('off')).toEqual(['off,']);
    expect(urls('https://a|direct|off')).toEqual(['https://a|', 'direct,']);
  });

  it('adds https:// to host-like entries only', () => {
    expect(urls('proxy.example.com')).toEqual(['https://proxy.example.com,']);
    expect(urls('localhost:8080/p')).toEqual(['https://localhost:8080/p,']);
    expect(urls('http://h/x,file:///srv/proxy')).toEqual(['http://h/x,', 'file:///srv/proxy,']);
  });

  it('rejects what newProxyRepo rejects, with go\'s texts', () => {
    expect(() => parseProxyList('goproxy')).toThrow(new ProxyConfigError('invalid proxy URL missing scheme: goproxy'));
    expect(() => parseProxyList('/srv/proxy')).toThrow('invalid proxy URL missing scheme: /srv/proxy');
    expect(() => parseProxyList('ftp://h/x')).toThrow('invalid proxy URL scheme (must be https, http, file): ftp://h/x');
    expect(() => parseProxyList('file://host/x')).toThrow('invalid file:// proxy URL with non-path elements: file://host/x');
    expect(() => parseProxyList('https://u:secret@h/,x')).toThrow('invalid proxy URL missing scheme: x');
    expect(() => parseProxyList('https://h:port/')).toThrow('parse "https://h:port/": invalid port ":port" after host');
  });

  it('an empty or separator-only list is an error', () => {
    for (const v of ['', ',', ' ', ' | , ']) {
      expect(() => parseProxyList(v)).toThrow('GOPROXY list is not the empty string, but contains no entries');
    }
    expect(() => parseProxyList(',', 'example.com')).toThrow('contains no entries');
  });

  it('puts noproxy first when GONOPROXY is set and GOPROXY is not exactly direct', () => {
    expect(urls('https://a,direct', 'corp.example')).toEqual(['noproxy,', 'https://a,', 'direct,']);
    expect(urls('direct', 'corp.example')).toEqual(['direct,']);
    expect(urls(' direct', 'corp.example')).toEqual(['noproxy,', 'direct,']);
  });
});

describe('resolveGoEnv', () => {
  it('applies go.env defaults and treats empty values as unset', () => {
    expect(resolveGoEnv({})).toEqual({ GOPROXY: GO_ENV_DEFAULTS.GOPROXY, GOSUMDB: 'sum.golang.org', GOPRIVATE: '', GONOPROXY: '', GONOSUMDB: '' });
    expect(resolveGoEnv({ GOPROXY: '', GOSUMDB: '' }).GOPROXY).toBe('https://proxy.golang.org,direct');
  });

  it('GOPRIVATE feeds GONOPROXY and GONOSUMDB unless they are set', () => {
    expect(resolveGoEnv({ GOPRIVATE: '*.corp' })).toMatchObject({ GONOPROXY: '*.corp', GONOSUMDB: '*.corp' });
    expect(resolveGoEnv({ GOPRIVATE: '*.corp', GONOPROXY: 'none' })).toMatchObject({ GONOPROXY: 'none', GONOSUMDB: '*.corp' });
  });

  it('overrides win over env; a toolchain without go.env has empty defaults', () => {
    expect(resolveGoEnv({ GOPROXY: 'https://a' }, { GOPROXY: 'off' }).GOPROXY).toBe('off');
    expect(resolveGoEnv({ GOPROXY: 'https://a' }, { GOPROXY: '' }).GOPROXY).toBe('https://a');
    const bare = resolveGoEnv({}, {}, { GOPROXY: '', GOSUMDB: '' });
    expect([bare.GOPROXY, bare.GOSUMDB]).toEqual(['', '']);
    expect(() => parseProxyList(bare.GOPROXY)).toThrow('GOPROXY list is not the empty string, but contains no entries');
  });
});
