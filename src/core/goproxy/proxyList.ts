/**
 * GOPROXY list parsing, as cmd/go's proxyList: entries separated by ',' (fall
 * back on not-exist only) or '|' (fall back on any error), trimmed, empty ones
 * skipped; 'off' and 'direct' end the list; scheme-less host-like entries get
 * https://; a leading 'noproxy' pseudo-entry when GONOPROXY is set.
 */
import { formatGoURL, parseGoURL } from './netUrl.ts';

export { resolveGoEnv, GO_ENV_DEFAULTS } from './goEnv.ts';
export type { GoEnv, GoEnvDefaults } from './goEnv.ts';

/** One entry of the proxy list: a proxy URL or one of 'off', 'direct', 'noproxy'. */
export interface ProxySpec {
  readonly url: string;
  /** '|' after the entry: try the next entry after any error, not only not-exist. */
  readonly fallBackOnError: boolean;
}

/** A GOPROXY value the go command would refuse; message is go's text. */
export class ProxyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProxyConfigError';
  }
}

/** Whether s is an absolute path for path.IsAbs (and filepath.IsAbs on the Unix hosts go is compared on). */
function isAbsPath(s: string): boolean {
  return s.startsWith('/');
}

/**
 * Checks a proxy base URL as newProxyRepo does (only http, https and plain
 * file:// paths) and returns it parsed. Throws ProxyConfigError or the URL parse
 * error with go's text.
 */
export function checkProxyURL(url: string): ReturnType<typeof parseGoURL> {
  const base = parseGoURL(url);
  const redacted = formatGoURL(base, true);
  switch (base.scheme) {
    case 'http':
    case 'https':
      return base;
    case 'file':
      if (base.opaque !== '' || base.user !== undefined || base.host !== '' || base.rawQuery !== '' || base.forceQuery || base.fragment !== '') {
        throw new ProxyConfigError(`invalid file:// proxy URL with non-path elements: ${redacted}`);
      }
      return base;
    case '':
      throw new ProxyConfigError(`invalid proxy URL missing scheme: ${redacted}`);
    default:
      throw new ProxyConfigError(`invalid proxy URL scheme (must be https, http, file): ${redacted}`);
  }
}

/**
 * Parses GOPROXY (with GONOPROXY deciding the leading 'noproxy') into the list
 * the go command walks for every operation. Throws like the go command: the
 * first invalid URL's error, or "GOPROXY list is not the empty string, but
 * contains no entries" when nothing (besides 'noproxy') remains, which is also
 * what an empty GOPROXY gives.
 */
export function parseProxyList(goproxy: string, gonoproxy = ''): ProxySpec[] {
  const list: ProxySpec[] = [];
  if (gonoproxy !== '' && goproxy !== 'direct') list.push({ url: 'noproxy', fallBackOnError: false });

  let rest = goproxy;
  while (rest !== '') {
    let entry: string;
    let fallBackOnError = false;
    const i = rest.search(/[,|]/);
    if (i >= 0) {
      entry = rest.slice(0, i);
      fallBackOnError = rest[i] === '|';
      rest = rest.slice(i + 1);
    } else {
      entry = rest;
      rest = '';
    }
    entry = trimGoSpace(entry);
    if (entry === '') continue;
    if (entry === 'off') {
      list.push({ url: 'off', fallBackOnError: false });
      break;
    }
    if (entry === 'direct') {
      // go ignores whatever follows 'direct', reserving it for future fallbacks.
      list.push({ url: 'direct', fallBackOnError: false });
      break;
    }
    if (/[.:/]/.test(entry) && !entry.includes(':/') && !isAbsPath(entry)) entry = 'https://' + entry;
    checkProxyURL(entry);
    list.push({ url: entry, fallBackOnError });
  }

  if (list.length === 0 || (list.length === 1 && list[0]!.url === 'noproxy')) {
    throw new ProxyConfigError('GOPROXY list is not the empty string, but contains no entries');
  }
  return list;
}

/** strings.TrimSpace: trims Unicode White_Space (not U+FEFF, unlike String.prototype.trim). */
export function trimGoSpace(s: string): string {
  return s.replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u, '').replace(/[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/u, '');
}
