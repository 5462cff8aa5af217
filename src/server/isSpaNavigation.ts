/**
 * Whether a request that matched no file should get index.html (the client
 * routes it) rather than a 404.
 *
 * Only page navigations qualify. A missing script, style or hashed asset must
 * stay a 404: answering it with HTML would surface as a MIME-type error far
 * from the cause. Paths reserved for the same-origin relays (/goproxy/,
 * /sumdb/) never fall back either, so a relay miss is never mistaken for a page.
 */
export const RESERVED_PREFIXES: readonly string[] = ['/assets/', '/goproxy/', '/sumdb/'];

export interface NavigationRequest {
  method: string;
  urlPath: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

export function isSpaNavigation(req: NavigationRequest): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (RESERVED_PREFIXES.some((p) => req.urlPath.startsWith(p))) return false;
  const mode = req.headers['sec-fetch-mode'];
  if (mode !== undefined) return mode === 'navigate';
  // Clients without Fetch Metadata (curl, older browsers): trust Accept.
  const accept = req.headers['accept'];
  const acceptText = Array.isArray(accept) ? accept.join(',') : (accept ?? '');
  return acceptText.includes('text/html');
}
