/**
 * The one gateway from src/core to the web-standard APIs that every runtime
 * modcarry targets provides identically (browser page, dedicated worker,
 * service worker, Node >= 20.19): WebCrypto, the Encoding API and
 * DecompressionStream.
 *
 * Core is compiled with no DOM and no Node types, so nothing in core can reach
 * a runtime global by accident; these narrow structural types are the only
 * surface it sees. Storage, network and clock never come through here: they are
 * ports passed in by the caller.
 */

/** The subset of SubtleCrypto that core uses. */
export interface Subtle {
  digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer>;
  importKey(
    format: 'raw',
    keyData: Uint8Array,
    algorithm: { name: 'Ed25519' },
    extractable: boolean,
    usages: readonly 'verify'[],
  ): Promise<CryptoKeyHandle>;
  verify(algorithm: { name: 'Ed25519' }, key: CryptoKeyHandle, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
}

/** An opaque WebCrypto key. */
export interface CryptoKeyHandle {
  readonly type: string;
}

interface TextDecoderLike {
  decode(input: Uint8Array): string;
}

interface TextEncoderLike {
  encode(input: string): Uint8Array;
}

/** A WHATWG ReadableStream reader, as much of it as core needs. */
export interface StreamReader<T> {
  read(): Promise<{ done: true; value?: undefined } | { done: false; value: T }>;
  cancel(reason?: unknown): Promise<void>;
  releaseLock(): void;
}

/**
 * A stream's BYOB reader, or undefined where the stream is not a byte stream
 * (getReader throws a TypeError then, and the stream stays unlocked).
 */
export function byobReaderOf<R>(stream: { getReader(options: { mode: 'byob' }): R }): R | undefined {
  try {
    return stream.getReader({ mode: 'byob' });
  } catch {
    return undefined;
  }
}

/** A WHATWG ReadableStream, as much of it as core needs. */
export interface ByteStream {
  getReader(): StreamReader<Uint8Array>;
  pipeThrough(transform: { writable: unknown; readable: unknown }): ByteStream;
}

interface Globals {
  crypto?: { subtle?: Subtle };
  TextEncoder?: new () => TextEncoderLike;
  TextDecoder?: new (label: string, options: { fatal: boolean; ignoreBOM?: boolean }) => TextDecoderLike;
  DecompressionStream?: new (format: 'deflate-raw' | 'gzip') => { writable: unknown; readable: unknown };
  ReadableStream?: { from?: unknown } & (new (source: {
    pull?(controller: { enqueue(chunk: Uint8Array): void; close(): void }): void | Promise<void>;
    start?(controller: { enqueue(chunk: Uint8Array): void; close(): void }): void | Promise<void>;
    cancel?(reason?: unknown): void | Promise<void>;
  }) => ByteStream);
}

const g = globalThis as unknown as Globals;

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) {
    throw new Error(`modcarry: this runtime lacks ${name}; it needs a browser from 2025 or Node >= 20.19`);
  }
  return value;
}

/** WebCrypto's SubtleCrypto. */
export function subtle(): Subtle {
  return required(g.crypto?.subtle, 'crypto.subtle');
}

/** SHA-256 of data, via WebCrypto. */
export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-256', data));
}

let encoder: TextEncoderLike | undefined;
let strictDecoder: TextDecoderLike | undefined;
let lossyDecoder: TextDecoderLike | undefined;

/** The UTF-8 bytes of s. Lone surrogates become U+FFFD, as in Go's []byte(s). */
export function utf8Encode(s: string): Uint8Array {
  encoder ??= new (required(g.TextEncoder, 'TextEncoder'))();
  return encoder.encode(s);
}

/**
 * Decodes UTF-8. With strict (the default) invalid UTF-8 throws a TypeError;
 * otherwise invalid sequences become U+FFFD. A leading BOM is kept as U+FEFF.
 */
export function utf8Decode(bytes: Uint8Array, strict = true): string {
  if (strict) {
    strictDecoder ??= new (required(g.TextDecoder, 'TextDecoder'))('utf-8', { fatal: true, ignoreBOM: true });
    return strictDecoder.decode(bytes);
  }
  lossyDecoder ??= new (required(g.TextDecoder, 'TextDecoder'))('utf-8', { fatal: false, ignoreBOM: true });
  return lossyDecoder.decode(bytes);
}

/** Whether bytes are valid UTF-8. */
export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    utf8Decode(bytes, true);
    return true;
  } catch {
    return false;
  }
}

/** A native raw-deflate (or gzip) decompressor stream, where the runtime has one. */
export function nativeInflateRaw(format: 'deflate-raw' | 'gzip' = 'deflate-raw'): { writable: unknown; readable: unknown } | undefined {
  const D = g.DecompressionStream;
  if (D === undefined) return undefined;
  try {
    return new D(format);
  } catch {
    return undefined;
  }
}

interface NodeZlib {
  inflateRawSync(data: Uint8Array, options: { maxOutputLength: number; chunkSize?: number }): Uint8Array;
  crc32?(data: Uint8Array, value?: number): number;
}

let nodeZlib: NodeZlib | null | undefined;

function zlib(): NodeZlib | null {
  if (nodeZlib === undefined) {
    const proc = (globalThis as unknown as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    nodeZlib = (proc?.getBuiltinModule?.('node:zlib') as NodeZlib | undefined) ?? null;
  }
  return nodeZlib;
}

/**
 * The runtime's own CRC-32 (IEEE), continuing from crc, where it has one
 * (Node's zlib.crc32); undefined elsewhere, and the caller computes it itself.
 */
export function nativeCrc32(): ((data: Uint8Array, crc: number) => number) | undefined {
  const z = zlib();
  const f = z?.crc32;
  return f === undefined ? undefined : (data, crc) => f.call(z, data, crc);
}

/**
 * One-call raw-deflate decoding by the runtime's own zlib, where it has one
 * (Node, through process.getBuiltinModule), producing at most maxOutput bytes:
 * about twice as fast as fflate for the many small files of a module zip.
 * Returns undefined when the runtime has no such decoder, or when the data
 * fails to decode or would exceed maxOutput: the caller then decodes with its
 * own decoder, whose verdict stands (so error semantics never depend on the
 * runtime).
 */
/** Whether the runtime has the synchronous decoder nativeInflateRawSync uses. */
export function hasNativeInflateRawSync(): boolean {
  return zlib() !== null;
}

/** zlib's smallest output chunk (Z_MIN_CHUNK). */
const MIN_ZLIB_CHUNK = 64;
/** The largest output buffer nativeInflateRawSync asks zlib for at once. */
const MAX_ZLIB_CHUNK = 1 << 20;

export function nativeInflateRawSync(data: Uint8Array, maxOutput: number): Uint8Array | undefined {
  const z = zlib();
  if (z === null) return undefined;
  try {
    // Output buffers of the whole expected size: with zlib's default 16 KiB
    // ones, a larger file is decoded into many and then copied into one.
    return z.inflateRawSync(data, { maxOutputLength: maxOutput, chunkSize: Math.max(MIN_ZLIB_CHUNK, Math.min(maxOutput, MAX_ZLIB_CHUNK)) });
  } catch {
    return undefined;
  }
}

/** An incremental SHA-256. */
export interface IncrementalSha256 {
  update(data: Uint8Array): unknown;
  hexDigest(): string;
}

interface NodeCrypto {
  createHash(alg: 'sha256'): { update(data: Uint8Array): unknown; digest(enc: 'hex'): string; digest(): Uint8Array };
}

let nodeCrypto: NodeCrypto | null | undefined;

/**
 * The runtime's own incremental SHA-256 (Node's crypto.createHash), several
 * times faster than hashing in JS; undefined where there is none (browsers,
 * whose WebCrypto digest is one-shot only).
 */
export function nativeIncrementalSha256(): IncrementalSha256 | undefined {
  if (nodeCrypto === undefined) {
    const proc = (globalThis as unknown as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    nodeCrypto = (proc?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined) ?? null;
  }
  if (nodeCrypto === null) return undefined;
  const h = nodeCrypto.createHash('sha256');
  return { update: (data) => h.update(data), hexDigest: () => h.digest('hex') };
}

/** Whether the runtime has its own incremental SHA-256 (nativeIncrementalSha256). */
export function hasNativeIncrementalSha256(): boolean {
  if (nodeCrypto === undefined) nativeIncrementalSha256();
  return nodeCrypto !== null && nodeCrypto !== undefined;
}

/** The runtime's own one-shot SHA-256 (Node), or undefined where there is none. */
export function nativeSha256Sync(data: Uint8Array): Uint8Array | undefined {
  if (nodeCrypto === undefined) nativeIncrementalSha256();
  if (!nodeCrypto) return undefined;
  const h = nodeCrypto.createHash('sha256');
  h.update(data);
  const d = h.digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.length);
}

/**
 * Frees the memory of an ArrayBuffer that nothing will read again, at once
 * where the runtime can (ArrayBuffer.prototype.transfer detaches it, and a
 * detached buffer's memory is released when nothing else shares it), instead
 * of leaving it to the garbage collector: a worker that reads a large zip in
 * fresh buffers otherwise holds a hundred MiB of them until it collects.
 * The buffer and every view of it read as empty afterwards. Elsewhere (Node
 * 20) it does nothing.
 */
export function freeBuffer(buffer: ArrayBufferLike): void {
  const transfer = (buffer as { transfer?: (length: number) => ArrayBuffer }).transfer;
  if (typeof transfer === 'function' && !(typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer)) transfer.call(buffer, 0);
}
