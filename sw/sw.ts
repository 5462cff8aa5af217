/// <reference lib="webworker" />
import { precacheAndRoute, cleanupOutdatedCaches, createHandlerBoundToURL } from 'workbox-precaching';
import type { PrecacheEntry } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { registerMetadataCaching } from './metadataCaching.ts';
import { registerBackgroundSync } from './backgroundSync.ts';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | PrecacheEntry)[] };

// The app shell, precached from the Vite build so the app starts with no network.
cleanupOutdatedCaches();
precacheAndRoute(self.__WB_MANIFEST);

// Every page navigation gets the precached index.html (the client routes it),
// matching the server's SPA fallback, so deep links open offline too. Paths the
// server reserves for its relays and hashed assets are never pages.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/index.html'), {
    denylist: [/^\/assets\//, /^\/goproxy\//, /^\/sumdb\//],
  }),
);

// GOPROXY and checksum-database metadata: immutable answers cache-first,
// lists and tree heads network-first; zips and Range requests untouched.
registerMetadataCaching();
// A Background Sync event only wakes the pages' download engine.
registerBackgroundSync();

self.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});
