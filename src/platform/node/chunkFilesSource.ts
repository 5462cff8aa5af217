/**
 * A RandomAccessSource over a download's chunk files laid end to end (the
 * CLI's store keeps each chunk in a file of its own): what the engine reads a
 * zip assembled from stored chunks through in Node, on the main thread and on
 * a hashing thread. Node reads a file-backed Blob (the store's getChunk) at
 * a high cost per read; reading the files themselves hashed a 400 MiB zip
 * about a fifth faster on the main thread, at the same memory.
 *
 * Each read opens the files it spans and checks their size against the
 * journal's (a chunk file is written whole and named by its hash, so a file
 * whose size differs was changed behind the store's back); the read fails
 * naming the file, or with the file system's error for one that is gone.
 * Small reads are served from readAheadSource's window.
 */
import { open } from 'node:fs/promises';
import { readAheadSource, readMemory } from '../../core/zip/source.ts';
import type { RandomAccessSource } from '../../core/zip/source.ts';
import { readFullyAt } from './fileSource.ts';

/** A stored chunk as a file: its path and its length in the journal. */
export interface ChunkFile {
  readonly file: string;
  readonly size: number;
}

async function readChunkFile(f: ChunkFile, at: number, out: Uint8Array, outAt: number, n: number): Promise<void> {
  const fh = await open(f.file, 'r');
  try {
    const actual = (await fh.stat()).size;
    if (actual !== f.size) throw new Error(`modcarry: ${f.file} holds ${actual} bytes, its download's journal says ${f.size}`);
    const got = await readFullyAt(fh, out, outAt, n, at);
    if (got < n) throw new Error(`modcarry: ${f.file} ended at ${at + got} of its ${f.size} bytes`);
  } finally {
    await fh.close();
  }
}

export function chunkFilesSource(files: readonly ChunkFile[]): RandomAccessSource {
  const starts: number[] = [];
  let size = 0;
  for (const f of files) {
    starts.push(size);
    size += f.size;
  }
  const memory = readMemory();
  return readAheadSource(size, async (offset, length) => {
    const out = memory.take(length);
    let i = 0;
    while (i + 1 < files.length && starts[i + 1]! <= offset) i++;
    for (let done = 0; done < length; i++) {
      const at = offset + done - starts[i]!;
      const n = Math.min(length - done, files[i]!.size - at);
      await readChunkFile(files[i]!, at, out, done, n);
      done += n;
    }
    return out;
  }, CHUNK_FILES_WINDOW, memory.give);
}

/**
 * The read-ahead window over chunk files: a read is a few thread-pool hops,
 * not an IPC round trip, so a smaller window than a Blob's costs little; with
 * the default 4 MiB the peak RSS of downloading five 410 MiB zips was 145-158
 * MiB, with 1 MiB 121-128 MiB.
 */
const CHUNK_FILES_WINDOW = 1 << 20;
