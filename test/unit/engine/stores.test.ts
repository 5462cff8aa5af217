/** The EngineStore contract, run against the memory store and the file-system store. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryStore } from '../../../src/engine/memoryStore.ts';
import { StorageFullError } from '../../../src/engine/ports.ts';
import { openFsStore } from '../../../src/platform/node/fsStore.ts';
import { storeSuite } from '../../support/storeSuite.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

storeSuite('memoryStore', { open: () => Promise.resolve(memoryStore()) });

storeSuite('fsStore', {
  open: async () => {
    const d = mkdtempSync(join(tmpdir(), 'modcarry-fsstore-'));
    dirs.push(d);
    return openFsStore(d);
  },
  reopen: (s) => openFsStore((s as unknown as { dir: string }).dir),
});

describe('memoryStore capacity', () => {
  it('refuses writes past its capacity with the numbers, changing nothing', async () => {
    const s = memoryStore({ capacity: 10 });
    const path = 'cache/z.zip';
    await s.resetDownload({ formatVersion: 1, path, url: 'u', chunkSize: 8, chunks: 0, bytes: 0, complete: false });
    await s.commitChunk({ path, index: 0, offset: 0, length: 8, sha256: 'a' }, new Uint8Array(8), { formatVersion: 1, path, url: 'u', chunkSize: 8, chunks: 1, bytes: 8, complete: false });
    const err = await s
      .commitChunk({ path, index: 1, offset: 8, length: 8, sha256: 'b' }, new Uint8Array(8), { formatVersion: 1, path, url: 'u', chunkSize: 8, chunks: 2, bytes: 16, complete: false })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageFullError);
    expect((err as StorageFullError).needed).toBe(8);
    expect((err as StorageFullError).available).toBe(2);
    expect((await s.getDownload(path))?.chunks).toBe(1);
    expect(await s.listChunks(path)).toHaveLength(1);
  });
});
