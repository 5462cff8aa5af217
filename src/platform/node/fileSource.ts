/**
 * A RandomAccessSource over a file on disk (Node), so the CLI reads a module
 * zip's end, central directory and entries without loading the whole file
 * (small reads come from readAheadSource's window: one thread-pool round trip
 * per 4 MiB instead of two per entry).
 */
import { open } from 'node:fs/promises';
import { readAheadSource } from '../../core/zip/source.ts';
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
  const source = readAheadSource(size, async (offset, length) => {
    const buf = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(buf, done, length - done, offset + done);
      if (bytesRead === 0) throw new RangeError(`${path}: file shrank while reading (offset ${offset + done}, size ${size})`);
      done += bytesRead;
    }
    return buf;
  });
  return { ...source, close: () => handle.close() };
}
