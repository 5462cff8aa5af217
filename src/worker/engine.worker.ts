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

startEngineHost(
  {
    postMessage: (m: FromWorker) => self.postMessage(m),
    addEventListener: (type, listener) => self.addEventListener(type, listener),
  },
  {
    openStore: () => openIdbStore(),
    createEngine: (store) => createEngine(browserPorts(store, testQuota())),
    locks: webLocks(),
    channel: new BroadcastChannel(ENGINE_CHANNEL),
  },
);
