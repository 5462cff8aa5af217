import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256, sha256Digest, sha256Hex, sha256Sync } from '../../../src/core/internal/sha256.ts';
import { Rng } from '../../support/moduleCorpus.ts';

describe('incremental SHA-256', () => {
  it('matches node:crypto for every length around block boundaries, in random pieces', () => {
    const rng = new Rng(7);
    for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 70_000]) {
      const data = rng.bytes(n);
      const want = createHash('sha256').update(data).digest('hex');
      expect(sha256Hex(data), `n=${n}`).toBe(want);
      const h = new Sha256();
      for (let i = 0; i < n; ) {
        const k = Math.min(n - i, rng.int(1, 200));
        h.update(data.subarray(i, i + k));
        i += k;
      }
      expect(h.hexDigest(), `pieces n=${n}`).toBe(want);
    }
  });

  it('refuses use after digest', () => {
    const h = new Sha256();
    h.digest();
    expect(() => h.update(new Uint8Array(1))).toThrow(/after digest/);
  });
});

describe('one-shot SHA-256 helpers', () => {
  it('sha256Sync and sha256Digest agree with node:crypto, small and large, and return plain Uint8Arrays', async () => {
    const rng = new Rng(11);
    for (const n of [0, 65, 16 << 10, (16 << 10) + 1, 300_000]) {
      const data = rng.bytes(n);
      const want = createHash('sha256').update(data).digest('hex');
      const sync = sha256Sync(data);
      expect(Buffer.from(sync).toString('hex'), `sync n=${n}`).toBe(want);
      expect(Object.getPrototypeOf(sync)).toBe(Uint8Array.prototype);
      expect(Buffer.from(await sha256Digest(data)).toString('hex'), `digest n=${n}`).toBe(want);
    }
  });
});
