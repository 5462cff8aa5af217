/**
 * A stored file too big to read whole streams into the tar in pieces read
 * ahead of the writer: the store's next reads are under way while a piece is
 * checked and written, and no more than a bounded number at once, however
 * slow the sink.
 */
import { createHash } from 'node:crypto';
import { unpackTar } from 'modern-tar';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportBundle } from '../../../src/engine/bundle/exportBundle.ts';
import type { BundleSourceFile } from '../../../src/engine/bundle/exportBundle.ts';
import { buildFixture, exportInput, goModule } from './bundleFixture.ts';
import type { Fixture } from './bundleFixture.ts';

const PIECE = 1 << 20;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Reads of a Blob's slices: how many are under way now, and the most at once. */
interface ReadLog {
  now: number;
  most: number;
  reads: number;
}

/** A Blob whose slices count their reads, each resolving after a turn of the event loop. */
class CountingBlob extends Blob {
  constructor(
    parts: BlobPart[],
    private readonly log: ReadLog,
  ) {
    super(parts);
  }

  override slice(start?: number, end?: number): Blob {
    const inner = super.slice(start, end);
    const log = this.log;
    return Object.assign(inner, {
      async arrayBuffer(): Promise<ArrayBuffer> {
        log.reads++;
        log.now++;
        log.most = Math.max(log.most, log.now);
        await new Promise((r) => setTimeout(r, 1));
        try {
          return await Blob.prototype.arrayBuffer.call(inner);
        } finally {
          log.now--;
        }
      },
    });
  }
}

let fx: Fixture;
let path: string;
let big: Uint8Array<ArrayBuffer>;

beforeAll(async () => {
  fx = await buildFixture([goModule('example.com/a', 'v1.0.0', { 'a.go': 'package a\n' })]);
  path = fx.files.find((f) => f.path.endsWith('.zip'))!.path;
  big = new Uint8Array(9 * PIECE + 4321).map((_, i) => (i * 2654435761) >>> 24);
});

describe('a streamed file', () => {
  it('is read ahead of a slow writer, two pieces at most, and arrives whole', async () => {
    const log: ReadLog = { now: 0, most: 0, reads: 0 };
    const files: BundleSourceFile[] = fx.files.map((f) => (f.path === path ? { path, size: big.length, body: new CountingBlob([big], log), sha256: sha(big) } : f));
    const chunks: Uint8Array[] = [];
    const sink = new WritableStream<Uint8Array>({
      async write(c) {
        chunks.push(c.slice());
        await new Promise((r) => setTimeout(r, 5));
      },
    });
    await exportBundle(exportInput(fx, { files }), sink, { compression: 'none' });
    expect(log.reads).toBe(10);
    expect(log.most).toBe(2);
    const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    const entry = (await unpackTar(bytes)).find((e) => e.header.name === path);
    expect(sha(entry!.data!)).toBe(sha(big));
  });
});
