/**
 * The GOSUMDB, GONOSUMDB and GOPRIVATE settings as cmd/go reads them
 * (cmd/go/internal/modfetch/sumdb.go, key.go; cfg.go).
 *
 * GOSUMDB is `off`, a known database name (only `sum.golang.org`, whose key
 * is built in), `sum.golang.google.cn` (an alias: the sum.golang.org key served
 * from https://sum.golang.google.cn), a verifier key, or a verifier key and a
 * URL. An explicit URL bypasses proxies; otherwise the database is reached
 * through the first proxy answering `<proxy>/sumdb/<name>/supported` with 200,
 * else directly at `https://<name>`.
 */
import { matchPrefixPatterns } from '../module/match.ts';
import { newVerifier } from './note.ts';

/** The name of the public Go checksum database. */
export const SUM_GOLANG_ORG = 'sum.golang.org';

/** The verifier key of sum.golang.org, built into the go command. */
export const SUM_GOLANG_ORG_KEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';

/** Database names whose keys need not be spelled out. */
export const KNOWN_GOSUMDB: Readonly<Record<string, string>> = { [SUM_GOLANG_ORG]: SUM_GOLANG_ORG_KEY };

/** An invalid GOSUMDB, with go's text ("missing GOSUMDB", "invalid GOSUMDB: malformed verifier id", ...). */
export class GosumdbConfigError extends Error {
  override name = 'GosumdbConfigError';
}

export type SumdbSetting =
  | { off: true }
  | {
      off: false;
      /** The verifier key. */
      key: string;
      /** The database name, from the key. */
      name: string;
      /** The URL given in GOSUMDB; when set, proxies are bypassed. */
      url?: string;
      /** `https://<name>`: where the database is reached when no proxy supports it. */
      directURL: string;
    };

/** No funny business in a database name: host[:port][/path], nothing a URL would reinterpret. */
function isPlainHostPath(name: string): boolean {
  if (name.endsWith('/') || /[\s?#@%\\]/.test(name)) return false;
  const host = name.split('/', 1)[0] ?? '';
  return /^[A-Za-z0-9._~!$&'()*+,;=-]+(:[0-9]*)?$/.test(host) || /^\[[0-9A-Fa-f:.]+\](:[0-9]*)?$/.test(host);
}

/** Parses GOSUMDB like go's dbDial; throws GosumdbConfigError with go's texts. */
export async function parseGOSUMDB(value: string): Promise<SumdbSetting> {
  let gosumdb = value;
  if (gosumdb === 'sum.golang.google.cn') gosumdb = 'sum.golang.org https://sum.golang.google.cn';
  if (gosumdb === 'off') return { off: true };
  const fields = gosumdb.split(/[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/).filter((f) => f !== '');
  if (fields.length === 0) throw new GosumdbConfigError('missing GOSUMDB');
  if (fields.length > 2) throw new GosumdbConfigError('invalid GOSUMDB: too many fields');
  const key = KNOWN_GOSUMDB[fields[0]!] ?? fields[0]!;
  let name: string;
  try {
    name = (await newVerifier(key)).name;
  } catch (e) {
    throw new GosumdbConfigError(`invalid GOSUMDB: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isPlainHostPath(name)) throw new GosumdbConfigError(`invalid sumdb name (must be host[/path]): ${name}`);
  const setting: SumdbSetting = { off: false, key, name, directURL: `https://${name}` };
  if (fields.length === 2) setting.url = fields[1]!;
  return setting;
}

/**
 * The effective GONOSUMDB: its own value when set and non-empty, else GOPRIVATE
 * (cmd/go's EnvOr treats an empty variable as unset).
 */
export function effectiveGONOSUMDB(env: { GONOSUMDB?: string; GOPRIVATE?: string }): string {
  return env.GONOSUMDB !== undefined && env.GONOSUMDB !== '' ? env.GONOSUMDB : (env.GOPRIVATE ?? '');
}

/**
 * Whether go consults the checksum database for a module path (useSumDB):
 * GOSUMDB is not off and the path does not match GONOSUMDB. The toolchain
 * module golang.org/toolchain always does, except when GOPROXY is a single
 * file:// URL.
 */
export function useSumDB(path: string, env: { GOSUMDB: string; GONOSUMDB: string; GOPROXY?: string }): boolean {
  if (path === 'golang.org/toolchain') {
    const proxy = env.GOPROXY ?? '';
    if (!(proxy.startsWith('file://') && !/[,|]/.test(proxy))) return true;
  }
  return env.GOSUMDB !== 'off' && !matchPrefixPatterns(env.GONOSUMDB, path);
}

/** base joined with path like go's web.Join: exactly one "/" between them. */
export function joinURL(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** The URL a proxy must answer with 200 to carry the database `name`. */
export function proxySupportedURL(proxy: string, name: string): string {
  return joinURL(proxy, `sumdb/${name}/supported`);
}

/** The database base URL behind a proxy that supports it. */
export function proxySumdbBase(proxy: string, name: string): string {
  return joinURL(proxy, `sumdb/${name}`);
}
