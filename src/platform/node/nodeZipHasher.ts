/**
 * The engine's ZipHasher for the CLI's --hash-threads: module zips hashed on
 * worker threads (zipHashThread.ts) while the main thread goes on downloading
 * and storing, as the go command's goroutines do; the main thread hashes too
 * whenever every thread is busy (it downloads and stores, but that is not a
 * core's worth of work). One thread took the bench dependency set from
 * 6.6-6.8 to 5.7-6.4 s, as fast as two threads without the main thread,
 * whose peak RSS was 290-310 MiB against 220-260 with one. Each hashing
 * thread holds some tens of MiB of its own (an isolate, and the read and
 * inflate buffers it has not yet collected: a 400 MiB zip peaks at about 160
 * MiB RSS against 115), so it is a choice and not the default (BENCHMARKS.md,
 * sections 1 and 4).
 *
 * Node cannot send a file-backed Blob to another thread, so a zip assembled
 * from stored chunks crosses as the names and sizes of its chunk files
 * (FsStore.chunkFiles: written whole and named by their SHA-256, so a name
 * the journal holds has those bytes), and the thread reads those files
 * itself (chunkFilesSource, as the main thread does); a zip that arrived
 * whole crosses as a copy of its bytes.
 *
 * The threads start when first needed and hold the process open only while
 * they have work. A thread that cannot start or dies leaves its zip to the
 * main thread (workerZipHasher), so a verdict never depends on one.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { openZip } from '../../core/zip/reader.ts';
import type { ZipReader } from '../../core/zip/reader.ts';
import { bytesSource } from '../../core/zip/source.ts';
import type { ChunkRecord, StoredZip, ZipHasher } from '../../engine/ports.ts';
import { workerZipHasher } from '../../engine/workerZipHasher.ts';
import type { Port, ZipData, ZipHashReply, ZipHashRequest } from '../../engine/workerZipHasher.ts';
import { chunkFilesSource } from './chunkFilesSource.ts';
import type { ChunkFile } from './chunkFilesSource.ts';
import type { FsStore } from './fsStore.ts';

/** What crosses to a hashing thread: the zip's bytes, or the chunk files it is made of, in order. */
export type NodeZipWire = Uint8Array | { readonly files: readonly ChunkFile[] };

/** The built thread entry's name (vite.cli.config.ts, vite.bench.config.ts, test/support/buildCommand.ts). */
export const ZIP_HASH_THREAD_ENTRY = 'zip-hash-thread';

/**
 * The built thread entry beside the running bundle (or one directory up, from
 * a shared chunk's directory), or undefined where there is none (run from the
 * TypeScript sources).
 */
export function zipHashThreadFile(from: string = import.meta.url): string | undefined {
  for (const rel of [`./${ZIP_HASH_THREAD_ENTRY}.mjs`, `../${ZIP_HASH_THREAD_ENTRY}.mjs`]) {
    const file = fileURLToPath(new URL(rel, from));
    if (existsSync(file)) return file;
  }
  return undefined;
}

/**
 * The wire form of a zip: bytes as they are (workerZipHasher copies a view
 * of part of a larger buffer out only if it goes to a thread), a Blob as the
 * chunk files stored names when they add up to it; any other Blob stays on
 * the main thread (undefined).
 */
export function nodeZipWire(chunkFiles: (path: string, chunks: readonly ChunkRecord[]) => ChunkFile[]): (data: ZipData, stored: StoredZip | undefined) => NodeZipWire | undefined {
  return (data, stored) => {
    if (data instanceof Uint8Array) return data;
    if (stored === undefined) return undefined;
    let size = 0;
    for (const c of stored.chunks) size += c.length;
    if (size !== data.size) return undefined;
    return { files: chunkFiles(stored.path, stored.chunks) };
  };
}

/** The thread's side: opens the zip that crossed. */
export function openNodeZipWire(wire: NodeZipWire): Promise<ZipReader> {
  return openZip(wire instanceof Uint8Array ? bytesSource(wire) : chunkFilesSource(wire.files));
}

/**
 * One hashing thread as workerZipHasher's Port. The thread holds the process
 * open only while it has a zip (ref on sending, unref on the answer); an
 * 'exit' (the thread died, or was terminated) counts as its error event.
 */
function threadPort(file: string): Port<ZipHashReply, ZipHashRequest<NodeZipWire>> {
  const w = new Worker(file);
  w.unref();
  const port = {
    postMessage(message: ZipHashRequest<NodeZipWire>): void {
      w.ref();
      w.postMessage(message);
    },
    addEventListener(type: 'message' | 'error', listener: (event: unknown) => void): void {
      if (type === 'message') {
        w.on('message', (data: ZipHashReply) => {
          w.unref();
          listener({ data });
        });
      } else {
        w.on('error', listener);
        w.on('exit', listener);
      }
    },
    terminate(): void {
      void w.terminate();
    },
  };
  return port as Port<ZipHashReply, ZipHashRequest<NodeZipWire>>;
}

/** A ZipHasher over `threads` worker threads running threadFile (the built zipHashThread.ts) and the main thread, for zips kept by store. */
export function nodeZipHasher(store: Pick<FsStore, 'chunkFiles'>, threadFile: string, threads: number): ZipHasher {
  return workerZipHasher(() => threadPort(threadFile), threads, nodeZipWire((path, chunks) => store.chunkFiles(path, chunks)), openNodeZipWire);
}
