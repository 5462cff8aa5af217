/**
 * Runtime caching of GOPROXY and checksum-database metadata in the service
 * worker (the routing rules are in metadataRoutes.ts):
 *
 * - immutable answers: CacheFirst. Only status 200 is stored: an error, a
 *   redirect or an opaque (no-CORS, status 0) answer must never be pinned
 *   forever, and Chrome charges ~7 MB of quota per opaque entry.
 * - mutable answers: NetworkFirst with a timeout, so an offline or stalled
 *   network still gets the last good list, while an online one sees new
 *   versions at once. Also status 200 only.
 * - zips and Range requests are not routed at all: the browser fetches them as
 *   if there were no service worker, byte ranges untouched.
 *
 * Absolute proxy URLs configured in the app reach the worker as a message
 * ({type: PROXIES_MESSAGE, urls}); they are kept in a small config cache so a
 * restarted worker still knows them.
 */
import { registerRoute } from 'workbox-routing';
import { CacheFirst, NetworkFirst } from 'workbox-strategies';
import type { WorkboxPlugin } from 'workbox-core/types.js';
import { classifyMetadataUrl } from './metadataRoutes.ts';

declare const self: ServiceWorkerGlobalScope;

export const IMMUTABLE_CACHE = 'modcarry-metadata-immutable-v1';
export const MUTABLE_CACHE = 'modcarry-metadata-mutable-v1';
const CONFIG_CACHE = 'modcarry-sw-config-v1';
const CONFIG_KEY = '/__modcarry/proxies.json';
/** The message with which the app tells the worker its absolute proxy URLs. */
export const PROXIES_MESSAGE = 'modcarry:proxies';
/** How long NetworkFirst waits for the network before answering from the cache. */
const NETWORK_TIMEOUT_SECONDS = 8;

/** Stores 200 answers only (the CacheableResponse plugin, statuses [200]). */
const only200: WorkboxPlugin = {
  cacheWillUpdate: async ({ response }) => (response.status === 200 && response.type !== 'opaque' ? response : null),
};

let proxies: readonly string[] = [];

/** Registers the metadata routes and the proxies message handler. */
export function registerMetadataCaching(): void {
  void loadProxies();
  const immutable = new CacheFirst({ cacheName: IMMUTABLE_CACHE, plugins: [only200] });
  const mutable = new NetworkFirst({ cacheName: MUTABLE_CACHE, plugins: [only200], networkTimeoutSeconds: NETWORK_TIMEOUT_SECONDS });
  const kindOf = (request: Request, url: URL) =>
    request.method === 'GET' && !request.headers.has('range') ? classifyMetadataUrl(url, self.location.origin, proxies) : undefined;
  registerRoute(({ request, url }) => kindOf(request, url) === 'immutable', immutable);
  registerRoute(({ request, url }) => kindOf(request, url) === 'mutable', mutable);

  self.addEventListener('message', (event) => {
    const data = event.data as { type?: unknown; urls?: unknown } | null;
    if (data?.type !== PROXIES_MESSAGE || !Array.isArray(data.urls)) return;
    const urls = data.urls.filter((u): u is string => typeof u === 'string' && /^https?:\/\//.test(u));
    proxies = urls;
    event.waitUntil(saveProxies(urls));
  });
}

async function loadProxies(): Promise<void> {
  try {
    const r = await (await caches.open(CONFIG_CACHE)).match(CONFIG_KEY);
    const urls: unknown = r === undefined ? [] : await r.json();
    if (Array.isArray(urls)) proxies = urls.filter((u): u is string => typeof u === 'string');
  } catch {
    // no config yet
  }
}

async function saveProxies(urls: readonly string[]): Promise<void> {
  const cache = await caches.open(CONFIG_CACHE);
  await cache.put(CONFIG_KEY, new Response(JSON.stringify(urls), { headers: { 'content-type': 'application/json' } }));
}
