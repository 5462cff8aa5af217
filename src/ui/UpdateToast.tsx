import type { UpdateOffer } from '../app/swBridge.ts';

/**
 * A new version is installed and waiting. It is applied only when the person
 * asks and no download is running: reloading mid-download would interrupt it.
 */
export function UpdateToast({ offer, downloading }: { offer: UpdateOffer | undefined; downloading: boolean }) {
  if (offer === undefined) return null;
  return (
    <div class="toast" role="status">
      <span>A new version of modcarry is ready.</span>
      {downloading ? <span class="muted"> It will be offered again once the download is paused or done.</span> : null}
      <button type="button" disabled={downloading} onClick={() => offer.apply()}>
        Update now
      </button>
    </div>
  );
}
