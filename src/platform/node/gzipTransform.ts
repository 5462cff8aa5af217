/**
 * Node's zlib gzip as a web TransformStream for the CLI's bundle: native and
 * several times faster than the JS deflate the browser uses. Duplex.toWeb
 * (Node 20) queues up to 16384 chunks on each side (a count, taken from the
 * byte-sized high-water mark), so when deflate is slower than the tar it
 * reads (random data: ~35 MiB/s at level 1) a 2 GiB export held a gigabyte
 * in queues. Here a chunk is handed to zlib only after the previous one was
 * deflated and its output enqueued, and the TransformStream stops taking
 * input while its readable side is not read: at most one input chunk and
 * its output are in flight.
 *
 * The header's MTIME is 0 ("no time stamp", RFC 1952) and no name is
 * written, so the output is deterministic.
 */
import { createGzip } from 'node:zlib';
import type { Gzip } from 'node:zlib';

/** zlib's output buffer size: the size of the chunks the readable side gives. */
const OUTPUT_CHUNK = 64 << 10;

/** A gzip compressor at level 0-9. */
export function gzipTransform(level: number): TransformStream<Uint8Array, Uint8Array> {
  let gz: Gzip;
  let failed: Error | undefined;
  const settle = (fn: (done: (err?: Error | null) => void) => void): Promise<void> =>
    new Promise((resolve, reject) => {
      if (failed !== undefined) return reject(failed);
      fn((err) => (err ? reject(err) : failed !== undefined ? reject(failed) : resolve()));
    });
  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      gz = createGzip({ level, chunkSize: OUTPUT_CHUNK });
      gz.on('data', (b: Buffer) => controller.enqueue(new Uint8Array(b.buffer, b.byteOffset, b.length)));
      gz.on('error', (err) => {
        failed = err;
        controller.error(err);
      });
    },
    // write's callback runs once zlib has deflated the chunk and emitted its output.
    transform: (chunk) => settle((done) => gz.write(chunk, done)),
    flush: () =>
      settle((done) => {
        gz.once('end', () => done());
        gz.end();
      }),
  });
}
