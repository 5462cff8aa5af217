/**
 * The engine's ZipHasher in a browser: module zips hashed in dedicated
 * workers started by the engine's worker. In Chromium, hashing (inflate,
 * CRC-32, SHA-256) runs on the calling thread, so with the engine's thread
 * doing it the largest zips hashed one after the other once every download
 * had finished, while the machine's other core sat idle; here each of the
 * engine's verification slots has a worker of its own, and the engine's
 * thread goes on downloading.
 *
 * A zip goes over as it is held: a Blob (stored chunks) is passed as a
 * handle, bytes (a zip that arrived whole) are copied. Errors come back as
 * name and message (engineProtocol's WireError), a ZipFormatError with its code.
 */
import { hashZipOrLocate } from '../../engine/verifyModule.ts';
import type { ZipHashResult } from '../../engine/verifyModule.ts';
import type { ZipHasher } from '../../engine/ports.ts';
import { ZipFormatError } from '../../core/zip/errors.ts';
import type { ZipFormatCode } from '../../core/zip/errors.ts';
import { openZip } from '../../core/zip/reader.ts';
import { blobSource, bytesSource } from '../../core/zip/source.ts';
import { fromWireError, toWireError } from './engineProtocol.ts';
import type { WireError } from './engineProtocol.ts';

export interface ZipHashRequest {
  readonly id: number;
  readonly data: Blob | Uint8Array;
}

/** An error as it crosses: a ZipFormatError keeps its code. */
interface ZipWireError extends WireError {
  readonly code?: ZipFormatCode;
}

type WireResult = { readonly ok: true; readonly hash: string } | { readonly ok: false; readonly badRanges: readonly (readonly [number, number])[]; readonly error: ZipWireError };

export type ZipHashReply = { readonly id: number; readonly result: WireResult } | { readonly id: number; readonly error: ZipWireError };

/** The part of a Worker (or of a worker's own scope) the two sides use. */
export interface Port<In, Out> {
  postMessage(message: Out): void;
  addEventListener(type: 'message', listener: (event: { data: In }) => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
  /** A Worker's; absent on the worker's side. */
  terminate?(): void;
}

function toWire(err: unknown): ZipWireError {
  return err instanceof ZipFormatError ? { ...toWireError(err), code: err.code } : toWireError(err);
}

function fromWire(w: ZipWireError): Error {
  return w.code !== undefined ? new ZipFormatError(w.code, w.message) : fromWireError(w);
}

/** hashZipOrLocate of the zip in data, on this thread. */
async function hashHere(data: Blob | Uint8Array): Promise<ZipHashResult> {
  return hashZipOrLocate(await openZip(data instanceof Uint8Array ? bytesSource(data) : blobSource(data)));
}

/** The worker's side: answers every request with hashZipOrLocate of its zip. */
export function serveZipHashes(scope: Port<ZipHashRequest, ZipHashReply>): void {
  scope.addEventListener('message', (event) => {
    const { id, data } = event.data;
    void (async () => {
      try {
        const r = await hashHere(data);
        scope.postMessage({ id, result: r.ok ? r : { ok: false, badRanges: r.badRanges, error: toWire(r.error) } });
      } catch (err) {
        scope.postMessage({ id, error: toWire(err) });
      }
    })();
  });
}

interface Slot {
  worker: Port<ZipHashReply, ZipHashRequest> | undefined;
  busy: boolean;
}

interface Job {
  readonly data: Blob | Uint8Array;
  resolve(r: ZipHashResult): void;
  reject(e: Error): void;
}

/**
 * A ZipHasher over up to `size` workers made by spawn, each hashing one zip
 * at a time; requests beyond that wait in order. A worker is started on first
 * need. When one cannot start or fails (its error event), it is terminated,
 * the zip it had is hashed on this thread, and the next request starts
 * another: a verdict never depends on a worker's health.
 */
export function workerZipHasher(spawn: () => Port<ZipHashReply, ZipHashRequest>, size: number): ZipHasher {
  const slots: Slot[] = Array.from({ length: Math.max(1, size) }, () => ({ worker: undefined, busy: false }));
  const queue: Job[] = [];
  /** The zip each worker has: its request id, and what to do with the answer or the worker's failure. */
  const inFlight = new Map<Port<ZipHashReply, ZipHashRequest>, { id: number; answer(reply: ZipHashReply): void; failed(): void }>();
  let nextId = 1;

  const start = (slot: Slot): Port<ZipHashReply, ZipHashRequest> => {
    const w = spawn();
    w.addEventListener('message', (event) => {
      const f = inFlight.get(w);
      if (f === undefined || event.data.id !== f.id) return;
      inFlight.delete(w);
      f.answer(event.data);
    });
    w.addEventListener('error', () => {
      if (slot.worker === w) slot.worker = undefined;
      w.terminate?.();
      const f = inFlight.get(w);
      inFlight.delete(w);
      f?.failed();
    });
    return w;
  };

  const run = (slot: Slot, job: Job): void => {
    slot.busy = true;
    const finish = (result: Promise<ZipHashResult>): void => {
      slot.busy = false;
      pump();
      result.then(job.resolve, (err: unknown) => job.reject(err instanceof Error ? err : new Error(String(err))));
    };
    let w: Port<ZipHashReply, ZipHashRequest>;
    try {
      w = slot.worker ??= start(slot);
    } catch {
      finish(hashHere(job.data));
      return;
    }
    const id = nextId++;
    inFlight.set(w, {
      id,
      answer: (reply) => {
        if ('error' in reply) finish(Promise.reject(fromWire(reply.error)));
        else finish(Promise.resolve(reply.result.ok ? reply.result : { ok: false, badRanges: reply.result.badRanges, error: fromWire(reply.result.error) }));
      },
      failed: () => finish(hashHere(job.data)),
    });
    w.postMessage({ id, data: job.data });
  };

  const pump = (): void => {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot.busy) run(slot, queue.shift()!);
    }
  };

  return {
    hash: (data) =>
      new Promise<ZipHashResult>((resolve, reject) => {
        queue.push({ data, resolve, reject });
        pump();
      }),
  };
}
