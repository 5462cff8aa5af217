/**
 * The streaming JS decoder (inflateRaw with backend 'js', pako's zlib port
 * driven a slice at a time): input in pieces of any size, output in bounded
 * chunks, the same bytes as zlib, and Go's verdicts at the stream's end.
 */
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InflateAbort, inflateRaw } from '../../../src/core/zip/inflate.ts';
import { Rng } from '../../support/moduleCorpus.ts';

const rng = new Rng(11);

/** n bytes, half of them compressible text and half random, so blocks of every kind appear. */
function content(n: number): Uint8Array {
  const out = new Uint8Array(n);
  const words = new TextEncoder().encode('func (r *Reader) Read(p []byte) (n int, err error) { return 0, io.EOF }\n');
  for (let i = 0; i < n; i++) out[i] = i % 8192 < 4096 ? words[i % words.length]! : rng.int(0, 255);
  return out;
}

/** data in pieces of random sizes up to max. */
function pieces(data: Uint8Array, max: number): () => AsyncIterable<Uint8Array> {
  return async function* () {
    for (let i = 0; i < data.length; ) {
      const n = Math.min(data.length - i, rng.int(1, max));
      yield data.subarray(i, i + n);
      i += n;
    }
  };
}

async function decode(input: () => AsyncIterable<Uint8Array>): Promise<{ bytes: Uint8Array; largest: number }> {
  const got: Uint8Array[] = [];
  await inflateRaw(input, (c) => got.push(c.slice()), () => got.splice(0), 'js');
  const bytes = new Uint8Array(got.reduce((a, c) => a + c.length, 0));
  let at = 0;
  for (const c of got) {
    bytes.set(c, at);
    at += c.length;
  }
  return { bytes, largest: Math.max(0, ...got.map((c) => c.length)) };
}

describe('the streaming JS decoder', () => {
  const data = content(3 << 20);
  const raw = new Uint8Array(deflateRawSync(data));

  for (const max of [1 << 20, 100_000, 7_000]) {
    it(`decodes input in pieces of up to ${max} bytes into zlib's bytes, in chunks of at most 64 KiB`, async () => {
      const { bytes, largest } = await decode(pieces(raw, max));
      expect(bytes.length).toBe(data.length);
      expect(Buffer.compare(bytes, data)).toBe(0);
      expect(largest).toBeLessThanOrEqual(64 << 10);
    });
  }

  it('ignores bytes after the final block, as Go does', async () => {
    const small = new Uint8Array(deflateRawSync(data.subarray(0, 50_000)));
    const { bytes } = await decode(pieces(Uint8Array.from([...small, 1, 2, 3, 4, 5]), 9_000));
    expect(Buffer.compare(bytes, data.subarray(0, 50_000))).toBe(0);
  });

  it('reports a stream cut short as unexpected EOF, wherever it is cut', async () => {
    for (const cut of [1, 1000, raw.length >> 1, raw.length - 1]) {
      await expect(decode(pieces(raw.subarray(0, cut), 50_000))).rejects.toMatchObject({ code: 'unexpected-eof' });
    }
  });

  it('stops when the sink aborts, passing its reason on', async () => {
    const reason = new Error('over the limit');
    let seen = 0;
    const run = inflateRaw(pieces(raw, 100_000), (c) => {
      seen += c.length;
      if (seen > 200_000) throw new InflateAbort(reason);
    }, () => undefined, 'js');
    await expect(run).rejects.toBe(reason);
    expect(seen).toBeLessThanOrEqual(200_000 + (64 << 10));
  });
});
