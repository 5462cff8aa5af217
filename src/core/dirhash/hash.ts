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
 * Hash1 over names given as raw bytes: sorts a copy by bytes, then takes each
 * file's content digest (SHA-256) in that order (so, like Go, a newline in a
 * later name is reported only after the earlier files were read).
 */
export async function hash1Bytes<T>(files: readonly T[], nameOf: (file: T) => Uint8Array, digestOf: (file: T) => Promise<Uint8Array>): Promise<string> {
  const sorted = [...files].sort((a, b) => compareBytes(nameOf(a), nameOf(b)));
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const file of sorted) {
    const name = nameOf(file);
    if (name.includes(NEWLINE)) throw new Error(NEWLINE_ERROR);
    const digest = hex(await digestOf(file));
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
  return hash1Bytes(files, (f) => f.bytes, (f) => open(f.name).then(sha256Digest));
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
 * For each entry's index, the index of the entry whose content Go hashes
 * under its name: itself, or the last entry of that name (Go's name-to-file
 * map keeps the last).
 */
function contentIndices(entries: readonly ZipEntry[]): (i: number) => number {
  const keys = entries.map(nameKey);
  const last = new Map<string, number>();
  keys.forEach((k, i) => last.set(k, i));
  if (last.size === entries.length) return (i) => i;
  return (i) => last.get(keys[i]!)!;
}

/**
 * The SHA-256 of one entry's content as hashZip takes it, with every check of
 * readEntry: read whole (into memory the reader reuses, where it offers
 * that), or hashed as it inflates when large (never held whole: WebCrypto's
 * digest is one-shot).
 */
function entryDigester(zip: ZipReader): (e: ZipEntry) => Promise<Uint8Array> {
  const streamMin = nativeIncrementalSha256() !== undefined ? NATIVE_STREAM_HASH_MIN : STREAM_HASH_MIN;
  return (e) => {
    if (e.uncompressedSize > streamMin && zip.digestEntry !== undefined) return zip.digestEntry(e);
    return zip.digestWholeEntry !== undefined ? zip.digestWholeEntry(e) : zip.readEntry(e).then(sha256Digest);
  };
}

/**
 * dirhash.HashZip: Hash1 over every entry of the zip, directory entries
 * included (as empty files), named by their raw entry names. Entries are read
 * and hashed one at a time. A name listed twice is hashed twice with the
 * content of its last entry, as Go's name-to-file map does.
 */
export async function hashZip(zip: ZipReader): Promise<string> {
  const digest = entryDigester(zip);
  return hash1OfEntries(zip.entries, (i) => digest(zip.entries[i]!));
}

/**
 * Hash1 over zip entries named by their raw names, the content digest of
 * entry i being digestAt(i); a name listed twice takes the digest of its last
 * entry (contentIndices).
 */
function hash1OfEntries(entries: readonly ZipEntry[], digestAt: (i: number) => Promise<Uint8Array>): Promise<string> {
  const target = contentIndices(entries);
  return hash1Bytes(Array.from(entries.keys()), (i) => entries[i]!.nameBytes, (i) => digestAt(target(i)));
}

/**
 * The content digests of entries [from, to) of the zip, in central directory
 * order, 32 bytes each: a part of hashZip's work that another thread can do
 * (hashZipFromDigests puts the parts together). Every entry in the range is
 * read, including one whose name a later entry reuses; a failure rejects.
 */
export async function digestZipEntries(zip: ZipReader, from: number, to: number): Promise<Uint8Array> {
  if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= zip.entries.length)) {
    throw new RangeError(`entries [${from}, ${to}) of a zip of ${zip.entries.length}`);
  }
  const digest = entryDigester(zip);
  const out = new Uint8Array(32 * (to - from));
  for (let i = from; i < to; i++) out.set(await digest(zip.entries[i]!), 32 * (i - from));
  return out;
}

/**
 * hashZip of a zip whose entries' content digests were made beforehand
 * (digestZipEntries), all of them: digests holds 32 bytes per entry in
 * central directory order. Go's rules for names (byte order, duplicates,
 * newlines) apply as in hashZip.
 */
export async function hashZipFromDigests(entries: readonly ZipEntry[], digests: Uint8Array): Promise<string> {
  if (digests.length !== 32 * entries.length) throw new RangeError(`${digests.length} bytes of digests for ${entries.length} entries`);
  return hash1OfEntries(entries, (i) => Promise.resolve(digests.subarray(32 * i, 32 * i + 32)));
}

/** The `/go.mod` h1: hash: Hash1 over one file named "go.mod" holding mod. */
export async function hashGoMod(mod: Uint8Array): Promise<string> {
  return hash1([GO_MOD_NAME], () => Promise.resolve(mod));
}
