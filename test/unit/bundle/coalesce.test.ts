import { describe, expect, it } from 'vitest';
import { coalesceChunks } from '../../../src/engine/bundle/coalesce.ts';

/** Runs chunks through coalesceChunks(size); returns what comes out. */
async function run(size: number, chunks: readonly Uint8Array[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const source = new ReadableStream<Uint8Array>({
    start(c) {
      for (const ch of chunks) c.enqueue(ch);
      c.close();
    },
  });
  await source.pipeThrough(coalesceChunks(size)).pipeTo(new WritableStream({ write: (c) => void out.push(c.slice()) }));
  return out;
}

/** The same, writing every chunk from one buffer that is overwritten as soon as the write is taken. */
async function runReusing(size: number, chunks: readonly Uint8Array[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const t = coalesceChunks(size);
  const reading = (async () => {
    const r = t.readable.getReader();
    for (let x = await r.read(); !x.done; x = await r.read()) out.push(x.value.slice());
  })();
  const writer = t.writable.getWriter();
  const scratch = new Uint8Array(4096);
  for (const ch of chunks) {
    scratch.set(ch);
    await writer.write(scratch.subarray(0, ch.length));
  }
  await writer.close();
  await reading;
  return out;
}

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const concat = (parts: readonly Uint8Array[]): number[] => parts.flatMap((p) => [...p]);

describe('coalesceChunks', () => {
  it('gathers small chunks into pieces of the size, keeping every byte in order', async () => {
    const chunks = Array.from({ length: 300 }, (_, i) => bytes(1 + ((i * 37) % 700), i));
    const out = await run(4096, chunks);
    expect(concat(out)).toEqual(concat(chunks));
    expect(out.slice(0, -1).every((p) => p.length > 4096 - 700 && p.length <= 4096)).toBe(true);
    expect(out.length).toBeLessThan(chunks.length / 4);
  });

  it('passes a chunk of the size or more through whole, after what was gathered before it', async () => {
    const big = bytes(10_000, 9);
    const chunks = [bytes(100, 1), big, bytes(50, 2)];
    const out = await run(4096, chunks);
    expect(out.map((p) => p.length)).toEqual([100, 10_000, 50]);
    expect(concat(out)).toEqual(concat(chunks));
  });

  it('copies small chunks, so a producer may reuse its buffer', async () => {
    const chunks = Array.from({ length: 50 }, (_, i) => bytes(200 + i, i));
    const out = await runReusing(1024, chunks);
    expect(concat(out)).toEqual(concat(chunks));
  });

  it('gives nothing for an empty stream and refuses a size below 1', async () => {
    expect(await run(16, [])).toEqual([]);
    expect(() => coalesceChunks(0)).toThrow(RangeError);
  });
});
