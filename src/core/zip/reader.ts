/**
 * A random-access zip reader that accepts exactly what Go's archive/zip
 * accepts for the go command's purposes (HashZip, CheckZip, Unzip), over any
 * RandomAccessSource.
 *
 * Invariants:
 * - Entry names are the raw name bytes (no CP437 conversion, like Go, which
 *   treats the bytes as the string); `name` is their UTF-8 decoding with
 *   invalid sequences replaced, `nameBytes` the bytes themselves.
 * - The central directory is found the way Go finds it: the last end record
 *   whose comment fits in the last 65 KiB, the Zip64 locator and record when
 *   the 16/32-bit fields are saturated, a base offset for zips with a prefix,
 *   and headers read until the first bad one, the count compared modulo 65536.
 * - Sizes, CRC-32 and offsets come from the central directory (never from the
 *   local header, whose sizes are zero when a data descriptor follows).
 * - readEntry never produces more than the declared uncompressed size: it fails
 *   as soon as the output would exceed it (a bomb costs at most one decoder
 *   step of memory), and fails when the output is short or the CRC differs.
 * - Multi-disk archives are refused: module zips are single files, and Go would
 *   misread a split archive anyway.
 */
import { utf8Decode } from '../internal/webstd.ts';
import type { IncrementalSha256 } from '../internal/webstd.ts';
import { createSha256, sha256Digest } from '../internal/sha256.ts';
import { crc32Update } from './crc32.ts';
import { ZipFormatError } from './errors.ts';
import { InflateAbort, inflateRaw, inflateWholeAsync, WHOLE_MAX_COMPRESSED } from './inflate.ts';
import type { InflateBackend } from './inflate.ts';
import type { RandomAccessSource } from './source.ts';

export { ZipFormatError } from './errors.ts';
export type { ZipFormatCode } from './errors.ts';

/** One central directory entry. */
export interface ZipEntry {
  /** The name bytes decoded as UTF-8 (invalid sequences become U+FFFD). */
  name: string;
  /** The raw name bytes from the central directory. */
  nameBytes: Uint8Array;
  /** Whether the name ends in '/' (Go's test for a directory entry). */
  isDirectory: boolean;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

export interface ReadEntryOptions {
  /** Refuse (before reading) an entry whose declared size exceeds this. */
  maxSize?: number;
  /** Which inflater to use; tests pin one, everything else leaves 'auto'. */
  backend?: InflateBackend;
}

export interface ZipReader {
  readonly entries: readonly ZipEntry[];
  /** The size of the whole zip file in bytes. */
  readonly size: number;
  /** The archive comment (bytes decoded as UTF-8, lossy). */
  readonly comment?: string;
  /**
   * Inflates one entry, checking its size and CRC-32 like Go's File.Open. A
   * stored entry may come back as a view of the source's own memory: callers
   * must not modify the bytes.
   */
  readEntry(entry: ZipEntry, opts?: ReadEntryOptions): Promise<Uint8Array>;
  /**
   * The SHA-256 of an entry's content, with every check of readEntry, computed
   * while it inflates: memory stays bounded however large the entry.
   */
  digestEntry?(entry: ZipEntry, opts?: ReadEntryOptions): Promise<Uint8Array>;
  /**
   * The SHA-256 of an entry's content read whole as readEntry reads it (with
   * every check), into memory the reader keeps for the next such call rather
   * than a new buffer per entry. For entries small enough to hold whole: the
   * memory grows to the largest entry digested this way.
   */
  digestWholeEntry?(entry: ZipEntry, opts?: ReadEntryOptions): Promise<Uint8Array>;
}

const EOCD_SIG = 0x06054b50;
const EOCD_LEN = 22;
const CDH_SIG = 0x02014b50;
const CDH_LEN = 46;
const LFH_SIG = 0x04034b50;
const LFH_LEN = 30;
const Z64_LOC_SIG = 0x07064b50;
const Z64_LOC_LEN = 20;
const Z64_END_SIG = 0x06064b50;
const Z64_END_LEN = 56;
const DD_SIG = 0x08074b50;
const DD_LEN = 16;
const ZIP64_EXTRA_ID = 0x0001;
const U32_MAX = 0xffffffff;
/** Go reads the end record from at most the last 65 KiB. */
const TAIL_LEN = 65 * 1024;
/** Reads of the central directory and of entry data go in pieces this large. */
const READ_CHUNK = 1 << 20;
const MAX_INT64 = (1n << 63n) - 1n;

const u16 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
const u64 = (b: Uint8Array, o: number): bigint => BigInt(u32(b, o)) | (BigInt(u32(b, o + 4)) << 32n);

/** A uint64 from a header as a number; values past 2^53 lose precision but stay huge. */
const big = (v: bigint): number => Number(v);

/** The offset of the last end-record signature whose comment fits in b, or -1 (Go's findSignatureInBlock). */
function findEndRecord(b: Uint8Array): number {
  for (let i = b.length - EOCD_LEN; i >= 0; i--) {
    if (b[i] === 0x50 && u32(b, i) === EOCD_SIG) {
      const commentLen = u16(b, i + EOCD_LEN - 2);
      return commentLen + EOCD_LEN + i > b.length ? -1 : i;
    }
  }
  return -1;
}

/**
 * The end record's fields Go uses. Like Go, the disk numbers are not read: a
 * split archive's would only make its offsets wrong, which the reads then find.
 */
interface DirectoryEnd {
  records: bigint;
  size: bigint;
  offset: bigint;
  comment: string;
  /** Where the end record (or the Zip64 end record, if used) starts. */
  endOffset: number;
}

async function readDirectoryEnd(src: RandomAccessSource): Promise<DirectoryEnd> {
  const size = src.size;
  const tailLen = Math.min(size, TAIL_LEN);
  const tail = await src.read(size - tailLen, tailLen);
  const p = findEndRecord(tail);
  if (p < 0) throw new ZipFormatError('format');
  const b = tail.subarray(p);
  const commentLen = u16(b, 20);
  if (commentLen > b.length - EOCD_LEN) throw new ZipFormatError('comment');
  const d: DirectoryEnd = {
    records: BigInt(u16(b, 10)),
    size: BigInt(u32(b, 12)),
    offset: BigInt(u32(b, 16)),
    comment: utf8Decode(b.subarray(EOCD_LEN, EOCD_LEN + commentLen), false),
    endOffset: size - tailLen + p,
  };
  // Go looks for Zip64 when a field is saturated (directorySize against 0xffff, as Go does).
  if (d.records === 0xffffn || d.size === 0xffffn || d.offset === 0xffffffffn) {
    const z64 = await findZip64End(src, d.endOffset);
    if (z64 >= 0) {
      if (z64 + Z64_END_LEN > size) throw new ZipFormatError('unexpected-eof');
      const r = await src.read(z64, Z64_END_LEN);
      if (u32(r, 0) !== Z64_END_SIG) throw new ZipFormatError('format');
      d.records = u64(r, 32);
      d.size = u64(r, 40);
      d.offset = u64(r, 48);
      d.endOffset = z64;
    }
  }
  if (d.size > MAX_INT64 || d.offset > MAX_INT64) throw new ZipFormatError('format');
  return d;
}

/** The offset of the Zip64 end record named by a valid locator before endOffset, or -1. */
async function findZip64End(src: RandomAccessSource, endOffset: number): Promise<number> {
  const at = endOffset - Z64_LOC_LEN;
  if (at < 0) return -1;
  const b = await src.read(at, Z64_LOC_LEN);
  if (u32(b, 0) !== Z64_LOC_SIG) return -1;
  if (u32(b, 4) !== 0) return -1; // disk with the Zip64 end record
  if (u32(b, 16) !== 1) return -1; // total number of disks
  const p = u64(b, 8);
  return p > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : big(p);
}

/** Sequential reads over a source, fetched in bounded pieces. */
class SequentialReader {
  private buf = new Uint8Array(0);
  private bufStart: number;

  constructor(
    private readonly src: RandomAccessSource,
    start: number,
  ) {
    this.bufStart = start;
  }

  /** The next n bytes (fewer at the end of the source), without consuming them. */
  async peek(n: number): Promise<Uint8Array> {
    if (this.buf.length < n && this.bufStart + this.buf.length < this.src.size) {
      const want = Math.min(this.src.size - this.bufStart, Math.max(n, READ_CHUNK));
      const more = await this.src.read(this.bufStart + this.buf.length, want - this.buf.length);
      const joined = new Uint8Array(want);
      joined.set(this.buf);
      joined.set(more, this.buf.length);
      this.buf = joined;
    }
    return this.buf.subarray(0, Math.min(n, this.buf.length));
  }

  skip(n: number): void {
    this.buf = this.buf.subarray(n);
    this.bufStart += n;
  }
}

/**
 * A header, or why there is none. Go ends the directory at a header that is
 * not one (ErrFormat) or is cut short (ErrUnexpectedEOF), and then checks the
 * count; but a read that finds no bytes at all (io.EOF, from io.ReadFull) is
 * fatal whatever the count: `fatal` marks that.
 */
type HeaderResult = { entry: ZipEntry } | { error: ZipFormatError; fatal?: true };

const EOF = (): { error: ZipFormatError; fatal: true } => ({ error: new ZipFormatError('unexpected-eof', 'EOF'), fatal: true });

/** Reads one central directory header the way Go's readDirectoryHeader does. */
async function readDirectoryHeader(r: SequentialReader): Promise<HeaderResult> {
  const h = await r.peek(CDH_LEN);
  if (h.length === 0) return EOF();
  if (h.length < CDH_LEN) return { error: new ZipFormatError('unexpected-eof') };
  if (u32(h, 0) !== CDH_SIG) return { error: new ZipFormatError('format') };
  const flags = u16(h, 8);
  const method = u16(h, 10);
  const crc = u32(h, 16);
  const csize32 = u32(h, 20);
  const usize32 = u32(h, 24);
  const nameLen = u16(h, 28);
  const extraLen = u16(h, 30);
  const commentLen = u16(h, 32);
  const offset32 = u32(h, 42);
  const total = CDH_LEN + nameLen + extraLen + commentLen;
  const all = await r.peek(total);
  // Go reads the name, extra and comment with one io.ReadFull: nothing of them at all is io.EOF.
  if (all.length === CDH_LEN && total > CDH_LEN) return EOF();
  if (all.length < total) return { error: new ZipFormatError('unexpected-eof') };
  const nameBytes = all.slice(CDH_LEN, CDH_LEN + nameLen);
  const extra = all.subarray(CDH_LEN + nameLen, CDH_LEN + nameLen + extraLen);
  r.skip(total);

  let usize = usize32;
  let csize = csize32;
  let offset = offset32;
  let needUSize = usize32 === U32_MAX;
  let needCSize = csize32 === U32_MAX;
  let needOffset = offset32 === U32_MAX;
  for (let i = 0; extra.length - i >= 4; ) {
    const tag = u16(extra, i);
    const fieldSize = u16(extra, i + 2);
    i += 4;
    if (extra.length - i < fieldSize) break;
    const field = extra.subarray(i, i + fieldSize);
    i += fieldSize;
    if (tag !== ZIP64_EXTRA_ID) continue;
    let j = 0;
    const next = (): number | undefined => {
      if (field.length - j < 8) return undefined;
      const v = big(u64(field, j));
      j += 8;
      return v;
    };
    if (needUSize) {
      needUSize = false;
      const v = next();
      if (v === undefined) return { error: new ZipFormatError('format') };
      usize = v;
    }
    if (needCSize) {
      needCSize = false;
      const v = next();
      if (v === undefined) return { error: new ZipFormatError('format') };
      csize = v;
    }
    if (needOffset) {
      needOffset = false;
      const v = next();
      if (v === undefined) return { error: new ZipFormatError('format') };
      offset = v;
    }
  }
  // Like Go: an uncompressed size of 0xffffffff without Zip64 is taken at face value.
  if (needCSize || needOffset) return { error: new ZipFormatError('format') };

  const name = utf8Decode(nameBytes, false);
  return {
    entry: {
      name,
      nameBytes,
      isDirectory: nameBytes.length > 0 && nameBytes[nameBytes.length - 1] === 0x2f,
      method,
      flags,
      crc32: crc,
      compressedSize: csize,
      uncompressedSize: usize,
      localHeaderOffset: offset,
    },
  };
}

/** Opens a zip: reads its end record and central directory; entries are read on demand. */
export async function openZip(source: RandomAccessSource): Promise<ZipReader> {
  const size = source.size;
  const end = await readDirectoryEnd(source);
  let baseOffset = BigInt(end.endOffset) - end.size - end.offset;
  const dirStart = baseOffset + end.offset;
  if (dirStart < 0n || dirStart >= BigInt(size)) throw new ZipFormatError('format');
  // A zip with data before it records offsets relative to its own start. Go
  // falls back to offset 0 when a valid header sits at the recorded offset.
  if (baseOffset > 0n && 'entry' in (await readDirectoryHeader(new SequentialReader(source, big(end.offset))))) {
    baseOffset = 0n;
  }
  const base = big(baseOffset);

  const entries: ZipEntry[] = [];
  const r = new SequentialReader(source, big(baseOffset + end.offset));
  let stop: ZipFormatError;
  for (;;) {
    const h = await readDirectoryHeader(r);
    if ('error' in h) {
      if (h.fatal === true) throw h.error;
      stop = h.error;
      break;
    }
    h.entry.localHeaderOffset += base;
    entries.push(h.entry);
  }
  // Go compares only the low 16 bits: the 16-bit count field wraps in big zips.
  if ((entries.length & 0xffff) !== Number(end.records & 0xffffn)) throw stop;

  let scratch: Uint8Array | undefined;
  let scratchBusy = false;
  return {
    entries,
    size,
    comment: end.comment,
    readEntry: async (entry, opts) => {
      const out = new BoundedBuffer(entry.uncompressedSize);
      await consumeEntry(source, entry, opts ?? {}, out);
      return out.bytes();
    },
    digestEntry: async (entry, opts) => {
      const out = new DigestSink(entry.uncompressedSize);
      await consumeEntry(source, entry, opts ?? {}, out);
      return out.digest();
    },
    digestWholeEntry: async (entry, opts) => {
      // One call at a time borrows the kept memory (and only if its decoder
      // asks: stored data is taken as read); one made meanwhile gets its own.
      const borrow = !scratchBusy;
      scratchBusy ||= borrow;
      const lend = borrow
        ? (n: number): Uint8Array => {
            if (scratch === undefined || scratch.length < n) scratch = new Uint8Array(Math.ceil(n / SCRATCH_STEP) * SCRATCH_STEP);
            return scratch;
          }
        : undefined;
      try {
        const out = new BoundedBuffer(entry.uncompressedSize, lend);
        await consumeEntry(source, entry, opts ?? {}, out);
        // The digest takes its copy of the bytes (or hashes them) during the
        // call, so stored data read whole (adopted by out) is done with then.
        const bytes = out.bytes();
        const digest = sha256Digest(bytes);
        source.done?.(bytes);
        return await digest;
      } finally {
        if (borrow) scratchBusy = false;
      }
    },
  };
}

/** The kept memory of digestWholeEntry grows in steps of this many bytes. */
const SCRATCH_STEP = 64 << 10;

/**
 * A growable output buffer that refuses to grow past `limit` bytes. Given
 * `lend` (memory of at least n bytes, the caller's), it decodes there: the
 * first time it needs memory it borrows room for its whole limit and never
 * grows; its bytes are then a view of that memory.
 */
class BoundedBuffer implements EntrySink {
  private buf: Uint8Array;
  private lent = false;
  length = 0;

  constructor(
    private readonly limit: number,
    private readonly lend?: (n: number) => Uint8Array,
  ) {
    this.buf = new Uint8Array(0);
  }

  /** Memory of exactly n bytes to decode the whole content into, when it can be borrowed (asked only by a decoder that uses it). */
  room(n: number): Uint8Array | undefined {
    if (this.lend === undefined) return undefined;
    this.lent = true;
    return this.lend(n).subarray(0, n);
  }

  /** Appends chunk; returns false (appending nothing) if that would pass the limit. */
  append(chunk: Uint8Array): boolean {
    const need = this.length + chunk.length;
    if (need > this.limit) return false;
    if (need > this.buf.length) {
      if (this.lend !== undefined && !this.lent) {
        this.lent = true;
        this.buf = this.lend(this.limit);
      } else {
        const grown = new Uint8Array(Math.min(this.limit, Math.max(need, this.buf.length * 2, 64 << 10)));
        grown.set(this.buf.subarray(0, this.length));
        this.buf = grown;
      }
    }
    this.buf.set(chunk, this.length);
    this.length = need;
    return true;
  }

  reset(): void {
    this.length = 0;
  }

  /** Takes data (at most limit bytes) as the whole content, without copying. */
  adopt(data: Uint8Array): void {
    this.buf = data;
    this.length = data.length;
  }

  bytes(): Uint8Array {
    if (this.length === this.buf.length) return this.buf;
    // Own memory is trimmed to size (not kept at its grown length); lent memory stays the lender's.
    return this.lent ? this.buf.subarray(0, this.length) : this.buf.slice(0, this.length);
  }
}

/** The bytes [start, end) of src, in pieces, clamped to the end of the source. */
function chunks(src: RandomAccessSource, start: number, end: number): () => AsyncIterable<Uint8Array> {
  const stop = Math.min(end, src.size);
  return async function* () {
    for (let at = start; at < stop; at += READ_CHUNK) {
      yield await src.read(at, Math.min(READ_CHUNK, stop - at));
    }
  };
}

/** Where consumeEntry puts an entry's content: appends refused past the limit, reset on a decoder restart. */
interface EntrySink {
  readonly length: number;
  append(chunk: Uint8Array): boolean;
  reset(): void;
}

/** Hashes an entry's content as it arrives instead of keeping it. */
class DigestSink implements EntrySink {
  length = 0;
  private h: IncrementalSha256 = createSha256();

  constructor(private readonly limit: number) {}

  append(chunk: Uint8Array): boolean {
    if (this.length + chunk.length > this.limit) return false;
    this.h.update(chunk);
    this.length += chunk.length;
    return true;
  }

  reset(): void {
    this.h = createSha256();
    this.length = 0;
  }

  digest(): Uint8Array {
    const hex = this.h.hexDigest();
    const out = new Uint8Array(32);
    for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return out;
  }
}

/**
 * Reads one entry like Go's File.Open and hands its content to out: local
 * header, inflate (bounded by the declared size), size and CRC-32 checks.
 */
async function consumeEntry(src: RandomAccessSource, entry: ZipEntry, opts: ReadEntryOptions, out: EntrySink): Promise<void> {
  const declared = entry.uncompressedSize;
  if (opts.maxSize !== undefined && declared > opts.maxSize) {
    throw new ZipFormatError('too-large', `zip: ${entry.name}: declared size ${declared} exceeds the limit of ${opts.maxSize} bytes`);
  }
  // Go reads the local header first, even for directories.
  const at = entry.localHeaderOffset;
  // A bad base offset can push it below zero (Go fails its ReadAt: "negative offset").
  if (at < 0) throw new ZipFormatError('format');
  if (at + LFH_LEN > src.size) throw new ZipFormatError('unexpected-eof', 'EOF');
  // Small compressed entries are read with their header in one go (one read
  // instead of two per file: a module has thousands of files), and so is a
  // stored entry read whole (a lone header read would fetch a whole
  // read-ahead window for nothing: the data is read past it); the slack
  // covers a local extra field up to 64 bytes, else the data is read again.
  const whole = entry.method === 8 && !entry.isDirectory && (opts.backend ?? 'auto') === 'auto' && entry.compressedSize <= WHOLE_MAX_COMPRESSED;
  const storedWhole = entry.method === 0 && !entry.isDirectory && out instanceof BoundedBuffer && entry.compressedSize <= declared;
  const headLen = whole || storedWhole ? Math.min(src.size - at, LFH_LEN + entry.nameBytes.length + 64 + entry.compressedSize) : LFH_LEN;
  const lh = await src.read(at, headLen);
  if (u32(lh, 0) !== LFH_SIG) throw new ZipFormatError('format');
  if (entry.isDirectory) {
    // Directories carry no data; Go tolerates a compressed size but not an uncompressed one.
    if (declared !== 0) throw new ZipFormatError('format');
    return;
  }
  if (entry.method !== 0 && entry.method !== 8) throw new ZipFormatError('algorithm');

  const dataStart = at + LFH_LEN + u16(lh, 26) + u16(lh, 28);
  const dataEnd = dataStart + entry.compressedSize;
  let crc = 0;
  const sink = (chunk: Uint8Array): void => {
    if (!out.append(chunk)) throw new InflateAbort(new ZipFormatError('format'));
    crc = crc32Update(crc, chunk);
  };
  // The entry's data as read with its header, or in one more read.
  const wholeData = (): Promise<Uint8Array> => (dataEnd - at <= lh.length ? Promise.resolve(lh.subarray(dataStart - at, dataEnd - at)) : src.read(dataStart, entry.compressedSize));
  if (storedWhole && out instanceof BoundedBuffer && dataEnd <= src.size) {
    // Stored data read whole is the content itself, kept without a copy.
    const data = await wholeData();
    crc = crc32Update(0, data);
    out.adopt(data);
  } else if (entry.method === 0) {
    try {
      // The sink copies or hashes each piece at once: done with it after.
      for await (const chunk of chunks(src, dataStart, dataEnd)()) {
        sink(chunk);
        src.done?.(chunk);
      }
    } catch (err) {
      throw err instanceof InflateAbort ? err.reason : err;
    }
  } else if (whole && dataEnd <= src.size) {
    // Decoded straight into its own buffer: no growing, no second copy.
    const compressed = await wholeData();
    // A recorded CRC is handed to the decoder, which may check it natively (browsers).
    const recorded = entry.crc32 !== 0 || (entry.flags & 0x8) !== 0;
    const room = out instanceof BoundedBuffer ? (n: number) => out.room(n) : undefined;
    const { bytes: inflated, crcChecked } = await inflateWholeAsync(compressed, declared, recorded ? entry.crc32 : undefined, room);
    // Decoded into other memory: the compressed bytes (and their header) are read no more.
    src.done?.(compressed);
    src.done?.(lh);
    if (inflated.length > declared) throw new ZipFormatError('format');
    if (out instanceof BoundedBuffer) out.adopt(inflated);
    else out.append(inflated);
    crc = crcChecked ? entry.crc32 : crc32Update(0, inflated);
  } else {
    const restart = (): void => {
      out.reset();
      crc = 0;
    };
    await inflateRaw(chunks(src, dataStart, dataEnd), sink, restart, opts.backend);
  }
  if (out.length !== declared) throw new ZipFormatError('unexpected-eof');

  if ((entry.flags & 0x8) !== 0) {
    // The descriptor's sizes are ignored (their width is ambiguous); its CRC must agree.
    const avail = Math.max(0, Math.min(DD_LEN, src.size - dataEnd));
    if (avail < 4) throw new ZipFormatError('unexpected-eof');
    const dd = await src.read(dataEnd, avail);
    const crcAt = u32(dd, 0) === DD_SIG ? 4 : 0;
    if (avail < crcAt + 12) throw new ZipFormatError('unexpected-eof');
    if (u32(dd, crcAt) !== entry.crc32) throw new ZipFormatError('checksum');
    if (crc !== entry.crc32) throw new ZipFormatError('checksum');
  } else if (entry.crc32 !== 0 && crc !== entry.crc32) {
    // Like Go, a zero CRC without a data descriptor counts as "not recorded".
    throw new ZipFormatError('checksum');
  }
}
