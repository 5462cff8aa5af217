import { Workbox } from 'workbox-window';

/**
 * Whether the app shell is available offline: 'ready' once an active service
 * worker exists (it activates only after precaching the whole shell).
 */
export type OfflineStatus = 'unavailable' | 'preparing' | 'ready';

/**
 * Registers the service worker built from sw/sw.ts and reports the offline
 * status as it changes. Only production builds have a service worker; the dev
 * server serves none, so there the status stays 'unavailable'.
 */
export function registerServiceWorker(onStatus: (status: OfflineStatus) => void): Workbox | undefined {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) {
    onStatus('unavailable');
    return undefined;
  }
  onStatus('preparing');
  const wb = new Workbox('/sw.js');
  wb.register().then(
    () => navigator.serviceWorker.ready.then(() => onStatus('ready')),
    () => onStatus('unavailable'),
  );
  return wb;
}
