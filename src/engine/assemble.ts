/**
 * The stored chunks of a download seen as one file: a Blob made of the chunk
 * Blobs (disk-backed where the store is), so the zip reader works over the
 * whole zip without ever holding it in memory. Also the chunk re-check (each
 * chunk's bytes against its recorded SHA-256) and the map from byte ranges
 * back to chunks, for re-fetching only what is bad.
 */
import type { ChunkRecord, DownloadRecord, EngineStore } from './ports.ts';
import { createSha256, oneShotPays, sha256Digest, toHex } from '../core/internal/sha256.ts';
import { byobReaderOf, hasNativeIncrementalSha256 } from '../core/internal/webstd.ts';

/** The store lost or never had a chunk the progress record counts. */
export class MissingChunkError extends Error {
  override name = 'MissingChunkError';
}

export interface AssembledFile {
  readonly record: DownloadRecord;
  readonly chunks: readonly ChunkRecord[];
  readonly blob: Blob;
}

/** The committed chunks of a complete download, in order and contiguous, as one Blob. */
export async function assembleChunks(store: EngineStore, path: string): Promise<AssembledFile> {
  const record = await store.getDownload(path);
  if (record === undefined || !record.complete) throw new MissingChunkError(`${path}: the download is not complete`);
  const chunks = (await store.listChunks(path)).filter((c) => c.index < record.chunks).sort((a, b) => a.index - b.index);
  const parts: Blob[] = [];
  let offset = 0;
  for (let i = 0; i < record.chunks; i++) {
    const c = chunks[i];
    if (c === undefined || c.index !== i || c.offset !== offset) throw new MissingChunkError(`${path}: chunk ${i} is missing`);
    const blob = await store.getChunk(path, i);
    if (blob === undefined || blob.size !== c.length) throw new MissingChunkError(`${path}: chunk ${i} is missing or has the wrong size`);
    parts.push(blob);
    offset += c.length;
  }
  if (offset !== record.bytes || (record.totalSize !== undefined && offset !== record.totalSize)) {
    throw new MissingChunkError(`${path}: the chunks hold ${offset} bytes, the download ${record.bytes}`);
  }
  return { record, chunks, blob: new Blob(parts) };
}

/**
 * Indices of chunks whose stored bytes no longer hash to their record (or are
 * gone). At most one chunk in memory at a time, and none where the runtime
 * hashes incrementally (Node): there the chunk streams through the hasher.
 */
export async function findBadChunks(store: EngineStore, path: string, chunks: readonly ChunkRecord[]): Promise<number[]> {
  const bad: number[] = [];
  for (const c of chunks) {
    const blob = await store.getChunk(path, c.index);
    if (blob === undefined || blob.size !== c.length) {
      bad.push(c.index);
      continue;
    }
    const got = await sha256HexOfBlob(blob);
    if (got !== c.sha256) bad.push(c.index);
  }
  return bad;
}

/** The chunks overlapping the byte range [start, end). */
export function chunksForRange(chunks: readonly ChunkRecord[], start: number, end: number): number[] {
  return chunks.filter((c) => c.offset < end && c.offset + c.length > start).map((c) => c.index);
}

/** The memory a streamed Blob is read into. */
const BLOB_READ_ROOM = 1 << 20;

/**
 * A Blob's bytes in order, as views of one reused buffer where its stream
 * offers a BYOB reader (Node's does; see sha256HexOfBlob for Chromium's): a
 * yielded view is valid only until the next is asked for. Else the stream's own pieces, a fresh buffer
 * each, which a 400 MiB file turns into hundreds of MiB left for the collector.
 */
export async function* blobPiecesInPlace(blob: Blob): AsyncGenerator<Uint8Array> {
  const stream = blob.stream();
  const byob = byobReaderOf<ReadableStreamBYOBReader>(stream);
  if (byob === undefined) {
    const reader = stream.getReader();
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      void reader.cancel().catch(() => undefined);
    }
  }
  let buf = new Uint8Array(Math.min(BLOB_READ_ROOM, Math.max(1, blob.size)));
  try {
    for (;;) {
      const r = await byob.read(buf);
      if (r.value === undefined) return;
      // The memory came back under a new ArrayBuffer; buf's old one is detached.
      buf = new Uint8Array(r.value.buffer);
      if (r.done) return;
      yield r.value;
    }
  } finally {
    // Releases the stream when the consumer stopped early; nothing waits on it.
    void byob.cancel().catch(() => undefined);
  }
}

/** The bytes [start, end) of a stored Blob, in fresh memory; a short read fails. */
export async function readBlobRange(blob: Blob, start: number, end: number): Promise<Uint8Array> {
  const piece = new Uint8Array(await blob.slice(start, end).arrayBuffer());
  if (piece.length !== end - start) throw new Error(`a stored file read returned ${piece.length} bytes at offset ${start}, want ${end - start}`);
  return piece;
}

/**
 * A Blob's bytes in order, in slices of BLOB_READ_ROOM read one after the
 * other (readBlobRange), each slice fresh memory.
 */
export async function* blobSlices(blob: Blob): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < blob.size; at += BLOB_READ_ROOM) yield await readBlobRange(blob, at, Math.min(blob.size, at + BLOB_READ_ROOM));
}

/**
 * The SHA-256 of a Blob, never holding a whole assembled zip (up to 500 MiB)
 * in memory: read whole for one WebCrypto digest where that pays (browsers,
 * up to oneShotPays' bound: a chunk, a small file); where the runtime hashes
 * incrementally in native code (Node), read into reused memory
 * (blobPiecesInPlace); else (a browser, a large file) read in slices. Not
 * through a BYOB reader there: in Chromium such a read of an assembled zip's
 * Blob now and then never settles (2 of about 50 runs of the bench left a
 * 36 MiB zip's file record waiting on it for good).
 */
export async function sha256HexOfBlob(blob: Blob): Promise<string> {
  if (oneShotPays(blob.size)) return toHex(await sha256Digest(new Uint8Array(await blob.arrayBuffer())));
  const h = createSha256();
  for await (const piece of hasNativeIncrementalSha256() ? blobPiecesInPlace(blob) : blobSlices(blob)) h.update(piece);
  return h.hexDigest();
}
