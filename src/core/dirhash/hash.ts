/**
 * The h1: hash of golang.org/x/mod/sumdb/dirhash (Hash1, HashZip and the go.mod
 * hash cmd/go writes as the `/go.mod` go.sum line).
 *
 * h1 = "h1:" + base64(SHA-256(summary)), where summary has one line per file,
 * `hex(SHA-256(content)) + "  " + name + "\n"`, in the byte order of the UTF-8
 * names (Go's slices.Sort on strings). That is not JavaScript's UTF-16 order
 * for supplementary-plane characters, so names are compared as bytes.
 * Duplicate names are kept: each appears once per listing.
 */
import { sha256Digest } from '../internal/sha256.ts';
import { nativeIncrementalSha256, utf8Encode } from '../internal/webstd.ts';
import { base64Encode } from '../sumdb/base64.ts';
import type { ZipEntry, ZipReader } from '../zip/reader.ts';

/** The file name whose content is a module's go.mod in the `/go.mod` hash. */
const GO_MOD_NAME = 'go.mod';

/** dirhash's error for a name that would break the line-oriented summary. */
export const NEWLINE_ERROR = 'dirhash: filenames with newlines are not supported';

const TWO_SPACES = utf8Encode('  ');
const NEWLINE = 0x0a;

/** Byte-wise comparison, the order of Go's strings. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

const HEX_DIGITS = utf8Encode('0123456789abcdef');

function hex(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length * 2);
  for (let i = 0; i < bytes.length; i++) {
    out[2 * i] = HEX_DIGITS[bytes[i]! >> 4]!;
    out[2 * i + 1] = HEX_DIGITS[bytes[i]! & 15]!;
  }
  return out;
}

/**
 * Hash1 over names given as raw bytes: sorts a copy by bytes, then opens each
 * in that order (so, like Go, a newline in a later name is reported only after
 * the earlier files were read).
 */
export async function hash1Bytes<T>(
  files: readonly T[],
  nameOf: (file: T) => Uint8Array,
  open: (file: T) => Promise<Uint8Array>,
  /** The SHA-256 of a file computed without opening it whole, where the caller can (large zip entries). */
  digestOf?: (file: T) => Promise<Uint8Array> | undefined,
): Promise<string> {
  const sorted = [...files].sort((a, b) => compareBytes(nameOf(a), nameOf(b)));
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const file of sorted) {
    const name = nameOf(file);
    if (name.includes(NEWLINE)) throw new Error(NEWLINE_ERROR);
    const digest = hex(await (digestOf?.(file) ?? open(file).then(sha256Digest)));
    parts.push(digest, TWO_SPACES, name, Uint8Array.of(NEWLINE));
    total += digest.length + TWO_SPACES.length + name.length + 1;
  }
  const summary = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    summary.set(p, at);
    at += p.length;
  }
  return 'h1:' + base64Encode(await sha256Digest(summary));
}

/** dirhash.Hash1: the h1: hash of the named files, each read through open. */
export async function hash1(names: readonly string[], open: (name: string) => Promise<Uint8Array>): Promise<string> {
  const files = names.map((name) => ({ name, bytes: utf8Encode(name) }));
  return hash1Bytes(files, (f) => f.bytes, (f) => open(f.name));
}

/** Entries larger than this are hashed while they inflate instead of being read whole. */
const STREAM_HASH_MIN = 16 << 20;

/**
 * The same where the runtime hashes incrementally in native code (Node): a
 * whole multi-MiB entry grows its buffer by doubling and outlives young-heap
 * collections, so streaming from 1 MiB up keeps a process's RSS down at no
 * cost in speed. (In browsers the one-shot WebCrypto digest of a whole entry
 * is faster than hashing a stream in JS.)
 */
const NATIVE_STREAM_HASH_MIN = 1 << 20;

/**
 * A map key for an entry's raw name bytes that distinguishes every byte
 * sequence: the bytes as Latin-1 code units. An ASCII name's key is its
 * decoded name, the same string, so the common case builds nothing; only
 * other names hold a unit of 0x80 or more, so the two kinds never collide.
 */
function nameKey(e: ZipEntry): string {
  const bytes = e.nameBytes;
  let ascii = true;
  for (let i = 0; i < bytes.length && ascii; i++) ascii = bytes[i]! < 0x80;
  if (ascii) return e.name;
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return s;
}

/**
 * dirhash.HashZip: Hash1 over every entry of the zip, directory entries
 * included (as empty files), named by their raw entry names. Entries are read
 * and hashed one at a time. A name listed twice is hashed twice with the
 * content of its last entry, as Go's name-to-file map does.
 */
export async function hashZip(zip: ZipReader): Promise<string> {
  const keys = zip.entries.map(nameKey);
  const last = new Map<string, ZipEntry>();
  zip.entries.forEach((e, i) => last.set(keys[i]!, e));
  const targets = new Map<ZipEntry, ZipEntry>();
  if (last.size !== zip.entries.length) zip.entries.forEach((e, i) => targets.set(e, last.get(keys[i]!)!));
  const target = (e: ZipEntry): ZipEntry => targets.get(e) ?? e;
  const streamMin = nativeIncrementalSha256() !== undefined ? NATIVE_STREAM_HASH_MIN : STREAM_HASH_MIN;
  return hash1Bytes(
    zip.entries,
    (e) => e.nameBytes,
    (e) => zip.readEntry(target(e)),
    // A large entry is hashed as it inflates, never held whole (WebCrypto's digest is one-shot).
    (e) => (target(e).uncompressedSize > streamMin && zip.digestEntry !== undefined ? zip.digestEntry(target(e)) : undefined),
  );
}

/** The `/go.mod` h1: hash: Hash1 over one file named "go.mod" holding mod. */
export async function hashGoMod(mod: Uint8Array): Promise<string> {
  return hash1([GO_MOD_NAME], () => Promise.resolve(mod));
}
