import { Workbox } from 'workbox-window';

/**
 * Registers the service worker built from sw/sw.ts. Only production builds have
 * one; the dev server serves none.
 */
export function registerServiceWorker(): Workbox | undefined {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return undefined;
  const wb = new Workbox('/sw.js');
  void wb.register();
  return wb;
}
