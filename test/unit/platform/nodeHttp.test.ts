// The Node Http port against a loopback server: both body readers (plain and
// BYOB), the idle timer between body reads, and cut bodies.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBody } from '../../../src/core/goproxy/http.ts';
import type { HttpBody } from '../../../src/core/goproxy/http.ts';
import { HttpTimeoutError, nodeHttp } from '../../../src/platform/node/nodeHttp.ts';
import { readByob } from '../../support/readByob.ts';

const BODY = new Uint8Array(300_000).map((_, i) => (i * 13) & 0xff);
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/file') {
      res.writeHead(200, { 'content-length': BODY.length });
      res.end(BODY);
    } else if (req.url === '/stall') {
      res.writeHead(200, { 'content-length': 10 });
      res.write('12345');
    } else if (req.url === '/cut') {
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.subarray(0, 1000), () => req.socket.destroy());
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const stream = (body: HttpBody): Exclude<HttpBody, Uint8Array | null> => {
  if (body === null || body instanceof Uint8Array) throw new Error('not a stream');
  return body;
};

describe('nodeHttp bodies', () => {
  it('reads a body with the plain reader', async () => {
    const r = await nodeHttp().get(`${base}/file`);
    expect((await readBody(r.body)).data).toEqual(BODY);
  });

  it('reads a body into the caller\'s memory with the BYOB reader', async () => {
    const r = await nodeHttp().get(`${base}/file`);
    const got = await readByob(stream(r.body).getByobReader!()!, 32 << 10);
    expect(got.data).toEqual(BODY);
    expect(got.inPlace).toBe(true);
    expect(got.reads).toBeGreaterThan(1);
  });

  it('ends a BYOB read that waits longer than the idle limit with HttpTimeoutError', async () => {
    const r = await nodeHttp({ timeoutMs: 300 }).get(`${base}/stall`);
    await expect(readByob(stream(r.body).getByobReader!()!, 1024)).rejects.toBeInstanceOf(HttpTimeoutError);
  });

  it('reports a body cut mid-stream on either reader', async () => {
    for (const byob of [false, true]) {
      const r = await nodeHttp().get(`${base}/cut`);
      const body = stream(r.body);
      const reading = byob ? readByob(body.getByobReader!()!, 4096) : readBody(body);
      await expect(reading).rejects.toThrow();
    }
  });
});
