/**
 * The HTTP server behind `npm start`: serves the built app (dist/app) with the
 * caching and security headers a service-worker app needs, and falls back to
 * index.html for page navigations the client routes itself.
 *
 * The same-origin relays to the upstream GOPROXY entries and checksum
 * database live under /goproxy/ and /sumdb/ (relay/registerRelay.ts), with
 * /goproxy/config.json telling the app what is relayed. Without `relay`
 * options nothing is relayed: config.json says so and every other path under
 * those prefixes answers 404. They never fall back to the app.
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
import { resolveRelayConfig } from './relay/relayConfig.ts';
import type { RelayConfig } from './relay/relayConfig.ts';
import { registerRelay } from './relay/registerRelay.ts';
import type { RelayRuntimeOptions } from './relay/registerRelay.ts';

export { readGoEnv, resolveRelaySettings } from './relay/relaySettings.ts';
export type { GoEnvReport, RelaySettings } from './relay/relaySettings.ts';
export type { RelayConfigJson } from './relay/relayConfig.ts';

export interface ServerOptions {
  /** Directory of the built app; must contain index.html. */
  root: string;
  /** 0 picks a free port. */
  port: number;
  /** Interface to listen on, e.g. '127.0.0.1' or 'localhost'. */
  host: string;
  /** Log each request to stdout (fastify's logger). Default false. */
  logRequests?: boolean;
  /** The upstreams to relay; absent: nothing is relayed. */
  relay?: RelayOptions;
}

export interface RelayOptions extends RelayRuntimeOptions {
  /** The upstream GOPROXY list (go's syntax); undefined or '' when none is known. */
  goproxy?: string;
  /** GOSUMDB (go's syntax, 'off' included); undefined or '': no checksum database is relayed. */
  gosumdb?: string;
}

export interface RunningServer {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:41234. */
  url: string;
  /** Why the relay's GOPROXY or GOSUMDB could not be used (also in config.json); empty when fine. */
  relayProblems: readonly string[];
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
  const relayConfig = await resolveRelayConfig(options.relay?.goproxy, options.relay?.gosumdb);
  const app = Fastify({ logger: options.logRequests ?? false });
  registerRoutes(app, root, relayConfig, options.relay ?? {});
  await app.listen({ port: options.port, host: options.host });
  const address = app.server.address() as AddressInfo;
  return {
    url: `http://${urlHost(options.host)}:${address.port}`,
    relayProblems: relayConfig.problems,
    close: () => app.close(),
  };
}

function registerRoutes(app: FastifyInstance, root: string, relayConfig: RelayConfig, relayOptions: RelayRuntimeOptions): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });

  registerRelay(app, relayConfig, relayOptions);

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
