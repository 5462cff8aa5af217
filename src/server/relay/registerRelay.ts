/**
 * The same-origin relays: `/goproxy/config.json`, `/goproxy/<n>/...` to the
 * n-th http(s) entry of the upstream GOPROXY, and `/sumdb/<name>/...` to the
 * checksum database. The host of every forwarded request is fixed by
 * configuration and the browser's path is checked against the protocol's
 * shapes (relayPath.ts), so the relay is never an open proxy.
 *
 * Statuses pass through as the upstream sent them (200, 206, 304, 404, 410,
 * 416, 429, 5xx ...); redirects are followed here; an unreachable upstream
 * gives 502 and a deadline miss 504, each text/plain with a one-line reason
 * the app can show. Bodies are streamed both ways without buffering; a body
 * the upstream breaks off is broken off to the browser too (never ended
 * cleanly), and a browser that goes away aborts the upstream request.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { pipeline } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fetchUpstream, UpstreamError } from './fetchUpstream.ts';
import { IdleTimeout } from './idleTimeout.ts';
import type { RedirectPolicyOptions } from './redirectPolicy.ts';
import { relayConfigJson } from './relayConfig.ts';
import type { RelayConfig } from './relayConfig.ts';
import { downstreamHeaders, upstreamHeaders } from './relayHeaders.ts';
import { checkGoproxyPath, checkSumdbPath } from './relayPath.ts';

export interface RelayTimeouts {
  /** Connecting and receiving the final response headers, redirects included. Default 30 000. */
  headersMs?: number;
  /** Longest silence while streaming a body. Default 60 000. */
  idleMs?: number;
}

export interface RelayRuntimeOptions {
  timeouts?: RelayTimeouts;
  /** Redirect hops followed per request. Default 5. */
  maxRedirects?: number;
  redirectPolicy?: RedirectPolicyOptions;
}

const TEXT = 'text/plain; charset=utf-8';
const METHODS_REFUSED = ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

function refuse(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').type(TEXT).send(`modcarry relay: ${message}\n`);
}

/** The raw path of the request after prefix, still percent-encoded, or undefined if it does not start with prefix. */
function rawRest(req: FastifyRequest, prefix: string): string | undefined {
  const raw = req.raw.url ?? '';
  return raw.startsWith(prefix) ? raw.slice(prefix.length) : undefined;
}

/** Joins the upstream base and a checked relative path with exactly one '/' (go's web.Join). */
function target(base: URL, rel: string): URL {
  const u = new URL(base.href);
  u.pathname = base.pathname.replace(/\/+$/, '') + '/' + rel;
  return u;
}

export function registerRelay(app: FastifyInstance, config: RelayConfig, options: RelayRuntimeOptions = {}): void {
  const headersMs = options.timeouts?.headersMs ?? 30_000;
  const idleMs = options.timeouts?.idleMs ?? 60_000;
  const maxRedirects = options.maxRedirects ?? 5;
  const redirectPolicy = options.redirectPolicy ?? {};
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  app.addHook('onClose', async () => {
    agents.http.destroy();
    agents.https.destroy();
  });
  const configBody = JSON.stringify(relayConfigJson(config), null, 2) + '\n';

  const forward = async (req: FastifyRequest, reply: FastifyReply, url: URL): Promise<FastifyReply> => {
    const method = req.method === 'HEAD' ? 'HEAD' : 'GET';
    const browserGone = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) browserGone.abort();
    });
    let up;
    try {
      up = await fetchUpstream({
        url,
        method,
        headers: upstreamHeaders(req.headers),
        signal: browserGone.signal,
        headersTimeoutMs: headersMs,
        maxRedirects,
        redirectPolicy,
        agents,
      });
    } catch (err) {
      if (browserGone.signal.aborted) return reply;
      if (err instanceof UpstreamError) return refuse(reply, err.status, err.message);
      throw err;
    }
    reply.code(up.status).headers(downstreamHeaders(up.headers));
    if (method === 'HEAD' || up.status === 204 || up.status === 304) {
      up.body.resume();
      return reply.send();
    }
    const idle = new IdleTimeout(idleMs);
    // pipeline destroys both ends on any failure: an upstream reset or stall
    // destroys the reply (the browser sees a broken body), and a browser that
    // goes away destroys the upstream response (the connection is dropped).
    pipeline(up.body, idle, (err) => {
      if (err !== undefined && err !== null) req.log.warn({ url: url.origin, err: err.message }, 'relay body aborted');
    });
    return reply.send(idle);
  };

  app.get('/goproxy/config.json', (_req, reply) => reply.header('cache-control', 'no-store').type('application/json; charset=utf-8').send(configBody));

  const goproxyHandler = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const rest = rawRest(req, '/goproxy/') ?? '';
    const m = /^(0|[1-9][0-9]{0,3})\/(.*)$/s.exec(rest);
    const entry = m === null ? undefined : config.entries[Number(m[1])];
    if (m === null || entry === undefined) return refuse(reply, 404, 'no such upstream proxy (see /goproxy/config.json)');
    const checked = checkGoproxyPath(m[2]!);
    if (!checked.ok) return refuse(reply, 400, `refused: ${checked.reason}`);
    return forward(req, reply, target(entry.upstream, checked.path));
  };

  const sumdbHandler = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const db = config.sumdb;
    const rest = db === null ? undefined : rawRest(req, db.prefix + '/');
    if (db === null || rest === undefined) return refuse(reply, 404, 'no such checksum database (see /goproxy/config.json)');
    const checked = checkSumdbPath(rest);
    if (!checked.ok) return refuse(reply, 400, `refused: ${checked.reason}`);
    return forward(req, reply, target(db.upstream, checked.path));
  };

  for (const [url, handler] of [
    ['/goproxy/*', goproxyHandler],
    ['/sumdb/*', sumdbHandler],
  ] as const) {
    app.route({ method: ['GET', 'HEAD'], url, exposeHeadRoute: false, handler });
    app.route({
      method: [...METHODS_REFUSED],
      url,
      handler: (_req, reply) => refuse(reply.header('allow', 'GET, HEAD'), 405, 'only GET and HEAD are relayed'),
    });
  }
}
