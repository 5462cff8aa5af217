/**
 * The same-origin GOPROXY and checksum-database relay of the app server,
 * against the loopback fixture proxy (Range, If-Range, 416, redirects to its
 * second origin, resets, stalls, error statuses) and a small scripted upstream
 * for what the fixture cannot show (forwarded headers, 304, redirect loops and
 * schemes, a browser that goes away). Requests are sent with node:http and
 * raw sockets, so paths reach the server exactly as written.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../src/server/createServer.ts';
import type { RelayConfigJson, RelayOptions, RunningServer } from '../../src/server/createServer.ts';
import { SUM_GOLANG_ORG_KEY } from '../../src/core/sumdb/gosumdb.ts';
import { startFixtureProxy } from '../support/fixtureProxy.ts';
import type { FixtureProxy } from '../support/fixtureProxy.ts';

const SIZE = 300_000;
const zipBytes = Buffer.from(new Uint8Array(SIZE).map((_, i) => (i * 31 + 7) & 0xff));
const ZIP = '/example.com/!foo/@v/v1.0.0.zip';
const TILE = Buffer.from(new Uint8Array(32 * 4).map((_, i) => i));
const LOOKUP = '1234\nexample.com/Foo v1.0.0 h1:abc=\nexample.com/Foo v1.0.0/go.mod h1:def=\n\ngo.sum database tree\n5000\nhash=\n';

let appRoot = '';
let proxyRoot = '';
let fx: FixtureProxy;
let scripted: Scripted;
/** The relay under test: upstream entries [fixture, unreachable with a password, scripted], default timeouts. */
let relay: RunningServer;

function put(path: string, data: string | Buffer): void {
  const file = join(proxyRoot, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, data);
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Set when the body broke off before its end. */
  error?: string;
}

/** One request with the path sent byte for byte as given (no URL normalisation). */
function send(server: RunningServer, path: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: Number(port), path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      const done = (error?: string) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ...(error === undefined ? {} : { error }) });
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done());
      res.on('error', (e) => done(e.message));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Writes a raw HTTP/1.1 request on a socket and resolves with everything the server answers. */
function sendRaw(server: RunningServer, text: string): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), '127.0.0.1', () => sock.end(text));
    const chunks: Buffer[] = [];
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', reject);
    sock.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

/** A hand-written upstream: each (decoded) path gets a handler; every request is recorded with its headers. */
interface Scripted {
  url: string;
  requests: { path: string; headers: IncomingHttpHeaders }[];
  handlers: Map<string, (req: IncomingMessage, res: ServerResponse) => void>;
  close(): Promise<void>;
}

async function startScripted(): Promise<Scripted> {
  const requests: Scripted['requests'] = [];
  const handlers: Scripted['handlers'] = new Map();
  const sockets = new Set<Socket>();
  const server: Server = createHttpServer((req, res) => {
    const path = decodeURIComponent(req.url ?? '');
    requests.push({ path, headers: req.headers });
    const h = handlers.get(path);
    if (h === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no handler\n');
      return;
    }
    h(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    handlers,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

async function startRelay(relayOptions: RelayOptions): Promise<RunningServer> {
  return createServer({ root: appRoot, port: 0, host: '127.0.0.1', relay: relayOptions });
}

beforeAll(async () => {
  appRoot = mkdtempSync(join(tmpdir(), 'modcarry-relay-app-'));
  writeFileSync(join(appRoot, 'index.html'), '<!doctype html><title>modcarry</title>');
  proxyRoot = mkdtempSync(join(tmpdir(), 'modcarry-relay-proxy-'));
  put('example.com/!foo/@v/list', 'v1.0.0\n');
  put('example.com/!foo/@v/v1.0.0.info', '{"Version":"v1.0.0","Time":"2020-01-02T03:04:05Z"}');
  put('example.com/!foo/@v/v1.0.0.mod', 'module example.com/Foo\n');
  put(ZIP.slice(1), zipBytes);
  put('sumdb/sum.golang.org/supported', '');
  put('sumdb/sum.golang.org/lookup/example.com/!foo@v1.0.0', LOOKUP);
  put('sumdb/sum.golang.org/tile/8/0/000.p/4', TILE);
  fx = await startFixtureProxy({ root: proxyRoot });
  scripted = await startScripted();
  relay = await startRelay({
    goproxy: `${fx.url},http://user:secret@127.0.0.1:1/base|file:///srv/goproxy,${scripted.url}|direct`,
    gosumdb: `sum.golang.org ${fx.url}/sumdb/sum.golang.org`,
    redirectPolicy: { allowLoopbackHttp: true },
  });
});

afterAll(async () => {
  await relay?.close();
  await fx?.close();
  await scripted?.close();
  rmSync(appRoot, { recursive: true, force: true });
  rmSync(proxyRoot, { recursive: true, force: true });
});

afterEach(() => {
  fx.setFaults([]);
  fx.log.clear();
  scripted.requests.length = 0;
  scripted.handlers.clear();
});

describe('config.json', () => {
  it('describes each relayed upstream entry and the GOPROXY the app should use', async () => {
    const r = await send(relay, '/goproxy/config.json');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.headers['cache-control']).toBe('no-store');
    const c = JSON.parse(r.body.toString('utf8')) as RelayConfigJson;
    expect(c.version).toBe(1);
    expect(c.entries).toEqual([
      { prefix: '/goproxy/0', upstream: fx.url, fallBackOnError: false },
      { prefix: '/goproxy/1', upstream: 'http://user:xxxxx@127.0.0.1:1/base', fallBackOnError: true },
      { prefix: '/goproxy/2', upstream: scripted.url, fallBackOnError: true },
    ]);
    expect(c.goproxyForBrowser).toBe('/goproxy/0,/goproxy/1|/goproxy/2|direct');
    expect(c.skipped).toEqual([{ upstream: 'file:///srv/goproxy', reason: expect.stringContaining('file:') }]);
    expect(c.sumdb).toEqual({ name: 'sum.golang.org', prefix: '/sumdb/sum.golang.org', key: SUM_GOLANG_ORG_KEY, upstream: `${fx.url}/sumdb/sum.golang.org` });
    expect(c.problems).toEqual([]);
    expect(r.body.toString('utf8')).not.toContain('secret');
  });

  it('says when nothing is configured, and relays nothing', async () => {
    const bare = await startRelay({});
    try {
      const c = JSON.parse((await send(bare, '/goproxy/config.json')).body.toString('utf8')) as RelayConfigJson;
      expect(c).toMatchObject({ goproxy: null, entries: [], goproxyForBrowser: null, sumdb: null, problems: [] });
      expect((await send(bare, '/goproxy/0/example.com/!foo/@v/list')).status).toBe(404);
      expect((await send(bare, '/sumdb/sum.golang.org/supported')).status).toBe(404);
      expect(fx.log.entries).toHaveLength(0);
    } finally {
      await bare.close();
    }
  });

  it("reports go's error for an invalid GOPROXY instead of failing to start", async () => {
    const bad = await startRelay({ goproxy: 'ftp://example.com', gosumdb: 'off' });
    try {
      expect(bad.relayProblems).toEqual(['invalid proxy URL scheme (must be https, http, file): ftp://example.com']);
      const c = JSON.parse((await send(bad, '/goproxy/config.json')).body.toString('utf8')) as RelayConfigJson;
      expect(c.entries).toEqual([]);
      expect(c.goproxyForBrowser).toBeNull();
      expect(c.sumdb).toBeNull();
    } finally {
      await bad.close();
    }
  });
});

describe('forwarding', () => {
  it('relays list, info, mod and zip, sending ! as %21 however the browser spelled it', async () => {
    expect((await send(relay, '/goproxy/0/example.com/!foo/@v/list')).body.toString()).toBe('v1.0.0\n');
    const info = await send(relay, '/goproxy/0/example.com/%21foo/@v/v1.0.0.info');
    expect(info.status).toBe(200);
    expect(info.headers['content-type']).toBe('application/json');
    expect(JSON.parse(info.body.toString())).toEqual({ Version: 'v1.0.0', Time: '2020-01-02T03:04:05Z' });
    expect((await send(relay, '/goproxy/0/example.com/!foo/@v/v1.0.0.mod')).body.toString()).toBe('module example.com/Foo\n');
    const zip = await send(relay, '/goproxy/0/example.com/!foo/@v/v1.0.0.zip');
    expect(zip.status).toBe(200);
    expect(zip.headers['content-length']).toBe(String(SIZE));
    expect(zip.headers['accept-ranges']).toBe('bytes');
    expect(zip.headers['etag']).toMatch(/^"[0-9a-f]+"$/);
    expect(zip.headers['last-modified']).toBeDefined();
    expect(zip.body.equals(zipBytes)).toBe(true);
    expect(fx.log.entries.map((e) => e.rawPath)).toEqual([
      '/example.com/%21foo/@v/list',
      '/example.com/%21foo/@v/v1.0.0.info',
      '/example.com/%21foo/@v/v1.0.0.mod',
      '/example.com/%21foo/@v/v1.0.0.zip',
    ]);
  });

  it("does not pass on the upstream's CORS headers, nor the browser's cookies and credentials", async () => {
    const r = await send(relay, '/goproxy/0/example.com/!foo/@v/list');
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect(r.headers['access-control-expose-headers']).toBeUndefined();

    scripted.handlers.set('/example.com/!foo/@v/list', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': 'a=b', 'www-authenticate': 'Basic', 'x-upstream': '1', 'cache-control': 'max-age=60' }).end('v1.0.0\n');
    });
    const s = await send(relay, '/goproxy/2/example.com/!foo/@v/list', {
      headers: { cookie: 'session=1', authorization: 'Bearer t', 'x-forwarded-for': '10.0.0.1', range: 'bytes=0-', 'accept-encoding': 'gzip' },
    });
    expect(s.status).toBe(200);
    expect(s.headers['set-cookie']).toBeUndefined();
    expect(s.headers['www-authenticate']).toBeUndefined();
    expect(s.headers['x-upstream']).toBeUndefined();
    expect(s.headers['cache-control']).toBe('max-age=60');
    const sent = scripted.requests[0]!.headers;
    expect(sent.cookie).toBeUndefined();
    expect(sent.authorization).toBeUndefined();
    expect(sent['x-forwarded-for']).toBeUndefined();
    expect(sent.range).toBe('bytes=0-');
    expect(sent['accept-encoding']).toBe('identity');
    expect(sent.host).toBe(new URL(scripted.url).host);
  });

  it('answers HEAD from an upstream HEAD, with the length and no body', async () => {
    const r = await send(relay, '/goproxy/0' + ZIP, { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe(String(SIZE));
    expect(fx.log.entries.map((e) => [e.method, e.bytes])).toEqual([['HEAD', 0]]);
  });

  it('passes If-None-Match up and a 304 down', async () => {
    scripted.handlers.set('/example.com/!foo/@v/v1.0.0.info', (req, res) => {
      if (req.headers['if-none-match'] === '"v1"') res.writeHead(304, { etag: '"v1"' }).end();
      else res.writeHead(200, { etag: '"v1"', 'content-type': 'application/json' }).end('{}');
    });
    const r = await send(relay, '/goproxy/2/example.com/!foo/@v/v1.0.0.info', { headers: { 'if-none-match': '"v1"' } });
    expect(r.status).toBe(304);
    expect(r.headers.etag).toBe('"v1"');
    expect(r.body.length).toBe(0);
  });

  it('refuses methods other than GET and HEAD', async () => {
    const r = await send(relay, '/goproxy/0/example.com/!foo/@v/list', { method: 'POST' });
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD');
    expect(fx.log.entries).toHaveLength(0);
  });
});

describe('Range', () => {
  it('passes a Range through and the 206 back', async () => {
    const r = await send(relay, '/goproxy/0' + ZIP, { headers: { range: 'bytes=1000-1999' } });
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe(`bytes 1000-1999/${SIZE}`);
    expect(r.headers['content-length']).toBe('1000');
    expect(r.body.equals(zipBytes.subarray(1000, 2000))).toBe(true);
    expect(fx.log.entries[0]!.range).toBe('bytes=1000-1999');
  });

  it('passes a 416 back with its Content-Range', async () => {
    const r = await send(relay, '/goproxy/0' + ZIP, { headers: { range: `bytes=${SIZE}-` } });
    expect(r.status).toBe(416);
    expect(r.headers['content-range']).toBe(`bytes */${SIZE}`);
  });

  it('passes If-Range: a matching ETag gives 206, a stale one the whole file', async () => {
    const etag = (await send(relay, '/goproxy/0' + ZIP, { method: 'HEAD' })).headers.etag!;
    const resumed = await send(relay, '/goproxy/0' + ZIP, { headers: { range: 'bytes=299000-', 'if-range': etag } });
    expect(resumed.status).toBe(206);
    expect(resumed.body.equals(zipBytes.subarray(299_000))).toBe(true);
    const stale = await send(relay, '/goproxy/0' + ZIP, { headers: { range: 'bytes=299000-', 'if-range': '"0000"' } });
    expect(stale.status).toBe(200);
    expect(stale.body.equals(zipBytes)).toBe(true);
  });
});

describe('redirects', () => {
  it("follows a redirect to the fixture's second origin on the server, Range included", async () => {
    fx.setFaults([{ path: ZIP, fault: { kind: 'redirect' } }]);
    const r = await send(relay, '/goproxy/0' + ZIP, { headers: { range: 'bytes=0-99' } });
    expect(r.status).toBe(206);
    expect(r.headers.location).toBeUndefined();
    expect(r.body.equals(zipBytes.subarray(0, 100))).toBe(true);
    expect(fx.log.entries.map((e) => [e.origin, e.status, e.range])).toEqual([
      ['main', 302, 'bytes=0-99'],
      ['redirect', 206, 'bytes=0-99'],
    ]);
  });

  it('refuses a plain-http redirect to another origin unless loopback http is allowed', async () => {
    const strict = await startRelay({ goproxy: fx.url });
    try {
      fx.setFaults([{ path: ZIP, fault: { kind: 'redirect' } }]);
      const r = await send(strict, '/goproxy/0' + ZIP);
      expect(r.status).toBe(502);
      expect(r.body.toString()).toMatch(/^modcarry relay: refused to follow a redirect from .*plain http on another origin\n$/);
      expect(fx.log.entries.map((e) => e.origin)).toEqual(['main']);
    } finally {
      await strict.close();
    }
  });

  it.each(['file:///etc/passwd', 'ftp://127.0.0.1/x', 'http://user:pw@127.0.0.1:1/x', 'data:text/plain,hi'])('refuses a redirect to %s', async (location) => {
    scripted.handlers.set('/example.com/!foo/@v/list', (_req, res) => res.writeHead(302, { location }).end());
    const r = await send(relay, '/goproxy/2/example.com/!foo/@v/list');
    expect(r.status).toBe(502);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.body.toString()).toMatch(/^modcarry relay: refused to follow a redirect/);
  });

  it('stops after 5 redirects', async () => {
    scripted.handlers.set('/example.com/!foo/@v/list', (_req, res) => res.writeHead(302, { location: '/example.com/!foo/@v/list' }).end());
    const r = await send(relay, '/goproxy/2/example.com/!foo/@v/list');
    expect(r.status).toBe(502);
    expect(r.body.toString()).toContain('stopped after 5 redirects');
    expect(scripted.requests).toHaveLength(6);
  });
});

describe('faults', () => {
  it('breaks the body off when the upstream resets mid-body', async () => {
    fx.setFaults([{ path: ZIP, fault: { kind: 'reset', afterBytes: 50_000 } }]);
    const r = await send(relay, '/goproxy/0' + ZIP);
    expect(r.status).toBe(200);
    expect(r.error).toBeDefined();
    expect(r.body.length).toBeLessThan(SIZE);
    expect(r.body.equals(zipBytes.subarray(0, r.body.length))).toBe(true);
  });

  it('breaks the body off when the upstream truncates it', async () => {
    fx.setFaults([{ path: ZIP, fault: { kind: 'truncate', bytes: 1000 } }]);
    const r = await send(relay, '/goproxy/0' + ZIP);
    expect(r.error).toBeDefined();
    expect(r.body.length).toBeLessThan(SIZE);
  });

  it.each([
    [500, undefined],
    [503, '120'],
    [429, '7'],
    [404, undefined],
    [410, undefined],
    [403, undefined],
  ])('passes status %i through with its body (Retry-After %s)', async (status, retryAfter) => {
    fx.setFaults([{ path: '/example.com/!foo/@v/list', fault: { kind: 'status', status, body: `not today: ${status}\n`, ...(retryAfter === undefined ? {} : { retryAfter }) } }]);
    const r = await send(relay, '/goproxy/0/example.com/!foo/@v/list');
    expect(r.status).toBe(status);
    expect(r.body.toString()).toBe(`not today: ${status}\n`);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.headers['retry-after']).toBe(retryAfter);
  });

  it('answers 502 with a one-line reason when the upstream is unreachable, without its password', async () => {
    const r = await send(relay, '/goproxy/1/example.com/!foo/@v/list');
    expect(r.status).toBe(502);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    const text = r.body.toString();
    expect(text).toMatch(/^modcarry relay: cannot reach http:\/\/127\.0\.0\.1:1: .*ECONNREFUSED.*\n$/);
    expect(text.split('\n')).toHaveLength(2);
    expect(text).not.toContain('secret');
  });

  describe('timeouts', () => {
    let quick: RunningServer;
    beforeAll(async () => {
      quick = await startRelay({ goproxy: fx.url, timeouts: { headersMs: 300, idleMs: 300 } });
    });
    afterAll(async () => {
      await quick.close();
    });

    it('answers 504 when the upstream sends no headers in time', async () => {
      fx.setFaults([{ path: '/example.com/!foo/@v/list', fault: { kind: 'stall', ms: 5000 } }]);
      const r = await send(quick, '/goproxy/0/example.com/!foo/@v/list');
      expect(r.status).toBe(504);
      expect(r.body.toString()).toMatch(/^modcarry relay: no answer from http:\/\/127\.0\.0\.1:\d+ within 300 ms\n$/);
    });

    it('breaks the body off when the upstream goes quiet mid-body', async () => {
      fx.setFaults([{ path: ZIP, fault: { kind: 'stall', ms: 5000, afterBytes: 10_000 } }]);
      const r = await send(quick, '/goproxy/0' + ZIP);
      expect(r.status).toBe(200);
      expect(r.error).toBeDefined();
      expect(r.body.length).toBe(10_000);
    });
  });
});

describe('streaming', () => {
  it('sends the first bytes before the upstream has finished', async () => {
    fx.setFaults([{ path: ZIP, fault: { kind: 'stall', ms: 1500, afterBytes: 100_000 } }]);
    const { port } = new URL(relay.url);
    const result = await new Promise<{ upstreamBytesAtFirstChunk: number; body: Buffer }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: Number(port), path: '/goproxy/0' + ZIP }, (res) => {
        const chunks: Buffer[] = [];
        let atFirst = -1;
        res.on('data', (c: Buffer) => {
          if (atFirst < 0) atFirst = fx.log.requests(ZIP)[0]?.bytes ?? -1;
          chunks.push(c);
        });
        res.on('end', () => resolve({ upstreamBytesAtFirstChunk: atFirst, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(result.upstreamBytesAtFirstChunk).toBe(100_000);
    expect(result.body.equals(zipBytes)).toBe(true);
  });

  it('aborts the upstream request when the browser goes away', async () => {
    const upstreamClosed = new Promise<boolean>((resolve) => {
      scripted.handlers.set('/example.com/!foo/@v/v1.0.0.zip', (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/zip', 'content-length': '1000000' });
        res.write(Buffer.alloc(10_000, 1));
        // Never finishes on its own: only the relay dropping the connection ends it.
        res.on('close', () => resolve(res.writableFinished));
      });
    });
    const { port } = new URL(relay.url);
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: Number(port), path: '/goproxy/2' + ZIP }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
      req.end();
    });
    expect(await upstreamClosed).toBe(false);
  });
});

describe('refusal', () => {
  it.each([
    ['a dot-dot segment', '/goproxy/0/example.com/!foo/@v/../@v/v1.0.0.zip'],
    ['an encoded dot-dot', '/goproxy/0/example.com/!foo/@v/%2e%2e/@v/list'],
    ['an encoded slash', '/goproxy/0/example.com%2F!foo/@v/list'],
    ['an encoded backslash', '/goproxy/0/example.com%5C!foo/@v/list'],
    ['a backslash', '/goproxy/0/example.com\\!foo/@v/list'],
    ['an encoded percent', '/goproxy/0/example.com/%2521foo/@v/list'],
    ['an encoded CR LF', '/goproxy/0/example.com/!foo/@v/list%0D%0AHost:%20evil.example'],
    ['an encoded NUL', '/goproxy/0/example.com/!foo/@v/v1.0.0.zip%00'],
    ['a double slash', '/goproxy/0//example.com/!foo/@v/list'],
    ['an absolute URL', '/goproxy/0/http://evil.example/x/@v/list'],
    ['a scheme without slashes', '/goproxy/0/https:evil.example/@v/list'],
    ['a query string', '/goproxy/0/example.com/!foo/@v/list?x=1'],
    ['a path that is no GOPROXY resource', '/goproxy/0/etc/passwd'],
    ['a capital letter (unescaped module path)', '/goproxy/0/example.com/Foo/@v/list'],
    ['an invalid module path', '/goproxy/0/localhost/@v/list'],
    ['a bad version file', '/goproxy/0/example.com/!foo/@v/v1.0.0.exe'],
    ['a sumdb path with a dot-dot', '/sumdb/sum.golang.org/lookup/../../x'],
    ['a sumdb path that is no sumdb resource', '/sumdb/sum.golang.org/admin'],
    ['a malformed tile', '/sumdb/sum.golang.org/tile/8/0/0000'],
  ])('refuses %s with 400', async (_what, path) => {
    const r = await send(relay, path);
    expect(r.status).toBe(400);
    expect(r.body.toString()).toMatch(/^modcarry relay: refused: .+\n$/);
    expect(fx.log.entries).toHaveLength(0);
  });

  it.each(['/goproxy/3/example.com/!foo/@v/list', '/goproxy/00/example.com/!foo/@v/list', '/goproxy/x/example.com/!foo/@v/list', '/goproxy/', '/sumdb/sum.other.org/supported', '/sumdb/sum.golang.org'])(
    'answers 404 for %s, which names no relayed upstream',
    async (path) => {
      const r = await send(relay, path);
      expect(r.status).toBe(404);
      expect(fx.log.entries).toHaveLength(0);
    },
  );

  it('never lets the Host header choose the upstream', async () => {
    const r = await send(relay, '/goproxy/0/example.com/!foo/@v/list', { headers: { host: 'evil.example' } });
    expect(r.status).toBe(200);
    expect(fx.log.entries).toHaveLength(1);
  });

  it('does not forward an absolute-form request target', async () => {
    const answer = await sendRaw(relay, `GET ${fx.url}/example.com/%21foo/@v/list HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 4\d\d /);
    const viaPrefix = await sendRaw(relay, `GET ${fx.url}/goproxy/0/example.com/%21foo/@v/list HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    expect(viaPrefix).toMatch(/^HTTP\/1\.1 4\d\d /);
    expect(fx.log.entries).toHaveLength(0);
  });

  it('does not forward a raw CR in the request target', async () => {
    const cr = await sendRaw(relay, 'GET /goproxy/0/example.com/!foo\r/@v/list HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(cr).toMatch(/^HTTP\/1\.1 400 /);
    expect(fx.log.entries).toHaveLength(0);
  });
});

describe('checksum database', () => {
  it('relays supported, lookup and tile to the GOSUMDB URL', async () => {
    const supported = await send(relay, '/sumdb/sum.golang.org/supported');
    expect(supported.status).toBe(200);
    const lookup = await send(relay, '/sumdb/sum.golang.org/lookup/example.com/!foo@v1.0.0');
    expect(lookup.status).toBe(200);
    expect(lookup.body.toString()).toBe(LOOKUP);
    const tile = await send(relay, '/sumdb/sum.golang.org/tile/8/0/000.p/4');
    expect(tile.status).toBe(200);
    expect(createHash('sha256').update(tile.body).digest('hex')).toBe(createHash('sha256').update(TILE).digest('hex'));
    expect(fx.log.entries.map((e) => e.rawPath)).toEqual([
      '/sumdb/sum.golang.org/supported',
      '/sumdb/sum.golang.org/lookup/example.com/%21foo@v1.0.0',
      '/sumdb/sum.golang.org/tile/8/0/000.p/4',
    ]);
  });

  it('passes a missing tile through as 404', async () => {
    const r = await send(relay, '/sumdb/sum.golang.org/tile/8/1/000');
    expect(r.status).toBe(404);
  });

  it('reaches a checksum database proxied by a GOPROXY entry, as the go command asks for it', async () => {
    const r = await send(relay, '/goproxy/0/sumdb/sum.golang.org/lookup/example.com/!foo@v1.0.0');
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe(LOOKUP);
    expect(fx.log.entries.map((e) => e.rawPath)).toEqual(['/sumdb/sum.golang.org/lookup/example.com/%21foo@v1.0.0']);
  });
});
