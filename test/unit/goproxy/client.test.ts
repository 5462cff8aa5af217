import { describe, expect, it } from 'vitest';
import { GoproxyClient, MAX_ZIP_FILE } from '../../../src/core/goproxy/client.ts';
import type { Http, HttpResponseLike } from '../../../src/core/goproxy/http.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
type Route = { status: number; body?: string | Uint8Array; contentType?: string };

/** A fake Http port: url -> route; every requested URL is logged. Unknown URLs are 404 text/plain. */
function fakeHttp(routes: Record<string, Route | (() => HttpResponseLike)>): Http & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    async get(url) {
      log.push(url);
      const r = routes[url];
      if (typeof r === 'function') return r();
      const route = r ?? { status: 404, body: `not found: ${url}`, contentType: 'text/plain; charset=utf-8' };
      const body = typeof route.body === 'string' ? enc(route.body) : (route.body ?? new Uint8Array(0));
      const ct = route.contentType ?? null;
      return { status: route.status, statusText: '', headers: { get: (n) => (n.toLowerCase() === 'content-type' ? ct : null) }, body };
    },
  };
}

const M = 'example.com/m';
const info = (v: string): Route => ({ status: 200, body: `{"Version":"${v}","Time":"2020-01-02T03:04:05Z"}` });
const good = { 'https://good/example.com/m/@v/v1.0.0.info': info('v1.0.0'), 'https://good/example.com/m/@v/v1.0.0.mod': { status: 200, body: 'module example.com/m\n' } };

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

describe('GOPROXY walk (spec §1.6 table)', () => {
  it('404,good falls back', async () => {
    const http = fakeHttp({ ...good });
    const c = new GoproxyClient({ http, goproxy: 'https://bad404,https://good' });
    const r = await c.stat(M, 'v1.0.0');
    expect(r.proxy).toBe('https://good');
    expect(r.value.info.version).toBe('v1.0.0');
    expect(http.log).toEqual(['https://bad404/example.com/m/@v/v1.0.0.info', 'https://good/example.com/m/@v/v1.0.0.info']);
  });

  it('500,good stops with the 500', async () => {
    const http = fakeHttp({ ...good, 'https://bad/example.com/m/@v/v1.0.0.info': { status: 500 } });
    const c = new GoproxyClient({ http, goproxy: 'https://bad,https://good' });
    expect(await errorOf(c.stat(M, 'v1.0.0'))).toBe('example.com/m@v1.0.0: reading https://bad/example.com/m/@v/v1.0.0.info: 500 Internal Server Error');
    expect(http.log).toHaveLength(1);
  });

  it('403,good stops', async () => {
    const http = fakeHttp({ ...good, 'https://bad/example.com/m/@v/v1.0.0.mod': { status: 403, body: 'forbidden', contentType: 'text/plain' } });
    const c = new GoproxyClient({ http, goproxy: 'https://bad,https://good' });
    expect(await errorOf(c.goMod(M, 'v1.0.0'))).toBe(
      'example.com/m@v1.0.0: reading https://bad/example.com/m/@v/v1.0.0.mod: 403 Forbidden\n\tserver response: forbidden',
    );
  });

  it('500|good falls back', async () => {
    const http = fakeHttp({ ...good, 'https://bad/example.com/m/@v/v1.0.0.mod': { status: 500 } });
    const c = new GoproxyClient({ http, goproxy: 'https://bad|https://good' });
    expect(new TextDecoder().decode((await c.goMod(M, 'v1.0.0')).value)).toBe('module example.com/m\n');
  });

  it('reports a non-not-exist proxy error over a later not-exist one', async () => {
    const http = fakeHttp({ 'https://bad/example.com/m/@v/v1.0.0.info': { status: 502 } });
    const c = new GoproxyClient({ http, goproxy: 'https://bad|https://none' });
    expect(await errorOf(c.stat(M, 'v1.0.0'))).toContain('502 Bad Gateway');
  });

  it('fail410,off reports GOPROXY=off, the last not-exist error', async () => {
    const c = new GoproxyClient({ http: fakeHttp({ 'http://h/fail410/example.com/m/@v/v1.0.0.info': { status: 410 } }), goproxy: 'http://h/fail410,off' });
    expect(await errorOf(c.stat(M, 'v1.0.0'))).toBe('example.com/m@v1.0.0: module lookup disabled by GOPROXY=off');
    expect(await errorOf(new GoproxyClient({ http: fakeHttp({}), goproxy: 'off' }).versions(M))).toBe('module example.com/m: module lookup disabled by GOPROXY=off');
  });

  it('direct fails with an explanation and outranks proxy errors', async () => {
    const http = fakeHttp({ 'https://bad/example.com/m/@v/v1.0.0.info': { status: 500 } });
    const msg = await errorOf(new GoproxyClient({ http, goproxy: 'https://bad|direct' }).stat(M, 'v1.0.0'));
    expect(msg).toMatch(/^example\.com\/m@v1\.0\.0: direct fetching \(GOPROXY entry "direct".*not available in modcarry/);
    expect(msg).toContain('module proxy');
  });

  it('each operation starts again at the first entry', async () => {
    const http = fakeHttp({ ...good });
    const c = new GoproxyClient({ http, goproxy: 'https://a,https://good' });
    await c.stat(M, 'v1.0.0');
    await c.goMod(M, 'v1.0.0');
    expect(http.log.filter((u) => u.startsWith('https://a/'))).toHaveLength(2);
  });

  it('GONOPROXY paths never reach a proxy URL; other paths skip noproxy', async () => {
    const http = fakeHttp({ ...good });
    const c = new GoproxyClient({ http, goproxy: 'https://good', gonoproxy: 'example.com/private' });
    expect(await errorOf(c.stat('example.com/private/x', 'v1.0.0'))).toMatch(/^example\.com\/private\/x@v1\.0\.0: direct fetching/);
    expect(http.log).toEqual([]);
    expect((await c.stat(M, 'v1.0.0')).proxy).toBe('https://good');
    const onlyProxy = new GoproxyClient({ http, goproxy: 'https://good,off', gonoproxy: 'example.com/private' });
    expect(await errorOf(onlyProxy.goMod('example.com/private/x', 'v1.0.0'))).toMatch(/direct fetching/);
  });

  it('a bad GOPROXY fails every operation with go\'s text', async () => {
    const c = new GoproxyClient({ http: fakeHttp({}), goproxy: ' , ' });
    expect(await errorOf(c.stat(M, 'v1.0.0'))).toBe('GOPROXY list is not the empty string, but contains no entries');
  });

  it('transport failures are real errors, formatted like url.Error', async () => {
    const http: Http = {
      get: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:1');
      },
    };
    const c = new GoproxyClient({ http, goproxy: 'http://127.0.0.1:1,https://good' });
    expect(await errorOf(c.stat(M, 'v1.0.0'))).toBe('example.com/m@v1.0.0: Get "http://127.0.0.1:1/example.com/m/@v/v1.0.0.info": connect ECONNREFUSED 127.0.0.1:1');
  });
});

describe('.info, .mod, .zip', () => {
  it('refuses an .info for another version', async () => {
    const c = new GoproxyClient({ http: fakeHttp({ 'https://p/example.com/m/@v/v1.0.0.info': info('v1.0.1') }), goproxy: 'https://p' });
    expect(await errorOf(c.stat(M, 'v1.0.0'))).toBe('example.com/m@v1.0.0: proxy returned info for version v1.0.1 instead of requested version');
  });

  it('reports an invalid .info body', async () => {
    const c = new GoproxyClient({ http: fakeHttp({ 'https://p/example.com/m/@v/v1.0.0.info': { status: 200, body: '<html>' } }), goproxy: 'https://p' });
    expect(await errorOf(c.stat(M, 'v1.0.0'))).toBe(
      'example.com/m@v1.0.0: invalid response from proxy "https://p": invalid character \'<\' looking for beginning of value',
    );
  });

  it('requires canonical versions for .mod and .zip', async () => {
    const c = new GoproxyClient({ http: fakeHttp({}), goproxy: 'https://p' });
    expect(await errorOf(c.goMod(M, 'v1.0'))).toBe('example.com/m@v1.0: invalid version: internal error: version passed to GoMod is not canonical');
  });

  it('streams a zip into a sink, resetting it before each attempt', async () => {
    const zip = new Uint8Array(1000).fill(7);
    const http = fakeHttp({ 'https://b/example.com/m/@v/v1.0.0.zip': { status: 200, body: zip } });
    const events: string[] = [];
    const c = new GoproxyClient({ http, goproxy: 'https://a,https://b' });
    const r = await c.zip(M, 'v1.0.0', { reset: () => void events.push('reset'), write: (b) => void events.push(`write ${b.length}`) });
    expect(r.value.size).toBe(1000);
    expect(events).toEqual(['reset', 'reset', 'write 1000']);
    expect((await c.zip(M, 'v1.0.0')).value.data).toEqual(zip);
  });

  it('refuses zips over 500 MiB', async () => {
    const chunk = new Uint8Array(64 << 20);
    let sent = 0;
    const big = (): HttpResponseLike => ({
      status: 200,
      statusText: 'OK',
      headers: { get: () => null },
      body: {
        getReader: () => ({
          read: async () => {
            if (sent > MAX_ZIP_FILE) return { done: true as const };
            sent += chunk.length;
            return { done: false as const, value: chunk };
          },
          cancel: async () => undefined,
          releaseLock: () => undefined,
        }),
      },
    });
    const c = new GoproxyClient({ http: fakeHttp({ 'https://p/example.com/m/@v/v1.0.0.zip': big }), goproxy: 'https://p' });
    expect(await errorOf(c.zip(M, 'v1.0.0', { reset: () => undefined, write: () => undefined }))).toBe('example.com/m@v1.0.0: downloaded zip file too large');
  });
});

describe('list and latest', () => {
  it('ignores pseudo-versions and invalid lines, accepts a time field, sorts', async () => {
    const list = 'v1.10.0\nv1.2.0 2020-01-01T00:00:00Z\nv0.0.0-20200102030405-0123456789ab\nbogus\n\nv1.2.0-rc.1\n';
    const c = new GoproxyClient({ http: fakeHttp({ 'https://p/example.com/m/@v/list': { status: 200, body: list } }), goproxy: 'https://p' });
    expect((await c.versions(M)).value.versions).toEqual(['v1.2.0-rc.1', 'v1.2.0', 'v1.10.0']);
  });

  it('latest: highest release, else highest pre-release', async () => {
    const http = fakeHttp({
      'https://p/example.com/m/@v/list': { status: 200, body: 'v1.0.0\nv1.1.0\nv2.0.0-rc.1\n' },
      'https://p/example.com/m/@v/v1.1.0.info': info('v1.1.0'),
      'https://q/example.com/m/@v/list': { status: 200, body: 'v1.0.0-a\nv1.0.0-b\n' },
      'https://q/example.com/m/@v/v1.0.0-b.info': info('v1.0.0-b'),
    });
    expect((await new GoproxyClient({ http, goproxy: 'https://p' }).latest(M)).value.info.version).toBe('v1.1.0');
    expect((await new GoproxyClient({ http, goproxy: 'https://q' }).latest(M)).value.info.version).toBe('v1.0.0-b');
  });

  it('latest: @latest when the list is empty, without an .info request', async () => {
    const http = fakeHttp({ 'https://p/example.com/m/@v/list': { status: 200, body: '' }, 'https://p/example.com/m/@latest': info('v0.0.0-20200102030405-0123456789ab') });
    const r = await new GoproxyClient({ http, goproxy: 'https://p' }).latest(M);
    expect(r.value.info.version).toBe('v0.0.0-20200102030405-0123456789ab');
    expect(http.log).toEqual(['https://p/example.com/m/@v/list', 'https://p/example.com/m/@latest']);
  });

  it('latest: the newest pseudo-version of the list when @latest is missing', async () => {
    const older = 'v0.0.0-20190101000000-aaaaaaaaaaaa';
    const newer = 'v0.0.0-20200101000000-bbbbbbbbbbbb';
    const http = fakeHttp({
      'https://p/example.com/m/@v/list': { status: 200, body: `${newer}\n${older}\n` },
      [`https://p/example.com/m/@v/${newer}.info`]: info(newer),
    });
    expect((await new GoproxyClient({ http, goproxy: 'https://p' }).latest(M)).value.info.version).toBe(newer);
    const none = fakeHttp({ 'https://p/example.com/m/@v/list': { status: 200, body: '' } });
    expect(await errorOf(new GoproxyClient({ http: none, goproxy: 'https://p' }).latest(M))).toBe('module example.com/m: no commits');
  });
});

describe('sumdb supported walk', () => {
  it('uses the first proxy that answers 200, exclusively', async () => {
    const http = fakeHttp({ 'https://b/sumdb/sum.golang.org/supported': { status: 200, body: '' } });
    const c = new GoproxyClient({ http, goproxy: 'https://a,https://b,direct' });
    expect(await c.sumdbBase('sum.golang.org')).toEqual({ base: 'https://b/sumdb/sum.golang.org', proxy: 'https://b' });
  });

  it('goes direct when the walk ends in not-exist, direct or off', async () => {
    for (const goproxy of ['https://a', 'https://a,direct', 'off', 'https://a,off']) {
      const c = new GoproxyClient({ http: fakeHttp({}), goproxy, gonoproxy: 'corp.example' });
      expect(await c.sumdbBase('sum.golang.org')).toEqual({ base: 'https://sum.golang.org', proxy: undefined });
    }
  });

  it('fails on another error unless the entry has |', async () => {
    const http = fakeHttp({ 'https://a/sumdb/sum.golang.org/supported': { status: 503 } });
    expect(await errorOf(new GoproxyClient({ http, goproxy: 'https://a,direct' }).sumdbBase('sum.golang.org'))).toBe(
      'reading https://a/sumdb/sum.golang.org/supported: 503 Service Unavailable',
    );
    expect((await new GoproxyClient({ http, goproxy: 'https://a|direct' }).sumdbBase('sum.golang.org')).base).toBe('https://sum.golang.org');
  });
});
