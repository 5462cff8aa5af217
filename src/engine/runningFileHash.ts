/**
 * The SHA-256 of a downloaded file taken as its chunks are committed, so the
 * assembled file need not be read again for its record's hash. A file of one
 * chunk needs no running hash: it is that chunk, whose SHA-256 its record
 * holds.
 *
 * Invariant: a hash is handed out only for the exact sequence of chunks it
 * took in (or, for a file of one chunk, that chunk's recorded hash). Every
 * chunk is identified by its recorded SHA-256, so take() gives a digest only
 * when the stored chunks' records, in order, are the ones that passed
 * through here; a chunk replaced, reset or committed elsewhere (a
 * repair, another job, an earlier session) makes take() return undefined and
 * the caller reads the file as before.
 */
import { createSha256 } from '../core/internal/sha256.ts';
import type { IncrementalSha256 } from '../core/internal/webstd.ts';
import type { ChunkRecord } from './ports.ts';

interface Running {
  readonly hash: IncrementalSha256;
  /** The SHA-256 of every chunk taken in, in order (chunk i at index i). */
  readonly chunks: string[];
}

export class RunningFileHashes {
  readonly #running = new Map<string, Running>();
  readonly #wanted: (totalSize: number | undefined) => boolean;

  /**
   * wanted(totalSize) says whether a download of that size (undefined:
   * unknown) is worth hashing as it arrives: where reading the file back
   * would cost less than hashing it here, it is not.
   */
  constructor(wanted: (totalSize: number | undefined) => boolean) {
    this.#wanted = wanted;
  }

  /**
   * Takes in a chunk of path as it is committed, data being its bytes (read
   * synchronously: the caller may reuse the memory afterwards). Chunk 0
   * starts the file afresh; a chunk that does not follow the last one taken
   * ends the running hash (so does a chunk whose commit failed and is
   * committed again: its index comes twice).
   */
  add(chunk: ChunkRecord, data: Uint8Array, totalSize: number | undefined): void {
    let r = this.#running.get(chunk.path);
    if (chunk.index === 0) {
      this.#running.delete(chunk.path);
      if (!this.#wanted(totalSize) || data.length === totalSize) return;
      r = { hash: createSha256(), chunks: [] };
      this.#running.set(chunk.path, r);
    } else if (r === undefined || r.chunks.length !== chunk.index) {
      this.#running.delete(chunk.path);
      return;
    }
    r.hash.update(data);
    r.chunks.push(chunk.sha256);
  }

  /**
   * The lower-case hex SHA-256 of the file made of chunks (contiguous from
   * offset 0, as assembleChunks checks them): the one chunk's own when there
   * is one, else the running hash when those are exactly the chunks taken in
   * for path; undefined otherwise. Either way path's running hash ends here.
   */
  take(path: string, chunks: readonly ChunkRecord[]): string | undefined {
    const r = this.#running.get(path);
    this.#running.delete(path);
    if (chunks.length === 1 && chunks[0]!.index === 0 && chunks[0]!.offset === 0) return chunks[0]!.sha256;
    if (r === undefined || r.chunks.length !== chunks.length) return undefined;
    for (let i = 0; i < chunks.length; i++) if (chunks[i]!.index !== i || chunks[i]!.sha256 !== r.chunks[i]) return undefined;
    return r.hash.hexDigest();
  }
}
