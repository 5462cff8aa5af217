/**
 * The browser's path for whole small entries (inflateWholeStream: native
 * DecompressionStream, the entry wrapped as a gzip member so the runtime checks
 * its CRC-32 and size). Node has DecompressionStream too, so it runs here; its
 * results must equal the JS decoder's (inflateWhole) in every case.
 */
import { crc32 as zlibCrc32, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { inflateWhole, inflateWholeStream } from '../../../src/core/zip/inflate.ts';
import { ZipFormatError } from '../../../src/core/zip/errors.ts';
import { Rng } from '../../support/moduleCorpus.ts';

const rng = new Rng(5);
/** Compressible text-like content of n bytes. */
function content(n: number): Uint8Array {
  const words = ['package', 'func', 'return', 'err', 'nil', '{', '}', '\n', 'x := y', '// comment'];
  let s = '';
  while (s.length < n) s += words[rng.int(0, words.length - 1)] + ' ';
  return new TextEncoder().encode(s.slice(0, n));
}

describe('inflateWholeStream', () => {
  it('decodes like the JS decoder, and reports the CRC checked when it was given and right', async () => {
    for (const n of [0, 1, 1000, 70_000, 600_000]) {
      const data = content(n);
      const raw = new Uint8Array(deflateRawSync(data));
      const got = await inflateWholeStream(raw, n, zlibCrc32(data));
      expect(Buffer.from(got.bytes).equals(Buffer.from(data)), `n=${n}`).toBe(true);
      expect(got.crcChecked, `n=${n}`).toBe(true);
      const plain = await inflateWholeStream(raw, n);
      expect(Buffer.from(plain.bytes).equals(Buffer.from(data))).toBe(true);
      expect(plain.crcChecked).toBe(false);
    }
  });

  it('a wrong CRC is never reported as checked: the bytes come from the JS decoder for the caller to check', async () => {
    const data = content(50_000);
    const raw = new Uint8Array(deflateRawSync(data));
    const got = await inflateWholeStream(raw, data.length, (zlibCrc32(data) ^ 1) >>> 0);
    expect(got.crcChecked).toBe(false);
    expect(Buffer.from(got.bytes).equals(Buffer.from(data))).toBe(true);
  });

  it('a declared size smaller than the data gives declared + 1 bytes, unchecked (the caller refuses it)', async () => {
    const data = content(200_000);
    const raw = new Uint8Array(deflateRawSync(data));
    const got = await inflateWholeStream(raw, 1000, zlibCrc32(data));
    expect(got.bytes.length).toBe(1001);
    expect(got.crcChecked).toBe(false);
    expect(inflateWhole(raw, 1000).length).toBe(1001);
  });

  it('a declared size larger than the data decodes to the real bytes, unchecked', async () => {
    const data = content(20_000);
    const raw = new Uint8Array(deflateRawSync(data));
    const got = await inflateWholeStream(raw, 20_001, zlibCrc32(data));
    expect(got.bytes.length).toBe(20_000);
    expect(got.crcChecked).toBe(false);
  });

  it('bytes after the final block are ignored as Go does (the JS decoder decides)', async () => {
    const data = content(30_000);
    const raw = new Uint8Array(deflateRawSync(data));
    const padded = new Uint8Array([...raw, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const got = await inflateWholeStream(padded, data.length, zlibCrc32(data));
    expect(Buffer.from(got.bytes).equals(Buffer.from(data))).toBe(true);
  });

  it('decodes into memory it is lent, old bytes there notwithstanding', async () => {
    const data = content(30_000);
    const raw = new Uint8Array(deflateRawSync(data));
    const lent = new Uint8Array(100_000).fill(0xaa);
    const got = await inflateWholeStream(raw, data.length, zlibCrc32(data), (n) => lent.subarray(0, n));
    expect(got.crcChecked).toBe(true);
    expect(got.bytes.buffer).toBe(lent.buffer);
    expect(Buffer.from(got.bytes).equals(Buffer.from(data))).toBe(true);
  });

  it('truncated or corrupt data fails with the JS decoder\'s error', async () => {
    const data = content(40_000);
    const raw = new Uint8Array(deflateRawSync(data));
    await expect(inflateWholeStream(raw.subarray(0, raw.length >> 1), data.length, zlibCrc32(data))).rejects.toMatchObject({ code: 'unexpected-eof' });
    const corrupt = raw.slice();
    corrupt[0] = 0xff;
    const err = await inflateWholeStream(corrupt, data.length, zlibCrc32(data)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZipFormatError);
  });
});
