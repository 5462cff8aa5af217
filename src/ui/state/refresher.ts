/**
 * Coalesced re-reads of a view's data. soon() asks for a read within
 * delayMs, and asking again meanwhile adds nothing (a burst of events costs
 * one read); now() reads at once (what a person waits on, such as a job's
 * end, is not held back by the delay). One read runs at a time: a read
 * asked for at once while one runs follows it at once.
 */
export interface Refresher {
  soon(): void;
  now(): void;
  /** No reads after this one. */
  stop(): void;
}

export interface RefreshTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const systemTimers: RefreshTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export function refresher(read: () => Promise<void>, delayMs: number, timers: RefreshTimers = systemTimers): Refresher {
  let timer: unknown;
  let waiting = false;
  let busy = false;
  let again = false;
  let stopped = false;
  const cancelTimer = (): void => {
    if (!waiting) return;
    timers.clear(timer);
    waiting = false;
  };
  const now = (): void => {
    if (stopped) return;
    cancelTimer();
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    void read()
      .catch(() => undefined)
      .finally(() => {
        busy = false;
        if (again) {
          again = false;
          now();
        }
      });
  };
  return {
    soon() {
      if (stopped || waiting) return;
      waiting = true;
      timer = timers.set(() => {
        waiting = false;
        now();
      }, delayMs);
    },
    now,
    stop() {
      stopped = true;
      cancelTimer();
    },
  };
}
