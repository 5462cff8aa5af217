/**
 * A ZipHasher over worker threads: module zips hashed in workers while the
 * engine's thread goes on downloading. Hashing (inflate, CRC-32, SHA-256)
 * runs on the calling thread, so with the engine's thread doing it the
 * largest zips were hashed one after the other once every download had
 * finished, while the machine's other core sat idle; here each of the
 * engine's verification slots has a worker of its own. A large zip is split
 * among the workers by entries (each worker takes the content digests of a
 * run of entries), so the last and largest zips of a job do not leave a core
 * idle.
 *
 * Runtime-neutral: a browser's dedicated workers (src/worker/zipHash.worker.ts)
 * and Node's worker threads (src/platform/node/nodeZipHasher.ts) both serve
 * it. What crosses to a worker is the caller's choice (toWire): a browser
 * passes a Blob as a handle and copies bytes; Node, which cannot send a
 * file-backed Blob, names the stored chunk files. Errors come back as name
 * and message (WireError), a ZipFormatError with its code.
 */
import { digestZipEntries, hashZipFromDigests } from '../core/dirhash/hash.ts';
import { hashZipOrLocate } from './verifyModule.ts';
import type { ZipHashResult } from './verifyModule.ts';
import type { StoredZip, ZipHasher } from './ports.ts';
import { ZipFormatError } from '../core/zip/errors.ts';
import type { ZipFormatCode } from '../core/zip/errors.ts';
import { openZip } from '../core/zip/reader.ts';
import type { ZipEntry, ZipReader } from '../core/zip/reader.ts';
import { blobSource, bytesSource } from '../core/zip/source.ts';
import { fromWireError, toWireError } from './wireError.ts';
import { spansBuffer } from '../core/internal/bytes.ts';
import type { WireError } from './wireError.ts';

/** A zip as the engine holds it: its stored chunks as one Blob, or bytes that arrived whole. */
export type ZipData = Blob | Uint8Array;

/** W: the zip as it crosses to the worker (ZipData in browsers). */
export interface ZipHashRequest<W = ZipData> {
  readonly id: number;
  readonly data: W;
  /** Only the content digests of entries [from, to) (digestZipEntries), not the zip's h1. */
  readonly part?: readonly [from: number, to: number];
}

/** An error as it crosses: a ZipFormatError keeps its code. */
interface ZipWireError extends WireError {
  readonly code?: ZipFormatCode;
}

type WireResult = { readonly ok: true; readonly hash: string } | { readonly ok: false; readonly badRanges: readonly (readonly [number, number])[]; readonly error: ZipWireError };

export type ZipHashReply =
  | { readonly id: number; readonly result: WireResult }
  /** entries: how many the worker found in the zip, which must be as many as the asker found. */
  | { readonly id: number; readonly digests: Uint8Array; readonly entries: number }
  | { readonly id: number; readonly error: ZipWireError };

/** The part of a Worker (or of a worker's own scope) the two sides use. */
export interface Port<In, Out> {
  postMessage(message: Out, transfer?: Transferable[]): void;
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

/** Opens a zip held as ZipData (what a browser's worker receives). */
export function openZipData(data: ZipData): Promise<ZipReader> {
  return openZip(data instanceof Uint8Array ? bytesSource(data) : blobSource(data));
}

/** hashZipOrLocate of the zip in data, on this thread. */
async function hashHere(data: ZipData): Promise<ZipHashResult> {
  return hashZipOrLocate(await openZipData(data));
}

/**
 * The answer to one request: hashZipOrLocate of its zip, or the digests of
 * the part asked for (with the memory to transfer); open turns what crossed
 * into the zip. Never rejects: a failure is an error reply.
 */
async function answer<W>(request: ZipHashRequest<W>, open: (data: W) => Promise<ZipReader>): Promise<{ reply: ZipHashReply; transfer?: Transferable[] }> {
  const { id, data, part } = request;
  try {
    if (part !== undefined) {
      const zip = await open(data);
      const digests = await digestZipEntries(zip, part[0], part[1]);
      return { reply: { id, digests, entries: zip.entries.length }, transfer: [digests.buffer] };
    }
    const r = await hashZipOrLocate(await open(data));
    return { reply: { id, result: r.ok ? r : { ok: false, badRanges: r.badRanges, error: toWire(r.error) } } };
  } catch (err) {
    return { reply: { id, error: toWire(err) } };
  }
}

/**
 * The worker's side: answers a request with hashZipOrLocate of its zip, or
 * with the digests of the part asked for; open turns what crossed into the zip.
 */
export function serveZipHashes<W>(scope: Port<ZipHashRequest<W>, ZipHashReply>, open: (data: W) => Promise<ZipReader>): void {
  scope.addEventListener('message', (event) => {
    void answer(event.data, open).then(({ reply, transfer }) => scope.postMessage(reply, transfer));
  });
}

/**
 * Zips of at least this many bytes are split among the workers by entries:
 * the largest zips are hashed last (they finish downloading last), and one
 * worker on its own left the other core idle for seconds.
 */
export const SPLIT_MIN_BYTES = 8 << 20;

/** Roughly what hashing an entry costs: inflating its bytes and hashing what comes out, plus a fixed cost per entry. */
function entryWork(e: ZipEntry): number {
  return e.compressedSize + e.uncompressedSize + 4096;
}

/** Cuts entries into at most n runs of adjacent entries of about equal work; returns [from, to) per run. */
export function splitEntries(entries: readonly ZipEntry[], n: number): [number, number][] {
  const total = entries.reduce((sum, e) => sum + entryWork(e), 0);
  const parts: [number, number][] = [];
  let from = 0;
  let done = 0;
  for (let i = 0; i < entries.length; i++) {
    done += entryWork(entries[i]!);
    if (parts.length < n - 1 && done >= (total * (parts.length + 1)) / n && i + 1 < entries.length) {
      parts.push([from, i + 1]);
      from = i + 1;
    }
  }
  if (from < entries.length) parts.push([from, entries.length]);
  return parts;
}

interface Slot<W> {
  worker: Port<ZipHashReply, ZipHashRequest<W>> | undefined;
  busy: boolean;
  /** This thread's slot: its tasks are answered here, opening the wire with this. */
  readonly here?: (wire: W) => Promise<ZipReader>;
}

/** One request for a worker: what to send, and what to do with the answer or without one. */
interface Task<W> {
  readonly wire: W;
  readonly part?: readonly [number, number];
  answer(reply: ZipHashReply): void;
  /** The worker could not start or died with this task. */
  failed(): void;
}

/**
 * A ZipHasher over up to `size` workers made by spawn, each doing one task at
 * a time: a zip's h1, or (for a zip of SPLIT_MIN_BYTES or more whose entries
 * the caller gives) the digests of a run of its entries, the runs spread
 * over the workers and put together here. Tasks beyond the workers wait in
 * order. When a part fails in any way, the zip is hashed whole instead, so
 * failures are reported (byte ranges included) as hashZipOrLocate reports
 * them. When a worker cannot start or fails (its error event), it is
 * terminated, its zip is hashed on this thread (whole), and the next task
 * starts another: a verdict never depends on a worker's health.
 *
 * toWire gives what crosses to a worker for a zip (and where it is stored,
 * when the engine assembled it from stored chunks); undefined keeps that zip
 * on this thread. Without it, the zip crosses as it is held.
 *
 * release() terminates the workers (an idle worker keeps the garbage of its
 * last zips until it allocates again, and the engine calls release when its
 * jobs end: 230 MiB of buffers in two idle browser workers after a 2 GiB
 * download); the next zip starts them again.
 *
 * Given openHere, this thread is one more slot, after the workers: it takes
 * a task when every worker is busy, opening the wire as a worker would (a
 * large zip is then split one part more). Where this thread has other work
 * but not a core's worth (the CLI's main thread downloads and stores), one
 * worker and this thread hash as fast as two workers, with one isolate's
 * memory less.
 */
export function workerZipHasher(spawn: () => Port<ZipHashReply, ZipHashRequest>, size: number): ZipHasher;
export function workerZipHasher<W>(
  spawn: () => Port<ZipHashReply, ZipHashRequest<W>>,
  size: number,
  toWire: (data: ZipData, stored: StoredZip | undefined) => W | undefined,
  openHere?: (wire: W) => Promise<ZipReader>,
): ZipHasher;
export function workerZipHasher<W>(
  spawn: () => Port<ZipHashReply, ZipHashRequest<W>>,
  size: number,
  toWire: (data: ZipData, stored: StoredZip | undefined) => W | undefined = (data) => data as W,
  openHere?: (wire: W) => Promise<ZipReader>,
): ZipHasher {
  const slots: Slot<W>[] = Array.from({ length: Math.max(1, size) }, () => ({ worker: undefined, busy: false }));
  if (openHere !== undefined) slots.push({ worker: undefined, busy: false, here: openHere });
  const queue: Task<W>[] = [];
  /** The task each worker has, with its request id. */
  const inFlight = new Map<Port<ZipHashReply, ZipHashRequest<W>>, { id: number; task: Task<W> }>();
  let nextId = 1;

  const start = (slot: Slot<W>): Port<ZipHashReply, ZipHashRequest<W>> => {
    const w = spawn();
    w.addEventListener('message', (event) => {
      const f = inFlight.get(w);
      if (f === undefined || event.data.id !== f.id) return;
      inFlight.delete(w);
      done(slot);
      f.task.answer(event.data);
    });
    w.addEventListener('error', () => {
      if (slot.worker === w) slot.worker = undefined;
      w.terminate?.();
      const f = inFlight.get(w);
      inFlight.delete(w);
      if (f === undefined) return;
      done(slot);
      f.task.failed();
    });
    return w;
  };

  /** Set by release, cleared by the next hash: workers still busy then stop once they are idle. */
  let released = false;

  /** Terminates the slot's worker, if it has one; the slot's next task starts another. */
  const retire = (slot: Slot<W>): void => {
    const w = slot.worker;
    if (w === undefined) return;
    slot.worker = undefined;
    w.terminate?.();
  };

  const done = (slot: Slot<W>): void => {
    slot.busy = false;
    pump();
    if (released && !slot.busy) retire(slot);
  };

  const run = (slot: Slot<W>, task: Task<W>): void => {
    slot.busy = true;
    if (slot.here !== undefined) {
      void answer({ id: 0, data: task.wire, ...(task.part !== undefined ? { part: task.part } : {}) }, slot.here).then(({ reply }) => {
        done(slot);
        task.answer(reply);
      });
      return;
    }
    let w: Port<ZipHashReply, ZipHashRequest<W>>;
    try {
      w = slot.worker ??= start(slot);
    } catch {
      done(slot);
      task.failed();
      return;
    }
    const id = nextId++;
    inFlight.set(w, { id, task });
    w.postMessage({ id, data: posted(task.wire), ...(task.part !== undefined ? { part: task.part } : {}) });
  };

  /**
   * Bytes as they cross to a worker: a clone of a view copies its whole
   * ArrayBuffer, so a view of part of a larger one crosses as a copy of just
   * its bytes, made once for every part of its zip (and never when this
   * thread's slot takes the zip).
   */
  const trimmed = new WeakMap<Uint8Array, Uint8Array>();
  const posted = (wire: W): W => {
    if (!(wire instanceof Uint8Array) || spansBuffer(wire)) return wire;
    let own = trimmed.get(wire);
    if (own === undefined) trimmed.set(wire, (own = wire.slice()));
    return own as W;
  };

  const pump = (): void => {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot.busy) run(slot, queue.shift()!);
    }
  };

  /** The zip's h1 from one worker (or this thread, should the worker fail). */
  const whole = (data: ZipData, wire: W, first = false): Promise<ZipHashResult> =>
    new Promise<ZipHashResult>((resolve, reject) => {
      const task: Task<W> = {
        wire,
        answer: (reply) => {
          if ('error' in reply) reject(fromWire(reply.error));
          else if ('result' in reply) resolve(reply.result.ok ? reply.result : { ok: false, badRanges: reply.result.badRanges, error: fromWire(reply.result.error) });
          else reject(new Error('a zip hashing worker answered with digests for a whole zip'));
        },
        failed: () => void hashHere(data).then(resolve, (err: unknown) => reject(err instanceof Error ? err : new Error(String(err)))),
      };
      // A zip whose parts failed goes before zips that came after it.
      if (first) queue.unshift(task);
      else queue.push(task);
      pump();
    });

  /** The zip's h1 from the digests of its runs of entries, each from a worker; hashed whole when any part fails. */
  const split = async (data: ZipData, wire: W, entries: readonly ZipEntry[], runs: readonly [number, number][]): Promise<ZipHashResult> => {
    const digests = new Uint8Array(32 * entries.length);
    const parts = runs.map(
      (part) =>
        new Promise<boolean>((resolve) => {
          queue.push({
            wire,
            part,
            answer: (reply) => {
              const ok = 'digests' in reply && reply.entries === entries.length && reply.digests.length === 32 * (part[1] - part[0]);
              if (ok) digests.set(reply.digests, 32 * part[0]);
              resolve(ok);
            },
            failed: () => resolve(false),
          });
        }),
    );
    pump();
    if (!(await Promise.all(parts)).every(Boolean)) return whole(data, wire, true);
    return { ok: true, hash: await hashZipFromDigests(entries, digests) };
  };

  return {
    hash: (data, entries, stored) => {
      released = false;
      const wire = toWire(data, stored);
      if (wire === undefined) return hashHere(data);
      const bytes = data instanceof Uint8Array ? data.length : data.size;
      const runs = entries !== undefined && slots.length > 1 && bytes >= SPLIT_MIN_BYTES ? splitEntries(entries, slots.length) : [];
      return runs.length > 1 && entries !== undefined ? split(data, wire, entries, runs) : whole(data, wire);
    },
    release: () => {
      released = true;
      for (const slot of slots) if (!slot.busy) retire(slot);
    },
  };
}
