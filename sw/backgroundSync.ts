/**
 * Background Sync (Chromium only) as an extra wake-up for the download
 * engine: the handler does no work itself (a service worker is stopped after
 * ~30 s idle, downloads live in the page's dedicated worker); it only tells
 * the open pages that the network may be back. The page registers the tag
 * when it goes offline; browsers without Background Sync rely on the online
 * event and app start, which the engine listens to anyway.
 */
declare const self: ServiceWorkerGlobalScope;

/** The sync tag the page registers. */
export const SYNC_TAG = 'modcarry-downloads';
/** The message posted to every window client; the same string as SW_WAKE_MESSAGE in src/platform/browser/browserPorts.ts. */
export const WAKE_MESSAGE = 'modcarry:wake';

interface SyncEventLike extends ExtendableEvent {
  readonly tag: string;
}

export function registerBackgroundSync(): void {
  self.addEventListener('sync' as keyof ServiceWorkerGlobalScopeEventMap, (event) => {
    const sync = event as unknown as SyncEventLike;
    if (sync.tag !== SYNC_TAG) return;
    sync.waitUntil(
      self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((clients) => {
        for (const c of clients) c.postMessage({ type: WAKE_MESSAGE, reason: 'sync' });
      }),
    );
  });
}
