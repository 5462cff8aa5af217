/**
 * Engine events gathered for the page and the other tabs: one message per
 * interval instead of one per event. A 162-module job emits about 1 500
 * events (a log entry, a state, a progress report after every chunk), and
 * each message costs a structured clone and a task on the page's main thread
 * (and, on a BroadcastChannel, a trip through the browser process), while
 * the page only schedules a refresh from them, at most once a second.
 * Events keep their order; the first event after a quiet spell starts the
 * interval, so none waits longer than intervalMs. An urgent event (a job's
 * status, which a person is waiting on) goes at once, with those before it.
 */
export interface EventBatcher<E> {
  add(event: E): void;
  /** Sends what is waiting now. */
  flush(): void;
}

export function eventBatcher<E>(
  send: (events: E[]) => void,
  intervalMs: number,
  urgent: (event: E) => boolean = () => false,
  timer: (fn: () => void, ms: number) => unknown = setTimeout,
): EventBatcher<E> {
  let waiting: E[] = [];
  let armed = false;
  const flush = (): void => {
    armed = false;
    if (waiting.length === 0) return;
    const events = waiting;
    waiting = [];
    send(events);
  };
  return {
    add(event) {
      waiting.push(event);
      if (urgent(event)) flush();
      else if (!armed) {
        armed = true;
        timer(flush, intervalMs);
      }
    },
    flush,
  };
}
