/**
 * The dedicated worker that runs the download engine off the page's thread
 * (a service worker would be stopped when idle). The page talks to it through
 * src/app/engineBridge.ts; the protocol is engineProtocol.ts.
 */
import { createEngine } from '../engine/engine.ts';
import { browserPorts, webLocks } from '../platform/browser/browserPorts.ts';
import { ENGINE_CHANNEL } from '../platform/browser/engineProtocol.ts';
import type { FromWorker } from '../platform/browser/engineProtocol.ts';
import { openIdbStore } from '../platform/browser/idbStore.ts';
import { workerZipHasher } from '../engine/workerZipHasher.ts';
import type { Port, ZipHashReply, ZipHashRequest } from '../engine/workerZipHasher.ts';
import type { Quota } from '../engine/ports.ts';
import { startEngineHost } from './engineHost.ts';

declare const self: DedicatedWorkerGlobalScope;

/** 'e2e' builds only: a quota handed over in the worker's name (see engineBridge.ts workerName). */
function testQuota(): { quota?: Quota } {
  const m = import.meta.env.MODE === 'e2e' ? /;quota=([0-9]+)$/.exec(self.name) : null;
  if (m === null) return {};
  const quota = Number(m[1]);
  return { quota: { estimate: () => Promise.resolve({ usage: 0, quota }), persist: () => Promise.resolve(false) } };
}

/** Zip hashing workers: one per verification slot of the engine (two). */
const ZIP_HASH_WORKERS = 2;

/** Zips are hashed in workers of their own where this browser lets a worker start workers. */
function zipHasher() {
  if (typeof Worker === 'undefined') return {};
  const spawn = () => new Worker(new URL('./zipHash.worker.ts', import.meta.url), { type: 'module', name: 'modcarry-zip-hash' }) as unknown as Port<ZipHashReply, ZipHashRequest>;
  return { zipHasher: workerZipHasher(spawn, ZIP_HASH_WORKERS) };
}

startEngineHost(
  {
    postMessage: (m: FromWorker) => self.postMessage(m),
    addEventListener: (type, listener) => self.addEventListener(type, listener),
  },
  {
    openStore: () => openIdbStore(),
    createEngine: (store) => createEngine({ ...browserPorts(store, testQuota()), ...zipHasher() }),
    locks: webLocks(),
    channel: new BroadcastChannel(ENGINE_CHANNEL),
  },
);
