import { render } from 'preact';
import { App } from '../ui/App.tsx';
import '../ui/App.css';
import type { Services } from '../ui/state/services.ts';
import { createAppCalls } from './appCalls.ts';
import { createEngineBridge } from './engineBridge.ts';
import type { EngineBridge } from './engineBridge.ts';
import { registerServiceWorker } from './swBridge.ts';
import type { OfflineStatus, UpdateOffer } from './swBridge.ts';

const root = document.getElementById('app');
if (root === null) throw new Error('modcarry: #app element missing from index.html');

let offline: OfflineStatus = 'preparing';
let update: UpdateOffer | undefined;
let services: Services | undefined;
const show = () => render(<App offline={offline} update={update} services={services} />, root);

show();
registerServiceWorker(
  (status) => {
    offline = status;
    show();
  },
  (offer) => {
    update = offer;
    show();
  },
);

// The workers start once this module has run: a development or e2e build may
// have exposed an engine bridge as window.modcarry meanwhile (installEngineHook),
// and the page must share it: a second bridge would make this page a follower
// of its own engine.
queueMicrotask(() => {
  const hooked = (globalThis as { modcarry?: EngineBridge }).modcarry;
  services = { engine: hooked ?? createEngineBridge(), app: createAppCalls() };
  show();
});
