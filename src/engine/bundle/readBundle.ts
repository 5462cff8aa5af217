/**
 * Reading a carry bundle, entry by entry, with memory bounded by the largest
 * small entry rather than by the bundle:
 * - a plain tar over a RandomAccessSource is indexed by its header offsets
 *   (ustar, GNU long names, PAX path/size records) and every entry's content
 *   is a range of the source: nothing is copied;
 * - a .tar.gz (detected by its magic bytes, from a source or a stream) is
 *   inflated as a stream and decoded with modern-tar; each entry body is
 *   consumed before the entry is yielded: small bodies (≤ inMemoryMax) are
 *   kept in memory, larger ones (module zips up to 500 MiB) are written to a
 *   Spool and read back with random access, and released as soon as the
 *   iteration moves on. SHA-256 is computed on the way in.
 */
import { createTarDecoder } from 'modern-tar';
import { Gunzip } from 'fflate';
import { bytesSource, checkRange } from '../../core/zip/source.ts';
import type { RandomAccessSource } from '../../core/zip/source.ts';
import { utf8Decode } from '../../core/internal/webstd.ts';
import { createSha256 } from '../../core/internal/sha256.ts';

/** Temporary storage for large entry bodies (Node: a temp file; tests: memory). */
export interface Spool {
  create(): Promise<SpoolFile>;
}

export interface SpoolFile {
  write(chunk: Uint8Array): Promise<void>;
  /** Ends writing; the content can then be read at random. */
  finish(): Promise<RandomAccessSource>;
  /** Releases the storage. */
  dispose(): Promise<void>;
}

/** A Spool in memory: for tests and small bundles only. */
export function memorySpool(): Spool & { live: number } {
  const spool = {
    live: 0,
    create(): Promise<SpoolFile> {
      spool.live++;
      const chunks: Uint8Array[] = [];
      let disposed = false;
      return Promise.resolve({
        write(chunk: Uint8Array): Promise<void> {
          chunks.push(chunk.slice());
          return Promise.resolve();
        },
        finish(): Promise<RandomAccessSource> {
          const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
          let at = 0;
          for (const c of chunks) {
            all.set(c, at);
            at += c.length;
          }
          chunks.length = 0;
          return Promise.resolve(bytesSource(all));
        },
        dispose(): Promise<void> {
          if (!disposed) spool.live--;
          disposed = true;
          chunks.length = 0;
          return Promise.resolve();
        },
      });
    },
  };
  return spool;
}

export type BundleEntryType = 'file' | 'directory' | 'other';

/** One entry of a bundle. For streamed bundles, valid only until the iteration moves on. */
export interface BundleEntry {
  /** The path without a trailing '/'. */
  readonly path: string;
  readonly type: BundleEntryType;
  readonly size: number;
  /** Random access to the content. */
  source(): RandomAccessSource;
  /** The whole content (use for small entries). */
  bytes(): Promise<Uint8Array>;
  /** Lower-case hex SHA-256 of the content. */
  sha256(): Promise<string>;
}

export interface ReadBundleOptions {
  /** Where large bodies of a streamed (.tar.gz) bundle go; default: memory. */
  spool?: Spool;
  /** Bodies up to this size stay in memory when streamed; default 1 MiB. */
  inMemoryMax?: number;
}

/** A malformed tar or gzip stream. */
export class BundleFormatError extends Error {
  override name = 'BundleFormatError';
}

const BLOCK = 512;
const READ_CHUNK = 1 << 20;

function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** A source's bytes as a stream of chunks. */
export function sourceStream(src: RandomAccessSource, chunk = READ_CHUNK): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      if (at >= src.size) {
        c.close();
        return;
      }
      const n = Math.min(chunk, src.size - at);
      const data = await src.read(at, n);
      at += n;
      c.enqueue(data.slice());
    },
  });
}

/** A sub-range [start, start+size) of a source, as a source. */
export function rangeSource(src: RandomAccessSource, start: number, size: number): RandomAccessSource {
  return {
    size,
    read(offset: number, length: number): Promise<Uint8Array> {
      checkRange(size, offset, length);
      return src.read(start + offset, length);
    },
  };
}

async function sourceSha256(src: RandomAccessSource): Promise<string> {
  const h = createSha256();
  for (let at = 0; at < src.size; at += READ_CHUNK) h.update(await src.read(at, Math.min(READ_CHUNK, src.size - at)));
  return h.hexDigest();
}

function gunzip(): TransformStream<Uint8Array, Uint8Array> {
  const D = (globalThis as { DecompressionStream?: typeof DecompressionStream }).DecompressionStream;
  if (D !== undefined) {
    try {
      return new D('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>;
    } catch {
      // fall through to fflate
    }
  }
  let gz: Gunzip;
  return new TransformStream<Uint8Array, Uint8Array>({
    start(c) {
      gz = new Gunzip((chunk) => c.enqueue(chunk));
    },
    transform(chunk) {
      gz.push(chunk);
    },
    flush() {
      gz.push(new Uint8Array(0), true);
    },
  });
}

// ---- plain tar, indexed ----

/** One indexed tar entry: where its content lies in the archive. */
export interface TarIndexEntry {
  path: string;
  type: BundleEntryType;
  size: number;
  /** Offset of the content in the archive. */
  offset: number;
}

function cstr(block: Uint8Array, off: number, len: number): string {
  let end = off;
  while (end < off + len && block[end] !== 0) end++;
  return utf8Decode(block.subarray(off, end), false);
}

function octal(block: Uint8Array, off: number, len: number, field: string, at: number): number {
  if ((block[off]! & 0x80) !== 0) {
    let v = block[off]! & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + block[off + i]!;
    if (!Number.isSafeInteger(v)) throw new BundleFormatError(`tar header at ${at}: ${field} too large`);
    return v;
  }
  const s = cstr(block, off, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new BundleFormatError(`tar header at ${at}: bad ${field} ${JSON.stringify(s)}`);
  return parseInt(s, 8);
}

function checksumOk(block: Uint8Array, at: number): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  return octal(block, 148, 8, 'checksum', at) === sum;
}

function parsePax(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const sp = data.indexOf(0x20, at);
    if (sp < 0) break;
    const len = parseInt(utf8Decode(data.subarray(at, sp), false), 10);
    if (!(len > 0) || at + len > data.length) throw new BundleFormatError('malformed PAX record');
    const rec = utf8Decode(data.subarray(sp + 1, at + len - 1), false);
    const eq = rec.indexOf('=');
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    at += len;
  }
  return out;
}

/** Indexes a plain tar: every entry with its content offset. Headers with a bad checksum are errors. */
export async function indexTar(src: RandomAccessSource): Promise<TarIndexEntry[]> {
  const out: TarIndexEntry[] = [];
  let at = 0;
  let longName: string | undefined;
  let pax = new Map<string, string>();
  while (at + BLOCK <= src.size) {
    const block = await src.read(at, BLOCK);
    if (block.every((b) => b === 0)) return out;
    if (!checksumOk(block, at)) throw new BundleFormatError(`tar header at ${at}: checksum mismatch`);
    const flag = String.fromCharCode(block[156]!);
    let size = octal(block, 124, 12, 'size', at);
    const dataAt = at + BLOCK;
    const next = (n: number): number => dataAt + Math.ceil(n / BLOCK) * BLOCK;
    if (flag === 'x' || flag === 'g' || flag === 'L') {
      if (dataAt + size > src.size) throw new BundleFormatError(`tar header at ${at}: truncated`);
      const data = await src.read(dataAt, size);
      if (flag === 'x') pax = parsePax(data);
      if (flag === 'L') longName = cstr(data, 0, data.length);
      at = next(size);
      continue;
    }
    let name = cstr(block, 0, 100);
    const magic = cstr(block, 257, 6);
    if (magic === 'ustar') {
      const prefix = cstr(block, 345, 155);
      if (prefix !== '') name = `${prefix}/${name}`;
    }
    if (longName !== undefined) name = longName;
    const paxPath = pax.get('path');
    if (paxPath !== undefined) name = paxPath;
    const paxSize = pax.get('size');
    if (paxSize !== undefined) {
      if (!/^\d+$/.test(paxSize)) throw new BundleFormatError(`tar header at ${at}: bad PAX size`);
      size = Number(paxSize);
    }
    longName = undefined;
    pax = new Map();
    let type: BundleEntryType = flag === '0' || flag === '\0' || flag === '7' ? 'file' : flag === '5' ? 'directory' : 'other';
    if (type === 'file' && name.endsWith('/')) type = 'directory';
    const bodySize = type === 'file' || type === 'other' ? (flag === '1' || flag === '2' ? 0 : size) : 0;
    if (dataAt + bodySize > src.size) throw new BundleFormatError(`${name}: tar entry truncated`);
    out.push({ path: name.replace(/\/+$/, ''), type, size: bodySize, offset: dataAt });
    at = next(bodySize);
  }
  if (at < src.size || out.length === 0) throw new BundleFormatError('tar archive is truncated');
  return out;
}

function indexedEntry(src: RandomAccessSource, e: TarIndexEntry): BundleEntry {
  const body = rangeSource(src, e.offset, e.size);
  let sha: Promise<string> | undefined;
  return {
    path: e.path,
    type: e.type,
    size: e.size,
    source: () => body,
    bytes: async () => (await body.read(0, e.size)).slice(),
    sha256: () => (sha ??= sourceSha256(body)),
  };
}

// ---- streamed tar(.gz) ----

async function* streamedEntries(stream: ReadableStream<Uint8Array>, opts: ReadBundleOptions): AsyncGenerator<BundleEntry> {
  const spool = opts.spool ?? memorySpool();
  const inMemoryMax = opts.inMemoryMax ?? 1 << 20;
  const decoder = createTarDecoder({ strict: true });
  const reader = stream.pipeThrough(decoder).getReader();
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) return;
      const { header, body } = r.value;
      const type: BundleEntryType = header.type === 'file' ? 'file' : header.type === 'directory' ? 'directory' : 'other';
      const path = header.name.replace(/\/+$/, '');
      const h = createSha256();
      const size = header.size;
      let source: RandomAccessSource;
      let spooled: SpoolFile | undefined;
      const br = body.getReader();
      if (size <= inMemoryMax) {
        const buf = new Uint8Array(size);
        let at = 0;
        for (;;) {
          const c = await br.read();
          if (c.done) break;
          if (at + c.value.length > size) throw new BundleFormatError(`${path}: more bytes than the header says`);
          buf.set(c.value, at);
          h.update(c.value);
          at += c.value.length;
        }
        if (at !== size) throw new BundleFormatError(`${path}: truncated (${at} of ${size} bytes)`);
        source = bytesSource(buf);
      } else {
        spooled = await spool.create();
        let at = 0;
        try {
          for (;;) {
            const c = await br.read();
            if (c.done) break;
            h.update(c.value);
            at += c.value.length;
            await spooled.write(c.value);
          }
          if (at !== size) throw new BundleFormatError(`${path}: truncated (${at} of ${size} bytes)`);
          source = await spooled.finish();
        } catch (e) {
          await spooled.dispose();
          throw e;
        }
      }
      const sha = h.hexDigest();
      try {
        yield {
          path,
          type,
          size,
          source: () => source,
          bytes: async () => (await source.read(0, size)).slice(),
          sha256: () => Promise.resolve(sha),
        };
      } finally {
        await spooled?.dispose();
      }
    }
  } catch (e) {
    await reader.cancel(e).catch(() => {});
    throw e instanceof BundleFormatError ? e : new BundleFormatError(`reading bundle: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    reader.releaseLock();
  }
}

/** Splits off the first chunk(s) of a stream to look at its magic bytes, then replays them. */
async function peek(stream: ReadableStream<Uint8Array>, n: number): Promise<{ head: Uint8Array; stream: ReadableStream<Uint8Array> }> {
  const reader = stream.getReader();
  const seen: Uint8Array[] = [];
  let have = 0;
  let done = false;
  while (have < n) {
    const r = await reader.read();
    if (r.done) {
      done = true;
      break;
    }
    seen.push(r.value);
    have += r.value.length;
  }
  const head = new Uint8Array(have);
  let at = 0;
  for (const c of seen) {
    head.set(c, at);
    at += c.length;
  }
  const replay = new ReadableStream<Uint8Array>({
    start(c) {
      for (const s of seen) c.enqueue(s);
      if (done) c.close();
    },
    async pull(c) {
      if (done) return;
      const r = await reader.read();
      if (r.done) {
        done = true;
        c.close();
      } else c.enqueue(r.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { head, stream: replay };
}

/**
 * The entries of a bundle, in archive order. A RandomAccessSource holding a
 * plain tar is indexed; anything gzipped, or any stream, is streamed.
 */
export async function* readBundle(input: RandomAccessSource | ReadableStream<Uint8Array>, opts: ReadBundleOptions = {}): AsyncGenerator<BundleEntry> {
  if (!(input instanceof ReadableStream)) {
    const head = input.size >= 2 ? await input.read(0, 2) : new Uint8Array(0);
    if (!isGzip(head)) {
      for (const e of await indexTar(input)) yield indexedEntry(input, e);
      return;
    }
    yield* streamedEntries(sourceStream(input).pipeThrough(gunzip()), opts);
    return;
  }
  const { head, stream } = await peek(input, 2);
  yield* streamedEntries(isGzip(head) ? stream.pipeThrough(gunzip()) : stream, opts);
}
