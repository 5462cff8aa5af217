/**
 * The transparent log of the checksum database (golang.org/x/mod/sumdb/tlog):
 * RFC 6962 Merkle tree hashing over records, the stored-hash numbering that
 * addresses every node, proofs of inclusion and consistency, and the text forms
 * of tree heads and lookup records.
 *
 * Tree sizes and indexes are JavaScript numbers, exact up to 2^53; every shift
 * is done arithmetically (never with the 32-bit `<<`/`>>`), so a log the size of
 * sum.golang.org's (tens of millions of records, ~2^27) is far inside the range.
 * Node hashes are 65-byte messages, hashed synchronously (core/internal/sha256.ts):
 * a proof over tiles needs thousands, and an asynchronous digest per node costs
 * far more than the hashing. The functions stay asynchronous for their callers.
 */
import { sha256Sync } from '../internal/sha256.ts';
import { isValidUtf8, utf8Decode, utf8Encode } from '../internal/webstd.ts';
import { base64Decode, base64Encode } from './base64.ts';
import { bytesEqual } from '../internal/bytes.ts';

export const HASH_SIZE = 32;

/** A 32-byte SHA-256 hash. */
export type Hash = Uint8Array;

/** A tree head: the number of records and the root hash over them. */
export interface Tree {
  n: number;
  hash: Hash;
}

/** Reads stored hashes by stored-hash index (see storedHashIndex). */
export interface HashReader {
  /** Returns exactly one hash per index, in order. */
  readHashes(indexes: readonly number[]): Promise<Hash[]>;
}

/** Errors of this package, with go's texts ("malformed tree note", "invalid transparency proof", ...). */
export class TlogError extends Error {
  override name = 'TlogError';
}

/** SHA-256 of the empty string: the hash of the empty tree. */
export const EMPTY_TREE_HASH: Hash = Uint8Array.from([
  0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4,
  0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
]);

/** n * 2^k, exact for results below 2^53. */
export function shl(n: number, k: number): number {
  return n * 2 ** k;
}

/** floor(n / 2^k) for n >= 0. */
export function shr(n: number, k: number): number {
  return Math.floor(n / 2 ** k);
}

function trailingZeros(n: number): number {
  if (n === 0) return 64;
  let z = 0;
  while (n % 2 === 0) {
    n /= 2;
    z++;
  }
  return z;
}

/** The largest power of two strictly less than n (n > 1), and its log2. */
export function maxpow2(n: number): [k: number, l: number] {
  let l = 0;
  while (2 ** (l + 1) < n) l++;
  return [2 ** l, l];
}

/** The base64 text of a hash, as go prints it. */
export function hashString(h: Hash): string {
  return base64Encode(h);
}

/** Parses a base64 hash; "malformed hash" unless it decodes to exactly 32 bytes. */
export function parseHash(s: string): Hash {
  const d = base64Decode(s);
  if (d === undefined || d.length !== HASH_SIZE) throw new TlogError('malformed hash');
  return d;
}

/** Whether two hashes are the same bytes. */
export function hashEqual(a: Hash, b: Hash): boolean {
  return bytesEqual(a, b);
}

/** The leaf hash of a record: SHA-256(0x00 || data). */
export function recordHash(data: Uint8Array): Promise<Hash> {
  const buf = new Uint8Array(1 + data.length);
  buf.set(data, 1);
  return Promise.resolve(sha256Sync(buf));
}

/** 0x01 || left || right, refilled per node: sha256Sync is synchronous, so no two nodes share it at once. */
const NODE_INPUT = new Uint8Array(1 + 2 * HASH_SIZE);
NODE_INPUT[0] = 0x01;

/** An interior node hash, SHA-256(0x01 || left || right), on this thread (65 bytes never pay for WebCrypto). */
export function nodeHashSync(left: Hash, right: Hash): Hash {
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 1 + HASH_SIZE);
  return sha256Sync(NODE_INPUT);
}

/** An interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Hash, right: Hash): Promise<Hash> {
  return Promise.resolve(nodeHashSync(left, right));
}

/**
 * The index, in the sequence of all stored hashes, of the hash of the n-th node
 * at the given level. Hashes are stored in the order they become computable:
 * record n's leaf, then every complete subtree it closes, bottom up.
 */
export function storedHashIndex(level: number, n: number): number {
  for (let l = level; l > 0; l--) n = 2 * n + 1;
  let i = 0;
  for (; n > 0; n = shr(n, 1)) i += n;
  return i + level;
}

/** The inverse of storedHashIndex. */
export function splitStoredHashIndex(index: number): { level: number; n: number } {
  let n = shr(index, 1);
  let indexN = storedHashIndex(0, n);
  if (indexN > index) throw new TlogError('bad math');
  for (;;) {
    const x = indexN + 1 + trailingZeros(n + 1);
    if (x > index) break;
    n++;
    indexN = x;
  }
  const level = index - indexN;
  return { level, n: shr(n, level) };
}

/** The number of stored hashes of a tree with n records. */
export function storedHashCount(n: number): number {
  if (n === 0) return 0;
  let numHash = storedHashIndex(0, n - 1) + 1;
  for (let i = n - 1; i % 2 === 1; i = shr(i, 1)) numHash++;
  return numHash;
}

/** The hashes to append to the stored hashes when record n (with data) is added. */
export async function storedHashes(n: number, data: Uint8Array, r: HashReader): Promise<Hash[]> {
  return storedHashesForRecordHash(n, await recordHash(data), r);
}

/** Like storedHashes, given the record's hash. */
export async function storedHashesForRecordHash(n: number, h: Hash, r: HashReader): Promise<Hash[]> {
  const hashes = [h];
  const m = trailingZeros(n + 1);
  const indexes: number[] = new Array<number>(m);
  for (let i = 0; i < m; i++) indexes[m - 1 - i] = storedHashIndex(i, shr(n, i) - 1);
  const old = await r.readHashes(indexes);
  if (old.length !== indexes.length) {
    throw new TlogError(`tlog: ReadHashes(${indexes.length} indexes) = ${old.length} hashes`);
  }
  for (let i = 0; i < m; i++) {
    h = await nodeHash(old[m - 1 - i]!, h);
    hashes.push(h);
  }
  return hashes;
}

/** The stored-hash indexes of the complete subtrees covering [lo, hi), left to right. */
export function subTreeIndex(lo: number, hi: number, need: number[] = []): number[] {
  while (lo < hi) {
    const [k, level] = maxpow2(hi - lo + 1);
    if (lo % k !== 0) throw new TlogError('tlog: bad math in subTreeIndex');
    need.push(storedHashIndex(level, shr(lo, level)));
    lo += k;
  }
  return need;
}

/** Combines the subtree hashes of [lo, hi) (as listed by subTreeIndex); returns the hash and the unused rest. */
async function subTreeHash(lo: number, hi: number, hashes: Hash[]): Promise<[Hash, Hash[]]> {
  let numTree = 0;
  while (lo < hi) {
    const [k] = maxpow2(hi - lo + 1);
    if (lo % k !== 0 || lo >= hi) throw new TlogError('tlog: bad math in subTreeHash');
    numTree++;
    lo += k;
  }
  if (hashes.length < numTree) throw new TlogError('tlog: bad index math in subTreeHash');
  let h = hashes[numTree - 1]!;
  for (let i = numTree - 2; i >= 0; i--) h = await nodeHash(hashes[i]!, h);
  return [h, hashes.slice(numTree)];
}

/** The root hash of the tree of the first n records. */
export async function treeHash(n: number, r: HashReader): Promise<Hash> {
  if (n === 0) return EMPTY_TREE_HASH;
  const indexes = subTreeIndex(0, n);
  const hashes = await r.readHashes(indexes);
  if (hashes.length !== indexes.length) {
    throw new TlogError(`tlog: ReadHashes(${indexes.length} indexes) = ${hashes.length} hashes`);
  }
  const [h, rest] = await subTreeHash(0, n, hashes);
  if (rest.length !== 0) throw new TlogError('tlog: bad index math in TreeHash');
  return h;
}

const errProofFailed = (): TlogError => new TlogError('invalid transparency proof');

function leafProofIndex(lo: number, hi: number, n: number, need: number[]): number[] {
  if (!(lo <= n && n < hi)) throw new TlogError('tlog: bad math in leafProofIndex');
  if (lo + 1 === hi) return need;
  const [k] = maxpow2(hi - lo);
  if (n < lo + k) {
    leafProofIndex(lo, lo + k, n, need);
    subTreeIndex(lo + k, hi, need);
  } else {
    subTreeIndex(lo, lo + k, need);
    leafProofIndex(lo + k, hi, n, need);
  }
  return need;
}

async function leafProof(lo: number, hi: number, n: number, hashes: Hash[]): Promise<[Hash[], Hash[]]> {
  if (!(lo <= n && n < hi)) throw new TlogError('tlog: bad math in leafProof');
  if (lo + 1 === hi) return [[], hashes];
  const [k] = maxpow2(hi - lo);
  let p: Hash[];
  let th: Hash;
  if (n < lo + k) {
    [p, hashes] = await leafProof(lo, lo + k, n, hashes);
    [th, hashes] = await subTreeHash(lo + k, hi, hashes);
  } else {
    [th, hashes] = await subTreeHash(lo, lo + k, hashes);
    [p, hashes] = await leafProof(lo + k, hi, n, hashes);
  }
  p.push(th);
  return [p, hashes];
}

/** The proof that record n is in the tree of size t. */
export async function proveRecord(t: number, n: number, r: HashReader): Promise<Hash[]> {
  if (t < 0 || n < 0 || n >= t) throw new TlogError('tlog: invalid inputs in ProveRecord');
  const indexes = leafProofIndex(0, t, n, []);
  if (indexes.length === 0) return [];
  const hashes = await r.readHashes(indexes);
  if (hashes.length !== indexes.length) {
    throw new TlogError(`tlog: ReadHashes(${indexes.length} indexes) = ${hashes.length} hashes`);
  }
  const [p, rest] = await leafProof(0, t, n, hashes);
  if (rest.length !== 0) throw new TlogError('tlog: bad index math in ProveRecord');
  return p;
}

async function runRecordProof(p: Hash[], lo: number, hi: number, n: number, leaf: Hash): Promise<Hash> {
  if (!(lo <= n && n < hi)) throw new TlogError('tlog: bad math in runRecordProof');
  if (lo + 1 === hi) {
    if (p.length !== 0) throw errProofFailed();
    return leaf;
  }
  if (p.length === 0) throw errProofFailed();
  const [k] = maxpow2(hi - lo);
  const last = p[p.length - 1]!;
  if (n < lo + k) return nodeHash(await runRecordProof(p.slice(0, -1), lo, lo + k, n, leaf), last);
  return nodeHash(last, await runRecordProof(p.slice(0, -1), lo + k, hi, n, leaf));
}

/** Checks that p proves record n with hash h is in the tree of size t with hash th. */
export async function checkRecord(p: Hash[], t: number, th: Hash, n: number, h: Hash): Promise<void> {
  if (t < 0 || n < 0 || n >= t) throw new TlogError('tlog: invalid inputs in CheckRecord');
  if (!hashEqual(await runRecordProof(p, 0, t, n, h), th)) throw errProofFailed();
}

function treeProofIndex(lo: number, hi: number, n: number, need: number[]): number[] {
  if (!(lo < n && n <= hi)) throw new TlogError('tlog: bad math in treeProofIndex');
  if (n === hi) return lo === 0 ? need : subTreeIndex(lo, hi, need);
  const [k] = maxpow2(hi - lo);
  if (n <= lo + k) {
    treeProofIndex(lo, lo + k, n, need);
    subTreeIndex(lo + k, hi, need);
  } else {
    subTreeIndex(lo, lo + k, need);
    treeProofIndex(lo + k, hi, n, need);
  }
  return need;
}

async function treeProof(lo: number, hi: number, n: number, hashes: Hash[]): Promise<[Hash[], Hash[]]> {
  if (!(lo < n && n <= hi)) throw new TlogError('tlog: bad math in treeProof');
  if (n === hi) {
    if (lo === 0) return [[], hashes];
    const [th, rest] = await subTreeHash(lo, hi, hashes);
    return [[th], rest];
  }
  const [k] = maxpow2(hi - lo);
  let p: Hash[];
  let th: Hash;
  if (n <= lo + k) {
    [p, hashes] = await treeProof(lo, lo + k, n, hashes);
    [th, hashes] = await subTreeHash(lo + k, hi, hashes);
  } else {
    [th, hashes] = await subTreeHash(lo, lo + k, hashes);
    [p, hashes] = await treeProof(lo + k, hi, n, hashes);
  }
  p.push(th);
  return [p, hashes];
}

/** The proof that the tree of size n is a prefix of the tree of size t. */
export async function proveTree(t: number, n: number, r: HashReader): Promise<Hash[]> {
  if (t < 1 || n < 1 || n > t) throw new TlogError('tlog: invalid inputs in ProveTree');
  const indexes = treeProofIndex(0, t, n, []);
  if (indexes.length === 0) return [];
  const hashes = await r.readHashes(indexes);
  if (hashes.length !== indexes.length) {
    throw new TlogError(`tlog: ReadHashes(${indexes.length} indexes) = ${hashes.length} hashes`);
  }
  const [p, rest] = await treeProof(0, t, n, hashes);
  if (rest.length !== 0) throw new TlogError('tlog: bad index math in ProveTree');
  return p;
}

async function runTreeProof(p: Hash[], lo: number, hi: number, n: number, old: Hash): Promise<[Hash, Hash]> {
  if (!(lo < n && n <= hi)) throw new TlogError('tlog: bad math in runTreeProof');
  if (n === hi) {
    if (lo === 0) {
      if (p.length !== 0) throw errProofFailed();
      return [old, old];
    }
    if (p.length !== 1) throw errProofFailed();
    return [p[0]!, p[0]!];
  }
  if (p.length === 0) throw errProofFailed();
  const [k] = maxpow2(hi - lo);
  const last = p[p.length - 1]!;
  if (n <= lo + k) {
    const [oh, th] = await runTreeProof(p.slice(0, -1), lo, lo + k, n, old);
    return [oh, await nodeHash(th, last)];
  }
  const [oh, th] = await runTreeProof(p.slice(0, -1), lo + k, hi, n, old);
  return [await nodeHash(last, oh), await nodeHash(last, th)];
}

/** Checks that p proves the tree of size n with hash h is a prefix of the tree of size t with hash th. */
export async function checkTree(p: Hash[], t: number, th: Hash, n: number, h: Hash): Promise<void> {
  if (t < 1 || n < 1 || n > t) throw new TlogError('tlog: invalid inputs in CheckTree');
  const [h2, th2] = await runTreeProof(p, 0, t, n, h);
  if (!hashEqual(th2, th) || !hashEqual(h2, h)) throw errProofFailed();
}

const TREE_PREFIX = 'go.sum database tree\n';

/** The note text of a tree head: "go.sum database tree\n<N>\n<base64 hash>\n". */
export function formatTree(tree: Tree): string {
  return `${TREE_PREFIX}${tree.n}\n${hashString(tree.hash)}\n`;
}

/** Parses a tree note text; lines after the third are ignored, for forward compatibility. */
export function parseTree(text: string | Uint8Array): Tree {
  const bytes = typeof text === 'string' ? utf8Encode(text) : text;
  const s = typeof text === 'string' ? text : utf8Decode(text, false);
  const lines = s.split('\n');
  if (!s.startsWith(TREE_PREFIX) || lines.length < 4 || bytes.length > 1e6) throw new TlogError('malformed tree note');
  const sizeText = lines[1]!;
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw new TlogError('malformed tree note');
  }
  const h = base64Decode(lines[2]!);
  if (h === undefined || h.length !== HASH_SIZE) throw new TlogError('malformed tree note');
  return { n: Number(sizeText), hash: h };
}

function isValidRecordText(text: Uint8Array): boolean {
  if (!isValidUtf8(text)) return false;
  let last = -1;
  for (const c of text) {
    if ((c < 0x20 && c !== 0x0a) || (last === 0x0a && c === 0x0a)) return false;
    last = c;
  }
  return last === 0x0a;
}

/** A lookup response's record part: "<id>\n" + text + "\n". */
export function formatRecord(id: number, text: Uint8Array): Uint8Array {
  if (!isValidRecordText(text)) throw new TlogError('malformed record data');
  const head = utf8Encode(`${id}\n`);
  const out = new Uint8Array(head.length + text.length + 1);
  out.set(head, 0);
  out.set(text, head.length);
  out[out.length - 1] = 0x0a;
  return out;
}

/**
 * Splits a lookup response into the record id, its text (ending in "\n") and
 * the rest (the signed tree note). The id is parsed like Go's strconv.ParseInt
 * (an optional sign is accepted; the client rejects negative ids).
 */
export function parseRecord(msg: Uint8Array): { id: number; text: Uint8Array; rest: Uint8Array } {
  const nl = msg.indexOf(0x0a);
  if (nl < 0) throw new TlogError('malformed record data');
  const idText = utf8Decode(msg.subarray(0, nl), false);
  if (!/^[+-]?[0-9]+$/.test(idText) || !Number.isSafeInteger(Number(idText))) {
    throw new TlogError('malformed record data');
  }
  const body = msg.subarray(nl + 1);
  let blank = -1;
  for (let i = 0; i + 1 < body.length; i++) {
    if (body[i] === 0x0a && body[i + 1] === 0x0a) {
      blank = i;
      break;
    }
  }
  if (blank < 0) throw new TlogError('malformed record data');
  const text = body.subarray(0, blank + 1);
  if (!isValidRecordText(text)) throw new TlogError('malformed record data');
  return { id: Number(idText), text, rest: body.subarray(blank + 2) };
}
