/**
 * A page's dedicated workers over the DevTools protocol, nested ones
 * included (the engine's worker starts the zip hashing workers). Each worker
 * is attached through Target.setAutoAttach on its parent's session,
 * non-flattened: Playwright gives no handle on child sessions, so a message
 * to a worker goes through Target.sendMessageToTarget once per level of its
 * session path.
 */
import type { CDPSession, Page } from 'playwright-core';

export interface WorkerTarget {
  /** Session ids from the page's session down to the worker's. */
  readonly path: readonly string[];
  readonly url: string;
}

export interface WorkerTargets {
  /** The page's own session. */
  readonly cdp: CDPSession;
  /** The workers attached now (a worker that ends is detached). */
  live(): WorkerTarget[];
  /** The script URL of every worker attached since the watch began, in order. */
  seen(): string[];
  /** Sends a command to a worker; its result, or undefined when it fails or takes longer than timeoutMs. */
  send<T>(worker: WorkerTarget, method: string, params?: object, timeoutMs?: number): Promise<T | undefined>;
  detach(): Promise<void>;
}

interface Attached {
  sessionId: string;
  targetInfo: { type: string; url: string };
}

/** Starts watching page's dedicated workers: those running now are attached at once, later ones as they start. */
export async function watchWorkers(page: Page): Promise<WorkerTargets> {
  const cdp = await page.context().newCDPSession(page);
  const live = new Map<string, WorkerTarget>();
  const seen: string[] = [];
  const waiting = new Map<number, (result: unknown) => void>();
  let nextId = 1;
  const post = (path: readonly string[], method: string, params: object): number => {
    const id = nextId++;
    let message = JSON.stringify({ id, method, params });
    for (let k = path.length - 1; k >= 1; k--) message = JSON.stringify({ id: nextId++, method: 'Target.sendMessageToTarget', params: { sessionId: path[k], message } });
    cdp.send('Target.sendMessageToTarget', { sessionId: path[0]!, message }).catch(() => waiting.get(id)?.(undefined));
    return id;
  };
  const attached = (path: readonly string[], info: Attached['targetInfo']): void => {
    if (info.type !== 'worker') return;
    live.set(path.join('/'), { path, url: info.url });
    seen.push(info.url);
    post(path, 'Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  };
  const received = (path: readonly string[], text: string): void => {
    const m = JSON.parse(text) as { id?: number; result?: unknown; method?: string; params?: Attached & { message: string } };
    if (m.method === 'Target.receivedMessageFromTarget' && m.params !== undefined) received([...path, m.params.sessionId], m.params.message);
    else if (m.method === 'Target.attachedToTarget' && m.params !== undefined) attached([...path, m.params.sessionId], m.params.targetInfo);
    else if (m.method === 'Target.detachedFromTarget' && m.params !== undefined) live.delete([...path, m.params.sessionId].join('/'));
    else if (m.id !== undefined) {
      waiting.get(m.id)?.(m.result);
      waiting.delete(m.id);
    }
  };
  cdp.on('Target.attachedToTarget', (e: Attached) => attached([e.sessionId], e.targetInfo));
  cdp.on('Target.detachedFromTarget', (e: { sessionId: string }) => {
    live.delete(e.sessionId);
  });
  cdp.on('Target.receivedMessageFromTarget', (e: { sessionId: string; message: string }) => received([e.sessionId], e.message));
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  return {
    cdp,
    live: () => [...live.values()],
    seen: () => [...seen],
    send: <T>(worker: WorkerTarget, method: string, params: object = {}, timeoutMs = 5_000) =>
      new Promise<T | undefined>((resolve) => {
        let id = 0;
        const timer = setTimeout(() => {
          waiting.delete(id);
          resolve(undefined);
        }, timeoutMs);
        id = post(worker.path, method, params);
        waiting.set(id, (v) => {
          clearTimeout(timer);
          resolve(v as T | undefined);
        });
      }),
    detach: () => cdp.detach().catch(() => undefined),
  };
}
