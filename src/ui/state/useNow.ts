import { useEffect, useState } from 'preact/hooks';

/**
 * The time for a view that shows something counting (a retry's countdown, a
 * time-line lane still growing): while active, the view re-renders itself
 * once every everyMs, and only it, not the app around it (a 162-module plan
 * re-rendered whole every second cost CPU the download needed). While
 * inactive the time is read at each render and nothing ticks.
 */
export function useNow(active: boolean, everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return undefined;
    setNow(Date.now());
    const tick = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(tick);
  }, [active, everyMs]);
  return active ? now : Date.now();
}
