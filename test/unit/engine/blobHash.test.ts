/**
 * sha256HexOfBlob as in a browser (no native incremental SHA-256, forced
 * here): a file too big to read whole is read in slices, never through the
 * Blob's stream (Chromium's BYOB reads of one now and then never settle).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type * as webstd from '../../../src/core/internal/webstd.ts';
import { blobSlices, sha256HexOfBlob } from '../../../src/engine/assemble.ts';

vi.mock('../../../src/core/internal/webstd.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof webstd>()),
  hasNativeIncrementalSha256: () => false,
}));

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const fileOf = (n: number): Uint8Array<ArrayBuffer> => new Uint8Array(n).map((_, i) => (i * 2654435761) >>> 24);

/** A Blob whose stream() must not be used. */
function noStream(bytes: Uint8Array<ArrayBuffer>): Blob {
  return Object.assign(new Blob([bytes]), {
    stream: () => {
      throw new Error('stream() used');
    },
  });
}

describe('sha256HexOfBlob in a browser', () => {
  it('hashes a file too big to read whole slice by slice, without its stream', async () => {
    const big = fileOf((17 << 20) + 4321);
    expect(await sha256HexOfBlob(noStream(big))).toBe(sha(big));
    const small = fileOf(70_000);
    expect(await sha256HexOfBlob(noStream(small))).toBe(sha(small));
  });

  it('reads slices in order, and fails a short read', async () => {
    const bytes = fileOf((2 << 20) + 7);
    const got: number[] = [];
    for await (const piece of blobSlices(new Blob([bytes]))) got.push(piece.length);
    expect(got).toEqual([1 << 20, 1 << 20, 7]);
    // A Blob of 17 MiB (too big to read whole) whose slices come back short.
    const big = new Blob([fileOf(17 << 20)]);
    const short = Object.assign(big, { slice: (a: number) => new Blob([bytes.subarray(a, a + 10)]) });
    await expect(sha256HexOfBlob(short)).rejects.toThrow('a stored file read returned 10 bytes at offset 0');
  });
});
