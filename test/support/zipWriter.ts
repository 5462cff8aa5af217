/**
 * A small, complete zip writer for test fixtures: stored and deflated entries,
 * data descriptors, per-entry Zip64 extra fields, directory entries, entry and
 * archive comments, and a forced Zip64 end of central directory. The archives
 * follow APPNOTE 6.3 and are read by Go's archive/zip (forced Zip64 included),
 * so the same bytes serve as inputs for the go command in conformance tests.
 *
 * Knobs that lie (crc32, uncompressedSize, compressedData, prefix) exist to
 * build corrupt archives on purpose; leave them unset for a valid zip.
 */
import { deflateRawSync } from 'node:zlib';
import { crc32 } from '../../src/core/zip/crc32.ts';

export interface ZipWriterEntryInput {
  /** The entry name; a string is written as UTF-8 (flag 0x800 when non-ASCII). */
  name: string | Uint8Array;
  /** The uncompressed content (empty when omitted). */
  data?: Uint8Array;
  /** 0 stored, 8 deflate; default 8 for files with data, 0 otherwise. */
  method?: 0 | 8;
  /** Write CRC and sizes after the data (flag 0x8), zero in the local header, as Go's writer does. */
  dataDescriptor?: boolean;
  /** Give this entry Zip64 sizes and offset (0xffffffff fields plus the 0x0001 extra field). */
  zip64?: boolean;
  /** A directory entry: the name gets a trailing '/' if it lacks one; no data. */
  dir?: boolean;
  /** The central directory comment of this entry. */
  comment?: string | Uint8Array;
  /** Override the recorded CRC-32 (to build a checksum mismatch). */
  crc32?: number;
  /** Override the recorded uncompressed size (to build a bomb or a short entry). */
  uncompressedSize?: number;
  /** Write these bytes as the entry's data instead of compressing `data`. */
  compressedData?: Uint8Array;
  /** Extra general-purpose flag bits to set. */
  flags?: number;
  /** Bytes appended to the local header's extra field (the central directory's is left alone). */
  localExtra?: Uint8Array;
}

export interface ZipWriterOptions {
  /** Write a Zip64 end record and locator, saturating the classic end record's fields. */
  forceZip64?: boolean;
  /** The archive comment. */
  comment?: string | Uint8Array;
  /** Bytes before the archive (like a self-extractor stub); offsets stay relative to the archive. */
  prefix?: Uint8Array;
}

const enc = new TextEncoder();
const U32_MAX = 0xffffffff;
const DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1;

class ByteSink {
  private parts: Uint8Array[] = [];
  length = 0;

  bytes(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.length;
  }

  u16(v: number): void {
    this.bytes(Uint8Array.of(v & 0xff, (v >>> 8) & 0xff));
  }

  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.bytes(b);
  }

  u64(v: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
    this.bytes(b);
  }

  concat(): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

const toBytes = (s: string | Uint8Array | undefined): Uint8Array => (s === undefined ? new Uint8Array(0) : typeof s === 'string' ? enc.encode(s) : s);

interface Written {
  name: Uint8Array;
  comment: Uint8Array;
  flags: number;
  method: number;
  crc: number;
  csize: number;
  usize: number;
  offset: number;
  zip64: boolean;
  dir: boolean;
}

/** The bytes of a zip holding entries, in order. */
export function writeZip(entries: readonly ZipWriterEntryInput[], opts: ZipWriterOptions = {}): Uint8Array<ArrayBuffer> {
  const out = new ByteSink();
  const prefix = opts.prefix ?? new Uint8Array(0);
  out.bytes(prefix);
  const written: Written[] = [];

  for (const e of entries) {
    const dir = e.dir === true;
    let name = toBytes(e.name);
    if (dir && name[name.length - 1] !== 0x2f) name = Uint8Array.of(...name, 0x2f);
    const data = dir ? new Uint8Array(0) : (e.data ?? new Uint8Array(0));
    const method = e.method ?? (dir || data.length === 0 ? 0 : 8);
    const payload = e.compressedData ?? (method === 8 ? new Uint8Array(deflateRawSync(data)) : data);
    const nonAscii = typeof e.name === 'string' && Array.from(e.name).some((c) => c.codePointAt(0)! > 0x7f);
    const dd = e.dataDescriptor === true;
    const flags = (e.flags ?? 0) | (dd ? 0x8 : 0) | (nonAscii ? 0x800 : 0);
    const zip64 = e.zip64 === true;
    const w: Written = {
      name,
      comment: toBytes(e.comment),
      flags,
      method,
      crc: e.crc32 ?? crc32(data),
      csize: payload.length,
      usize: e.uncompressedSize ?? data.length,
      offset: out.length - prefix.length,
      zip64,
      dir,
    };
    written.push(w);

    // Local file header.
    const localZip64 = zip64 && !dd;
    const localExtra = new ByteSink();
    if (localZip64) {
      localExtra.u16(0x0001);
      localExtra.u16(16);
      localExtra.u64(w.usize);
      localExtra.u64(w.csize);
    }
    if (e.localExtra !== undefined) localExtra.bytes(e.localExtra);
    out.u32(0x04034b50);
    out.u16(zip64 ? 45 : 20);
    out.u16(flags);
    out.u16(method);
    out.u16(0); // time
    out.u16(DOS_DATE_1980_01_01);
    out.u32(dd ? 0 : w.crc);
    out.u32(dd ? 0 : localZip64 ? U32_MAX : w.csize);
    out.u32(dd ? 0 : localZip64 ? U32_MAX : w.usize);
    out.u16(name.length);
    out.u16(localExtra.length);
    out.bytes(name);
    out.bytes(localExtra.concat());
    out.bytes(payload);

    if (dd) {
      out.u32(0x08074b50);
      out.u32(w.crc);
      if (zip64) {
        out.u64(w.csize);
        out.u64(w.usize);
      } else {
        out.u32(w.csize);
        out.u32(w.usize);
      }
    }
  }

  const cdStart = out.length - prefix.length;
  for (const w of written) {
    const extra = new ByteSink();
    if (w.zip64) {
      extra.u16(0x0001);
      extra.u16(24);
      extra.u64(w.usize);
      extra.u64(w.csize);
      extra.u64(w.offset);
    }
    out.u32(0x02014b50);
    out.u16((3 << 8) | (w.zip64 ? 45 : 20)); // made by: Unix
    out.u16(w.zip64 ? 45 : 20);
    out.u16(w.flags);
    out.u16(w.method);
    out.u16(0);
    out.u16(DOS_DATE_1980_01_01);
    out.u32(w.crc);
    out.u32(w.zip64 ? U32_MAX : w.csize);
    out.u32(w.zip64 ? U32_MAX : w.usize);
    out.u16(w.name.length);
    out.u16(extra.length);
    out.u16(w.comment.length);
    out.u16(0); // disk number start
    out.u16(0); // internal attributes
    out.u32((w.dir ? 0o40755 : 0o100644) * 0x10000 + (w.dir ? 0x10 : 0)); // Unix mode, MS-DOS directory bit
    out.u32(w.zip64 ? U32_MAX : w.offset);
    out.bytes(w.name);
    out.bytes(extra.concat());
    out.bytes(w.comment);
  }
  const cdEnd = out.length - prefix.length;
  const cdSize = cdEnd - cdStart;
  const count = written.length;
  const zip64End = opts.forceZip64 === true || count >= 0xffff || cdSize >= U32_MAX || cdStart >= U32_MAX;

  if (zip64End) {
    // Zip64 end of central directory record, then its locator.
    out.u32(0x06064b50);
    out.u64(44); // size of the rest of this record
    out.u16((3 << 8) | 45);
    out.u16(45);
    out.u32(0); // this disk
    out.u32(0); // disk with the central directory
    out.u64(count);
    out.u64(count);
    out.u64(cdSize);
    out.u64(cdStart);
    out.u32(0x07064b50);
    out.u32(0); // disk with the Zip64 end record
    out.u64(cdEnd);
    out.u32(1); // total disks
  }
  const comment = toBytes(opts.comment);
  out.u32(0x06054b50);
  out.u16(0);
  out.u16(0);
  out.u16(zip64End ? 0xffff : count);
  out.u16(zip64End ? 0xffff : count);
  out.u32(zip64End ? U32_MAX : cdSize);
  out.u32(zip64End ? U32_MAX : cdStart);
  out.u16(comment.length);
  out.bytes(comment);
  return out.concat();
}
