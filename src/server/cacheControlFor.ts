/**
 * The Cache-Control of a file of the built app, by its URL path.
 *
 * Only Vite's content-hashed output under /assets/ may be cached forever: a
 * change gives it a new name. Everything else keeps a stable name (index.html,
 * sw.js, the manifest, icons) and must be revalidated on every use, or a
 * browser could pair a new index.html with an old service worker, or never see
 * a service-worker update at all.
 */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

export function cacheControlFor(urlPath: string): string {
  return urlPath.startsWith('/assets/') ? IMMUTABLE : REVALIDATE;
}
