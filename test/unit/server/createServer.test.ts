import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { createServer } from '../../../src/server/createServer.ts';
import type { RunningServer } from '../../../src/server/createServer.ts';

const INDEX = '<!doctype html><title>modcarry</title><script type="module" src="/assets/index-abc123.js"></script>';
const NAVIGATE = { 'sec-fetch-mode': 'navigate', accept: 'text/html' };

describe('createServer', () => {
  let root: string;
  let server: RunningServer;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'modcarry-server-'));
    mkdirSync(join(root, 'assets'));
    mkdirSync(join(root, 'icons'));
    writeFileSync(join(root, 'index.html'), INDEX);
    writeFileSync(join(root, 'sw.js'), 'self.addEventListener("fetch", () => {});');
    writeFileSync(join(root, 'manifest.webmanifest'), '{"name":"modcarry"}');
    writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1);');
    writeFileSync(join(root, 'icons', 'icon-192.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
    writeFileSync(join(root, '.env'), 'SECRET=1');
    server = await createServer({ root, port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = {}) => send('GET', server.url + path, headers);

  it('listens on the requested host with a real port', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
  });

  it('serves hashed assets as immutable for a year', async () => {
    const r = await get('/assets/index-abc123.js');
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(r.headers.get('content-type')).toMatch(/^text\/javascript|^application\/javascript/);
    expect(await r.text()).toBe('console.log(1);');
  });

  it.each(['/', '/index.html', '/sw.js', '/manifest.webmanifest', '/icons/icon-192.png'])('serves %s with no-cache', async (path) => {
    const r = await get(path);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-cache');
  });

  it('serves the manifest as application/manifest+json', async () => {
    const r = await get('/manifest.webmanifest');
    expect(r.headers.get('content-type')).toMatch(/^application\/manifest\+json/);
  });

  it('sends a CSP without inline script on pages and files', async () => {
    for (const path of ['/', '/sw.js', '/assets/index-abc123.js', '/nowhere.js']) {
      const csp = (await get(path)).headers.get('content-security-policy') ?? '';
      const directives = new Map(csp.split(';').map((d) => { const [name = '', ...values] = d.trim().split(/\s+/); return [name, values]; }));
      expect(directives.get('script-src'), path).toEqual(["'self'"]);
      expect(directives.get('worker-src'), path).toEqual(["'self'"]);
      expect(directives.get('connect-src'), path).toEqual(["'self'"]);
      expect(directives.get('object-src'), path).toEqual(["'none'"]);
      expect(csp, path).not.toMatch(/unsafe-inline|unsafe-eval/);
    }
    expect((await get('/')).headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers a navigation to a client route with index.html', async () => {
    const r = await get('/plan/golang.org/x/mod', NAVIGATE);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.headers.get('cache-control')).toBe('no-cache');
    expect(await r.text()).toBe(INDEX);
  });

  it('falls back on Accept: text/html when Fetch Metadata is absent', async () => {
    const r = await get('/settings?tab=proxy', { accept: 'text/html,application/xhtml+xml' });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe(INDEX);
  });

  it('answers 404 to a missing file that is not a navigation', async () => {
    const r = await get('/missing.js', { 'sec-fetch-mode': 'no-cors', accept: '*/*' });
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it.each(['/assets/index-gone.js', '/goproxy/golang.org/x/mod/@v/list', '/sumdb/sum.golang.org/supported'])(
    'never falls back to the app under a reserved prefix: %s',
    async (path) => {
      const r = await get(path, NAVIGATE);
      expect(r.status).toBe(404);
    },
  );

  it('answers 404 to a navigating POST', async () => {
    const r = await send('POST', server.url + '/plan', NAVIGATE);
    expect(r.status).toBe(404);
  });

  it('does not serve dotfiles', async () => {
    const r = await get('/.env');
    expect(r.status).toBe(404);
    expect(await r.text()).not.toContain('SECRET');
  });

  it('refuses a root without index.html', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'modcarry-empty-'));
    try {
      await expect(createServer({ root: empty, port: 0, host: '127.0.0.1' })).rejects.toThrow(/has no index\.html/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

interface Reply {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/**
 * One request through node:http, which sends headers exactly as given (fetch
 * would overwrite Sec-Fetch-Mode with 'cors').
 */
function send(method: string, url: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: { get: (name) => { const v = res.headers[name.toLowerCase()]; return v === undefined ? null : String(v); } },
          text: () => Promise.resolve(body),
        });
      });
    });
    req.on('error', reject);
    req.end(method === 'POST' ? 'x' : undefined);
  });
}
