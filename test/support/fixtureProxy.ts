/**
 * A loopback GOPROXY for tests and benchmarks: serves a directory laid out as
 * a proxy (a `cache/download` tree written by `go mod download` is one) on
 * 127.0.0.1, with HTTP Range/If-Range, CORS for the browser, an access log,
 * and faults scripted per path or drawn at random from a seed: connection
 * resets, stalls, slow throughput, error statuses (bursts of 5xx, 429 with
 * Retry-After, 404/410), redirects to a second origin without CORS, flipped
 * bytes, truncated bodies and an ETag that changes on every request.
 *
 * Paths are percent-decoded before they touch the file system (go sends '!'
 * as %21), and never leave the root.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { resolve, sep } from 'node:path';

/** One misbehaviour. */
export type Fault =
  /** Send afterBytes body bytes, then reset the TCP connection. */
  | { kind: 'reset'; afterBytes: number }
  /** Hold the connection ms milliseconds before the headers, or after afterBytes body bytes. */
  | { kind: 'stall'; ms: number; afterBytes?: number }
  /** Send the body at about bytesPerSecond. */
  | { kind: 'slow'; bytesPerSecond: number }
  /** Answer with status instead of the file (5xx, 404, 410, 429 …); retryAfter sets Retry-After. */
  | { kind: 'status'; status: number; body?: string; contentType?: string; retryAfter?: string }
  /** 302 to the same path on the second origin, which sends no CORS headers. */
  | { kind: 'redirect' }
  /** XOR the byte at file offset `offset` with mask (default 0xff) wherever a response covers it. */
  | { kind: 'flip'; offset: number; mask?: number }
  /** Declare the full Content-Length but send only `bytes` body bytes, then close. */
  | { kind: 'truncate'; bytes: number }
  /** A new ETag on every response, so If-Range never matches. */
  | { kind: 'changingEtag' };

/** A fault for requests whose path matches `path` (exact, or a glob with * ** ?), for the first `times` matches (default: all). */
export interface FaultRule {
  path: string;
  fault: Fault;
  times?: number;
}

/** Random faults: each request (whose path matches `path`, default all) gets one of `faults` with probability `rate`. */
export interface RandomFaults {
  rate: number;
  faults: Fault[];
  path?: string;
}

export interface FixtureProxyOptions {
  /** The directory served as the proxy root. */
  root: string;
  faults?: FaultRule[];
  random?: RandomFaults;
  /** Seed of the random faults (default 1). */
  seed?: number;
  /** Port of the main origin (default: any free port). */
  port?: number;
}

/** One served request. */
export interface AccessLogEntry {
  origin: 'main' | 'redirect';
  method: string;
  /** The decoded request path. */
  path: string;
  /** The raw request target as sent. */
  rawPath: string;
  status: number;
  /** The Range header, or undefined. */
  range: string | undefined;
  /** Body bytes actually written. */
  bytes: number;
  /** The fault applied, if any. */
  fault: Fault['kind'] | undefined;
}

export interface AccessLog {
  readonly entries: readonly AccessLogEntry[];
  /** Body bytes served for paths matching pathGlob (all when omitted). */
  bytesServed(pathGlob?: string): number;
  /** The entries for a path (exact or glob). */
  requests(path: string): AccessLogEntry[];
  clear(): void;
}

export interface FixtureProxy {
  /** The proxy URL to put in GOPROXY, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  /** The second origin that redirects point to (no CORS headers). */
  readonly redirectOrigin: string;
  readonly log: AccessLog;
  /** Replaces the scripted faults (and the random ones when given), resetting their counters. */
  setFaults(faults: FaultRule[], random?: RandomFaults): void;
  close(): Promise<void>;
}

/** Whether name matches glob: `**` any characters, `*` any except '/', `?` one character; otherwise exact. */
export function globMatch(glob: string, name: string): boolean {
  if (!/[*?]/.test(glob)) return glob === name;
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(re + '$', 's').test(name);
}

/** mulberry32: a small, seedable PRNG so random faults repeat run to run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function contentType(path: string): string {
  if (path.endsWith('.info') || path.endsWith('/@latest')) return 'application/json';
  if (path.endsWith('.zip')) return 'application/zip';
  if (path.endsWith('.mod') || path.endsWith('/@v/list') || path.includes('/sumdb/')) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}

const CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Content-Range, Content-Length, ETag, Accept-Ranges, Last-Modified, Retry-After',
};

/** Parses a single-range "bytes=" header against size: the range, 'unsatisfiable', or undefined to ignore it. */
function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null) return undefined; // malformed or multi-range: serve the whole file
  const [, a, b] = m;
  if (a === '' && b === '') return undefined;
  if (a === '') {
    const n = Number(b);
    if (n === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  if (start >= size) return 'unsatisfiable';
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (end < start) return undefined;
  return { start, end };
}

/** Starts the fixture proxy on 127.0.0.1. */
export async function startFixtureProxy(opts: FixtureProxyOptions): Promise<FixtureProxy> {
  const root = resolve(opts.root);
  const entries: AccessLogEntry[] = [];
  let rules: { rule: FaultRule; used: number }[] = [];
  let random: RandomFaults | undefined;
  let rand = prng(opts.seed ?? 1);
  let etagGeneration = 0;
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();

  const setFaults = (faults: FaultRule[], rnd?: RandomFaults): void => {
    rules = faults.map((rule) => ({ rule, used: 0 }));
    random = rnd;
    rand = prng(opts.seed ?? 1);
  };
  setFaults(opts.faults ?? [], opts.random);

  const sleep = (ms: number): Promise<void> =>
    new Promise((res) => {
      const t = setTimeout(() => {
        timers.delete(t);
        res();
      }, ms);
      timers.add(t);
    });

  const pickFault = (path: string): Fault | undefined => {
    for (const r of rules) {
      if (!globMatch(r.rule.path, path)) continue;
      if (r.rule.times !== undefined && r.used >= r.rule.times) continue;
      r.used++;
      return r.rule.fault;
    }
    if (random !== undefined && random.faults.length > 0 && globMatch(random.path ?? '**', path)) {
      if (rand() < random.rate) return random.faults[Math.floor(rand() * random.faults.length)];
    }
    return undefined;
  };

  let redirectOrigin = '';

  const handle = async (origin: 'main' | 'redirect', req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawPath = (req.url ?? '/').split('?')[0]!;
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      path = rawPath;
    }
    const entry: AccessLogEntry = { origin, method: req.method ?? 'GET', path, rawPath, status: 0, range: req.headers.range, bytes: 0, fault: undefined };
    entries.push(entry);
    const cors = origin === 'main' ? CORS_HEADERS : {};
    const send = (status: number, headers: Record<string, string>, body = ''): void => {
      entry.status = status;
      const data = Buffer.from(body);
      res.writeHead(status, { ...cors, ...headers, 'Content-Length': String(data.length) });
      if (req.method !== 'HEAD') {
        res.end(data);
        entry.bytes = data.length;
      } else res.end();
    };

    if (req.method === 'OPTIONS') {
      entry.status = 204;
      res.writeHead(204, { ...cors, 'Access-Control-Allow-Methods': 'GET, HEAD', 'Access-Control-Allow-Headers': 'Range, If-Range', 'Access-Control-Max-Age': '600' });
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'GET, HEAD' }, 'method not allowed\n');
      return;
    }

    const fault = origin === 'main' ? pickFault(path) : undefined;
    entry.fault = fault?.kind;
    if (fault?.kind === 'stall' && fault.afterBytes === undefined) await sleep(fault.ms);
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = { 'Content-Type': fault.contentType ?? 'text/plain; charset=utf-8' };
      if (fault.retryAfter !== undefined) headers['Retry-After'] = fault.retryAfter;
      send(fault.status, headers, fault.body ?? `fixture proxy: injected ${fault.status}\n`);
      return;
    }
    if (fault?.kind === 'redirect') {
      send(302, { Location: redirectOrigin + rawPath, 'Content-Type': 'text/plain; charset=utf-8' }, 'redirect\n');
      return;
    }

    const file = resolve(root, '.' + path);
    let stat;
    try {
      if (file !== root && !file.startsWith(root + sep)) throw new Error('outside root');
      stat = statSync(file);
      if (!stat.isFile()) throw new Error('not a file');
    } catch {
      send(404, { 'Content-Type': 'text/plain; charset=utf-8' }, `not found: ${path}\n`);
      return;
    }
    const size = stat.size;
    const lastModified = new Date(Math.floor(stat.mtimeMs / 1000) * 1000).toUTCString();
    const baseTag = contentTag(file, stat);
    const etag = fault?.kind === 'changingEtag' ? `"${baseTag}-${++etagGeneration}"` : `"${baseTag}"`;
    const headers: Record<string, string> = {
      'Content-Type': contentType(path),
      'Accept-Ranges': 'bytes',
      ETag: etag,
      'Last-Modified': lastModified,
    };

    let start = 0;
    let end = size - 1;
    let status = 200;
    const rangeHeader = req.headers.range;
    if (rangeHeader !== undefined) {
      const ifRangeRaw: string | string[] | undefined = req.headers['if-range'];
      const ifRange = Array.isArray(ifRangeRaw) ? ifRangeRaw[0] : ifRangeRaw;
      const validatorOk = ifRange === undefined || (ifRange.startsWith('"') || ifRange.startsWith('W/') ? ifRange === etag && !ifRange.startsWith('W/') : ifRange === lastModified);
      if (validatorOk) {
        const r = parseRange(rangeHeader, size);
        if (r === 'unsatisfiable') {
          send(416, { ...headers, 'Content-Range': `bytes */${size}`, 'Content-Type': 'text/plain; charset=utf-8' }, 'range not satisfiable\n');
          return;
        }
        if (r !== undefined) {
          start = r.start;
          end = r.end;
          status = 206;
          headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
        }
      }
    }
    let body = readRange(file, start, end + 1 - start);
    if (fault?.kind === 'flip' && fault.offset >= start && fault.offset <= end) {
      body = Buffer.from(body);
      body[fault.offset - start]! ^= fault.mask ?? 0xff;
    }
    entry.status = status;
    res.writeHead(status, { ...cors, ...headers, 'Content-Length': String(body.length) });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }

    const write = (chunk: Buffer): Promise<void> =>
      new Promise((ok) => {
        entry.bytes += chunk.length;
        if (!res.write(chunk)) res.once('drain', ok);
        else ok();
      });
    const abort = (reset: boolean): void => {
      const sock = res.socket;
      if (sock === null) return;
      const s = sock as Socket & { resetAndDestroy?: () => void };
      if (reset && typeof s.resetAndDestroy === 'function') s.resetAndDestroy();
      else s.destroy();
    };

    switch (fault?.kind) {
      case 'reset': {
        const n = Math.min(fault.afterBytes, body.length);
        if (n > 0) await write(body.subarray(0, n));
        // Let the bytes leave before the RST discards the send queue.
        await sleep(20);
        abort(true);
        return;
      }
      case 'truncate': {
        const n = Math.min(fault.bytes, body.length);
        if (n > 0) await write(body.subarray(0, n));
        await sleep(20);
        abort(false);
        return;
      }
      case 'stall': {
        if (fault.afterBytes !== undefined) {
          const n = Math.min(fault.afterBytes, body.length);
          if (n > 0) await write(body.subarray(0, n));
          await sleep(fault.ms);
          if (res.destroyed) return;
          if (n < body.length) await write(body.subarray(n));
          res.end();
          return;
        }
        break;
      }
      case 'slow': {
        const tick = 50;
        const per = Math.max(1, Math.floor((fault.bytesPerSecond * tick) / 1000));
        for (let at = 0; at < body.length; at += per) {
          if (res.destroyed) return;
          await write(body.subarray(at, at + per));
          if (at + per < body.length) await sleep(tick);
        }
        res.end();
        return;
      }
    }
    entry.bytes += body.length;
    res.end(body);
  };

  const makeServer = (origin: 'main' | 'redirect'): Server => {
    const server = createServer((req, res) => {
      handle(origin, req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end(`fixture proxy error: ${String(err)}\n`);
        } else res.destroy();
      });
    });
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    return server;
  };

  const listen = (server: Server, port: number): Promise<number> =>
    new Promise((ok, fail) => {
      server.once('error', fail);
      server.listen(port, '127.0.0.1', () => ok((server.address() as AddressInfo).port));
    });

  const main = makeServer('main');
  const second = makeServer('redirect');
  const port = await listen(main, opts.port ?? 0);
  const secondPort = await listen(second, 0);
  redirectOrigin = `http://127.0.0.1:${secondPort}`;
  const origin = `http://127.0.0.1:${port}`;

  const matching = (glob: string | undefined): AccessLogEntry[] => entries.filter((e) => glob === undefined || globMatch(glob, e.path));
  const log: AccessLog = {
    get entries() {
      return entries;
    },
    bytesServed: (glob) => matching(glob).reduce((n, e) => n + e.bytes, 0),
    requests: (path) => matching(path),
    clear: () => {
      entries.length = 0;
    },
  };

  return {
    url: origin,
    origin,
    port,
    redirectOrigin,
    log,
    setFaults,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      await Promise.all([main, second].map((s) => new Promise<void>((ok) => s.close(() => ok()))));
    },
  };
}

/**
 * The ETag base of a file: its content hash, remembered per (path, size,
 * mtime, inode) so a client reading a large zip in many ranges does not make
 * the proxy hash the whole file for each (that cost landed on the benchmarks'
 * wall time, which share the machine with the proxy).
 */
const tags = new Map<string, { key: string; tag: string }>();
function contentTag(file: string, stat: { size: number; mtimeMs: number; ino: number }): string {
  const key = `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
  const known = tags.get(file);
  if (known?.key === key) return known.tag;
  const tag = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
  tags.set(file, { key, tag });
  return tag;
}

/** Exactly length bytes of file from offset (the range was checked against its size). */
function readRange(file: string, offset: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  const fd = openSync(file, 'r');
  try {
    let done = 0;
    while (done < length) {
      const n = readSync(fd, out, done, length - done, offset + done);
      if (n === 0) throw new Error(`fixture proxy: ${file} shrank while being served`);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}
