/**
 * Where an upstream redirect may lead. Redirects are followed by the relay,
 * never passed to the browser (a zip redirect to a storage host carries no
 * CORS headers). The browser never chooses a redirect target (only the
 * configured upstream does), yet the relay still refuses anything that would
 * turn it into a fetcher of local files or a downgrade path: only https, or
 * plain http back to the configured upstream's own origin, or, when a test
 * allows it, plain http to a loopback address. No userinfo in targets.
 */

export interface RedirectPolicyOptions {
  /** Allow http:// redirect targets on 127.0.0.0/8, [::1] and localhost (tests). Default false. */
  allowLoopbackHttp?: boolean;
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Why a redirect from a request to upstream `base` may not be followed to `to`, or undefined if it may. */
export function redirectRefusal(base: URL, to: URL, opts: RedirectPolicyOptions = {}): string | undefined {
  if (to.username !== '' || to.password !== '') return 'redirect target carries credentials';
  if (to.protocol === 'https:') return undefined;
  if (to.protocol !== 'http:') return `redirect to a ${to.protocol} URL`;
  if (to.origin === base.origin) return undefined;
  if (opts.allowLoopbackHttp === true && isLoopbackHost(to.hostname)) return undefined;
  return 'redirect to plain http on another origin';
}
