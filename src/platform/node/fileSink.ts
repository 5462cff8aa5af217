/**
 * A WritableStream onto a new file, for the CLI's bundle output. Node's
 * Writable.toWeb (Node 20) counts its queue in chunks with the byte-sized
 * high-water mark of the fs stream (16384), so a sink slower than its source
 * (a USB stick, a network share) lets up to 16384 chunks, a gigabyte of tar
 * blocks, pile up in memory. This sink counts bytes: pipeTo stops pulling
 * once QUEUE_BYTES wait for the disk, and each chunk is written through the
 * FileHandle before the next is taken.
 */
import { open } from 'node:fs/promises';

/** Bytes that may wait in the stream's queue while one write is at the disk. */
export const QUEUE_BYTES = 1 << 20;

/**
 * Creates (truncating) path and returns a stream writing to it. close() closes
 * the file once every chunk is written; abort() closes it and leaves the
 * partial file for the caller to remove.
 */
export async function fileSink(path: string, mode = 0o644): Promise<WritableStream<Uint8Array>> {
  const handle = await open(path, 'w', mode);
  let closed = false;
  const closeOnce = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return new WritableStream<Uint8Array>(
    {
      async write(chunk) {
        let done = 0;
        while (done < chunk.length) {
          const { bytesWritten } = await handle.write(chunk, done, chunk.length - done);
          done += bytesWritten;
        }
      },
      close: closeOnce,
      abort: closeOnce,
    },
    new ByteLengthQueuingStrategy({ highWaterMark: QUEUE_BYTES }),
  );
}
