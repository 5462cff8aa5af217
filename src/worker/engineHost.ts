/**
 * The engine's home inside the dedicated worker: answers the page's calls
 * (engineProtocol.ts), pushes engine events, and makes sure one worker per
 * browser profile runs the engine.
 *
 * The leader is whoever holds the ENGINE_LOCK Web Lock; it keeps the lock for
 * the worker's lifetime (the browser releases it when the tab closes or the
 * worker dies, even on a crash). A worker that finds the lock held becomes a
 * follower: it opens the same store read-only in practice (progress and log
 * come from IndexedDB, which every tab shares), relays the leader's events
 * from a BroadcastChannel, and queues for the lock, so it takes over when the
 * leader's tab goes away. Nothing here blocks the page: every call is async.
 *
 * Everything runtime-specific comes in through HostDeps, so this runs in
 * Node under test with fake-indexeddb and process-local locks.
 */
import type { Engine, EngineEvent } from '../engine/engine.ts';
import type { EngineStore, Locks } from '../engine/ports.ts';
import { ENGINE_LOCK, NotLeaderError, READ_ONLY_CALLS, toWireError } from '../platform/browser/engineProtocol.ts';
import type { EngineCallName, EngineMethods, FromWorker, Role, ToWorker } from '../platform/browser/engineProtocol.ts';
import { eventBatcher } from '../platform/browser/eventBatcher.ts';

/** Engine events reach the page (and other tabs) in one message per this many ms at most. */
const EVENT_BATCH_MS = 100;

/** The worker global scope, as much of it as the host uses. */
export interface HostScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

/** A BroadcastChannel, as much of it as the host uses: the leader's events, in batches. */
export interface ChannelLike {
  postMessage(message: EngineEvent[]): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

export interface HostDeps {
  /** Opens the store (once). */
  openStore(): Promise<EngineStore>;
  /** Builds the engine on the store (called when this worker becomes leader). */
  createEngine(store: EngineStore): Engine;
  locks: Locks;
  channel: ChannelLike;
  /** Called with every wake-up the page forwards, leader or not. */
  onWake?(reason: string): void;
}

export interface EngineHost {
  /** The current role, once decided. */
  role(): Role | undefined;
  /** Resolves when the role is first decided. */
  ready: Promise<Role>;
}

/** Starts the host on scope: listens for calls and contends for the lock. */
export function startEngineHost(scope: HostScope, deps: HostDeps): EngineHost {
  let role: Role | undefined;
  let engine: Engine | undefined;
  const storeP = deps.openStore();
  const setRole = (r: Role) => {
    role = r;
    scope.postMessage({ kind: 'role', role: r });
  };

  const becomeLeader = async (): Promise<void> => {
    const store = await storeP;
    engine = deps.createEngine(store);
    const batch = eventBatcher<EngineEvent>((events) => {
      scope.postMessage({ kind: 'events', events });
      deps.channel.postMessage(events);
    }, EVENT_BATCH_MS, (event) => event.type === 'job');
    engine.onEvent((event) => batch.add(event));
    setRole('leader');
    engine.wake('app start');
    await resumeRunning(engine, store);
  };

  let decided!: (r: Role) => void;
  const ready = new Promise<Role>((r) => (decided = r));
  /** Holds the lock until the worker dies: the browser releases it then. */
  const holdForever = () => new Promise<never>(() => undefined);

  void (async () => {
    try {
      await storeP;
      let granted = false;
      await deps.locks.withLock(
        ENGINE_LOCK,
        async () => {
          granted = true;
          await becomeLeader();
          decided('leader');
          return holdForever();
        },
        { ifAvailable: true },
      );
      if (granted) return;
      setRole('follower');
      decided('follower');
      deps.channel.addEventListener('message', (e) => {
        // A leader of an older version (a tab not yet updated) sends events one by one.
        if (role === 'follower') scope.postMessage({ kind: 'events', events: Array.isArray(e.data) ? (e.data as EngineEvent[]) : [e.data as EngineEvent] });
      });
      await deps.locks.withLock(ENGINE_LOCK, async () => {
        await becomeLeader();
        return holdForever();
      });
    } catch (err) {
      scope.postMessage({ kind: 'fatal', error: toWireError(err) });
    }
  })();

  scope.addEventListener('message', (event) => {
    const msg = event.data as ToWorker;
    if (msg.kind === 'wake') {
      deps.onWake?.(msg.reason);
      engine?.wake(msg.reason);
      return;
    }
    if (msg.kind !== 'call') return;
    void answer(msg.id, msg.method, msg.args);
  });

  async function answer(id: number, method: EngineCallName, args: unknown[]): Promise<void> {
    try {
      await ready;
      const store = await storeP;
      const value = await dispatch(method, args, store);
      scope.postMessage({ kind: 'result', id, ok: true, value });
    } catch (err) {
      scope.postMessage({ kind: 'result', id, ok: false, error: toWireError(err) });
    }
  }

  async function dispatch(method: EngineCallName, args: unknown[], store: EngineStore): Promise<unknown> {
    if (method === 'listJobs') {
      const jobs = await store.listJobs();
      return jobs.map((j) => ({ id: j.id, status: String((j as { status?: unknown }).status ?? 'unknown') }));
    }
    // A follower builds a read-only engine view: its methods only read the store.
    const target: EngineMethods | undefined = engine ?? (READ_ONLY_CALLS.includes(method) ? readOnlyEngine(store) : undefined);
    if (target === undefined) throw new NotLeaderError(method);
    const fn = target[method as Exclude<EngineCallName, 'listJobs'>] as (...a: unknown[]) => Promise<unknown>;
    return fn.apply(target, args);
  }

  /**
   * The engine's read paths for a follower: an engine object on the same
   * store that is only ever asked READ_ONLY_CALLS, so it starts no runner.
   */
  let viewer: Engine | undefined;
  function readOnlyEngine(store: EngineStore): EngineMethods {
    viewer ??= deps.createEngine(store);
    return viewer;
  }

  return { role: () => role, ready };
}

/**
 * Restarts the jobs that were running when the last leader stopped (tab
 * closed, reload, browser killed): resume on app start. A job another
 * process holds reports 'busy' and is left alone.
 */
async function resumeRunning(engine: Engine, store: EngineStore): Promise<void> {
  for (const job of await store.listJobs()) {
    if ((job as { status?: unknown }).status === 'running') void engine.resume(job.id).catch(() => undefined);
  }
}
