import { Workbox } from 'workbox-window';

/**
 * Whether the app shell is available offline: 'ready' once an active service
 * worker exists (it activates only after precaching the whole shell).
 */
export type OfflineStatus = 'unavailable' | 'preparing' | 'ready';

/**
 * A new version of the app is installed and waiting. apply() activates it
 * and reloads the page once it controls it; the UI calls it only when the
 * person asks and no download runs (a reload would interrupt it; the engine
 * would resume it, but the person did not ask for that).
 */
export interface UpdateOffer {
  apply(): void;
}

/**
 * Registers the service worker built from sw/sw.ts and reports the offline
 * status as it changes, and a waiting new version through onUpdate. Only
 * production builds have a service worker; the dev server serves none, so
 * there the status stays 'unavailable'.
 */
export function registerServiceWorker(onStatus: (status: OfflineStatus) => void, onUpdate?: (offer: UpdateOffer) => void): Workbox | undefined {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) {
    onStatus('unavailable');
    return undefined;
  }
  onStatus('preparing');
  const wb = new Workbox('/sw.js');
  let applying = false;
  wb.addEventListener('waiting', () => {
    onUpdate?.({
      apply() {
        if (applying) return;
        applying = true;
        wb.addEventListener('controlling', () => window.location.reload());
        wb.messageSkipWaiting();
      },
    });
  });
  wb.register().then(
    () => navigator.serviceWorker.ready.then(() => onStatus('ready')),
    (err: unknown) => {
      console.warn('modcarry: the service worker could not be registered', err);
      onStatus('unavailable');
    },
  );
  return wb;
}
