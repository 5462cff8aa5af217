import type { OfflineStatus } from '../app/swBridge.ts';

const OFFLINE_TEXT: Record<OfflineStatus, string> = {
  unavailable: 'Offline use is not available in this browser or build.',
  preparing: 'Preparing for offline use…',
  ready: 'Ready to work offline.',
};

/** The first screen: what modcarry is, and whether it will start without a network. */
export function App({ offline }: { offline: OfflineStatus }) {
  return (
    <>
      <header class="app-header">
        <img src="/icon.svg" alt="" />
        <h1>modcarry</h1>
      </header>
      <main class="app-main">
        <p>Download Go modules through a GOPROXY, verify them like the go command, and carry a ready module cache across an air gap.</p>
        <p class="app-status" role="status">
          {OFFLINE_TEXT[offline]}
        </p>
      </main>
    </>
  );
}
