/**
 * The zip reader's done() calls as Node runs them (native zlib and SHA-256;
 * entries over 1 MiB hashed as they stream): with a source that wipes the
 * memory it is told it may reuse, every digest and readEntry result stays
 * right. The CLI's sources hand that memory to their next read
 * (readMemory), so a piece given back while still in use would be
 * overwritten there.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashZip } from '../../../src/core/dirhash/hash.ts';
import { openZip } from '../../../src/core/zip/reader.ts';
import { bytesSource, readAheadSource, readMemory } from '../../../src/core/zip/source.ts';
import { writeZip } from '../../support/zipWriter.ts';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const files = [
  { name: 'm@v1/big-stored.bin', data: new Uint8Array(randomBytes(2_500_000)), method: 0 as const },
  { name: 'm@v1/big-deflated.bin', data: new Uint8Array(randomBytes(1_300_000)), method: 8 as const },
  { name: 'm@v1/stored.bin', data: new Uint8Array(randomBytes(200_000)), method: 0 as const },
  { name: 'm@v1/whole.bin', data: new Uint8Array(randomBytes(100_000)), method: 8 as const },
  { name: 'm@v1/small.go', data: new TextEncoder().encode('package m\n'.repeat(300)), method: 8 as const },
];
const zip = writeZip(files);

/** The zip over a read-ahead source of 64 KiB windows whose reads reuse memory given back, wiped first. */
async function open() {
  const memory = readMemory();
  let given = 0;
  const src = readAheadSource(
    zip.length,
    async (offset, length) => {
      const out = memory.take(length);
      out.set(zip.subarray(offset, offset + length));
      return out;
    },
    64 << 10,
    (b) => {
      given++;
      new Uint8Array(b).fill(0);
      memory.give(b);
    },
  );
  return { reader: await openZip(src), given: () => given };
}

describe('reads given back for reuse once the reader is done with them (Node)', () => {
  it('hashZip and each entry digest are right, and large reads are given back', async () => {
    const { reader, given } = await open();
    expect(await hashZip(reader)).toBe(await hashZip(await openZip(bytesSource(zip))));
    expect(given()).toBeGreaterThan(3);
    for (const [i, f] of files.entries()) {
      expect(hex(await reader.digestEntry!(reader.entries[i]!))).toBe(sha(f.data));
      expect(hex(await reader.digestWholeEntry!(reader.entries[i]!))).toBe(sha(f.data));
    }
  });

  it('readEntry results stay intact while later reads reuse memory', async () => {
    const { reader } = await open();
    const got = [];
    for (const e of reader.entries) got.push(await reader.readEntry(e));
    for (const e of reader.entries) await reader.digestEntry!(e);
    expect(got.map(sha)).toEqual(files.map((f) => sha(f.data)));
  });
});
