/**
 * chunkFilesSource: a download's chunk files read as one run of bytes, as the
 * CLI's engine and hashing threads read a zip assembled from stored chunks.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chunkFilesSource } from '../../../src/platform/node/chunkFilesSource.ts';
import type { ChunkFile } from '../../../src/platform/node/chunkFilesSource.ts';

const dir = mkdtempSync(join(tmpdir(), 'modcarry-chunkfiles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** data cut into files of the given sizes under dir (named by tag). */
function files(data: Uint8Array, sizes: readonly number[], tag: string): ChunkFile[] {
  const out: ChunkFile[] = [];
  let at = 0;
  sizes.forEach((size, i) => {
    const file = join(dir, `${tag}-${i}`);
    writeFileSync(file, data.subarray(at, at + size));
    out.push({ file, size });
    at += size;
  });
  return out;
}

describe('chunkFilesSource', () => {
  const data = new Uint8Array(randomBytes(10_000_000));
  const sizes = [3_000_000, 3_000_000, 1, 3_999_999];
  const src = chunkFilesSource(files(data, sizes, 'a'));

  it('reads any range of the files laid end to end, within one file or across several', async () => {
    expect(src.size).toBe(data.length);
    const ranges: [number, number][] = [
      [0, 10],
      [2_999_990, 20],
      [3_000_000, 3_000_000],
      [5_999_999, 3],
      [0, 10_000_000],
      [9_999_990, 10],
      [4_000_000, 1_500_000],
    ];
    for (const [offset, length] of ranges) expect(Buffer.from(await src.read(offset, length)).equals(Buffer.from(data.subarray(offset, offset + length)))).toBe(true);
  });

  it('refuses a range outside the files', async () => {
    await expect(src.read(9_999_999, 2)).rejects.toThrow(RangeError);
  });

  it('fails a read of a file whose size is not its journal\'s, naming the file', async () => {
    const f = files(data, [1000, 1000], 'b');
    writeFileSync(f[1]!.file, new Uint8Array(999));
    await expect(chunkFilesSource(f).read(1500, 10)).rejects.toThrow(`${f[1]!.file} holds 999 bytes, its download's journal says 1000`);
  });

  it('fails a read of a file that is gone with the file system\'s error', async () => {
    await expect(chunkFilesSource([{ file: join(dir, 'gone'), size: 5 }]).read(0, 5)).rejects.toThrow(/ENOENT/);
  });
});
