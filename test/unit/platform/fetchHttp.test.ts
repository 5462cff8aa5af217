// The fetch-based Http port against a loopback server (Node's fetch has the
// same contract as the browser's): streamed bodies, redirects, Range, abort,
// and the messages for failures that produce no response.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchHttp, explainFetchFailure } from '../../../src/platform/browser/fetchHttp.ts';
import { readBody, TransportError } from '../../../src/core/goproxy/http.ts';
import type { HttpBody } from '../../../src/core/goproxy/http.ts';
import { readByob } from '../../support/readByob.ts';

const BODY = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff);
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/redirect') {
      res.writeHead(302, { location: '/file' }).end();
    } else if (req.url === '/file') {
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      if (m) {
        const from = Number(m[1]);
        res.writeHead(206, { 'content-range': `bytes ${from}-${BODY.length - 1}/${BODY.length}`, 'content-length': BODY.length - from });
        res.end(BODY.subarray(from));
      } else {
        res.writeHead(200, { 'content-length': BODY.length, etag: '"v1"' });
        res.end(BODY);
      }
    } else if (req.url === '/cut') {
      // Promise the whole body, send part of it, then reset.
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.subarray(0, 1000), () => req.socket.destroy());
    } else if (req.url === '/stall') {
      res.writeHead(200, { 'content-length': 10 });
      res.write('12345');
    } else {
      res.writeHead(404, 'Not Found', { 'content-type': 'text/plain' }).end('not found: ' + req.url);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('fetchHttp', () => {
  it('streams a body after following a redirect', async () => {
    const http = fetchHttp({ origin: base });
    const r = await http.get(`${base}/redirect`);
    expect(r.status).toBe(200);
    expect(r.headers.get('ETag')).toBe('"v1"');
    expect(r.body).not.toBeInstanceOf(Uint8Array);
    const chunks: number[] = [];
    const { size } = await readBody(r.body, { onChunk: (c) => void chunks.push(c.length) });
    expect(size).toBe(BODY.length);
    expect(chunks.length).toBeGreaterThan(0);
  });

  it('sends request headers (Range) and reports statuses without throwing', async () => {
    const http = fetchHttp({ origin: base });
    const r = await http.get(`${base}/file`, { headers: { Range: 'bytes=150000-' } });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe(`bytes 150000-199999/200000`);
    expect((await readBody(r.body)).data).toEqual(BODY.subarray(150000));
    const missing = await http.get(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.statusText).toBe('Not Found');
    expect(new TextDecoder().decode((await readBody(missing.body)).data)).toBe('not found: /nope');
  });

  it('offers a BYOB reader that fills the caller\'s memory', async () => {
    const r = await fetchHttp({ origin: base }).get(`${base}/file`);
    const reader = (r.body as Exclude<HttpBody, Uint8Array | null>).getByobReader?.();
    expect(reader).toBeDefined();
    const got = await readByob(reader!, 64 << 10);
    expect(got.data).toEqual(BODY);
    expect(got.inPlace).toBe(true);
  });

  it('turns a cut body read through the BYOB reader into TransportError read too', async () => {
    const r = await fetchHttp({ origin: base }).get(`${base}/cut`);
    const err = await readByob((r.body as Exclude<HttpBody, Uint8Array | null>).getByobReader!()!, 4096).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).message).toMatch(new RegExp(`^read "${base}/cut": network error: `));
  });

  it('turns a body cut mid-stream into TransportError read', async () => {
    const r = await fetchHttp({ origin: base }).get(`${base}/cut`);
    const err = await readBody(r.body).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).op).toBe('read');
    expect((err as TransportError).message).toMatch(new RegExp(`^read "${base}/cut": network error: `));
  });

  it('rethrows the abort reason, before and during the body', async () => {
    const http = fetchHttp({ origin: base });
    const before = new AbortController();
    const reason = new Error('paused by the user');
    before.abort(reason);
    await expect(http.get(`${base}/file`, { signal: before.signal })).rejects.toBe(reason);

    const during = new AbortController();
    const r = await http.get(`${base}/stall`, { signal: during.signal });
    const reading = readBody(r.body);
    during.abort(reason);
    await expect(reading).rejects.toBe(reason);
  });

  it('explains a refused connection on the same origin as a network error', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/x`;
    await new Promise((r) => closed.close(r));
    const err = await fetchHttp({ origin: new URL(url).origin }).get(url).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TransportError);
    expect((err as Error).message).toBe(`Get "${url}": network error: fetch failed`);
  });

  it('explains a cross-origin failure and points to the same-origin relay', async () => {
    const failing = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    const http = fetchHttp({ fetch: failing, origin: 'http://127.0.0.1:5173' });
    const err = await http.get('https://proxy.golang.org/golang.org/x/mod/@v/list').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TransportError);
    expect((err as Error).message).toBe(
      'Get "https://proxy.golang.org/golang.org/x/mod/@v/list": the browser refused a cross-origin request to https://proxy.golang.org ' +
        '(no CORS permission, or the network is down): set the GOPROXY to the same-origin relay http://127.0.0.1:5173/goproxy/ ' +
        '(and the checksum database to http://127.0.0.1:5173/sumdb/), which the modcarry server forwards',
    );
  });

  it('keeps errors other than fetch TypeErrors as they are', () => {
    const e = new RangeError('bad');
    expect(explainFetchFailure('http://a/', 'http://a', e)).toBe(e);
    expect(explainFetchFailure('http://a/', 'http://a', 'str').message).toBe('str');
  });
});
