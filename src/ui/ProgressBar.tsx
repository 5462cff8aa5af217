/** A labelled progress bar; without a known total it shows an indeterminate stripe. */
export function ProgressBar({ label, value, max, tone = 'normal' }: { label: string; value: number; max: number | undefined; tone?: 'normal' | 'done' | 'failed' | 'paused' }) {
  const known = max !== undefined && max > 0;
  const pct = known ? Math.max(0, Math.min(100, (value / max) * 100)) : 0;
  return (
    <div
      class={`bar bar-${tone}${known ? '' : ' bar-unknown'}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={known ? max : undefined}
      aria-valuenow={known ? value : undefined}
    >
      <div class="bar-fill" style={{ transform: `scaleX(${known ? pct / 100 : 1})` }} />
    </div>
  );
}
