/**
 * One GET or HEAD to an upstream, through Node's http/https clients: redirects
 * followed here (a bounded number of hops, each checked by the redirect
 * policy), a deadline for connecting and receiving the final headers, abort
 * when the browser goes away, and the body left unread as a stream for the
 * caller to pipe.
 *
 * node:http rather than fetch: the request target is sent exactly as built
 * (no WHATWG re-normalisation), and bodies arrive as sent (no transparent
 * decompression that would invalidate Content-Length and Content-Range).
 */
import { request as httpRequest } from 'node:http';
import type { Agent as HttpAgent, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Agent as HttpsAgent } from 'node:https';
import { redirectRefusal } from './redirectPolicy.ts';
import type { RedirectPolicyOptions } from './redirectPolicy.ts';

/** A failure before any upstream response could be relayed: the status to answer with and a one-line reason. */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    readonly status: 502 | 504,
    message: string,
  ) {
    super(message);
  }
}

export interface UpstreamRequest {
  /** The first URL to request (userinfo, if any, becomes Basic auth for this origin only). */
  url: URL;
  method: 'GET' | 'HEAD';
  headers: Record<string, string>;
  signal: AbortSignal;
  /** From sending the first request to receiving the final response's headers. */
  headersTimeoutMs: number;
  maxRedirects: number;
  redirectPolicy: RedirectPolicyOptions;
  agents: { http: HttpAgent; https: HttpsAgent };
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  /** The URL that answered, after redirects. */
  url: URL;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function basicAuth(u: URL): string | undefined {
  if (u.username === '' && u.password === '') return undefined;
  const cred = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  return 'Basic ' + Buffer.from(cred, 'utf8').toString('base64');
}

/** The message of a network error, one line, without stack. */
function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    const msg = err.message.split('\n', 1)[0] ?? '';
    return code !== undefined && !msg.includes(code) ? `${code}: ${msg}` : msg;
  }
  return String(err);
}

function once(req: UpstreamRequest, url: URL, auth: string | undefined, deadline: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const headers: Record<string, string> = { ...req.headers };
    if (auth !== undefined) headers['authorization'] = auth;
    const r = (secure ? httpsRequest : httpRequest)(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port === '' ? undefined : Number(url.port),
        path: url.pathname + url.search,
        method: req.method,
        headers,
        agent: secure ? req.agents.https : req.agents.http,
        signal: AbortSignal.any([req.signal, deadline]),
      },
      resolve,
    );
    r.on('error', (err) => {
      if (deadline.aborted) reject(new UpstreamError(504, `no answer from ${url.origin} within ${req.headersTimeoutMs} ms`));
      else if (req.signal.aborted) reject(err);
      else reject(new UpstreamError(502, `cannot reach ${url.origin}: ${describe(err)}`));
    });
    r.end();
  });
}

/**
 * Requests req.url, following redirects, and resolves with the first
 * non-redirect response. Rejects with UpstreamError for network failures,
 * timeouts and refused or excessive redirects, or with the abort error when
 * req.signal fires.
 */
export async function fetchUpstream(req: UpstreamRequest): Promise<UpstreamResponse> {
  const base = req.url;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), req.headersTimeoutMs);
  try {
    let url = new URL(base.href);
    url.username = '';
    url.password = '';
    const auth = basicAuth(base);
    for (let hop = 0; ; hop++) {
      const res = await once(req, url, url.origin === base.origin ? auth : undefined, deadline.signal);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (!REDIRECTS.has(status) || location === undefined) {
        return { status, headers: res.headers, body: res, url };
      }
      res.resume();
      if (hop >= req.maxRedirects) throw new UpstreamError(502, `stopped after ${req.maxRedirects} redirects from ${base.origin}`);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new UpstreamError(502, `${url.origin} sent an invalid redirect`);
      }
      const refusal = redirectRefusal(base, next, req.redirectPolicy);
      if (refusal !== undefined) throw new UpstreamError(502, `refused to follow a redirect from ${url.origin}: ${refusal}`);
      url = next;
    }
  } finally {
    clearTimeout(timer);
  }
}
