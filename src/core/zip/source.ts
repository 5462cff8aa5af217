/**
 * Random access to the bytes of a zip, wherever they live: in memory, in a
 * disk-backed Blob (the browser's chunk store), or in a file (Node, through
 * src/platform/node/fileSource.ts). The zip reader needs only the end of the
 * archive, the central directory and one entry at a time, so a 500 MiB module
 * zip never has to be in memory whole.
 */
import { freeBuffer } from '../internal/webstd.ts';

/**
 * A fixed-size byte range source. read returns exactly `length` bytes starting
 * at `offset`; a range outside [0, size] is a RangeError. The returned bytes
 * may be a view of the source's own memory: callers must not modify them.
 */
export interface RandomAccessSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Says that bytes, from read, will not be read again, nor any view of their
   * memory: a source that gave them memory of their own frees it now (see
   * freeBuffer); other bytes are left alone. Optional, for large reads.
   */
  done?(bytes: Uint8Array): void;
}

/** The structural subset of a Blob that blobSource needs. */
export interface BlobLike {
  readonly size: number;
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

/** Throws a RangeError unless [offset, offset+length) lies within [0, size]. */
export function checkRange(size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new RangeError(`read of ${length} bytes at offset ${offset} is outside the source (size ${size})`);
  }
}

/** A source over bytes already in memory; reads are views, not copies. */
export function bytesSource(data: Uint8Array): RandomAccessSource {
  return {
    size: data.length,
    read(offset: number, length: number): Promise<Uint8Array> {
      try {
        checkRange(data.length, offset, length);
      } catch (err) {
        return Promise.reject(err);
      }
      return Promise.resolve(data.subarray(offset, offset + length));
    },
  };
}

/** A source over a Blob (or File); each read slices and reads only that range. */
export function blobSource(blob: BlobLike): RandomAccessSource {
  return readAheadSource(blob.size, async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()), WINDOW, freeBuffer);
}

/**
 * A source over readRaw, an asynchronous read of exactly [offset, offset +
 * length). Each such read is a round trip (an IPC hop to the blob store in
 * browsers, a thread-pool hop for a Node file), and a module zip is read as
 * thousands of small pieces in nearly ascending order (a header, then an
 * entry's data, per file); so reads of at most windowBytes / 4 bytes are
 * served from one read-ahead window of windowBytes (WINDOW unless given),
 * which bounds the extra memory. Given free (where readRaw gives fresh
 * memory each time: freeBuffer), a larger read handed out as it came has its
 * memory freed on done(); the window, whose views many reads share, never.
 */
export function readAheadSource(
  size: number,
  readRaw: (offset: number, length: number) => Promise<Uint8Array>,
  windowBytes: number = WINDOW,
  free?: (buffer: ArrayBufferLike) => void,
): RandomAccessSource {
  let windowStart = 0;
  let held: Uint8Array | undefined;
  /** The memory of reads handed out whole and not yet done with. */
  const handedOut = new WeakSet<ArrayBufferLike>();
  const readExact = async (offset: number, length: number): Promise<Uint8Array> => {
    const bytes = await readRaw(offset, length);
    if (bytes.length !== length) throw new RangeError(`read returned ${bytes.length} bytes at offset ${offset}, want ${length}`);
    return bytes;
  };
  return {
    size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      checkRange(size, offset, length);
      if (held !== undefined && offset >= windowStart && offset + length <= windowStart + held.length) {
        return held.subarray(offset - windowStart, offset - windowStart + length);
      }
      if (length > windowBytes / 4) {
        const bytes = await readExact(offset, length);
        if (free !== undefined) handedOut.add(bytes.buffer);
        return bytes;
      }
      held = await readExact(offset, Math.min(windowBytes, size - offset));
      windowStart = offset;
      return held.subarray(0, length);
    },
    done(bytes: Uint8Array): void {
      if (handedOut.delete(bytes.buffer)) free?.(bytes.buffer);
    },
  };
}

/**
 * Memory for a source's reads that done() hands back (give): the next read
 * that fits takes it (take) instead of new memory. Where memory is freed only
 * when the collector runs (Node, whose ArrayBuffers cannot be freed at once),
 * a zip of large entries otherwise leaves a fresh buffer behind per read: a
 * hashing thread's RSS grew by tens of MiB that way on a 400 MiB zip.
 */
export interface ReadMemory {
  /** length bytes for a read to fill: the memory given back last, when it is large enough. */
  take(length: number): Uint8Array;
  /** Memory no one uses any more (readAheadSource's free). */
  give(buffer: ArrayBufferLike): void;
}

export function readMemory(): ReadMemory {
  let spare: ArrayBufferLike | undefined;
  return {
    take(length) {
      if (spare === undefined || spare.byteLength < length) return new Uint8Array(length);
      const b = spare;
      spare = undefined;
      return new Uint8Array(b, 0, length);
    },
    give(buffer) {
      if (spare === undefined || buffer.byteLength > spare.byteLength) spare = buffer;
    },
  };
}

/** The read-ahead window of readAheadSource, unless its caller gives another. */
const WINDOW = 4 << 20;
