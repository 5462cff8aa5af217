/**
 * The engine's ports in Node (the CLI): the wall clock and timers, Math.random
 * for jitter, a connectivity hint that is always "online" (the engine's probe
 * decides), lock files with the holder's pid (a lock whose process is gone is
 * stale and taken over), quota from statfs of the state directory, and the
 * Http port of nodeHttp.ts.
 */
import { hostname } from 'node:os';
import { mkdir, open, readFile, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { nodeHttp } from './nodeHttp.ts';
import type { Clock, Connectivity, EnginePorts, EngineStore, Locks, Quota, Random } from '../../engine/ports.ts';

export const nodeClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(t);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

export const nodeRandom: Random = { next: () => Math.random() };

/** Node has no online/offline events: always "online"; wake-ups come from the caller. */
export function nodeConnectivity(): Connectivity & { wake(reason: string): void } {
  const listeners = new Set<(reason: string) => void>();
  return {
    isOnline: () => true,
    onWake(wake) {
      listeners.add(wake);
      return () => listeners.delete(wake);
    },
    wake(reason) {
      for (const l of listeners) l(reason);
    },
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/**
 * Locks across processes: `<dir>/<name>.lock` created exclusively, holding
 * "pid host". A lock file whose pid is not alive on this host is stale and
 * removed. Within the process, a queue per name.
 */
export function fileLocks(dir: string, pollMs = 200): Locks {
  const local = new Map<string, Promise<void>>();
  const file = (name: string): string => join(dir, encodeURIComponent(name).replaceAll('.', '%2E') + '.lock');
  const me = `${process.pid} ${hostname()}`;

  let dirMade = false;
  const tryAcquire = async (name: string): Promise<boolean> => {
    if (!dirMade) {
      await mkdir(dir, { recursive: true });
      dirMade = true;
    }
    for (let i = 0; i < 2; i++) {
      try {
        let fh;
        try {
          fh = await open(file(name), 'wx');
        } catch (err) {
          // The directory was removed since (the state directory cleared by hand).
          if ((err as { code?: string }).code !== 'ENOENT') throw err;
          await mkdir(dir, { recursive: true });
          fh = await open(file(name), 'wx');
        }
        await fh.writeFile(me);
        await fh.close();
        return true;
      } catch (err) {
        if ((err as { code?: string }).code !== 'EEXIST') throw err;
      }
      let holder: string;
      try {
        holder = await readFile(file(name), 'utf8');
      } catch {
        continue; // released meanwhile
      }
      const [pidText, host] = holder.split(' ');
      const pid = Number(pidText);
      const stale = holder === '' ? false : host === hostname() && Number.isInteger(pid) && pid !== process.pid && !processAlive(pid);
      if (!stale) return false;
      await rm(file(name), { force: true });
    }
    return false;
  };

  return {
    async withLock(name, fn, opts = {}) {
      // In-process: one holder at a time per name.
      const prev = local.get(name);
      if (prev !== undefined && opts.ifAvailable) return undefined;
      let release!: () => void;
      const mine = new Promise<void>((r) => (release = r));
      const tail = (prev ?? Promise.resolve()).then(() => mine);
      local.set(name, tail);
      try {
        await prev;
        for (;;) {
          if (await tryAcquire(name)) break;
          if (opts.ifAvailable) return undefined;
          if (opts.signal?.aborted) throw opts.signal.reason;
          await nodeClock.sleep(pollMs, opts.signal);
        }
        try {
          return await fn();
        } finally {
          await rm(file(name), { force: true });
        }
      } finally {
        release();
        if (local.get(name) === tail) local.delete(name);
      }
    },
  };
}

/**
 * Quota from the file system holding dir: available = free blocks for
 * unprivileged users. What the engine decides on is quota - usage, which is
 * exactly the free space whatever usage is, so the usage figure (a walk of the
 * whole store) is computed once and refreshed at most every USAGE_TTL_MS:
 * walking it before every zip made a run quadratic in its module count.
 */
export function fsQuota(dir: string, store: Pick<EngineStore, 'usage'>, clock: () => number = Date.now): Quota {
  let usage: { value: number; at: number } | undefined;
  return {
    async estimate() {
      try {
        const s = await statfs(dir);
        if (usage === undefined || clock() - usage.at > USAGE_TTL_MS) usage = { value: await store.usage(), at: clock() };
        return { usage: usage.value, quota: usage.value + s.bavail * s.bsize };
      } catch {
        return undefined;
      }
    },
    persist: () => Promise.resolve(true),
  };
}

const USAGE_TTL_MS = 30_000;

/** Every port for a state directory. */
export function nodePorts(stateDir: string, store: EngineStore, opts: { timeoutMs?: number } = {}): EnginePorts & { connectivity: ReturnType<typeof nodeConnectivity> } {
  return {
    http: nodeHttp({ timeoutMs: opts.timeoutMs ?? 60_000 }),
    store,
    clock: nodeClock,
    random: nodeRandom,
    connectivity: nodeConnectivity(),
    locks: fileLocks(join(stateDir, 'locks')),
    quota: fsQuota(stateDir, store),
  };
}
