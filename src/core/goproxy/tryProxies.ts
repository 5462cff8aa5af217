/**
 * cmd/go's TryProxies: one operation walks the proxy list from the first
 * entry, stops at the first success, and continues after an error only if the
 * entry ends in '|' or the error is not-exist (404/410, 'off', …). The error
 * reported is the most helpful one: from 'direct' or 'noproxy' first, then a
 * proxy error that is not not-exist, else the last not-exist error.
 */
import { isNotExist, NotExistError } from './notExist.ts';
import type { ProxySpec } from './proxyList.ts';

/** "module lookup disabled by GOPROXY=off" (not-exist). */
export function proxyOffError(): NotExistError {
  return new NotExistError('module lookup disabled by GOPROXY=off');
}

/** A GONOPROXY path asked of a proxy URL (not-exist). */
export function noproxyError(): NotExistError {
  return new NotExistError('disabled by GOPRIVATE/GONOPROXY');
}

/** The 'noproxy' entry asked about a path outside GONOPROXY (not-exist, never the reported error when others exist). */
export class UseProxyError extends NotExistError {
  constructor() {
    super('path does not match GOPRIVATE/GONOPROXY');
    this.name = 'UseProxyError';
  }
}

/** An abort signal, as much of it as the walk needs. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
}

const NOT_EXIST_RANK = 0;
const PROXY_RANK = 1;
const DIRECT_RANK = 2;

/**
 * Runs f for each entry until one succeeds; throws the ranked error otherwise.
 * An aborted signal ends the walk at once with the abort reason.
 */
export async function tryProxies<T>(
  proxies: readonly ProxySpec[],
  f: (proxy: ProxySpec) => Promise<T>,
  signal?: AbortSignalLike,
): Promise<T> {
  if (proxies.length === 0) throw new Error('GOPROXY list is empty');
  let bestErr: unknown;
  let bestRank = NOT_EXIST_RANK;
  for (const proxy of proxies) {
    try {
      return await f(proxy);
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      const notExist = isNotExist(err);
      if (proxy.url === 'direct' || (proxy.url === 'noproxy' && !(err instanceof UseProxyError))) {
        bestErr = err;
        bestRank = DIRECT_RANK;
      } else if (bestRank <= PROXY_RANK && !notExist) {
        bestErr = err;
        bestRank = PROXY_RANK;
      } else if (bestRank === NOT_EXIST_RANK) {
        bestErr = err;
      }
      if (!proxy.fallBackOnError && !notExist) break;
    }
  }
  throw bestErr;
}
