/**
 * The HTTP server behind `npm start`: serves the built app (dist/app) with the
 * caching and security headers a service-worker app needs, and falls back to
 * index.html for page navigations the client routes itself.
 *
 * The same-origin relays to the configured GOPROXY and checksum database will
 * be registered under /goproxy/ and /sumdb/ (see registerRoutes below); until
 * then those prefixes answer 404 and never fall back to the app.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { relative, resolve, sep } from 'node:path';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { cacheControlFor, REVALIDATE } from './cacheControlFor.ts';
import { CONTENT_SECURITY_POLICY } from './contentSecurityPolicy.ts';
import { isSpaNavigation } from './isSpaNavigation.ts';

export interface ServerOptions {
  /** Directory of the built app; must contain index.html. */
  root: string;
  /** 0 picks a free port. */
  port: number;
  /** Interface to listen on, e.g. '127.0.0.1' or 'localhost'. */
  host: string;
  /** Log each request to stdout (fastify's logger). Default false. */
  logRequests?: boolean;
}

export interface RunningServer {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:41234. */
  url: string;
  close(): Promise<void>;
}

/** Headers on every response, files and errors alike. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

export async function createServer(options: ServerOptions): Promise<RunningServer> {
  const root = resolve(options.root);
  if (!existsSync(resolve(root, 'index.html'))) {
    throw new Error(`modcarry server: ${root} has no index.html; build the app first (npm run build:app)`);
  }
  const app = Fastify({ logger: options.logRequests ?? false });
  registerRoutes(app, root);
  await app.listen({ port: options.port, host: options.host });
  const address = app.server.address() as AddressInfo;
  return {
    url: `http://${urlHost(options.host)}:${address.port}`,
    close: () => app.close(),
  };
}

function registerRoutes(app: FastifyInstance, root: string): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });

  // The GOPROXY and checksum-database relays go here, registered before the
  // static files: app.register(goproxyRelay, { prefix: '/goproxy' }) and
  // app.register(sumdbRelay, { prefix: '/sumdb' }).

  app.register(fastifyStatic, {
    root,
    // Cache-Control is ours (setHeaders): the send defaults would give every
    // file the same max-age.
    cacheControl: false,
    dotfiles: 'ignore',
    setHeaders: (reply, filePath) => {
      reply.header('cache-control', cacheControlFor(urlPathOf(root, filePath)));
    },
  });

  app.setNotFoundHandler((req, reply) => {
    const urlPath = req.url.split('?', 1)[0] ?? '/';
    if (isSpaNavigation({ method: req.method, urlPath, headers: req.headers })) {
      return reply.header('cache-control', REVALIDATE).sendFile('index.html');
    }
    return reply.code(404).header('cache-control', REVALIDATE).type('text/plain; charset=utf-8').send('404 not found\n');
  });
}

/** The URL path under which root serves filePath ('/assets/x.js'). */
function urlPathOf(root: string, filePath: string): string {
  return '/' + relative(root, filePath).split(sep).join('/');
}

/** The host part of the URL to print: wildcard binds are reached via localhost. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
