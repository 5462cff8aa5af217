/**
 * The memory discipline of the download and its re-check (issue #8): one
 * chunk buffer serves a whole body, refilled only after each commit, and in
 * Node a stored chunk is re-hashed as a stream, never read whole.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { HttpResponseLike } from '../../../src/core/goproxy/http.ts';
import { blobPiecesInPlace, findBadChunks, sha256HexOfBlob } from '../../../src/engine/assemble.ts';
import { memoryStore } from '../../../src/engine/memoryStore.ts';
import type { ChunkRecord, Clock, DownloadRecord, EngineStore } from '../../../src/engine/ports.ts';
import { downloadRanged, refetchChunks } from '../../../src/engine/rangeDownload.ts';
import type { RangeContext } from '../../../src/engine/rangeDownload.ts';

const CHUNK = 64 << 10;

/** A clock whose sleeps never end unless aborted: no stall fires in these tests. */
const idleClock: Clock = {
  now: () => 0,
  sleep: (_ms, signal) => new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true })),
};

function fileOf(size: number): Uint8Array<ArrayBuffer> {
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

/**
 * A 200 of file as a byte stream (fetch's kind, in browsers and Node), sending
 * at most `piece` bytes per read, with `declared` as its Content-Length. Every
 * pull is logged: whether it filled the reader's memory (BYOB) and how large
 * that memory is.
 */
function byteStreamResponse(file: Uint8Array, piece: number, declared = file.length): { res: HttpResponseLike; pulls: { byob: boolean; room: number; memory: number }[] } {
  let at = 0;
  const pulls: { byob: boolean; room: number; memory: number }[] = [];
  const stream = new ReadableStream({
    type: 'bytes',
    pull(controller) {
      if (at >= file.length) {
        controller.close();
        controller.byobRequest?.respond(0);
        return;
      }
      const req = controller.byobRequest;
      const view = req?.view;
      if (req && view) {
        const n = Math.min(piece, view.byteLength, file.length - at);
        new Uint8Array(view.buffer, view.byteOffset, n).set(file.subarray(at, at + n));
        pulls.push({ byob: true, room: view.byteLength, memory: view.buffer.byteLength });
        at += n;
        req.respond(n);
      } else {
        pulls.push({ byob: false, room: 0, memory: 0 });
        controller.enqueue(file.slice(at, at + piece));
        at += piece;
      }
    },
  });
  const res: HttpResponseLike = {
    status: 200,
    statusText: 'OK',
    headers: { get: (h: string) => (h.toLowerCase() === 'content-length' ? String(declared) : null) },
    body: {
      getReader: () => {
        throw new Error('a byte stream is to be read with its BYOB reader');
      },
      getByobReader: () => stream.getReader({ mode: 'byob' }),
    },
  };
  return { res, pulls };
}

describe('downloadRanged over a byte stream (BYOB)', () => {
  it('reads the body straight into the chunk memory, never into pieces of its own', async () => {
    const file = fileOf(4 * CHUNK + 999);
    const { res, pulls } = byteStreamResponse(file, 10_000);
    const { store, commits } = recordingStore();
    const rec = await downloadRanged({ ...ctxFor(store, file, 0), http: { get: async () => res } }, 'p', 'http://127.0.0.1:1/x.zip', CHUNK);
    expect(rec).toMatchObject({ complete: true, chunks: 5, bytes: file.length });
    expect(pulls.length).toBeGreaterThan(0);
    // Every read landed in the reader's memory, one chunk large, never more than a chunk's free room.
    expect(pulls.every((p) => p.byob && p.memory === CHUNK && p.room <= CHUNK)).toBe(true);
    commits.forEach((c, i) => expect(c.bytes).toEqual(file.subarray(i * CHUNK, Math.min((i + 1) * CHUNK, file.length))));
    const chunks = await store.listChunks('p');
    expect(chunks.map((c) => c.sha256)).toEqual(commits.map((c) => sha(c.bytes)));
  });

  it('gives a body shorter than a chunk memory for its declared length and one byte, and hands it over whole', async () => {
    const file = fileOf(30_000);
    const { res, pulls } = byteStreamResponse(file, 4096);
    const { store, commits } = recordingStore();
    let taken: Uint8Array | undefined;
    const ctx: RangeContext = {
      ...ctxFor(store, file, 0),
      http: { get: async () => res },
      takeWhole: (data) => {
        taken = data;
        return true;
      },
    };
    const rec = await downloadRanged(ctx, 'p', 'http://127.0.0.1:1/x.zip', CHUNK);
    expect(rec).toMatchObject({ complete: true, chunks: 1, bytes: file.length });
    expect(pulls.every((p) => p.byob && p.memory === file.length + 1)).toBe(true);
    expect(taken).toEqual(file);
    expect(commits).toHaveLength(0);
  });

  it('refuses a body longer than its Content-Length before committing any of it', async () => {
    const file = fileOf(2 * CHUNK + 500);
    const { res } = byteStreamResponse(file, 8192, CHUNK + 100);
    const { store, commits } = recordingStore();
    await expect(downloadRanged({ ...ctxFor(store, file, 0), http: { get: async () => res } }, 'p', 'http://127.0.0.1:1/x.zip', CHUNK)).rejects.toThrow(
      /more bytes than the declared size 65636/,
    );
    // The first chunk is whole and within the declared size; nothing past it is kept.
    expect(commits.length).toBeLessThanOrEqual(1);
    expect((await store.getDownload('p'))?.complete ?? false).toBe(false);
  });

  it('refuses a short declared body that runs on, though its memory has room for one byte more only', async () => {
    const file = fileOf(5000);
    const { res } = byteStreamResponse(file, 1000, 3000);
    const { store, commits } = recordingStore();
    await expect(downloadRanged({ ...ctxFor(store, file, 0), http: { get: async () => res } }, 'p', 'http://127.0.0.1:1/x.zip', CHUNK)).rejects.toThrow(
      /more bytes than the declared size 3000/,
    );
    expect(commits).toHaveLength(0);
    expect(await store.getDownload('p')).toBeUndefined();
  });

  it('refuses a body over maxSize as too large', async () => {
    const file = fileOf(3 * CHUNK);
    const { res } = byteStreamResponse(file, 8192);
    const { store } = recordingStore();
    await expect(downloadRanged({ ...ctxFor(store, file, 0), http: { get: async () => res }, maxSize: 2 * CHUNK + 1 }, 'p', 'http://127.0.0.1:1/x.zip', CHUNK)).rejects.toThrow(
      'downloaded zip file too large',
    );
  });
});

describe('downloadRanged with the record its caller read', () => {
  function counting(inner: EngineStore): { store: EngineStore; reads: () => number } {
    let n = 0;
    return {
      store: {
        ...inner,
        getDownload: (path) => {
          n++;
          return inner.getDownload(path);
        },
      },
      reads: () => n,
    };
  }

  it('does not read the record again when told there is none', async () => {
    const file = fileOf(2 * CHUNK + 10);
    const { store, reads } = counting(memoryStore());
    const rec = await downloadRanged(ctxFor(store, file, 5000), 'p', 'http://127.0.0.1:1/x.zip', CHUNK, { record: undefined });
    expect(rec).toMatchObject({ complete: true, chunks: 3, bytes: file.length });
    expect(reads()).toBe(0);
  });

  it('resumes from the record it is given, asking for the rest of the file', async () => {
    const file = fileOf(3 * CHUNK);
    const inner = memoryStore();
    // One chunk stored by an earlier, interrupted run.
    await inner.commitChunk({ path: 'p', index: 0, offset: 0, length: CHUNK, sha256: sha(file.subarray(0, CHUNK)) }, file.slice(0, CHUNK), {
      formatVersion: 1,
      path: 'p',
      url: 'http://127.0.0.1:1/x.zip',
      chunkSize: CHUNK,
      chunks: 1,
      bytes: CHUNK,
      complete: false,
      totalSize: file.length,
    });
    const { store, reads } = counting(inner);
    const ranges: string[] = [];
    const ctx: RangeContext = {
      ...ctxFor(store, file, 0),
      http: {
        get: async (_url, init) => {
          const range = init?.headers?.['Range'] ?? '';
          ranges.push(range);
          const from = Number(/^bytes=(\d+)-$/.exec(range)?.[1] ?? 0);
          const { res } = byteStreamResponse(file.slice(from), 7000);
          return { ...res, status: 206, headers: { get: (h: string) => (h.toLowerCase() === 'content-range' ? `bytes ${from}-${file.length - 1}/${file.length}` : null) } };
        },
      },
    };
    const known = await inner.getDownload('p');
    const rec = await downloadRanged(ctx, 'p', 'http://127.0.0.1:1/x.zip', CHUNK, { record: known });
    expect(ranges).toEqual([`bytes=${CHUNK}-`]);
    expect(rec).toMatchObject({ complete: true, chunks: 3, bytes: file.length });
    expect(reads()).toBe(0);
    const chunks = await inner.listChunks('p');
    expect(chunks.map((c) => c.sha256)).toEqual([0, 1, 2].map((i) => sha(file.subarray(i * CHUNK, (i + 1) * CHUNK))));
  });
});

describe('refetchChunks', () => {
  async function stored(file: Uint8Array): Promise<EngineStore> {
    const store = memoryStore();
    await downloadRanged(ctxFor(store, file, 7000), 'p', 'http://127.0.0.1:1/x.zip', CHUNK);
    return store;
  }
  /** A 206 for chunk `index` of file, as a byte stream carrying `extra` bytes past the range. */
  function partial(file: Uint8Array, index: number, extra = 0): HttpResponseLike {
    const start = index * CHUNK;
    const end = Math.min(start + CHUNK, file.length);
    const body = new Uint8Array(end - start + extra);
    body.set(file.subarray(start, end));
    const { res } = byteStreamResponse(body, 5000);
    return { ...res, status: 206, headers: { get: (h: string) => (h.toLowerCase() === 'content-range' ? `bytes ${start}-${end - 1}/${file.length}` : null) } };
  }

  it('replaces a chunk with the bytes of its range', async () => {
    const file = fileOf(3 * CHUNK);
    const store = await stored(file);
    const ctx: RangeContext = { ...ctxFor(store, file, 0), http: { get: async () => partial(file, 1) } };
    expect(await refetchChunks(ctx, 'p', [1])).toBe('ok');
    const blob = await store.getChunk('p', 1);
    expect(new Uint8Array(await blob!.arrayBuffer())).toEqual(file.subarray(CHUNK, 2 * CHUNK));
  });

  it('refuses more bytes than the range, keeping the stored chunk', async () => {
    const file = fileOf(3 * CHUNK);
    const store = await stored(file);
    const before = await store.listChunks('p');
    const ctx: RangeContext = { ...ctxFor(store, file, 0), http: { get: async () => partial(file, 1, 3) } };
    await expect(refetchChunks(ctx, 'p', [1])).rejects.toThrow(/more bytes than the requested range/);
    expect(await store.listChunks('p')).toEqual(before);
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

describe('blobPiecesInPlace', () => {
  it('reads a Blob in order into one reused megabyte of memory', async () => {
    const file = fileOf((3 << 20) + 12345);
    const seen: Uint8Array[] = [];
    const memories = new Set<number>();
    for await (const piece of blobPiecesInPlace(new Blob([file]))) {
      memories.add(piece.buffer.byteLength);
      seen.push(piece.slice());
    }
    expect(memories).toEqual(new Set([1 << 20]));
    expect(seen.map((p) => p.length)).toEqual([1 << 20, 1 << 20, 1 << 20, 12345]);
    expect(sha(Buffer.concat(seen))).toBe(sha(file));
    expect(await sha256HexOfBlob(new Blob([file]))).toBe(sha(file));
  });

  it('takes the pieces of a stream that has no BYOB reader as they come', async () => {
    const file = fileOf(200_000);
    const blob = new Blob([file]);
    const plain = Object.assign(blob, {
      stream: () =>
        new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(file.slice(0, 70_000));
            c.enqueue(file.slice(70_000));
            c.close();
          },
        }),
    });
    const seen: Uint8Array[] = [];
    for await (const piece of blobPiecesInPlace(plain)) seen.push(piece);
    expect(seen.map((p) => p.length)).toEqual([70_000, 130_000]);
    expect(Buffer.concat(seen)).toEqual(Buffer.from(file));
  });

  it('yields nothing for an empty Blob', async () => {
    const seen: Uint8Array[] = [];
    for await (const piece of blobPiecesInPlace(new Blob([]))) seen.push(piece);
    expect(seen).toEqual([]);
  });
});
