/**
 * A loopback HTTP front that forwards each request to the URL route() picks,
 * for e2e tests that need one origin in front of servers they swap or cut.
 * cut() drops every open connection, as a network cut does to transfers in
 * flight, and says which request paths it cut off.
 */
import { createServer, request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Forwarder {
  url: string;
  /** The request paths (target pathnames), in the order they arrived. */
  readonly requested: readonly string[];
  /** Drops every open connection; returns the paths whose responses were still in flight. */
  cut(): string[];
  close(): Promise<void>;
}

/** Starts the front; route gives the target URL and the headers to send for each request path. */
export async function startForwarder(route: (path: string, headers: IncomingHttpHeaders) => { target: URL; headers: IncomingHttpHeaders }): Promise<Forwarder> {
  const requested: string[] = [];
  const inFlight = new Set<{ path: string }>();
  const server = createServer((req, res) => {
    const { target, headers } = route(req.url ?? '/', req.headers);
    const flight = { path: target.pathname };
    requested.push(flight.path);
    inFlight.add(flight);
    res.on('close', () => inFlight.delete(flight));
    const up = request(target, { method: req.method, headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
      r.on('error', () => res.destroy());
    });
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requested,
    cut: () => {
      const dropped = [...inFlight].map((f) => f.path);
      server.closeAllConnections();
      return dropped;
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
