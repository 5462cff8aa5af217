/**
 * An in-memory GOPROXY behind a fake Http port, for query and plan unit tests:
 * each proxy base URL serves the modules given to it (list, .info, .mod, .zip,
 * @latest); everything else is a text/plain 404. Every requested URL is logged.
 */
import type { Http, HttpResponseLike } from '../../../src/core/goproxy/http.ts';
import { latestURL, listURL, versionFileURL } from '../../../src/core/goproxy/urls.ts';

export interface FakeVersion {
  /** .mod body (default `module <path>\n\ngo 1.21\n`); null: no .mod. */
  mod?: string | null;
  /** RFC 3339 time of the .info (default 2024-01-01T00:00:00Z). */
  time?: string;
  /** Not named in the list (e.g. a pseudo-version reachable by .info only). */
  unlisted?: boolean;
  /** Listed, but its .info is missing. */
  noInfo?: boolean;
  /** Served for .info of this name instead (a branch name resolving to a version). */
  infoVersion?: string;
}

export interface FakeModule {
  path: string;
  versions: Record<string, FakeVersion>;
  /** The @latest body's version, if the proxy serves @latest. */
  latest?: string;
  /** Extra raw lines for the list (e.g. pseudo-versions). */
  extraList?: string[];
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

export function defaultMod(path: string): string {
  return `module ${path}\n\ngo 1.21\n`;
}

export function fakeHttp(proxies: Record<string, FakeModule[]>): Http & { log: string[] } {
  const routes = new Map<string, { status: number; body: string }>();
  for (const [base, modules] of Object.entries(proxies)) {
    for (const m of modules) {
      const listed: string[] = [];
      for (const [v, fv] of Object.entries(m.versions)) {
        const version = fv.infoVersion ?? v;
        if (fv.noInfo !== true) {
          routes.set(versionFileURL(base, m.path, v, 'info'), {
            status: 200,
            body: JSON.stringify({ Version: version, Time: fv.time ?? '2024-01-01T00:00:00Z' }),
          });
        }
        if (fv.infoVersion === undefined) {
          if (fv.mod !== null) routes.set(versionFileURL(base, m.path, v, 'mod'), { status: 200, body: fv.mod ?? defaultMod(m.path) });
          routes.set(versionFileURL(base, m.path, v, 'zip'), { status: 200, body: 'PK-fake' });
          if (fv.unlisted !== true) listed.push(v);
        }
      }
      routes.set(listURL(base, m.path), { status: 200, body: [...listed, ...(m.extraList ?? [])].map((l) => l + '\n').join('') });
      if (m.latest !== undefined) {
        const t = m.versions[m.latest]?.time ?? '2024-01-01T00:00:00Z';
        routes.set(latestURL(base, m.path), { status: 200, body: JSON.stringify({ Version: m.latest, Time: t }) });
      }
    }
  }
  const log: string[] = [];
  return {
    log,
    async get(url: string): Promise<HttpResponseLike> {
      log.push(url);
      const r = routes.get(url) ?? { status: 404, body: `not found: ${url}` };
      const ct = r.status === 200 ? 'application/octet-stream' : 'text/plain; charset=utf-8';
      return {
        status: r.status,
        statusText: r.status === 200 ? 'OK' : 'Not Found',
        headers: { get: (n: string) => (n.toLowerCase() === 'content-type' ? ct : null) },
        body: enc(r.body),
      };
    },
  };
}
