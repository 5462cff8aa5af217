/**
 * The memory discipline of the download and its re-check (issue #8): one
 * chunk buffer serves a whole body, refilled only after each commit, and in
 * Node a stored chunk is re-hashed as a stream, never read whole.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { HttpResponseLike } from '../../../src/core/goproxy/http.ts';
import { findBadChunks } from '../../../src/engine/assemble.ts';
import { memoryStore } from '../../../src/engine/memoryStore.ts';
import type { ChunkRecord, Clock, DownloadRecord, EngineStore } from '../../../src/engine/ports.ts';
import { downloadRanged } from '../../../src/engine/rangeDownload.ts';
import type { RangeContext } from '../../../src/engine/rangeDownload.ts';

const CHUNK = 64 << 10;

/** A clock whose sleeps never end unless aborted: no stall fires in these tests. */
const idleClock: Clock = {
  now: () => 0,
  sleep: (_ms, signal) => new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true })),
};

function fileOf(size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 2654435761) >>> 24;
  return b;
}

/** A 200 body of file, in pieces of `piece` bytes. */
function bodyResponse(file: Uint8Array, piece: number): HttpResponseLike {
  let at = 0;
  return {
    status: 200,
    statusText: 'OK',
    headers: { get: (h: string) => (h.toLowerCase() === 'content-length' ? String(file.length) : null) },
    body: {
      getReader: () => ({
        read: async () => {
          if (at >= file.length) return { done: true as const };
          const value = file.slice(at, at + piece);
          at += piece;
          return { done: false as const, value };
        },
        cancel: async () => undefined,
        releaseLock: () => undefined,
      }),
    },
  };
}

/** A store that records, for every committed chunk, its bytes at commit time and the buffer they came in. */
function recordingStore(): { store: EngineStore; commits: { bytes: Uint8Array; buffer: ArrayBufferLike }[] } {
  const inner = memoryStore();
  const commits: { bytes: Uint8Array; buffer: ArrayBufferLike }[] = [];
  const store: EngineStore = {
    ...inner,
    async commitChunk(chunk: ChunkRecord, data: Uint8Array, progress: DownloadRecord) {
      commits.push({ bytes: data.slice(), buffer: data.buffer });
      await inner.commitChunk(chunk, data, progress);
    },
  };
  return { store, commits };
}

function ctxFor(store: EngineStore, file: Uint8Array, piece: number): RangeContext {
  return {
    http: { get: async () => bodyResponse(file, piece) },
    store,
    clock: idleClock,
    signal: new AbortController().signal,
    stallTimeoutMs: 60_000,
    maxSize: 1 << 30,
    log: async () => undefined,
  };
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('downloadRanged memory', () => {
  it('fills every chunk in one reused buffer, each committed with its own bytes and hash', async () => {
    const file = fileOf(5 * CHUNK + 1234);
    const { store, commits } = recordingStore();
    const rec = await downloadRanged(ctxFor(store, file, 10_000), 'cache/download/x/@v/v1.0.0.zip', 'http://127.0.0.1:1/x.zip', CHUNK);
    expect(rec).toMatchObject({ complete: true, chunks: 6, bytes: file.length, totalSize: file.length });
    expect(commits).toHaveLength(6);
    // One buffer for the whole body: no chunk-sized garbage per chunk.
    expect(new Set(commits.map((c) => c.buffer)).size).toBe(1);
    const chunks = await store.listChunks('cache/download/x/@v/v1.0.0.zip');
    commits.forEach((c, i) => {
      const want = file.subarray(i * CHUNK, Math.min((i + 1) * CHUNK, file.length));
      expect(c.bytes).toEqual(want);
      expect(chunks[i]?.sha256).toBe(sha(want));
    });
    for (let i = 0; i < 6; i++) {
      const blob = await store.getChunk('cache/download/x/@v/v1.0.0.zip', i);
      expect(new Uint8Array(await blob!.arrayBuffer())).toEqual(file.subarray(i * CHUNK, Math.min((i + 1) * CHUNK, file.length)));
    }
  });

  it('keeps earlier chunks intact when pieces straddle chunk boundaries', async () => {
    const file = fileOf(3 * CHUNK);
    const { store } = recordingStore();
    await downloadRanged(ctxFor(store, file, CHUNK - 7), 'p', 'http://127.0.0.1:1/x.zip', CHUNK);
    const chunks = await store.listChunks('p');
    expect(chunks.map((c) => c.sha256)).toEqual([0, 1, 2].map((i) => sha(file.subarray(i * CHUNK, (i + 1) * CHUNK))));
    expect(await findBadChunks(store, 'p', chunks)).toEqual([]);
  });
});

describe('findBadChunks in Node', () => {
  it('streams each chunk through the hasher instead of reading it whole, and still finds the bad one', async () => {
    const file = fileOf(3 * CHUNK);
    const inner = memoryStore();
    await downloadRanged(ctxFor(inner, file, 9999), 'p', 'http://127.0.0.1:1/x.zip', CHUNK);
    const chunks = await inner.listChunks('p');
    const store: EngineStore = {
      ...inner,
      async getChunk(path, index) {
        const blob = await inner.getChunk(path, index);
        if (blob === undefined) return undefined;
        // Chunk 1 reads back damaged; no chunk may be read whole.
        const bytes = new Uint8Array(await blob.arrayBuffer());
        if (index === 1) bytes[17] = bytes[17]! ^ 0xff;
        const damaged = new Blob([bytes]);
        return Object.assign(damaged, {
          arrayBuffer: () => Promise.reject(new Error('read whole')),
        });
      },
    };
    expect(await findBadChunks(store, 'p', chunks)).toEqual([1]);
  });
});
