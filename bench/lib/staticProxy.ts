/**
 * A minimal loopback GOPROXY for files of hundreds of MiB: streams single
 * byte ranges straight from disk, with an ETag from size and mtime. The
 * fixture proxy (test/support/fixtureProxy.ts) reads and SHA-256-hashes the
 * whole file on every request, which for a 400 MiB zip fetched in 2 MiB
 * chunks costs the runner minutes of CPU beside the process being measured;
 * this one is used only where files are that large. Counts bytes served.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve, sep } from 'node:path';

export interface StaticProxy {
  readonly url: string;
  readonly stats: ProxyStats;
  close(): Promise<void>;
}

export interface ProxyStats {
  requests: number;
  bytes: number;
  /** Body bytes of .zip files, and when (performance.now()) the first and the last of them went out. */
  zipBytes: number;
  zipFirstAt: number | undefined;
  zipLastAt: number | undefined;
}

/** Zeroes the counters (between runs). */
export function resetStats(stats: ProxyStats): void {
  stats.requests = 0;
  stats.bytes = 0;
  stats.zipBytes = 0;
  stats.zipFirstAt = undefined;
  stats.zipLastAt = undefined;
}

const TYPES: Readonly<Record<string, string>> = {
  zip: 'application/zip',
  info: 'application/json',
  js: 'text/javascript; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

/** Module scripts need a JavaScript type; GOPROXY text files are plain text. */
function contentType(path: string): string {
  return TYPES[path.slice(path.lastIndexOf('.') + 1)] ?? 'text/plain; charset=utf-8';
}

/** Serves rootDir on 127.0.0.1 at a free port (also the Chromium hashing page, hence the script types). */
export async function startStaticProxy(rootDir: string): Promise<StaticProxy> {
  const root = resolve(rootDir);
  const stats: ProxyStats = { requests: 0, bytes: 0, zipBytes: 0, zipFirstAt: undefined, zipLastAt: undefined };
  const server = createServer((req, res) => {
    stats.requests++;
    let path: string;
    try {
      path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    } catch {
      path = '/';
    }
    const file = resolve(root, '.' + path);
    let st;
    try {
      if (!file.startsWith(root + sep)) throw new Error('outside');
      st = statSync(file);
      if (!st.isFile()) throw new Error('not a file');
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Access-Control-Allow-Origin': '*' });
      res.end(`not found: ${path}\n`);
      return;
    }
    const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
    const headers: Record<string, string> = {
      'Accept-Ranges': 'bytes',
      ETag: etag,
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Expose-Headers': 'Content-Range, Content-Length, ETag, Accept-Ranges',
      'Content-Type': contentType(path),
    };
    let start = 0;
    let end = st.size - 1;
    let status = 200;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (m !== null && (ifRange === undefined || ifRange === etag)) {
      start = Number(m[1]);
      end = m[2] === '' ? st.size - 1 : Math.min(Number(m[2]), st.size - 1);
      if (start >= st.size || end < start) {
        res.writeHead(416, { ...headers, 'Content-Range': `bytes */${st.size}` });
        res.end();
        return;
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${st.size}`;
    }
    res.writeHead(status, { ...headers, 'Content-Length': String(end - start + 1) });
    if (req.method === 'HEAD' || st.size === 0) {
      res.end();
      return;
    }
    const stream = createReadStream(file, { start, end });
    const isZip = path.endsWith('.zip');
    stream.on('data', (b) => {
      stats.bytes += b.length;
      if (isZip) {
        const now = performance.now();
        stats.zipBytes += b.length;
        stats.zipFirstAt ??= now;
        stats.zipLastAt = now;
      }
    });
    stream.pipe(res);
    res.on('close', () => stream.destroy());
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
