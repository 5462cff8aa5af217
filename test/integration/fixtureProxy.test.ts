/**
 * The fixture proxy itself: file serving with percent-decoding, CORS, Range,
 * If-Range and 416, every fault kind, the seeded random faults and the access
 * log, all through Node's fetch against 127.0.0.1.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureProxy } from '../support/fixtureProxy.ts';
import { globMatch, startFixtureProxy } from '../support/fixtureProxy.ts';
import { parseMainArgs } from '../support/fixtureProxyMain.ts';

const ZIP = '/example.com/!foo/@v/v1.0.0.zip';
const ZIP_URL_PATH = '/example.com/%21foo/@v/v1.0.0.zip';
const SIZE = 100_000;

let dir = '';
let proxy: FixtureProxy;
const zipBytes = new Uint8Array(SIZE).map((_, i) => (i * 7 + 3) & 0xff);

async function bytesOf(res: Response): Promise<Uint8Array> {
  return new Uint8Array(await res.arrayBuffer());
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'modcarry-fixture-'));
  const vdir = join(dir, 'example.com', '!foo', '@v');
  mkdirSync(vdir, { recursive: true });
  writeFileSync(join(vdir, 'v1.0.0.zip'), zipBytes);
  writeFileSync(join(vdir, 'v1.0.0.info'), '{"Version":"v1.0.0","Time":"2020-01-02T03:04:05Z"}');
  writeFileSync(join(vdir, 'v1.0.0.mod'), 'module example.com/Foo\n');
  writeFileSync(join(vdir, 'list'), 'v1.0.0\n');
  proxy = await startFixtureProxy({ root: dir });
});

afterAll(async () => {
  await proxy.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  proxy.setFaults([]);
  proxy.log.clear();
});

describe('serving', () => {
  it('percent-decodes paths and serves files with CORS and validators', async () => {
    const res = await fetch(proxy.url + ZIP_URL_PATH);
    expect(res.status).toBe(200);
    expect(await bytesOf(res)).toEqual(zipBytes);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toMatch(/Content-Range.*ETag.*Accept-Ranges/);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]+"$/);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const info = await fetch(proxy.url + '/example.com/%21foo/@v/v1.0.0.info');
    expect(info.headers.get('content-type')).toBe('application/json');
    expect(await info.text()).toBe('{"Version":"v1.0.0","Time":"2020-01-02T03:04:05Z"}');
  });

  it('answers 404 with a text/plain body for missing files and refuses to leave the root', async () => {
    const res = await fetch(proxy.url + '/example.com/none/@v/list');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe('not found: /example.com/none/@v/list\n');
    const escape = await fetch(proxy.url + '/..%2F..%2Fetc%2Fpasswd');
    expect(escape.status).toBe(404);
  });

  it('answers CORS preflights', async () => {
    const res = await fetch(proxy.url + ZIP_URL_PATH, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-headers')).toContain('Range');
  });

  it('logs path, status, range and bytes, with glob helpers', async () => {
    await (await fetch(proxy.url + ZIP_URL_PATH, { headers: { Range: 'bytes=0-9' } })).arrayBuffer();
    await (await fetch(proxy.url + '/example.com/%21foo/@v/list')).arrayBuffer();
    expect(proxy.log.requests(ZIP)).toHaveLength(1);
    expect(proxy.log.requests(ZIP)[0]).toMatchObject({ origin: 'main', path: ZIP, rawPath: ZIP_URL_PATH, status: 206, range: 'bytes=0-9', bytes: 10 });
    expect(proxy.log.bytesServed('**/*.zip')).toBe(10);
    expect(proxy.log.bytesServed()).toBe(17);
    expect(proxy.log.requests('/example.com/*/@v/*')).toHaveLength(2);
  });
});

describe('Range', () => {
  it('serves 206 for a satisfiable range, suffix ranges and open ranges', async () => {
    const r1 = await fetch(proxy.url + ZIP_URL_PATH, { headers: { Range: 'bytes=10-19' } });
    expect(r1.status).toBe(206);
    expect(r1.headers.get('content-range')).toBe(`bytes 10-19/${SIZE}`);
    expect(await bytesOf(r1)).toEqual(zipBytes.subarray(10, 20));
    const r2 = await fetch(proxy.url + ZIP_URL_PATH, { headers: { Range: 'bytes=-5' } });
    expect(await bytesOf(r2)).toEqual(zipBytes.subarray(SIZE - 5));
    const r3 = await fetch(proxy.url + ZIP_URL_PATH, { headers: { Range: `bytes=${SIZE - 3}-` } });
    expect(r3.headers.get('content-range')).toBe(`bytes ${SIZE - 3}-${SIZE - 1}/${SIZE}`);
    const r4 = await fetch(proxy.url + ZIP_URL_PATH, { headers: { Range: `bytes=${SIZE - 3}-${SIZE + 100}` } });
    expect(await bytesOf(r4)).toEqual(zipBytes.subarray(SIZE - 3));
  });

  it('answers 416 with Content-Range bytes */size past the end', async () => {
    const res = await fetch(proxy.url + ZIP_URL_PATH, { headers: { Range: `bytes=${SIZE}-` } });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe(`bytes */${SIZE}`);
  });

  it('honours If-Range only when the ETag or Last-Modified still matches', async () => {
    const head = await fetch(proxy.url + ZIP_URL_PATH, { method: 'HEAD' });
    const etag = head.headers.get('etag')!;
    const lastModified = head.headers.get('last-modified')!;
    const ok = await fetch(proxy.url + ZIP_URL_PATH, { headers: { Range: 'bytes=0-0', 'If-Range': etag } });
    expect(ok.status).toBe(206);
    const okDate = await fetch(proxy.url + ZIP_URL_PATH, { headers: { Range: 'bytes=0-0', 'If-Range': lastModified } });
    expect(okDate.status).toBe(206);
    const stale = await fetch(proxy.url + ZIP_URL_PATH, { headers: { Range: 'bytes=0-0', 'If-Range': '"other"' } });
    expect(stale.status).toBe(200);
    expect((await bytesOf(stale)).length).toBe(SIZE);
  });

  it('changingEtag makes every If-Range stale', async () => {
    proxy.setFaults([{ path: ZIP, fault: { kind: 'changingEtag' } }]);
    const a = await fetch(proxy.url + ZIP_URL_PATH, { headers: { Range: 'bytes=0-0' } });
    await a.arrayBuffer();
    const etag = a.headers.get('etag')!;
    const b = await fetch(proxy.url + ZIP_URL_PATH, { headers: { Range: 'bytes=1-1', 'If-Range': etag } });
    expect(b.status).toBe(200);
    expect(b.headers.get('etag')).not.toBe(etag);
    await b.arrayBuffer();
  });
});

describe('faults', () => {
  it('status bursts: N failures with the scripted status, then OK', async () => {
    proxy.setFaults([{ path: '**/*.info', fault: { kind: 'status', status: 503 }, times: 2 }]);
    const url = proxy.url + '/example.com/%21foo/@v/v1.0.0.info';
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await fetch(url);
      await r.arrayBuffer();
      statuses.push(r.status);
    }
    expect(statuses).toEqual([503, 503, 200]);
    expect(proxy.log.requests('**/*.info').map((e) => e.fault)).toEqual(['status', 'status', undefined]);
  });

  it('429 with Retry-After, 404 and 410 with custom bodies', async () => {
    proxy.setFaults([
      { path: '/a', fault: { kind: 'status', status: 429, retryAfter: '3' } },
      { path: '/b', fault: { kind: 'status', status: 404, body: 'not found: nope' } },
      { path: '/c', fault: { kind: 'status', status: 410 } },
    ]);
    const a = await fetch(proxy.url + '/a');
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('3');
    const b = await fetch(proxy.url + '/b');
    expect([b.status, await b.text()]).toEqual([404, 'not found: nope']);
    expect((await fetch(proxy.url + '/c')).status).toBe(410);
  });

  it('reset: the connection drops after N bytes', async () => {
    proxy.setFaults([{ path: ZIP, fault: { kind: 'reset', afterBytes: 1000 } }]);
    const res = await fetch(proxy.url + ZIP_URL_PATH);
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
    expect(proxy.log.requests(ZIP)[0]).toMatchObject({ fault: 'reset', bytes: 1000 });
  });

  it('truncate: fewer bytes than Content-Length, then close', async () => {
    proxy.setFaults([{ path: ZIP, fault: { kind: 'truncate', bytes: 500 } }]);
    const res = await fetch(proxy.url + ZIP_URL_PATH);
    expect(res.headers.get('content-length')).toBe(String(SIZE));
    await expect(res.arrayBuffer()).rejects.toThrow();
    expect(proxy.log.bytesServed(ZIP)).toBe(500);
  });

  it('flip: one byte XORed at a file offset, in full and ranged responses', async () => {
    proxy.setFaults([{ path: ZIP, fault: { kind: 'flip', offset: 50 } }]);
    const full = await bytesOf(await fetch(proxy.url + ZIP_URL_PATH));
    const expected = zipBytes.slice();
    expected[50] = expected[50]! ^ 0xff;
    expect(full).toEqual(expected);
    const ranged = await bytesOf(await fetch(proxy.url + ZIP_URL_PATH, { headers: { Range: 'bytes=40-59' } }));
    expect(ranged).toEqual(expected.subarray(40, 60));
    const outside = await bytesOf(await fetch(proxy.url + ZIP_URL_PATH, { headers: { Range: 'bytes=0-9' } }));
    expect(outside).toEqual(zipBytes.subarray(0, 10));
  });

  it('redirect: 302 to the second origin, which sends no CORS headers', async () => {
    proxy.setFaults([{ path: ZIP, fault: { kind: 'redirect' } }]);
    const manual = await fetch(proxy.url + ZIP_URL_PATH, { redirect: 'manual' });
    expect(manual.status).toBe(302);
    expect(manual.headers.get('location')).toBe(proxy.redirectOrigin + ZIP_URL_PATH);
    const followed = await fetch(proxy.url + ZIP_URL_PATH);
    expect(followed.status).toBe(200);
    expect(followed.headers.get('access-control-allow-origin')).toBeNull();
    expect(await bytesOf(followed)).toEqual(zipBytes);
    expect(proxy.log.entries.map((e) => [e.origin, e.status])).toEqual([
      ['main', 302],
      ['main', 302],
      ['redirect', 200],
    ]);
  });

  it('stall: holds the connection after N bytes, then completes', async () => {
    proxy.setFaults([{ path: ZIP, fault: { kind: 'stall', ms: 800, afterBytes: 100 } }]);
    const res = await fetch(proxy.url + ZIP_URL_PATH);
    const reader = res.body!.getReader();
    let got = 0;
    while (got < 100) {
      const r = await reader.read();
      if (r.done) break;
      got += r.value.length;
    }
    expect(got).toBe(100);
    expect(proxy.log.requests(ZIP)[0]!.bytes).toBe(100);
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      got += r.value.length;
    }
    expect(got).toBe(SIZE);
  });

  it('stall before the headers, then a normal answer', async () => {
    proxy.setFaults([{ path: '**/list', fault: { kind: 'stall', ms: 50 } }]);
    const res = await fetch(proxy.url + '/example.com/%21foo/@v/list');
    expect(await res.text()).toBe('v1.0.0\n');
    expect(proxy.log.entries[0]!.fault).toBe('stall');
  });

  it('slow: the body arrives in many small pieces', async () => {
    proxy.setFaults([{ path: ZIP, fault: { kind: 'slow', bytesPerSecond: 200_000 } }]);
    const res = await fetch(proxy.url + ZIP_URL_PATH, { headers: { Range: 'bytes=0-39999' } });
    const reader = res.body!.getReader();
    const chunks: number[] = [];
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      chunks.push(r.value.length);
    }
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(40_000);
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...chunks)).toBeLessThanOrEqual(10_000);
  });

  it('random faults repeat for the same seed', async () => {
    const run = async (): Promise<(string | undefined)[]> => {
      proxy.log.clear();
      proxy.setFaults([], { rate: 0.5, faults: [{ kind: 'status', status: 500 }, { kind: 'status', status: 404 }] });
      for (let i = 0; i < 20; i++) await (await fetch(proxy.url + '/example.com/%21foo/@v/list')).arrayBuffer();
      return proxy.log.entries.map((e) => `${e.status}`);
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    expect(new Set(a)).toEqual(new Set(['200', '500', '404']));
  });
});

describe('helpers', () => {
  it('globMatch', () => {
    expect(globMatch('/a/*.zip', '/a/v1.zip')).toBe(true);
    expect(globMatch('/a/*.zip', '/a/b/v1.zip')).toBe(false);
    expect(globMatch('**/*.zip', '/a/b/v1.zip')).toBe(true);
    expect(globMatch('/a/v?.zip', '/a/v1.zip')).toBe(true);
    expect(globMatch('/a/v1.zip', '/a/v1.zip')).toBe(true);
    expect(globMatch('/a/v1.zip', '/a/v1xzip')).toBe(false);
  });

  it('parseMainArgs', () => {
    expect(parseMainArgs(['--root', '/x', '--port=8080'])).toEqual({ root: '/x', port: 8080, seed: 1 });
    expect(() => parseMainArgs(['--port', '1'])).toThrow(/--root is required/);
    expect(() => parseMainArgs(['--root', '/x', '--port', 'abc'])).toThrow(/invalid --port/);
    expect(() => parseMainArgs(['--bogus', '1'])).toThrow(/unknown flag/);
  });
});
