/**
 * The zip reader tells its source when it is done with a read (done()), so a
 * browser frees the memory of large reads at once instead of leaving it to a
 * worker's collector (blobSource frees with ArrayBuffer.prototype.transfer).
 * Run here as browsers run it (no synchronous native zlib, CRC-32 or
 * SHA-256: the digest is WebCrypto's, which copies its input when called),
 * with a source that wipes whatever it is told to free: a read freed too
 * early, or freed while a caller still holds it, would show as a wrong digest
 * or wrong bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type * as webstd from '../../../src/core/internal/webstd.ts';
import { openZip } from '../../../src/core/zip/reader.ts';
import { readAheadSource } from '../../../src/core/zip/source.ts';
import { writeZip } from '../../support/zipWriter.ts';

vi.mock('../../../src/core/internal/webstd.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof webstd>()),
  hasNativeInflateRawSync: () => false,
  nativeInflateRawSync: () => undefined,
  nativeCrc32: () => undefined,
  nativeSha256Sync: () => undefined,
  nativeIncrementalSha256: () => undefined,
  hasNativeIncrementalSha256: () => false,
}));

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const text = (n: number): Uint8Array => new TextEncoder().encode('func f() { return nil }\n'.repeat(Math.ceil(n / 24)).slice(0, n));

/** Reads past a quarter of WINDOW are handed out as they came, and so can be freed. */
const WINDOW = 64 << 10;

const files = [
  { name: 'm@v1/stored.bin', data: new Uint8Array(randomBytes(200_000)), method: 0 as const },
  { name: 'm@v1/whole.bin', data: new Uint8Array(randomBytes(100_000)), method: 8 as const },
  { name: 'm@v1/text.go', data: text(300_000), method: 8 as const },
  { name: 'm@v1/small.go', data: text(3000), method: 8 as const },
  { name: 'm@v1/stored-small.txt', data: text(900), method: 0 as const },
];
const zip = writeZip(files);

/** The zip over a read-ahead source whose free() wipes the memory, recording how much it freed. */
async function open() {
  const freed: number[] = [];
  const src = readAheadSource(
    zip.length,
    (offset, length) => Promise.resolve(zip.slice(offset, offset + length)),
    WINDOW,
    (b) => {
      freed.push(b.byteLength);
      new Uint8Array(b).fill(0);
    },
  );
  return { reader: await openZip(src), freed };
}

describe('large reads freed once the reader is done with them', () => {
  it('digestWholeEntry: each digest is the content\'s, and the large reads are freed', async () => {
    const { reader, freed } = await open();
    for (const [i, f] of files.entries()) expect(hex(await reader.digestWholeEntry!(reader.entries[i]!))).toBe(sha(f.data));
    // The stored entry read whole, and the deflated one read whole with its header; nothing read through the window.
    expect(freed).toHaveLength(2);
    expect(freed.every((n) => n > WINDOW / 4)).toBe(true);
    // Again, in the other order, with the entries' digests still right.
    for (let i = files.length - 1; i >= 0; i--) expect(hex(await reader.digestWholeEntry!(reader.entries[i]!))).toBe(sha(files[i]!.data));
    expect(freed).toHaveLength(4);
  });

  it('readEntry: bytes handed to the caller are never freed; compressed reads decoded elsewhere are', async () => {
    const { reader, freed } = await open();
    const got = [];
    for (const e of reader.entries) got.push(await reader.readEntry(e));
    expect(got.map(sha)).toEqual(files.map((f) => sha(f.data)));
    // The stored entry's bytes are the caller's: only the deflated whole read was freed.
    expect(freed).toHaveLength(1);
  });
});
