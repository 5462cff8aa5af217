/**
 * RunningFileHashes: a file's SHA-256 taken as its chunks are committed is
 * handed out only for exactly the chunks it took in, in order; a file of one
 * chunk is that chunk's recorded SHA-256.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ChunkRecord } from '../../../src/engine/ports.ts';
import { RunningFileHashes } from '../../../src/engine/runningFileHash.ts';

const PATH = 'cache/download/example.com/m/@v/v1.0.0.zip';
const SIZE = 1000;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const file = new Uint8Array(3 * SIZE - 123).map((_, i) => (i * 2654435761) >>> 24);

function chunk(index: number, bytes: Uint8Array = file.subarray(index * SIZE, (index + 1) * SIZE)): { rec: ChunkRecord; bytes: Uint8Array } {
  return { rec: { path: PATH, index, offset: index * SIZE, length: bytes.length, sha256: sha(bytes) }, bytes };
}
const all = [0, 1, 2].map((i) => chunk(i));
const records = all.map((c) => c.rec);

function feed(h: RunningFileHashes, chunks: { rec: ChunkRecord; bytes: Uint8Array }[]): void {
  for (const c of chunks) h.add(c.rec, c.bytes, file.length);
}

describe('RunningFileHashes', () => {
  it('gives the whole file\'s SHA-256 for the chunks it took in, once', () => {
    const h = new RunningFileHashes(() => true);
    feed(h, all);
    expect(h.take(PATH, records)).toBe(sha(file));
    expect(h.take(PATH, records)).toBeUndefined();
  });

  it('reads each chunk\'s bytes during the call only (the caller may reuse the memory)', () => {
    const h = new RunningFileHashes(() => true);
    const buf = new Uint8Array(SIZE);
    for (const c of all) {
      buf.set(c.bytes);
      h.add(c.rec, buf.subarray(0, c.bytes.length), file.length);
      buf.fill(0xee);
    }
    expect(h.take(PATH, records)).toBe(sha(file));
  });

  it('starts afresh at chunk 0 (a restarted download)', () => {
    const h = new RunningFileHashes(() => true);
    feed(h, [chunk(0, new Uint8Array(SIZE)), chunk(1, new Uint8Array(SIZE))]);
    feed(h, all);
    expect(h.take(PATH, records)).toBe(sha(file));
  });

  it('gives nothing when a chunk was skipped or came out of order', () => {
    const skipped = new RunningFileHashes(() => true);
    feed(skipped, [all[0]!, all[2]!]);
    expect(skipped.take(PATH, records)).toBeUndefined();
    const late = new RunningFileHashes(() => true);
    feed(late, [all[1]!, all[2]!]);
    expect(late.take(PATH, records)).toBeUndefined();
    // Once broken, a later chunk that would follow does not revive it.
    const broken = new RunningFileHashes(() => true);
    feed(broken, [all[0]!, all[2]!, all[1]!]);
    expect(broken.take(PATH, records)).toBeUndefined();
  });

  it('gives nothing once a chunk came twice (its first commit failed)', () => {
    const h = new RunningFileHashes(() => true);
    feed(h, [all[0]!, all[1]!, all[1]!, all[2]!]);
    expect(h.take(PATH, records)).toBeUndefined();
  });

  it('gives nothing when the stored chunks are not the ones taken in (a repaired chunk)', () => {
    const h = new RunningFileHashes(() => true);
    const damaged = file.slice(SIZE, 2 * SIZE);
    damaged[7]! ^= 1;
    feed(h, [all[0]!, chunk(1, damaged), all[2]!]);
    expect(h.take(PATH, records)).toBeUndefined();
  });

  it('gives nothing for fewer or more chunks than it took in', () => {
    const fewer = new RunningFileHashes(() => true);
    feed(fewer, all.slice(0, 2));
    expect(fewer.take(PATH, records)).toBeUndefined();
    const more = new RunningFileHashes(() => true);
    feed(more, all);
    expect(more.take(PATH, records.slice(0, 2))).toBeUndefined();
  });

  it('hashes only downloads its policy wants, by their total size', () => {
    const sizes: (number | undefined)[] = [];
    const h = new RunningFileHashes((total) => {
      sizes.push(total);
      return total === undefined;
    });
    feed(h, all);
    expect(h.take(PATH, records)).toBeUndefined();
    for (const c of all) h.add(c.rec, c.bytes, undefined);
    expect(h.take(PATH, records)).toBe(sha(file));
    expect(sizes).toEqual([file.length, undefined]);
  });

  it('gives a file of one chunk that chunk\'s recorded SHA-256, without hashing it again', () => {
    const whole = file.subarray(0, SIZE);
    // The record's hash is handed out as it is: a marker shows it was not computed here.
    const rec: ChunkRecord = { path: PATH, index: 0, offset: 0, length: whole.length, sha256: 'ab'.repeat(32) };
    for (const wanted of [true, false]) {
      const h = new RunningFileHashes(() => wanted);
      h.add(rec, whole, whole.length);
      expect(h.take(PATH, [rec])).toBe(rec.sha256);
      // Also when its download began elsewhere (nothing taken in here).
      expect(new RunningFileHashes(() => wanted).take(PATH, [rec])).toBe(rec.sha256);
    }
  });

  it('keeps files apart', () => {
    const h = new RunningFileHashes(() => true);
    const other = 'cache/download/example.com/n/@v/v1.0.0.zip';
    const inverted = file.map((b) => b ^ 0xff);
    const theirs = all.map((c) => {
      const bytes = inverted.subarray(c.rec.offset, c.rec.offset + c.rec.length);
      return { rec: { ...c.rec, path: other, sha256: sha(bytes) }, bytes };
    });
    for (let i = 0; i < all.length; i++) {
      h.add(all[i]!.rec, all[i]!.bytes, file.length);
      h.add(theirs[i]!.rec, theirs[i]!.bytes, file.length);
    }
    expect(h.take(other, theirs.map((c) => c.rec))).toBe(sha(inverted));
    expect(h.take(PATH, records)).toBe(sha(file));
  });
});
