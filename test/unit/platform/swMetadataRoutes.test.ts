// Which requests the service worker caches, and how: decided from the URL.
import { describe, it, expect } from 'vitest';
import { classifyMetadataUrl, classifyProtocolPath } from '../../../sw/metadataRoutes.ts';

const ORIGIN = 'http://127.0.0.1:4173';
const kind = (href: string, proxies: string[] = []) => classifyMetadataUrl(new URL(href, ORIGIN), ORIGIN, proxies);

describe('service worker metadata routes', () => {
  it.each([
    ['/goproxy/golang.org/x/text/@v/v0.3.0.info', 'immutable'],
    ['/goproxy/golang.org/x/text/@v/v0.3.0.mod', 'immutable'],
    ['/goproxy/github.com/!azure/go-autorest/@v/v14.2.0+incompatible.mod', 'immutable'],
    ['/goproxy/example.com/m/@v/v1.0.0-!r!c1.info', 'immutable'],
    ['/goproxy/example.com/m/@v/v0.0.0-20200101000000-abcdefabcdef.info', 'immutable'],
    ['/goproxy/example.com/m/@v/master.info', 'mutable'],
    ['/goproxy/example.com/m/@v/v1.2.info', 'mutable'],
    ['/goproxy/example.com/m/@v/v1.0.0+meta.info', 'mutable'],
    ['/goproxy/example.com/m/@v/v1.0.0-RC1.info', 'mutable'],
    ['/goproxy/example.com/m/@v/list', 'mutable'],
    ['/goproxy/example.com/m/@latest', 'mutable'],
    ['/goproxy/example.com/m/@v/v1.0.0.zip', 'zip'],
    ['/goproxy/example.com/lookup/@v/list', 'mutable'],
    ['/goproxy/example.com/m/@v/v1.0.0.ziphash', undefined],
    ['/sumdb/sum.golang.org/lookup/golang.org/x/text@v0.3.0', 'immutable'],
    ['/sumdb/sum.golang.org/tile/8/0/x123/456', 'immutable'],
    ['/sumdb/sum.golang.org/tile/8/1/000', 'immutable'],
    ['/sumdb/sum.golang.org/tile/8/data/x001/234', 'immutable'],
    ['/sumdb/sum.golang.org/tile/8/0/x123/456.p/17', 'mutable'],
    ['/sumdb/sum.golang.org/tile/8/data/000.p/3', 'mutable'],
    ['/sumdb/sum.golang.org/latest', 'mutable'],
    ['/goproxy/sumdb/sum.golang.org/supported', 'mutable'],
    ['/goproxy/sumdb/sum.golang.org/lookup/golang.org/x/text@v0.3.0', 'immutable'],
    ['/', undefined],
    ['/assets/index-abc.js', undefined],
    ['/golang.org/x/text/@v/v0.3.0.mod', undefined],
    ['/goproxy/example.com/m/@v/v1.0.0.mod?x=1', undefined],
  ] as const)('%s is %s', (path, expected) => {
    expect(kind(path)).toBe(expected);
  });

  it('covers configured absolute proxies, and nothing else off-origin', () => {
    const proxies = ['https://proxy.example.com/go', 'https://sum.example.com/'];
    expect(kind('https://proxy.example.com/go/example.com/m/@v/v1.0.0.mod', proxies)).toBe('immutable');
    expect(kind('https://proxy.example.com/go/example.com/m/@v/list', proxies)).toBe('mutable');
    expect(kind('https://proxy.example.com/go/example.com/m/@v/v1.0.0.zip', proxies)).toBe('zip');
    expect(kind('https://sum.example.com/lookup/example.com/m@v1.0.0', proxies)).toBe('immutable');
    expect(kind('https://proxy.example.com/gopher/example.com/m/@v/v1.0.0.mod', proxies)).toBeUndefined();
    expect(kind('https://other.example.com/go/example.com/m/@v/v1.0.0.mod', proxies)).toBeUndefined();
    expect(kind('http://127.0.0.1:9999/goproxy/example.com/m/@v/v1.0.0.mod', proxies)).toBeUndefined();
  });

  it('classifies bare protocol paths', () => {
    expect(classifyProtocolPath('latest')).toBe('mutable');
    expect(classifyProtocolPath('lookup/m@v1.0.0')).toBe('immutable');
    expect(classifyProtocolPath('example.com/m/@v/%21bad.info')).toBe('mutable');
  });
});

describe('the relay configuration', () => {
  it('is cached network-first, so an offline start keeps the relay settings', () => {
    const origin = 'http://127.0.0.1:8080';
    expect(classifyMetadataUrl(new URL('/goproxy/config.json', origin), origin, [])).toBe('mutable');
    expect(classifyMetadataUrl(new URL('/goproxy/config.json?x=1', origin), origin, [])).toBeUndefined();
    expect(classifyMetadataUrl(new URL('/goproxy/config.json', 'http://other.example'), origin, [])).toBeUndefined();
  });
});
