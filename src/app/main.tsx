import { render } from 'preact';
import { App } from '../ui/App.tsx';
import { registerServiceWorker } from './swBridge.ts';

const root = document.getElementById('app');
if (root === null) throw new Error('modcarry: #app element missing from index.html');
render(<App />, root);
registerServiceWorker();
