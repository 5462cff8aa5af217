/**
 * A zip hashing worker (src/engine/workerZipHasher.ts) in this
 * process: its other end runs the real worker side (serveZipHashes), and
 * messages cross as structured clones, asynchronously, as between threads.
 */
import { openZipData, serveZipHashes } from '../../src/engine/workerZipHasher.ts';
import type { Port, ZipHashReply, ZipHashRequest } from '../../src/engine/workerZipHasher.ts';

/** What the fake workers of a test did: how many were started, and the most zips in their hands at once. */
export interface WorkerLog {
  spawned: number;
  terminated: number;
  inFlight: number;
  maxInFlight: number;
  /** The requests sent, in order: 'whole' or a part's [from, to). */
  requests: ('whole' | readonly [number, number])[];
}

export function workerLog(): WorkerLog {
  return { spawned: 0, terminated: 0, inFlight: 0, maxInFlight: 0, requests: [] };
}

type Listener = (event: { data: never }) => void;

/** A worker whose other end runs serveZipHashes in this process; messages cross as structured clones, asynchronously. */
export function fakeWorker(log: WorkerLog, opts: { crashOnFirst?: boolean; crashOnPart?: boolean } = {}): Port<ZipHashReply, ZipHashRequest> & { crash(): void } {
  log.spawned++;
  const toPage: Record<string, Listener[]> = { message: [], error: [] };
  const toWorker: Listener[] = [];
  let crashed = false;
  const emit = (ls: Listener[], data: unknown) => setTimeout(() => ls.forEach((l) => l({ data: structuredClone(data) as never })), 0);
  serveZipHashes({
    postMessage: (m) => {
      log.inFlight--;
      if (!crashed) emit(toPage['message']!, m);
    },
    addEventListener: (type: string, l: Listener) => {
      if (type === 'message') toWorker.push(l);
    },
  } as Port<ZipHashRequest, ZipHashReply>, openZipData);
  const crash = () => {
    crashed = true;
    emit(toPage['error']!, {});
  };
  let first = true;
  return {
    postMessage: (m) => {
      log.inFlight++;
      log.maxInFlight = Math.max(log.maxInFlight, log.inFlight);
      log.requests.push(m.part ?? 'whole');
      if ((opts.crashOnFirst === true && first) || (opts.crashOnPart === true && m.part !== undefined)) {
        first = false;
        crash();
        return;
      }
      emit(toWorker, m);
    },
    addEventListener: (type: string, l: Listener) => {
      toPage[type]?.push(l);
    },
    crash,
    terminate: () => {
      crashed = true;
      log.terminated++;
    },
  } as Port<ZipHashReply, ZipHashRequest> & { crash(): void };
}

