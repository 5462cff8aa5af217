/**
 * The Content-Security-Policy of the app. No inline script and no eval: every
 * script is a file from this origin, which is what a Vite production build
 * emits. Workers and the service worker load from self; the page talks only to
 * its own origin (the GOPROXY and checksum-database relays live there too), so
 * connect-src is 'self' as well.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "connect-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
