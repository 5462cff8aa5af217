import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSource } from '../../../src/platform/node/fileSource.ts';
import { hashZip } from '../../../src/core/dirhash/hash.ts';
import { openZip } from '../../../src/core/zip/reader.ts';
import { blobSource, bytesSource, readAheadSource, readMemory } from '../../../src/core/zip/source.ts';
import type { RandomAccessSource } from '../../../src/core/zip/source.ts';
import { writeZip } from '../../support/zipWriter.ts';

const data = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
const dir = mkdtempSync(join(tmpdir(), 'modcarry-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function behaves(src: RandomAccessSource): Promise<void> {
  expect(src.size).toBe(1000);
  expect(await src.read(0, 0)).toEqual(new Uint8Array(0));
  expect(await src.read(10, 5)).toEqual(data.subarray(10, 15));
  expect(await src.read(990, 10)).toEqual(data.subarray(990));
  await expect(src.read(995, 10)).rejects.toThrow(RangeError);
  await expect(src.read(-1, 1)).rejects.toThrow(RangeError);
}

describe('RandomAccessSource implementations', () => {
  it('bytesSource', async () => {
    await behaves(bytesSource(data));
  });

  it('blobSource', async () => {
    await behaves(blobSource(new Blob([data])));
  });

  it('fileSource', async () => {
    const p = join(dir, 'data.bin');
    writeFileSync(p, data);
    const src = await fileSource(p);
    try {
      await behaves(src);
    } finally {
      await src.close();
    }
  });

  it('all three give the same zip hash', async () => {
    const z = writeZip([{ name: 'm@v1/a', data }, { name: 'm@v1/d/', dir: true }]);
    const p = join(dir, 'm.zip');
    writeFileSync(p, z);
    const file = await fileSource(p);
    try {
      const hashes = await Promise.all([bytesSource(z), blobSource(new Blob([z])), file].map(async (s) => hashZip(await openZip(s))));
      expect(new Set(hashes).size).toBe(1);
      expect(hashes[0]).toMatch(/^h1:[A-Za-z0-9+/]{43}=$/);
    } finally {
      await file.close();
    }
  });

  it('fileSource fails for a missing file', async () => {
    await expect(fileSource(join(dir, 'nope.zip'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('read-ahead of blobSource and fileSource', () => {
  it('serves small ascending reads from its window: a few reads of the store for a thousand', async () => {
    const data = new Uint8Array(6 << 20).map((_, i) => i & 0xff);
    const blob = new Blob([data]);
    let raw = 0;
    const src = blobSource({ size: blob.size, slice: (a: number, b: number) => (raw++, blob.slice(a, b)) });
    for (let off = 0; off + 600 <= data.length && off < 1000 * 4000; off += 4000) {
      expect(Buffer.from(await src.read(off, 600)).equals(Buffer.from(data.subarray(off, off + 600)))).toBe(true);
    }
    expect(raw).toBeLessThanOrEqual(2);
  });

  it('reads ahead by the window its caller gives: reads of up to a quarter of it come from the window', async () => {
    const data = new Uint8Array(64 << 10).map((_, i) => (i * 7) & 0xff);
    const raw: [number, number][] = [];
    const src = readAheadSource(
      data.length,
      (offset, length) => {
        raw.push([offset, length]);
        return Promise.resolve(data.slice(offset, offset + length));
      },
      8192,
    );
    for (let off = 0; off < 16384; off += 1000) expect(Buffer.from(await src.read(off, 900)).equals(Buffer.from(data.subarray(off, off + 900)))).toBe(true);
    // Past a quarter of the window, a read outside it is made as asked; up to a quarter, it opens a window.
    await src.read(30_000, 2049);
    await src.read(40_000, 2048);
    expect(raw).toEqual([[0, 8192], [8000, 8192], [16000, 8192], [30_000, 2049], [40_000, 8192]]);
  });

  it('frees, on done(), the memory of a read it handed out as it came, and never its window', async () => {
    const data = new Uint8Array(64 << 10).map((_, i) => (i * 5) & 0xff);
    const freed: ArrayBufferLike[] = [];
    const src = readAheadSource(data.length, (offset, length) => Promise.resolve(data.slice(offset, offset + length)), 8192, (b) => freed.push(b));
    const big = await src.read(20_000, 4000);
    const small = await src.read(100, 500);
    src.done!(small); // a view of the window, which later reads share
    expect(freed).toEqual([]);
    src.done!(big.subarray(10, 20)); // a view of the read's own memory stands for all of it
    expect(freed).toHaveLength(1);
    expect(freed[0]).toBe(big.buffer);
    src.done!(big); // once only
    src.done!(new Uint8Array(4000)); // not the source's
    expect(freed).toHaveLength(1);
    // Without free, done() frees nothing.
    const plain = readAheadSource(data.length, (offset, length) => Promise.resolve(data.slice(offset, offset + length)), 8192);
    const read = await plain.read(20_000, 4000);
    plain.done?.(read);
    expect(Buffer.from(read).equals(Buffer.from(data.subarray(20_000, 24_000)))).toBe(true);
  });

  it('readMemory: a read takes the memory given back last when it fits, else new memory', () => {
    const m = readMemory();
    const a = m.take(100);
    expect(a.length).toBe(100);
    expect(m.take(100).buffer).not.toBe(a.buffer);
    m.give(a.buffer);
    const b = m.take(60);
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(60);
    expect(m.take(60).buffer).not.toBe(a.buffer); // taken: not handed out twice
    m.give(a.buffer);
    expect(m.take(101).buffer).not.toBe(a.buffer); // too small
    const big = new ArrayBuffer(500);
    m.give(big);
    m.give(new ArrayBuffer(10)); // the larger stays
    expect(m.take(400).buffer).toBe(big);
  });

  it.each(['blobSource', 'fileSource'])('%s answers every read with the right bytes across and outside its window', async (kind) => {
    const data = new Uint8Array(9 << 20);
    for (let i = 0; i < data.length; i++) data[i] = (i * 131 + (i >>> 11)) & 0xff;
    const file = join(dir, `readahead-${kind}.bin`);
    if (kind === 'fileSource') writeFileSync(file, data);
    const opened = kind === 'fileSource' ? await fileSource(file) : undefined;
    const src = opened ?? blobSource(new Blob([data]));
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    const reads: [number, number][] = [[0, 10], [5, 100], [(4 << 20) - 3, 10], [data.length - 1, 1], [1 << 20, 3 << 20], [0, data.length]];
    for (let i = 0; i < 200; i++) {
      const off = rnd(data.length);
      reads.push([off, Math.min(data.length - off, rnd(i % 10 === 0 ? 2 << 20 : 70_000))]);
    }
    for (const [off, len] of reads) {
      const got = await src.read(off, len);
      expect(got.length).toBe(len);
      expect(Buffer.from(got).equals(Buffer.from(data.subarray(off, off + len))), `read ${off}+${len}`).toBe(true);
    }
    await opened?.close();
  });
});
