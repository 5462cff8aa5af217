/**
 * Reads a body through its BYOB reader into one reused buffer of `room` bytes,
 * as the range download does. Returns the bytes and, per read, whether the
 * result sat in the memory handed in (same size, at the offset asked for).
 */
import type { ByobReader } from '../../src/core/goproxy/http.ts';

export async function readByob(reader: ByobReader, room: number): Promise<{ data: Uint8Array; reads: number; inPlace: boolean }> {
  const out: Uint8Array[] = [];
  let buf: Uint8Array = new Uint8Array(room);
  let reads = 0;
  let inPlace = true;
  for (;;) {
    const r = await reader.read(new Uint8Array(buf.buffer, 0, room));
    if (r.value === undefined) throw new Error('cancelled');
    inPlace &&= r.value.buffer.byteLength === room && r.value.byteOffset === 0;
    buf = new Uint8Array(r.value.buffer);
    if (r.done) break;
    reads++;
    out.push(r.value.slice());
  }
  const data = new Uint8Array(out.reduce((n, c) => n + c.length, 0));
  out.reduce((at, c) => (data.set(c, at), at + c.length), 0);
  return { data, reads, inPlace };
}
