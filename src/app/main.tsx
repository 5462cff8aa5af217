import { render } from 'preact';
import { App } from '../ui/App.tsx';
import '../ui/App.css';
import { registerServiceWorker } from './swBridge.ts';
import type { OfflineStatus } from './swBridge.ts';

const root = document.getElementById('app');
if (root === null) throw new Error('modcarry: #app element missing from index.html');
const show = (offline: OfflineStatus) => render(<App offline={offline} />, root);
show('preparing');
registerServiceWorker(show);
