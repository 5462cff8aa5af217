/**
 * A RandomAccessSource over a file on disk (Node), so the CLI reads a module
 * zip's end, central directory and entries without loading the whole file
 * (small reads come from readAheadSource's window: one thread-pool round trip
 * per 4 MiB instead of two per entry).
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { readAheadSource, readMemory } from '../../core/zip/source.ts';
import type { RandomAccessSource } from '../../core/zip/source.ts';

/** Opens path for reading; close() releases the file handle. */
export async function fileSource(path: string): Promise<RandomAccessSource & { close(): Promise<void> }> {
  const handle = await open(path, 'r');
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (err) {
    await handle.close();
    throw err;
  }
  const memory = readMemory();
  const source = readAheadSource(
    size,
    async (offset, length) => {
      const buf = memory.take(length);
      const got = await readFullyAt(handle, buf, 0, length, offset);
      if (got < length) throw new RangeError(`${path}: file shrank while reading (offset ${offset + got}, size ${size})`);
      return buf;
    },
    undefined,
    memory.give,
  );
  return { ...source, close: () => handle.close() };
}

/**
 * Reads n bytes of the file at position `at` into out at outAt, in as many
 * reads as it takes; returns how many it got, fewer only where the file ends.
 */
export async function readFullyAt(handle: FileHandle, out: Uint8Array, outAt: number, n: number, at: number): Promise<number> {
  let got = 0;
  while (got < n) {
    const { bytesRead } = await handle.read(out, outAt + got, n - got, at + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}
