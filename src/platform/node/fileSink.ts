/**
 * A WritableStream onto a new file, for the CLI's bundle output. Node's
 * Writable.toWeb (Node 20) counts its queue in chunks with the byte-sized
 * high-water mark of the fs stream (16384), so a sink slower than its source
 * (a USB stick, a network share) lets up to 16384 chunks, a gigabyte of tar
 * blocks, pile up in memory. This sink counts bytes: pipeTo stops pulling
 * once QUEUE_BYTES wait for the disk, and each chunk is written through the
 * FileHandle (small ones gathered into one write) before the next is taken.
 */
import { open } from 'node:fs/promises';

/** Bytes that may wait in the stream's queue while one write is at the disk. */
export const QUEUE_BYTES = 1 << 20;

/** Small chunks are gathered into writes of this size (held besides QUEUE_BYTES). */
export const BATCH_BYTES = 256 << 10;

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
  const writeAll = async (bytes: Uint8Array): Promise<void> => {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, done, bytes.length - done);
      done += bytesWritten;
    }
  };
  // A tar arrives as many small chunks (a 512-byte header per file, small
  // files, the packer's own pieces); one write per chunk made the export wait
  // on a thread-pool round trip for each. Chunks smaller than BATCH_BYTES are
  // copied into one batch that is written when full (and on close).
  const batch = new Uint8Array(BATCH_BYTES);
  let batched = 0;
  const flush = async (): Promise<void> => {
    if (batched === 0) return;
    const n = batched;
    batched = 0;
    await writeAll(batch.subarray(0, n));
  };
  const finish = async (): Promise<void> => {
    try {
      await flush();
    } finally {
      await closeOnce();
    }
  };
  return new WritableStream<Uint8Array>(
    {
      async write(chunk) {
        if (batched + chunk.length > BATCH_BYTES) await flush();
        if (chunk.length >= BATCH_BYTES) return writeAll(chunk);
        batch.set(chunk, batched);
        batched += chunk.length;
      },
      close: finish,
      // What was accepted is written even on abort: the partial file holds every byte taken.
      abort: finish,
    },
    new ByteLengthQueuingStrategy({ highWaterMark: QUEUE_BYTES }),
  );
}
