/**
 * Incremental SHA-256 (FIPS 180-4) for bundle files.
 *
 * WebCrypto's digest takes the whole message at once, so hashing a 500 MiB
 * module zip that streams through a tar would need all of it in memory. This
 * state machine takes the bytes in any number of pieces with 64 bytes of
 * buffering. sha256Sync serves the small synchronous digests (Merkle nodes).
 */

import { hasNativeIncrementalSha256, nativeIncrementalSha256, nativeSha256Sync, sha256 } from './webstd.ts';
import type { IncrementalSha256 } from './webstd.ts';

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
  0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
  0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
  0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
  0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
  0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += HEX[b];
  return s;
}

const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19] as const;

/** The message schedule, shared: compress is synchronous, so no two calls use it at once. */
const W = new Int32Array(64);

/** A big-endian view of bytes, for compress's word loads (a DataView reads a word in one step). */
function viewOf(data: Uint8Array): DataView {
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Mixes the 64-byte blocks at [off, end) of the bytes under view into state
 * h. The state stays in locals across blocks, and every value is an int32
 * (Int32Array, `| 0`) so V8 keeps it in registers; Ch and Maj take their
 * cheaper equivalent forms, g ^ (e & (f ^ g)) and (a & b) | (c & (a | b)).
 * Together about 1.5x the straightforward loop in V8.
 */
function compress(h: Int32Array, view: DataView, off: number, end: number): void {
  const w = W;
  let h0 = h[0]!;
  let h1 = h[1]!;
  let h2 = h[2]!;
  let h3 = h[3]!;
  let h4 = h[4]!;
  let h5 = h[5]!;
  let h6 = h[6]!;
  let h7 = h[7]!;
  for (; off < end; off += 64) {
    for (let t = 0; t < 16; t++) w[t] = view.getInt32(off + 4 * t);
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15]!;
      const y = w[t - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    let f = h5;
    let g = h6;
    let hh = h7;
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (hh + S1 + (g ^ (e & (f ^ g))) + K[t]! + w[t]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) | (c & (a | b)))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
    h5 = (h5 + f) | 0;
    h6 = (h6 + g) | 0;
    h7 = (h7 + hh) | 0;
  }
  h[0] = h0;
  h[1] = h1;
  h[2] = h2;
  h[3] = h3;
  h[4] = h4;
  h[5] = h5;
  h[6] = h6;
  h[7] = h7;
}

/**
 * Pads the last `rest` bytes of a message of `total` bytes, already at the
 * start of tail (128 bytes, zero beyond them), and mixes them into h: the
 * 0x80 byte, zeros, the bit length as a big-endian 64-bit number.
 */
function finish(h: Int32Array, tail: Uint8Array, tailView: DataView, rest: number, total: number): Uint8Array {
  tail[rest] = 0x80;
  const len = rest + 9 <= 64 ? 64 : 128;
  const bits = total * 8;
  const hi = Math.floor(bits / 2 ** 32);
  const lo = bits >>> 0;
  for (let i = 0; i < 4; i++) {
    tail[len - 8 + i] = hi >>> (24 - 8 * i);
    tail[len - 4 + i] = lo >>> (24 - 8 * i);
  }
  compress(h, tailView, 0, len);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const v = h[i]!;
    out[4 * i] = v >>> 24;
    out[4 * i + 1] = v >>> 16;
    out[4 * i + 2] = v >>> 8;
    out[4 * i + 3] = v;
  }
  return out;
}

/** State and final blocks of oneShotSha256, shared as W is. */
const ONE_SHOT_H = new Int32Array(8);
const ONE_SHOT_TAIL = new Uint8Array(128);
const ONE_SHOT_TAIL_VIEW = viewOf(ONE_SHOT_TAIL);

/**
 * SHA-256 of a whole message in JS, with no allocation but the digest's
 * (and, for a message of a block or more, a DataView over it): about 3x a
 * Sha256 object's speed on the 65-byte Merkle nodes a checksum database
 * proof hashes by the thousand.
 */
function oneShotSha256(data: Uint8Array): Uint8Array {
  const h = ONE_SHOT_H;
  h.set(IV);
  const off = data.length - (data.length % 64);
  if (off > 0) compress(h, viewOf(data), 0, off);
  const tail = ONE_SHOT_TAIL;
  tail.fill(0);
  tail.set(data.subarray(off), 0);
  return finish(h, tail, ONE_SHOT_TAIL_VIEW, data.length - off, data.length);
}

export class Sha256 {
  private readonly h = Int32Array.from(IV);
  /** Room for the final two blocks; bytes of an unfinished block wait at its start. */
  private readonly block = new Uint8Array(128);
  private readonly blockView = viewOf(this.block);
  private blockLen = 0;
  private total = 0;
  private done = false;

  /** Adds data to the message. */
  update(data: Uint8Array): this {
    if (this.done) throw new Error('Sha256: update after digest');
    this.total += data.length;
    let i = 0;
    if (this.blockLen > 0) {
      const take = Math.min(64 - this.blockLen, data.length);
      this.block.set(data.subarray(0, take), this.blockLen);
      this.blockLen += take;
      i = take;
      if (this.blockLen < 64) return this;
      compress(this.h, this.blockView, 0, 64);
      this.blockLen = 0;
    }
    const whole = i + ((data.length - i) & ~63);
    if (whole > i) compress(this.h, viewOf(data), i, whole);
    i = whole;
    if (i < data.length) {
      this.block.set(data.subarray(i), 0);
      this.blockLen = data.length - i;
    }
    return this;
  }

  /** The 32-byte digest; the hasher cannot be used afterwards. */
  digest(): Uint8Array {
    if (this.done) throw new Error('Sha256: digest called twice');
    this.done = true;
    this.block.fill(0, this.blockLen);
    return finish(this.h, this.block, this.blockView, this.blockLen, this.total);
  }

  /** The digest as lower-case hex. */
  hexDigest(): string {
    return toHex(this.digest());
  }
}

/**
 * An incremental SHA-256: the runtime's own where it has one (Node), else
 * this file's. Both hash the same bytes to the same digest.
 */
export function createSha256(): IncrementalSha256 {
  return nativeIncrementalSha256() ?? new Sha256();
}

/**
 * SHA-256 of a small message, synchronously: the runtime's own where it has
 * one, else this file's. For the many 65-byte Merkle node hashes a proof
 * needs, WebCrypto's per-call promise and thread hop cost far more than the
 * hashing itself.
 */
export function sha256Sync(data: Uint8Array): Uint8Array {
  return nativeSha256Sync(data) ?? oneShotSha256(data);
}

/**
 * Below this size a browser's digest is this file's JS: WebCrypto's per-call
 * cost (a promise, about 5 µs in Chromium) outweighs its speed only for the
 * smallest messages; from 1 KiB up Chromium's digest is 2-5x faster than JS.
 */
const SMALL_DIGEST = 1 << 10;

/**
 * SHA-256 of a whole message: synchronously with the runtime's own hasher
 * (Node) or, for the smallest messages, this file's; other messages in a
 * browser go to WebCrypto.
 */
export function sha256Digest(data: Uint8Array): Promise<Uint8Array> {
  const native = nativeSha256Sync(data);
  if (native !== undefined) return Promise.resolve(native);
  if (data.length < SMALL_DIGEST) return Promise.resolve(oneShotSha256(data));
  return sha256(data);
}

/** The largest file oneShotPays accepts: a bound on the bytes read at once. */
const ONE_SHOT_MAX = 16 << 20;

/**
 * Whether a file of this size is better hashed by reading it whole and making
 * one sha256Digest call than by streaming it through createSha256(): true in
 * browsers (WebCrypto's native one-shot digest against SHA-256 in JS, ~5x)
 * up to ONE_SHOT_MAX, false where the runtime hashes incrementally itself.
 */
export function oneShotPays(size: number): boolean {
  return size <= ONE_SHOT_MAX && !hasNativeIncrementalSha256();
}

/** SHA-256 of data in one call, as lower-case hex (the runtime's own hasher where it has one). */
export function sha256Hex(data: Uint8Array): string {
  return toHex(sha256Sync(data));
}
