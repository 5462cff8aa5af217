/**
 * Raw DEFLATE decompression of one zip entry with a hard output limit.
 *
 * The native DecompressionStream('deflate-raw') is the fast path. It differs
 * from Go's compress/flate in one way that matters: it rejects bytes after the
 * final block, which Go ignores. So the native path is trusted only when it
 * succeeds; on any decoding error the entry is decoded again with fflate's
 * streaming Inflate, which behaves like Go (trailing bytes ignored, truncation
 * reported as "unexpected EOF"), and fflate's verdict stands.
 *
 * Input is fed in small slices and every output chunk passes through `sink`,
 * which throws once the limit is crossed, so a deflate bomb is stopped after at
 * most about one slice's worth of expansion (deflate expands at most ~1032x).
 */
import { Inflate, inflateSync } from 'fflate';
import { hasNativeInflateRawSync, nativeInflateRaw, nativeInflateRawSync } from '../internal/webstd.ts';
import type { ByteStream } from '../internal/webstd.ts';
import { ZipFormatError } from './errors.ts';

/**
 * Input slice per decoder step. DEFLATE expands at most ~1032x, so a step can
 * overshoot the declared size by at most ~1032 slices' worth: the slice is
 * about the declared size / 1024 (so a lying entry overshoots by at most about
 * its own declared size), never below 16 KiB (a bomb with a tiny declared size
 * costs at most ~16 MiB) and never above 256 KiB. Small slices are slow
 * (every step has a fixed cost), which is why entries small enough are decoded
 * in one call instead (inflateWhole).
 */
function sliceFor(declared: number): number {
  return Math.min(256 << 10, Math.max(16 << 10, Math.floor(declared / 1024)));
}

/**
 * The native decompressor emits its output in small chunks under stream
 * backpressure, and the sink stops it as soon as the declared size is passed,
 * so its input can go in larger slices without letting a bomb grow memory.
 */
const NATIVE_SLICE = 256 << 10;

/** Entries whose compressed data is at most this many bytes are decoded in one call. */
export const WHOLE_MAX_COMPRESSED = 1 << 20;

/** Compressed input, re-readable from the start (the fallback reads it again). */
export type ChunkProducer = () => AsyncIterable<Uint8Array>;

/** Which decoder to use; 'auto' is native with the fflate fallback. */
export type InflateBackend = 'auto' | 'native' | 'fflate';

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

async function inflateFflate(input: ChunkProducer, sink: (chunk: Uint8Array) => void, slice: number): Promise<void> {
  const inflater = new Inflate((chunk) => {
    if (chunk.length > 0) sink(chunk);
  });
  try {
    for await (const chunk of guarded(input)) {
      for (let i = 0; i < chunk.length; i += slice) {
        inflater.push(chunk.subarray(i, Math.min(chunk.length, i + slice)), false);
      }
    }
    inflater.push(new Uint8Array(0), true);
  } catch (err) {
    if (err instanceof InflateAbort || err instanceof SourceFailure) throw err;
    // fflate error code 0 is "unexpected EOF"; the rest are corrupt streams.
    throw fflateError(err);
  }
}

/** fflate's error as Go's: code 0 is "unexpected EOF"; the rest are corrupt streams. */
function fflateError(err: unknown): ZipFormatError {
  const code = (err as { code?: unknown }).code;
  if (code === 0) return new ZipFormatError('unexpected-eof');
  return new ZipFormatError('corrupt-deflate', `flate: corrupt input (${err instanceof Error ? err.message : String(err)})`);
}

/**
 * Decodes a whole raw DEFLATE stream held in memory into a buffer of
 * declared + 1 bytes, in one call (fast for the many small files of a module).
 * The output never exceeds that buffer (fflate drops writes past its end), so
 * memory stays bounded whatever the data says; a result of declared + 1 bytes
 * means the data inflates to more than declared. Trailing bytes after the
 * final block are ignored, as Go does. Given `room` (memory of n bytes on
 * demand, or undefined for none), the JS decoder decodes there instead of into
 * new memory, its result then a view of it; the runtime's zlib never asks.
 */
export function inflateWhole(data: Uint8Array, declared: number, room?: (n: number) => Uint8Array | undefined): Uint8Array {
  // The runtime's zlib, when present, decides only successes: the data decoded
  // completely within the limit (Go also ignores bytes after the final block).
  const fast = nativeInflateRawSync(data, declared + 1);
  if (fast !== undefined) return fast;
  try {
    return inflateSync(data, { out: room?.(declared + 1) ?? new Uint8Array(declared + 1) });
  } catch (err) {
    throw fflateError(err);
  }
}

/**
 * Below this many compressed bytes inflateWholeAsync stays with the JS
 * decoder: a native stream costs a few promise round trips per entry (about
 * 50 µs in Chromium), which only pays off once the entry is big enough. The
 * native path also checks the CRC-32 (the gzip trailer), which the JS path
 * then computes itself; counting that, Chromium's native stream wins from
 * about 2 KiB compressed (measured over the bench dependency set's 32 790
 * entries: fflate + CRC 57 µs against 67 µs at 1-2 KiB, 113 against 92 at 2-4
 * KiB, 240 against 160 at 4-8 KiB).
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
 * trailing bytes) is decided again by inflateWhole (fflate) and the caller's
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
  const out = room?.(declared + 1) ?? new Uint8Array(declared + 1);
  let n = 0;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      const take = Math.min(r.value.length, out.length - n);
      out.set(take === r.value.length ? r.value : r.value.subarray(0, take), n);
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
  declared = 0,
): Promise<void> {
  const slice = sliceFor(declared);
  try {
    if (backend !== 'fflate') {
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
    await inflateFflate(input, sink, slice);
  } catch (err) {
    if (err instanceof InflateAbort || err instanceof SourceFailure) throw err.reason;
    throw err;
  }
}
