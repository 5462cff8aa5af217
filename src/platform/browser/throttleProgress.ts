/**
 * Progress reports thinned for the page: a bundle export reports after every
 * write (thousands per second), and each report the page receives re-renders
 * and re-lays out the app. A report passes when it is the first, the last
 * (done === total), names a new step (label), or comes at least `intervalMs`
 * after the last one that passed; the rest are dropped, since the next
 * report supersedes them.
 */
import type { ProgressFn } from './appProtocol.ts';

export function throttleProgress(post: ProgressFn, intervalMs: number, now: () => number = () => performance.now()): ProgressFn {
  let last = -Infinity;
  let lastLabel: string | undefined;
  return (done, total, label) => {
    const t = now();
    if (t - last < intervalMs && done !== total && label === lastLabel) return;
    last = t;
    lastLabel = label;
    post(done, total, label);
  };
}
