/**
 * A loopback HTTP front that forwards each request to the URL route() picks,
 * for e2e tests that need one origin in front of servers they swap or cut.
 * cut() drops every open connection, as a network cut does to transfers in
 * flight.
 */
import { createServer, request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Forwarder {
  url: string;
  cut(): void;
  close(): Promise<void>;
}

/** Starts the front; route gives the target URL and the headers to send for each request path. */
export async function startForwarder(route: (path: string, headers: IncomingHttpHeaders) => { target: URL; headers: IncomingHttpHeaders }): Promise<Forwarder> {
  const server = createServer((req, res) => {
    const { target, headers } = route(req.url ?? '/', req.headers);
    const up = request(target, { method: req.method, headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
      r.on('error', () => res.destroy());
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut: () => server.closeAllConnections(),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
