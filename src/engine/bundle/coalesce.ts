/**
 * A TransformStream that gathers small chunks into pieces of `size` bytes
 * before they reach a sink. A tar arrives as many small chunks (a 512-byte
 * header per entry, small files, padding), and every chunk a sink takes costs
 * it a write: a thread-pool round trip for a Node file, an IPC to the browser
 * process for an OPFS or file-picker stream. Chunks of `size` or more pass
 * through as they are (after what was gathered before them); smaller ones are
 * copied into the current piece, so a producer may reuse its buffer once the
 * chunk is taken. At most `size` bytes wait here.
 */
export function coalesceChunks(size: number): TransformStream<Uint8Array, Uint8Array> {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`coalesceChunks: size must be a positive integer, not ${size}`);
  let piece = new Uint8Array(size);
  let filled = 0;
  const flush = (c: TransformStreamDefaultController<Uint8Array>): void => {
    if (filled === 0) return;
    c.enqueue(filled === size ? piece : piece.slice(0, filled));
    piece = new Uint8Array(size);
    filled = 0;
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, c) {
      if (filled + chunk.length > size) flush(c);
      if (chunk.length >= size) {
        c.enqueue(chunk);
        return;
      }
      piece.set(chunk, filled);
      filled += chunk.length;
      if (filled === size) flush(c);
    },
    flush,
  });
}
