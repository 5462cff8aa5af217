/**
 * The JS SHA-256 a browser uses for small digests (sha256Sync, sha256Digest
 * below 1 KiB): forced here by hiding Node's native hasher. The one-shot and
 * the incremental hasher share their scratch memory, so their use is also
 * interleaved.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type * as webstd from '../../../src/core/internal/webstd.ts';
import { Rng } from '../../support/moduleCorpus.ts';

vi.mock('../../../src/core/internal/webstd.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof webstd>()),
  nativeSha256Sync: () => undefined,
}));

const { Sha256, sha256Digest, sha256Sync } = await import('../../../src/core/internal/sha256.ts');

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const want = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('SHA-256 in JS', () => {
  it('sha256Sync and small sha256Digest calls match node:crypto at every length around the padding boundaries', async () => {
    const rng = new Rng(3);
    for (let n = 0; n <= 200; n++) {
      const data = rng.bytes(n);
      expect(hex(sha256Sync(data)), `n=${n}`).toBe(want(data));
      expect(hex(await sha256Digest(data)), `digest n=${n}`).toBe(want(data));
    }
    for (const n of [1000, 1023, 70_000]) {
      const data = rng.bytes(n);
      expect(hex(sha256Sync(data)), `n=${n}`).toBe(want(data));
    }
  });

  it('keeps an incremental hash right while one-shot digests run between its updates', () => {
    const rng = new Rng(5);
    const data = rng.bytes(5000);
    const h = new Sha256();
    for (let i = 0; i < data.length; i += 97) {
      h.update(data.subarray(i, i + 97));
      const other = rng.bytes(65 + (i % 100));
      expect(hex(sha256Sync(other))).toBe(want(other));
    }
    expect(h.hexDigest()).toBe(want(data));
  });

  it('hashes views into a larger buffer at any byte offset, whole and in pieces', () => {
    const rng = new Rng(7);
    const backing = rng.bytes(3000);
    for (const [from, to] of [[1, 1], [3, 67], [5, 133], [1, 2999], [63, 64 * 20 + 7]] as const) {
      const view = backing.subarray(from, to);
      expect(hex(sha256Sync(view)), `[${from}, ${to})`).toBe(want(view));
      const h = new Sha256();
      for (let i = 0; i < view.length; i += 100) h.update(view.subarray(i, i + 100));
      expect(h.hexDigest(), `pieces of [${from}, ${to})`).toBe(want(view));
    }
  });
});
