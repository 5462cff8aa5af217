/**
 * GOPROXY request URLs, built as cmd/go's proxyRepo builds them: the module
 * path and version are case-encoded (escapePath/escapeVersion), the request
 * path is path.Join-cleaned, and the URL is written with Go's
 * url.PathEscape rules, so '!' goes out as %21 while '+' and '@' stay literal.
 */
import { escapePath, escapeVersion } from '../module/escape.ts';
import type { GoURL } from './netUrl.ts';
import { formatGoURL, joinPath, parseGoURL, pathEscape } from './netUrl.ts';

/** The files a proxy serves for one module version. */
export type VersionFile = 'info' | 'mod' | 'zip';

function trimSlash(s: string): string {
  return s.endsWith('/') ? s.slice(0, -1) : s;
}

/** The proxy base joined with the escaped module path (newProxyRepo). */
function moduleBase(proxy: string | GoURL, modulePath: string): GoURL {
  const base = typeof proxy === 'string' ? parseGoURL(proxy) : proxy;
  const enc = escapePath(modulePath);
  return {
    ...base,
    path: trimSlash(base.path) + '/' + enc,
    rawPath: trimSlash(base.rawPath) + '/' + pathEscape(enc).replaceAll('%2F', '/'),
  };
}

/** The URL of file (e.g. "@v/list") under the module's directory on proxy (proxyRepo.getBody). */
export function moduleFileURL(proxy: string | GoURL, modulePath: string, file: string): string {
  const u = moduleBase(proxy, modulePath);
  return formatGoURL({
    ...u,
    path: joinPath(u.path, file),
    rawPath: joinPath(u.rawPath, pathEscape(file).replaceAll('%2F', '/')),
  });
}

/** `<proxy>/<module>/@v/list`. */
export function listURL(proxy: string | GoURL, modulePath: string): string {
  return moduleFileURL(proxy, modulePath, '@v/list');
}

/** `<proxy>/<module>/@v/<version>.<ext>`. */
export function versionFileURL(proxy: string | GoURL, modulePath: string, version: string, ext: VersionFile): string {
  return moduleFileURL(proxy, modulePath, '@v/' + escapeVersion(version) + '.' + ext);
}

/** `<proxy>/<module>/@latest`. */
export function latestURL(proxy: string | GoURL, modulePath: string): string {
  return moduleFileURL(proxy, modulePath, '@latest');
}

/**
 * web.Join: appends a slash-separated path to a URL without cleaning, as the
 * sumdb client does for `sumdb/<name>/supported`, `lookup/...` and `tile/...`.
 */
export function joinURL(base: string | GoURL, path: string): string {
  const u = typeof base === 'string' ? parseGoURL(base) : base;
  if (path === '') return formatGoURL(u);
  const rel = path.startsWith('/') ? path.slice(1) : path;
  return formatGoURL({ ...u, path: trimSlash(u.path) + '/' + rel, rawPath: trimSlash(u.rawPath) + '/' + rel });
}

/** `<proxy>/sumdb/<name>`, the checksum database base URL through a proxy. */
export function sumdbProxyBase(proxy: string | GoURL, name: string): string {
  return joinURL(proxy, 'sumdb/' + name);
}

/** `<proxy>/sumdb/<name>/supported`. */
export function sumdbSupportedURL(proxy: string | GoURL, name: string): string {
  return joinURL(proxy, 'sumdb/' + name + '/supported');
}

/** The URL with any password replaced by "xxxxx" (url.Redacted), for error texts. */
export function redactURL(url: string): string {
  try {
    const u = parseGoURL(url);
    return u.user?.password === undefined ? url : formatGoURL(u, true);
  } catch {
    return url;
  }
}
