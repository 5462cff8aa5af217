/**
 * ZipReader.digestWholeEntry as browsers run it (no synchronous native zlib
 * or CRC-32, forced here): each entry is decoded into memory the reader keeps
 * from one call to the next, and its digest and every verdict are readEntry's,
 * whatever an earlier, larger entry left in that memory.
 */
import { createHash, randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import type * as webstd from '../../../src/core/internal/webstd.ts';
import { inflateWhole } from '../../../src/core/zip/inflate.ts';
import { openZip } from '../../../src/core/zip/reader.ts';
import type { ZipReader } from '../../../src/core/zip/reader.ts';
import { bytesSource } from '../../../src/core/zip/source.ts';
import { writeZip } from '../../support/zipWriter.ts';
import type { ZipWriterEntryInput } from '../../support/zipWriter.ts';

vi.mock('../../../src/core/internal/webstd.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof webstd>()),
  hasNativeInflateRawSync: () => false,
  nativeInflateRawSync: () => undefined,
  nativeCrc32: () => undefined,
}));

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const text = (n: number): Uint8Array => new TextEncoder().encode('func f() { return nil }\n'.repeat(Math.ceil(n / 24)).slice(0, n));

/** Entries down every decoding path: stored, JS-decoded small, native whole, streamed (over 1 MiB compressed), empty. */
const contents: Record<string, { data: Uint8Array; method: 0 | 8 }> = {
  streamed: { data: new Uint8Array(randomBytes(1_500_000)), method: 8 },
  stored: { data: new Uint8Array(randomBytes(300_000)), method: 0 },
  native: { data: text(200_000), method: 8 },
  small: { data: text(1500), method: 8 },
  empty: { data: new Uint8Array(0), method: 8 },
};

async function zipOf(entries: readonly ZipWriterEntryInput[]): Promise<ZipReader> {
  return openZip(bytesSource(writeZip(entries)));
}

describe('digestWholeEntry in a browser', () => {
  it('gives each entry\'s SHA-256, largest first and in any order after, through the memory it keeps', async () => {
    const zip = await zipOf(Object.entries(contents).map(([name, c]) => ({ name, data: c.data, method: c.method })));
    expect(deflateRawSync(contents.streamed!.data).length).toBeGreaterThan(1 << 20);
    const want = new Map(Object.entries(contents).map(([name, c]) => [name, sha(c.data)]));
    for (const e of [...zip.entries, ...zip.entries.toReversed(), ...zip.entries]) {
      expect(hex(await zip.digestWholeEntry!(e)), e.name).toBe(want.get(e.name));
    }
    // Calls made at once: one has the kept memory, the others their own.
    const all = await Promise.all(zip.entries.map((e) => zip.digestWholeEntry!(e)));
    expect(all.map(hex)).toEqual(zip.entries.map((e) => want.get(e.name)));
  });

  it('fails as readEntry does, after a larger entry left its bytes in the memory', async () => {
    const big = text(400_000);
    const bad: ZipWriterEntryInput[] = [
      { name: 'crc-native', data: text(50_000), crc32: 12345 },
      { name: 'crc-small', data: text(900), crc32: 12345 },
      { name: 'crc-stored', data: text(9_000), method: 0, crc32: 12345 },
      { name: 'longer-than-declared', data: text(60_000), uncompressedSize: 59_000 },
      { name: 'shorter-than-declared', data: text(60_000), uncompressedSize: 61_000 },
      { name: 'corrupt', data: text(5_000), compressedData: new Uint8Array(3_000).fill(0xff) },
    ];
    const zip = await zipOf([{ name: 'big', data: big }, ...bad]);
    for (const e of zip.entries.slice(1)) {
      expect(hex(await zip.digestWholeEntry!(zip.entries[0]!))).toBe(sha(big));
      const viaRead = await zip.readEntry(e).then(
        () => 'ok',
        (err: unknown) => String(err),
      );
      const viaDigest = await zip.digestWholeEntry!(e).then(
        () => 'ok',
        (err: unknown) => String(err),
      );
      expect(viaRead, e.name).not.toBe('ok');
      expect(viaDigest, e.name).toBe(viaRead);
    }
  });

  it('the JS decoder decodes into the memory it is lent', () => {
    const data = text(5_000);
    const lent = new Uint8Array(20_000).fill(0xaa);
    const got = inflateWhole(new Uint8Array(deflateRawSync(data)), data.length, (n) => lent.subarray(0, n));
    expect(got.buffer).toBe(lent.buffer);
    expect(hex(got)).toBe(hex(data));
  });
});
