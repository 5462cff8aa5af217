import { createHash, randomBytes } from 'node:crypto';
import { constants, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZipFormatError, openZip } from '../../../src/core/zip/reader.ts';
import type { ZipEntry, ZipReader } from '../../../src/core/zip/reader.ts';
import { bytesSource } from '../../../src/core/zip/source.ts';
import type { RandomAccessSource } from '../../../src/core/zip/source.ts';
import { goAvailability } from '../../support/goTool.ts';
import { writeZip } from '../../support/zipWriter.ts';
import type { ZipWriterEntryInput } from '../../support/zipWriter.ts';
import { GoZipOracle } from './goZipOracle.ts';
import type { GoZipReport } from './goZipOracle.ts';

const enc = new TextEncoder();
const MiB = 1 << 20;

/** Offsets of every occurrence of a little-endian uint32 signature. */
function sigOffsets(z: Uint8Array, sig: number): number[] {
  const out: number[] = [];
  const v = new DataView(z.buffer, z.byteOffset, z.byteLength);
  for (let i = 0; i + 4 <= z.length; i++) if (v.getUint32(i, true) === sig) out.push(i);
  return out;
}

/** A copy of z with a uint16/uint32 patched at offset `at` of the n-th record with signature sig. */
function patch(z: Uint8Array, sig: number, nth: number, at: number, value: number, width: 2 | 4): Uint8Array {
  const out = z.slice();
  const base = sigOffsets(out, sig)[nth];
  if (base === undefined) throw new Error('patch: no such record');
  const v = new DataView(out.buffer);
  if (width === 2) v.setUint16(base + at, value, true);
  else v.setUint32(base + at, value, true);
  return out;
}

const CDH = 0x02014b50;
const EOCD = 0x06054b50;
const LFH = 0x04034b50;

const file = (name: string, data: string | Uint8Array, more: Partial<ZipWriterEntryInput> = {}): ZipWriterEntryInput => ({
  name,
  data: typeof data === 'string' ? enc.encode(data) : data,
  ...more,
});

const text = 'package a\n\nfunc A() string { return "a" }\n'.repeat(40);

/** Named zips, valid and broken, that Go's archive/zip and our reader must read identically. */
function oracleCases(): { title: string; zip: Uint8Array }[] {
  const cases: { title: string; zip: Uint8Array }[] = [];
  for (const forceZip64 of [false, true]) {
    for (const method of [0, 8] as const) {
      for (const dataDescriptor of [false, true]) {
        for (const zip64 of [false, true]) {
          const o = { method, dataDescriptor, zip64 };
          cases.push({
            title: `method ${method}, descriptor ${dataDescriptor}, zip64 entry ${zip64}, zip64 end ${forceZip64}`,
            zip: writeZip(
              [
                { name: 'm@v1.0.0/sub/', dir: true, ...o },
                file('m@v1.0.0/sub/a.go', text, o),
                file('m@v1.0.0/empty', '', o),
                file('m@v1.0.0/\u00e9t\u00e9/\u{1d49c}.txt', 'unicode\n', o),
              ],
              { forceZip64 },
            ),
          });
        }
      }
    }
  }
  const good = (): ZipWriterEntryInput[] => [file('m@v1.0.0/a.go', text, { method: 8 }), file('m@v1.0.0/b.go', 'package b\n', { method: 0 })];
  const deflated = new Uint8Array(deflateRawSync(enc.encode(text)));
  cases.push(
    { title: 'archive and entry comments', zip: writeZip([file('m@v1.0.0/a', 'x', { comment: 'entry comment' })], { comment: 'archive comment' }) },
    {
      title: 'a fake end record inside the archive comment',
      zip: writeZip(good(), { comment: new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Uint8Array(18)]) }),
    },
    { title: 'a self-extractor stub before the archive', zip: writeZip(good(), { prefix: enc.encode('#!/bin/sh\nexit 0\n'.repeat(10)) }) },
    { title: 'raw non-UTF-8 name bytes (no CP437 conversion)', zip: writeZip([file('x', 'cp437')].map((e) => ({ ...e, name: new Uint8Array([0x6d, 0x2f, 0x80, 0xff, 0x8e]) }))) },
    { title: 'empty archive', zip: writeZip([]) },
    { title: 'CRC mismatch', zip: writeZip([file('m@v1.0.0/a.go', text, { crc32: 0x12345678 })]) },
    { title: 'CRC mismatch, stored', zip: writeZip([file('m@v1.0.0/a.go', text, { method: 0, crc32: 1 })]) },
    { title: 'CRC recorded as zero without a descriptor (Go skips the check)', zip: writeZip([file('m@v1.0.0/a.go', text, { crc32: 0 })]) },
    { title: 'CRC mismatch with a data descriptor', zip: writeZip([file('m@v1.0.0/a.go', text, { crc32: 7, dataDescriptor: true })]) },
    { title: 'declared size too small (bomb)', zip: writeZip([file('m@v1.0.0/a.go', text, { uncompressedSize: 10 })]) },
    { title: 'declared size too small, stored', zip: writeZip([file('m@v1.0.0/a.go', text, { method: 0, uncompressedSize: 10 })]) },
    { title: 'declared size too large', zip: writeZip([file('m@v1.0.0/a.go', text, { uncompressedSize: text.length + 1 })]) },
    { title: 'truncated deflate data', zip: writeZip([file('m@v1.0.0/a.go', text, { compressedData: deflated.subarray(0, 20) })]) },
    { title: 'corrupt deflate data', zip: writeZip([file('m@v1.0.0/a.go', text, { compressedData: new Uint8Array([0xff, 0xff, 0xff, 0xff]) })]) },
    {
      title: 'bytes after the final deflate block (Go ignores them)',
      zip: writeZip([file('m@v1.0.0/a.go', text, { compressedData: new Uint8Array([...deflated, 1, 2, 3, 4, 5, 6, 7, 8]) })]),
    },
    { title: 'unsupported method', zip: patch(writeZip(good()), CDH, 0, 10, 12, 2) },
    { title: 'directory with data size', zip: writeZip([{ name: 'm@v1.0.0/d/', dir: true, uncompressedSize: 5 }]) },
    { title: 'directory with an unusual method', zip: patch(writeZip([{ name: 'm@v1.0.0/d/', dir: true }]), CDH, 0, 10, 99, 2) },
    { title: 'local header offset past the end', zip: patch(writeZip(good()), CDH, 1, 42, 0x7fff0000, 4) },
    { title: 'local header signature broken', zip: patch(writeZip(good()), LFH, 0, 0, 0x01020304, 4) },
    { title: 'entry count off by one', zip: patch(patch(writeZip(good()), EOCD, 0, 8, 3, 2), EOCD, 0, 10, 3, 2) },
    { title: 'central directory offset past the end', zip: patch(writeZip(good()), EOCD, 0, 16, 0x7fffffff, 4) },
    { title: 'truncated archive', zip: writeZip(good()).subarray(0, 100) },
    // Found by test/conformance/zipFuzz.test.ts against the go command:
    { title: 'end record naming other disks (Go ignores the disk numbers)', zip: patch(patch(writeZip(good()), EOCD, 0, 4, 3, 2), EOCD, 0, 6, 2, 2) },
    {
      title: 'last directory header running to the end of the file (Go: EOF, whatever the count)',
      zip: (() => {
        const z = writeZip(good());
        const last = sigOffsets(z, CDH).length - 1;
        const nameLen = new DataView(z.buffer, z.byteOffset).getUint16(sigOffsets(z, CDH)[last]! + 28, true);
        return patch(z, CDH, last, 28, nameLen + 22, 2); // the name swallows the 22-byte end record
      })(),
    },
    {
      title: 'stored deflate block whose LEN and NLEN disagree',
      zip: writeZip([file('m@v1.0.0/a.go', text, { compressedData: (() => { const d = new Uint8Array(deflateRawSync(enc.encode(text), { level: 0 })); d[3]! ^= 1; return d; })() })]),
    },
    {
      title: 'dynamic deflate block with an incomplete code-length code',
      zip: (() => {
        // The fuzz's find: zlib says "invalid code lengths set"; a lenient decoder gets the content right.
        const content = enc.encode('package p\n\n// Line 30 of a file that deflates well.\nfunc F30() int { return 30 }\n'.repeat(3));
        const d = new Uint8Array(deflateRawSync(content));
        d[2]! ^= 14;
        return writeZip([file('m@v1.0.0/a.go', content, { compressedData: d })]);
      })(),
    },
    { title: 'zip64 entry declaring 2^50 bytes for a few hundred', zip: writeZip([file('m@v1.0.0/a.go', text, { zip64: true, uncompressedSize: 2 ** 50 })]) },
    { title: 'garbage', zip: new Uint8Array(randomBytes(4000)) },
    { title: 'empty file', zip: new Uint8Array(0) },
  );
  return cases;
}

interface Report {
  Err: string;
  Entries: { Name: string; Method: number; Flags: number; CRC: number; CSize: number; USize: number; SHA: string; Err: string }[] | null;
}

/**
 * flate's corrupt-input text carries an offset we do not reproduce, and a
 * negative entry offset fails Go's ReadAt with a text naming the file.
 */
const normalise = (msg: string): string =>
  msg.startsWith('flate: corrupt input') ? 'flate: corrupt input' : /^readat .*: negative offset$/.test(msg) ? 'zip: not a valid zip file' : msg;

async function ourReport(z: Uint8Array, backend: 'auto' | 'js'): Promise<Report> {
  let zip: ZipReader;
  try {
    zip = await openZip(bytesSource(z));
  } catch (err) {
    return { Err: (err as Error).message, Entries: null };
  }
  const entries: NonNullable<Report['Entries']> = [];
  for (const e of zip.entries) {
    let sha = '';
    let err = '';
    try {
      sha = createHash('sha256').update(await zip.readEntry(e, { backend })).digest('hex');
    } catch (x) {
      err = normalise((x as Error).message);
    }
    entries.push({
      Name: Buffer.from(e.nameBytes).toString('base64'),
      Method: e.method,
      Flags: e.flags,
      CRC: e.crc32,
      CSize: e.compressedSize,
      USize: e.uncompressedSize,
      SHA: sha,
      Err: err,
    });
  }
  return { Err: '', Entries: entries.length > 0 ? entries : null };
}

const goReport = (r: GoZipReport): Report => ({
  Err: r.Err,
  Entries: r.Entries && r.Entries.map((e) => ({ ...e, Err: normalise(e.Err) })),
});

describe.skipIf(!goAvailability().ok)(`openZip/readEntry read what Go's archive/zip reads ${goAvailability().reason}`, () => {
  let oracle: GoZipOracle;
  beforeAll(() => {
    oracle = new GoZipOracle();
  }, 180_000);
  afterAll(() => oracle?.dispose());

  it('agrees on every case, with either inflater', async () => {
    const cases = oracleCases();
    const theirs = oracle.readZips(cases.map((c) => c.zip));
    expect(theirs).toHaveLength(cases.length);
    let errors = 0;
    for (const [i, c] of cases.entries()) {
      const want = goReport(theirs[i]!);
      if (want.Err !== '' || want.Entries?.some((e) => e.Err !== '')) errors++;
      expect({ title: c.title, report: await ourReport(c.zip, 'auto') }).toEqual({ title: c.title, report: want });
      expect({ title: c.title, report: await ourReport(c.zip, 'js') }).toEqual({ title: c.title, report: want });
    }
    // The case list must exercise failures, not only happy paths.
    expect(errors).toBeGreaterThan(15);
  }, 120_000);
});

/** A source that counts how many bytes were read from it. */
function countingSource(data: Uint8Array): RandomAccessSource & { bytesRead: number } {
  const inner = bytesSource(data);
  const s = {
    size: inner.size,
    bytesRead: 0,
    read(offset: number, length: number): Promise<Uint8Array> {
      s.bytesRead += length;
      return inner.read(offset, length);
    },
  };
  return s;
}

async function thrown(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('openZip/readEntry', () => {
  it('reads every writer variant and returns the exact bytes', async () => {
    const data = new Uint8Array(randomBytes(300_000));
    for (const forceZip64 of [false, true]) {
      for (const method of [0, 8] as const) {
        for (const dataDescriptor of [false, true]) {
          for (const zip64 of [false, true]) {
            const z = writeZip([file('m@v1/r.bin', data, { method, dataDescriptor, zip64 }), { name: 'm@v1/d', dir: true, zip64 }], { forceZip64 });
            const zip = await openZip(bytesSource(z));
            expect(zip.entries.map((e) => [e.name, e.isDirectory, e.method, e.uncompressedSize])).toEqual([
              ['m@v1/r.bin', false, method, data.length],
              ['m@v1/d/', true, 0, 0],
            ]);
            expect((zip.entries[0]!.flags & 8) !== 0).toBe(dataDescriptor);
            for (const backend of ['auto', 'native', 'js'] as const) {
              expect(Buffer.from(await zip.readEntry(zip.entries[0]!, { backend })).equals(data)).toBe(true);
            }
            expect(await zip.readEntry(zip.entries[1]!)).toEqual(new Uint8Array(0));
          }
        }
      }
    }
  });

  it('keeps raw name bytes and decodes them as UTF-8, not CP437', async () => {
    const raw = new Uint8Array([0x61, 0x80, 0x2f, 0xc3, 0xa9]);
    const zip = await openZip(bytesSource(writeZip([{ name: raw, data: enc.encode('x') }])));
    const e = zip.entries[0]!;
    expect(e.nameBytes).toEqual(raw);
    expect(e.name).toBe('a\ufffd/\u00e9');
  });

  it('reads the archive comment', async () => {
    const zip = await openZip(bytesSource(writeZip([file('a', 'b')], { comment: 'hello' })));
    expect(zip.comment).toBe('hello');
  });

  it('stops a deflate bomb early: only a few MiB of a 6 GiB bomb are read, with either inflater', async () => {
    // 100 x 64 MiB of zeros as non-final deflate blocks, then an empty final block.
    const block = new Uint8Array(deflateRawSync(new Uint8Array(64 * MiB), { finishFlush: constants.Z_SYNC_FLUSH }));
    const bomb = new Uint8Array(block.length * 100 + 2);
    for (let i = 0; i < 100; i++) bomb.set(block, i * block.length);
    bomb.set([0x03, 0x00], block.length * 100);
    const z = writeZip([file('bomb', new Uint8Array(1000), { compressedData: bomb, crc32: 0, uncompressedSize: 1000 })]);
    expect(z.length).toBeGreaterThan(6 * MiB);
    for (const backend of ['auto', 'native', 'js'] as const) {
      const src = countingSource(z);
      const zip = await openZip(src);
      const err = await thrown(zip.readEntry(zip.entries[0]!, { backend }));
      expect(err).toBeInstanceOf(ZipFormatError);
      expect((err as ZipFormatError).code).toBe('format');
      expect((err as Error).message).toBe('zip: not a valid zip file');
      expect(src.bytesRead).toBeLessThan(3 * MiB);
    }
  });

  it('refuses an entry over maxSize before reading it', async () => {
    const src = countingSource(writeZip([file('a', new Uint8Array(5000))]));
    const zip = await openZip(src);
    const before = src.bytesRead;
    const err = await thrown(zip.readEntry(zip.entries[0]!, { maxSize: 4999 }));
    expect((err as ZipFormatError).code).toBe('too-large');
    expect(src.bytesRead).toBe(before);
    expect((await zip.readEntry(zip.entries[0]!, { maxSize: 5000 })).length).toBe(5000);
  });

  it('reports a CRC mismatch as zip: checksum error', async () => {
    const zip = await openZip(bytesSource(writeZip([file('a', 'hello', { crc32: 1 })])));
    const err = await thrown(zip.readEntry(zip.entries[0]!));
    expect((err as Error).message).toBe('zip: checksum error');
    expect((err as ZipFormatError).code).toBe('checksum');
  });

  it('ignores the end record\'s disk numbers, as Go does', async () => {
    const z = patch(writeZip([file('a', 'b')]), EOCD, 0, 4, 1, 2);
    const zip = await openZip(bytesSource(z));
    expect(new TextDecoder().decode(await zip.readEntry(zip.entries[0]!))).toBe('b');
  });

  it('refuses unsupported methods, short data and garbage with Go texts', async () => {
    const unsupported = await openZip(bytesSource(patch(writeZip([file('a', 'hello')]), CDH, 0, 10, 14, 2)));
    expect(((await thrown(unsupported.readEntry(unsupported.entries[0]!))) as Error).message).toBe('zip: unsupported compression algorithm');
    const short = await openZip(bytesSource(writeZip([file('a', 'hello', { method: 0, uncompressedSize: 6 })])));
    expect(((await thrown(short.readEntry(short.entries[0]!))) as Error).message).toBe('unexpected EOF');
    expect(((await thrown(openZip(bytesSource(enc.encode('not a zip at all, not even close'))))) as Error).message).toBe('zip: not a valid zip file');
  });

  /** A zip opened over a read-ahead source that logs the length of every read it makes of z. */
  async function openLoggingReads(z: Uint8Array): Promise<{ zip: Awaited<ReturnType<typeof openZip>>; reads: number[] }> {
    const { readAheadSource } = await import('../../../src/core/zip/source.ts');
    const reads: number[] = [];
    const zip = await openZip(
      readAheadSource(z.length, (offset, length) => {
        reads.push(length);
        return Promise.resolve(z.slice(offset, offset + length));
      }),
    );
    reads.length = 0;
    return { zip, reads };
  }

  it('reads a large stored entry with its header in one read, without copying it', async () => {
    const data = randomBytes(3 << 20);
    const { zip, reads } = await openLoggingReads(writeZip([file('a', 'x', { method: 0 }), { name: 'big', data, method: 0 }]));
    const got = await zip.readEntry(zip.entries[1]!);
    expect(Buffer.from(got).equals(data)).toBe(true);
    // No read-ahead window for the header alone: one read holds header and data.
    expect(reads).toHaveLength(1);
    expect(reads[0]).toBeGreaterThanOrEqual(data.length);
    expect(reads[0]).toBeLessThan(data.length + 30 + 'big'.length + 64 + 1);
    expect(got.buffer.byteLength).toBe(reads[0]);
  });

  it('reads a stored entry whose local extra field outgrows the slack in one more read', async () => {
    const data = randomBytes(3 << 20);
    const { zip, reads } = await openLoggingReads(writeZip([{ name: 'big', data, method: 0, localExtra: new Uint8Array(200) }]));
    const got = await zip.readEntry(zip.entries[0]!);
    expect(Buffer.from(got).equals(data)).toBe(true);
    expect(reads).toHaveLength(2);
    expect(reads[1]).toBe(data.length);
  });

  it('reads entries from any source, e.g. a Blob', async () => {
    const z = writeZip([file('a', text)]);
    const { blobSource } = await import('../../../src/core/zip/source.ts');
    const zip = await openZip(blobSource(new Blob([z])));
    const e: ZipEntry = zip.entries[0]!;
    expect(new TextDecoder().decode(await zip.readEntry(e))).toBe(text);
  });
});
