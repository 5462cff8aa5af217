/** Shown while the browser reports no network: what still works, and that downloads resume by themselves. */
export function OfflineBanner({ online }: { online: boolean }) {
  if (online) return null;
  return (
    <div class="banner banner-offline" role="status">
      <strong>You are offline.</strong> Downloads pause and continue by themselves when the network is back. Stored jobs, the go.sum inspector (from stored proofs) and bundle
      verification work without a network.
    </div>
  );
}
