import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSink, QUEUE_BYTES } from '../../../src/platform/node/fileSink.ts';

const dir = mkdtempSync(join(tmpdir(), 'modcarry-filesink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CHUNK = 64 << 10;

/** Bytes on disk; a file not yet created has none. */
const onDisk = (path: string): number => statSync(path, { throwIfNoEntry: false })?.size ?? 0;

describe('fileSink', () => {
  it('writes every chunk in order, truncating an existing file', async () => {
    const path = join(dir, 'order.bin');
    const chunks = [randomBytes(100), randomBytes(CHUNK + 3), new Uint8Array(0), randomBytes(7)];
    for (const round of [0, 1]) {
      const w = (await fileSink(path)).getWriter();
      for (const c of round === 0 ? [...chunks, randomBytes(4096)] : chunks) await w.write(c);
      await w.close();
    }
    expect(Buffer.compare(readFileSync(path), Buffer.concat(chunks))).toBe(0);
  });

  it('pulls from its source only while at most QUEUE_BYTES wait for the disk', async () => {
    const path = join(dir, 'bounded.bin');
    const total = 24 << 20;
    const chunk = randomBytes(CHUNK);
    let pulled = 0;
    let maxAhead = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(c) {
        // What was handed over but is not on disk yet is queued in the sink.
        maxAhead = Math.max(maxAhead, pulled - onDisk(path));
        if (pulled === total) return c.close();
        pulled += CHUNK;
        c.enqueue(chunk.subarray());
      },
    });
    await source.pipeTo(await fileSink(path));
    expect(statSync(path).size).toBe(total);
    expect(maxAhead).toBeGreaterThan(0);
    expect(maxAhead).toBeLessThanOrEqual(QUEUE_BYTES + 2 * CHUNK);
  });

  it('closes the file on abort, leaving what was written', async () => {
    const path = join(dir, 'abort.bin');
    const w = (await fileSink(path)).getWriter();
    await w.write(new Uint8Array([1, 2, 3]));
    await w.abort(new Error('stop'));
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    await expect(w.closed).rejects.toThrow('stop');
  });
});
