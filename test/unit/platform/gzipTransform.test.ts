import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gzipTransform } from '../../../src/platform/node/gzipTransform.ts';

const CHUNK = 64 << 10;

async function gzipAll(chunks: readonly Uint8Array[], level: number): Promise<Buffer> {
  const out: Uint8Array[] = [];
  const w = new WritableStream<Uint8Array>({ write: (c) => void out.push(c) });
  let i = 0;
  const source = new ReadableStream<Uint8Array>({ pull: (c) => (i < chunks.length ? c.enqueue(chunks[i++]!) : c.close()) });
  await source.pipeThrough(gzipTransform(level)).pipeTo(w);
  return Buffer.concat(out);
}

describe('gzipTransform', () => {
  it('writes a deterministic gzip stream of its input, with no time stamp or name', async () => {
    const chunks = [randomBytes(10), new Uint8Array(CHUNK).fill(7), randomBytes(3 * CHUNK + 1)];
    const a = await gzipAll(chunks, 1);
    expect(Buffer.compare(gunzipSync(a), Buffer.concat(chunks))).toBe(0);
    expect([...a.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]); // FLG 0: no FNAME
    expect(a.readUInt32LE(4)).toBe(0); // MTIME 0
    expect(Buffer.compare(await gzipAll(chunks, 1), a)).toBe(0);
    const nine = await gzipAll([new Uint8Array(1 << 20).fill(1)], 9);
    expect(nine.length).toBeLessThan(4096);
    expect(gunzipSync(nine).length).toBe(1 << 20);
  });

  it('takes input only as fast as its output is read', async () => {
    const total = 16 << 20;
    const chunk = randomBytes(CHUNK);
    let pulled = 0;
    let read = 0;
    let maxAhead = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(c) {
        maxAhead = Math.max(maxAhead, pulled - read);
        if (pulled === total) return c.close();
        pulled += CHUNK;
        c.enqueue(chunk.subarray());
      },
    });
    const reader = source.pipeThrough(gzipTransform(1)).getReader();
    for (;;) {
      // A slow reader: the compressor must wait for it rather than queue its input.
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
      const r = await reader.read();
      if (r.done) break;
      read += r.value.length;
    }
    // Random data does not compress: output bytes track input bytes.
    expect(read).toBeGreaterThan(total);
    expect(maxAhead).toBeGreaterThan(0);
    expect(maxAhead).toBeLessThan(1 << 20);
  });
});
