/**
 * Raw DEFLATE decompression of one zip entry with a hard output limit.
 *
 * Two decoders. The runtime's native one (Node's zlib, DecompressionStream)
 * is the fast path, and its successes are trusted: it is zlib, as strict as
 * Go's compress/flate. Its failures are not final, because the streaming
 * DecompressionStream('deflate-raw') also rejects bytes after the final block,
 * which Go ignores. So on any native decoding error the entry is decoded again
 * by pako's port of zlib's inflate, which behaves like Go (trailing bytes
 * ignored, truncation reported as "unexpected EOF", and every malformed
 * stream refused: over-subscribed or incomplete Huffman codes, a stored
 * block's length not matching its complement, a distance before the start),
 * and pako's verdict stands. A lenient decoder here would accept a zip that
 * the go command then refuses to extract offline (test/conformance/zipFuzz).
 *
 * Input is fed in small slices and output leaves in chunks of at most
 * JS_OUT_CHUNK bytes through `sink`, which throws once the limit is crossed,
 * so a deflate bomb is stopped after at most one output chunk past the limit.
 */
import { ZStream, Z_FINISH, Z_NO_FLUSH, Z_BUF_ERROR, Z_OK, Z_STREAM_END, zlibInflate, zlibInflateInit2, zlibInflateReset } from 'pako';
import { freeBuffer, hasNativeInflateRawSync, nativeInflateRaw, nativeInflateRawSync } from '../internal/webstd.ts';
import type { ByteStream } from '../internal/webstd.ts';
import { spansBuffer } from '../internal/bytes.ts';
import { ZipFormatError } from './errors.ts';

/** Input slice per JS decoder step: every step has a fixed cost, so not too small. */
const JS_SLICE = 64 << 10;

/** The JS decoder's output chunk: the most a bomb can overshoot the limit by before the sink stops it. */
const JS_OUT_CHUNK = 64 << 10;

/**
 * The native decompressor emits its output in small chunks under stream
 * backpressure, and the sink stops it as soon as the declared size is passed,
 * so its input can go in larger slices without letting a bomb grow memory.
 */
const NATIVE_SLICE = 256 << 10;

/**
 * The most n bytes of raw DEFLATE can inflate to: a length-258 match costs at
 * least 2 bits, so at most 129 bytes per bit, plus slack. A whole-entry
 * decoder needs no more room than this (plus the one byte that tells "more
 * than declared"), whatever size the entry's header declares: a header that
 * lies cannot make it allocate more than the data could ever produce.
 */
export function maxInflated(n: number): number {
  return n * 1032 + 1024;
}

/** Output room for decoding data whole: declared + 1 bytes, capped at what data can produce. */
function wholeRoom(data: Uint8Array, declared: number): number {
  return Math.min(declared, maxInflated(data.length)) + 1;
}

/** Entries whose compressed data is at most this many bytes are decoded in one call. */
export const WHOLE_MAX_COMPRESSED = 1 << 20;

/** Compressed input, re-readable from the start (the fallback reads it again). */
export type ChunkProducer = () => AsyncIterable<Uint8Array>;

/** Which decoder to use; 'auto' is native with the JS (pako) fallback. */
export type InflateBackend = 'auto' | 'native' | 'js';

/** Thrown by a sink to stop decoding; passes through both decoders unchanged. */
export class InflateAbort extends Error {
  constructor(readonly reason: unknown) {
    super('inflate aborted');
  }
}

interface WritableLike {
  getWriter(): {
    write(chunk: Uint8Array): Promise<void>;
    close(): Promise<void>;
    abort(reason?: unknown): Promise<void>;
  };
}

/** Wraps errors of the input itself so they are not mistaken for bad data. */
class SourceFailure extends Error {
  constructor(readonly reason: unknown) {
    super('source read failed');
  }
}

async function* guarded(input: ChunkProducer): AsyncGenerator<Uint8Array> {
  const it = input()[Symbol.asyncIterator]();
  for (;;) {
    let r: IteratorResult<Uint8Array>;
    try {
      r = await it.next();
    } catch (err) {
      throw new SourceFailure(err);
    }
    if (r.done === true) return;
    yield r.value;
  }
}

async function inflateNative(
  ds: { writable: unknown; readable: unknown },
  input: ChunkProducer,
  sink: (chunk: Uint8Array) => void,
  slice: number,
): Promise<void> {
  const writer = (ds.writable as WritableLike).getWriter();
  const reader = (ds.readable as ByteStream).getReader();
  let pumpError: unknown;
  const pump = (async () => {
    try {
      for await (const chunk of guarded(input)) {
        for (let i = 0; i < chunk.length; i += slice) await writer.write(chunk.subarray(i, Math.min(chunk.length, i + slice)));
      }
      await writer.close();
    } catch (err) {
      pumpError = err;
      await writer.abort(err).catch(() => undefined);
    }
  })();
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      sink(r.value);
    }
  } catch (err) {
    await reader.cancel(err).catch(() => undefined);
    await pump;
    throw pumpError instanceof SourceFailure ? pumpError : err;
  }
  await pump;
  if (pumpError !== undefined) throw pumpError;
}

/** A raw-deflate (windowBits -15) zlib stream of pako's. */
function rawStream(): ZStream {
  const z = new ZStream();
  zlibInflateInit2(z, -15);
  return z;
}

const NO_BYTES = new Uint8Array(0);

/** zlib's verdict on a stream that stopped short: corrupt data (with zlib's reason), or input ended early. */
function jsError(status: number, z: ZStream): ZipFormatError {
  if (status === Z_OK || status === Z_BUF_ERROR) return new ZipFormatError('unexpected-eof');
  return new ZipFormatError('corrupt-deflate', `flate: corrupt input (${z.msg || `zlib status ${status}`})`);
}

/**
 * Runs the stream on the input it holds until it ends (true), needs more input
 * (false) or fails (throws), handing out the output whenever its buffer fills.
 */
function drive(z: ZStream, flush: typeof Z_NO_FLUSH | typeof Z_FINISH, emit: () => void): boolean {
  for (;;) {
    const status = zlibInflate(z, flush);
    if (status === Z_STREAM_END) return true;
    if (status !== Z_OK && status !== Z_BUF_ERROR) throw jsError(status, z);
    if (z.avail_out === 0) {
      emit();
      continue;
    }
    // Output room left and not at the end: with all input given, the stream is cut short.
    if (flush === Z_FINISH) throw jsError(status, z);
    if (z.avail_in === 0) return false;
    // Input and room both left: zlib stopped for another reason; go on unless it made no progress.
    if (status === Z_BUF_ERROR) throw jsError(Z_BUF_ERROR, z);
  }
}

async function inflateJs(input: ChunkProducer, sink: (chunk: Uint8Array) => void): Promise<void> {
  const z = rawStream();
  const fresh = (): void => {
    z.output = new Uint8Array(JS_OUT_CHUNK);
    z.next_out = 0;
    z.avail_out = JS_OUT_CHUNK;
  };
  // The sink keeps what it is given, so every chunk is new memory.
  const emit = (): void => {
    if (z.next_out > 0) sink(z.output.subarray(0, z.next_out));
    fresh();
  };
  fresh();
  try {
    for await (const chunk of guarded(input)) {
      for (let i = 0; i < chunk.length; i += JS_SLICE) {
        z.input = chunk;
        z.next_in = i;
        z.avail_in = Math.min(JS_SLICE, chunk.length - i);
        // Bytes after the final block are ignored, as Go does.
        if (drive(z, Z_NO_FLUSH, emit)) return emit();
      }
    }
    z.input = NO_BYTES;
    z.next_in = 0;
    z.avail_in = 0;
    drive(z, Z_FINISH, emit);
    emit();
  } finally {
    z.input = NO_BYTES;
  }
}

/** The stream inflateWhole reuses: it runs synchronously, so no two calls share it. */
let wholeStream: ZStream | undefined;

/**
 * Decodes a whole raw DEFLATE stream held in memory into a buffer of
 * declared + 1 bytes (fewer when the data could never inflate to that many:
 * see maxInflated), in one call (fast for the many small files of a module).
 * The output never exceeds that buffer (the decoder stops when it is full), so
 * memory stays bounded whatever the data says; a result of declared + 1 bytes
 * means the data inflates to more than declared. Trailing bytes after the
 * final block are ignored, as Go does. Given `room` (memory of n bytes on
 * demand, or undefined for none), the JS decoder decodes there instead of into
 * new memory, its result then a view of it; the runtime's zlib never asks.
 */
export function inflateWhole(data: Uint8Array, declared: number, room?: (n: number) => Uint8Array | undefined): Uint8Array {
  // The runtime's zlib, when present, decides only successes: the data decoded
  // completely within the limit (Go also ignores bytes after the final block).
  const n = wholeRoom(data, declared);
  const fast = nativeInflateRawSync(data, n);
  if (fast !== undefined) return fast;
  const out = (room?.(n) ?? new Uint8Array(n)) as Uint8Array<ArrayBuffer>;
  const z = (wholeStream ??= rawStream());
  zlibInflateReset(z);
  z.input = data;
  z.next_in = 0;
  z.avail_in = data.length;
  z.output = out;
  z.next_out = 0;
  z.avail_out = out.length;
  try {
    const status = zlibInflate(z, Z_FINISH);
    // A full buffer is declared + 1 bytes: more than declared, which the caller reports.
    if (status === Z_STREAM_END || z.avail_out === 0) return out.subarray(0, z.next_out);
    throw jsError(status, z);
  } finally {
    // Neither the input nor the lent memory stays reachable from the shared stream.
    z.input = NO_BYTES;
    z.output = NO_BYTES;
  }
}

/**
 * Below this many compressed bytes inflateWholeAsync stays with the JS
 * decoder: a native stream costs a few promise round trips per entry (about
 * 50 µs in Chromium), which only pays off once the entry is big enough. The
 * native path also checks the CRC-32 (the gzip trailer), which the JS path
 * then computes itself; counting that, Chromium's native stream wins from
 * about 2 KiB compressed (measured over the bench dependency set's 32 790
 * entries with fflate as the JS decoder: JS + CRC 57 µs against 67 µs at
 * 1-2 KiB, 113 against 92 at 2-4 KiB, 240 against 160 at 4-8 KiB; pako, in
 * its place now, measured the same way decodes entries under 2 KiB faster
 * than the native stream, is even with it at 2-8 KiB and slower above).
 */
export const NATIVE_WHOLE_MIN = 2 << 10;

/** What inflateWholeAsync decoded, and whether the runtime already checked its CRC-32. */
export interface WholeInflated {
  readonly bytes: Uint8Array;
  /** True when the bytes are known to have the CRC-32 asked for (checked natively). */
  readonly crcChecked: boolean;
}

/**
 * inflateWhole, but where the runtime has no synchronous native zlib (a
 * browser) entries of at least NATIVE_WHOLE_MIN compressed bytes go through
 * DecompressionStream, with the same bound (reading stops at declared + 1
 * bytes of output). Given the entry's CRC-32, the raw data is wrapped as a
 * gzip member whose trailer holds that CRC and the declared size, so the
 * native decoder checks both and the JS CRC-32 is skipped: success then means
 * the data decoded to exactly declared bytes with that CRC and nothing after
 * the final block. Any native failure (bad data, a CRC or size mismatch,
 * trailing bytes) is decided again by inflateWhole (pako) and the caller's
 * own CRC check, whose verdicts stand, as in inflateRaw. `room` is as for
 * inflateWhole: both decoders use it; the runtime's own zlib (Node) does not.
 */
export async function inflateWholeAsync(data: Uint8Array, declared: number, crc32?: number, room?: (n: number) => Uint8Array | undefined): Promise<WholeInflated> {
  if (data.length < NATIVE_WHOLE_MIN || hasNativeInflateRawSync()) return { bytes: inflateWhole(data, declared, room), crcChecked: false };
  return inflateWholeStream(data, declared, crc32, room);
}

/** inflateWholeAsync's DecompressionStream path, whatever the size or runtime (exported for tests in Node). */
export async function inflateWholeStream(data: Uint8Array, declared: number, crc32?: number, room?: (n: number) => Uint8Array | undefined): Promise<WholeInflated> {
  const js = (): WholeInflated => ({ bytes: inflateWhole(data, declared, room), crcChecked: false });
  const gzip = crc32 !== undefined;
  const ds = nativeInflateRaw(gzip ? 'gzip' : 'deflate-raw');
  if (ds === undefined) return js();
  const writer = (ds.writable as WritableLike).getWriter();
  const writing = (gzip ? writer.write(GZIP_HEADER).then(() => writer.write(data)).then(() => writer.write(gzipTrailer(crc32, declared))) : writer.write(data)).then(() => writer.close());
  writing.catch(() => undefined);
  const reader = (ds.readable as ByteStream).getReader();
  // Decoded straight into one buffer of declared + 1 bytes: filling it means too much.
  const n0 = wholeRoom(data, declared);
  const out = room?.(n0) ?? new Uint8Array(n0);
  // A browser's stream hands out each piece in memory of its own, read once:
  // freed as soon as it is copied (see freeBuffer). Not in Node, whose pieces
  // may share memory with the decoder's.
  const free = !hasNativeInflateRawSync();
  let n = 0;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      const take = Math.min(r.value.length, out.length - n);
      out.set(take === r.value.length ? r.value : r.value.subarray(0, take), n);
      if (free && spansBuffer(r.value)) freeBuffer(r.value.buffer);
      n += take;
      if (n === out.length) {
        // More than declared: the caller reports it; stop decoding now.
        await reader.cancel().catch(() => undefined);
        return { bytes: out, crcChecked: false };
      }
    }
    await writing;
  } catch {
    await reader.cancel().catch(() => undefined);
    return js();
  }
  return { bytes: out.subarray(0, n), crcChecked: gzip && n === declared };
}

/** A gzip member header: deflate, no flags, no mtime, no name (RFC 1952). */
const GZIP_HEADER = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff);

/** A gzip member trailer: CRC-32 and size mod 2^32, little-endian. */
function gzipTrailer(crc32: number, size: number): Uint8Array {
  const t = new Uint8Array(8);
  const v = new DataView(t.buffer);
  v.setUint32(0, crc32 >>> 0, true);
  v.setUint32(4, size % 2 ** 32, true);
  return t;
}

/**
 * Decodes the raw DEFLATE stream in `input`, handing each output chunk to
 * `sink` (which may throw InflateAbort to stop). Throws ZipFormatError for bad
 * or truncated data, InflateAbort's reason when the sink aborted, and the
 * input's own error when reading the input failed.
 */
export async function inflateRaw(
  input: ChunkProducer,
  sink: (chunk: Uint8Array) => void,
  onRestart: () => void,
  backend: InflateBackend = 'auto',
): Promise<void> {
  try {
    if (backend !== 'js') {
      const ds = nativeInflateRaw();
      if (ds !== undefined) {
        try {
          await inflateNative(ds, input, sink, NATIVE_SLICE);
          return;
        } catch (err) {
          if (err instanceof InflateAbort || err instanceof SourceFailure) throw err;
          if (backend === 'native') throw new ZipFormatError('corrupt-deflate', `flate: corrupt input (${err instanceof Error ? err.message : String(err)})`);
          onRestart();
        }
      } else if (backend === 'native') {
        throw new Error('modcarry: this runtime lacks DecompressionStream(\'deflate-raw\')');
      }
    }
    await inflateJs(input, sink);
  } catch (err) {
    if (err instanceof InflateAbort || err instanceof SourceFailure) throw err.reason;
    throw err;
  }
}
