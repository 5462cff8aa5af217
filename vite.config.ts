import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { serviceWorkerPlugin } from './build/serviceWorkerPlugin.ts';

// The app, then its service worker (sw/sw.ts -> dist/app/sw.js) with the
// precache manifest of this build injected.
export default defineConfig({
  plugins: [preact(), serviceWorkerPlugin({ src: 'sw/sw.ts' })],
  build: {
    outDir: 'dist/app',
    emptyOutDir: true,
    target: 'es2022',
  },
  worker: { format: 'es' },
});
