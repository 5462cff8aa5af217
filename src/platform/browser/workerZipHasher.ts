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
 * name and message, a ZipFormatError with its code.
 */
import { hashZipOrLocate } from '../../engine/verifyModule.ts';
import type { ZipHashResult } from '../../engine/verifyModule.ts';
import type { ZipHasher } from '../../engine/ports.ts';
import { ZipFormatError } from '../../core/zip/errors.ts';
import type { ZipFormatCode } from '../../core/zip/errors.ts';
import { openZip } from '../../core/zip/reader.ts';
import { blobSource, bytesSource } from '../../core/zip/source.ts';

export interface ZipHashRequest {
  readonly id: number;
  readonly data: Blob | Uint8Array;
}

export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: ZipFormatCode;
}

type WireResult = { readonly ok: true; readonly hash: string } | { readonly ok: false; readonly badRanges: readonly (readonly [number, number])[]; readonly error: WireError };

export type ZipHashReply = { readonly id: number; readonly result: WireResult } | { readonly id: number; readonly error: WireError };

/** The part of a Worker (or of a worker's own scope) the two sides use. */
export interface Port<In, Out> {
  postMessage(message: Out): void;
  addEventListener(type: 'message', listener: (event: { data: In }) => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
}

function toWire(err: unknown): WireError {
  if (err instanceof ZipFormatError) return { name: err.name, message: err.message, code: err.code };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

function fromWire(w: WireError): Error {
  if (w.code !== undefined) return new ZipFormatError(w.code, w.message);
  const err = new Error(w.message);
  err.name = w.name;
  return err;
}

/** The worker's side: answers every request with hashZipOrLocate of its zip. */
export function serveZipHashes(scope: Port<ZipHashRequest, ZipHashReply>): void {
  scope.addEventListener('message', (event) => {
    const { id, data } = event.data;
    void (async () => {
      try {
        const r = await hashZipOrLocate(await openZip(data instanceof Uint8Array ? bytesSource(data) : blobSource(data)));
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

/**
 * A ZipHasher over up to `size` workers made by spawn, each hashing one zip
 * at a time; requests beyond that wait in order. A worker is started on first
 * need. One that fails (its error event) fails the zip it had and is replaced
 * on the next request.
 */
export function workerZipHasher(spawn: () => Port<ZipHashReply, ZipHashRequest>, size: number): ZipHasher {
  const slots: Slot[] = Array.from({ length: Math.max(1, size) }, () => ({ worker: undefined, busy: false }));
  const queue: { data: Blob | Uint8Array; resolve(r: ZipHashResult): void; reject(e: Error): void }[] = [];
  const current = new Map<Port<ZipHashReply, ZipHashRequest>, (reply: ZipHashReply) => void>();
  let nextId = 1;

  const pump = (): void => {
    for (const slot of slots) {
      if (slot.busy) continue;
      const job = queue.shift();
      if (job === undefined) return;
      slot.busy = true;
      const id = nextId++;
      const done = (): void => {
        slot.busy = false;
        pump();
      };
      let worker = slot.worker;
      if (worker === undefined) {
        const w = spawn();
        worker = w;
        slot.worker = w;
        w.addEventListener('message', (event) => current.get(w)?.(event.data));
        w.addEventListener('error', () => {
          // The worker is gone: its zip fails, the next request starts another.
          if (slot.worker === w) slot.worker = undefined;
          current.get(w)?.({ id: -1, error: { name: 'Error', message: 'modcarry: the zip hashing worker failed' } });
        });
      }
      const w = worker;
      current.set(w, (reply) => {
        if (reply.id !== id && reply.id !== -1) return;
        current.delete(w);
        done();
        if ('error' in reply) job.reject(fromWire(reply.error));
        else job.resolve(reply.result.ok ? reply.result : { ok: false, badRanges: reply.result.badRanges, error: fromWire(reply.result.error) });
      });
      w.postMessage({ id, data: job.data });
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
