/**
 * Signed notes and verifier keys (golang.org/x/mod/sumdb/note).
 *
 * A note is UTF-8 text ending in a newline, then a blank line, then one or more
 * signature lines `— <name> <base64(keyhash(4, big-endian) || signature)>`.
 * A verifier key is `<name>+<8 hex keyhash>+<base64(alg || public key)>`, where
 * keyhash is the first 4 bytes of SHA-256(name || "\n" || alg || key) and alg 1
 * is Ed25519. Error texts are go's, so they can be shown as go shows them.
 *
 * Ed25519 verification goes through WebCrypto (webstd.subtle()); signing needs a
 * private key and lives outside core (test/support/noteSigner.ts), only the
 * formatting of signed notes (signNote) is here.
 */
import { sha256, subtle, utf8Decode, utf8Encode } from '../internal/webstd.ts';
import type { CryptoKeyHandle } from '../internal/webstd.ts';
import { base64Decode, base64Encode } from './base64.ts';

/** The algorithm byte of an Ed25519 key. */
export const ALG_ED25519 = 1;

/** Rejections with go's texts: "malformed note", "malformed verifier id", ... */
export class NoteError extends Error {
  override name = 'NoteError';
}

/** A signature by a key the caller does not know (a Verifiers lookup miss). */
export class UnknownVerifierError extends Error {
  override name = 'UnknownVerifierError';
  constructor(
    readonly keyName: string,
    readonly keyHash: number,
  ) {
    super(`unknown key ${keyName}+${hex8(keyHash)}`);
  }
}

/** More than one known key with the same name and hash. */
export class AmbiguousVerifierError extends Error {
  override name = 'AmbiguousVerifierError';
  constructor(
    readonly keyName: string,
    readonly keyHash: number,
  ) {
    super(`ambiguous key ${keyName}+${hex8(keyHash)}`);
  }
}

/** No known key signed the note; the note (with its unverified signatures) is kept for inspection. */
export class UnverifiedNoteError extends Error {
  override name = 'UnverifiedNoteError';
  constructor(readonly note: Note) {
    super('note has no verifiable signatures');
  }
}

/** A known key's signature that does not verify: always fatal, never skipped. */
export class InvalidSignatureError extends Error {
  override name = 'InvalidSignatureError';
  constructor(
    readonly keyName: string,
    readonly keyHash: number,
  ) {
    super(`invalid signature for key ${keyName}+${hex8(keyHash)}`);
  }
}

/** A key that can check signatures. */
export interface Verifier {
  readonly name: string;
  readonly keyHash: number;
  verify(msg: Uint8Array, sig: Uint8Array): Promise<boolean>;
}

/** A key that can sign; implementations holding private keys live outside core. */
export interface Signer {
  readonly name: string;
  readonly keyHash: number;
  sign(msg: Uint8Array): Promise<Uint8Array>;
}

/** The set of keys a note is opened with. */
export interface Verifiers {
  /** The key for (name, hash); throws UnknownVerifierError when there is none. */
  verifier(name: string, hash: number): Verifier;
}

export interface Signature {
  name: string;
  hash: number;
  /** base64 of keyhash || signature, exactly as it appeared. */
  base64: string;
}

export interface Note {
  /** The signed text, ending in "\n". */
  text: string;
  /** Signatures verified by known keys. */
  sigs: Signature[];
  /** Signatures by unknown keys, deduplicated, kept for forwarding. */
  unverifiedSigs: Signature[];
}

const MAX_SIGNATURES = 100;
const SIG_PREFIX = utf8Encode('— ');

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** Go's unicode.IsSpace: Latin-1 spaces plus the White_Space property (not U+FEFF, unlike \s). */
const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether name may name a key: non-empty valid UTF-8 with no space and no '+'. */
export function isValidName(name: string): boolean {
  return name !== '' && !LONE_SURROGATE.test(name) && !GO_SPACE.test(name) && !name.includes('+');
}

/** The key hash of (name, alg || key): the first 4 bytes of SHA-256(name "\n" key), big-endian. */
export async function keyHash(name: string, key: Uint8Array): Promise<number> {
  const n = utf8Encode(name);
  const buf = new Uint8Array(n.length + 1 + key.length);
  buf.set(n, 0);
  buf[n.length] = 0x0a;
  buf.set(key, n.length + 1);
  const sum = await sha256(buf);
  return readUint32(sum, 0);
}

function readUint32(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

function cut(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + sep.length)];
}

const HEX8 = /^[0-9a-fA-F]{8}$/;

class Ed25519Verifier implements Verifier {
  private key: Promise<CryptoKeyHandle> | undefined;
  constructor(
    readonly name: string,
    readonly keyHash: number,
    private readonly pub: Uint8Array,
  ) {}

  async verify(msg: Uint8Array, sig: Uint8Array): Promise<boolean> {
    if (sig.length !== 64) return false;
    this.key ??= subtle().importKey('raw', this.pub, { name: 'Ed25519' }, false, ['verify']);
    try {
      return await subtle().verify({ name: 'Ed25519' }, await this.key, sig, msg);
    } catch {
      // A malformed public key or signature encoding: not a valid signature.
      return false;
    }
  }
}

/** Parses a verifier key `name+hash+base64(alg||key)`, checking the hash and algorithm like go. */
export async function newVerifier(vkey: string): Promise<Verifier> {
  const [name, rest] = cut(vkey, '+');
  const [hash16, key64] = cut(rest, '+');
  const key = base64Decode(key64);
  if (!HEX8.test(hash16) || key === undefined || !isValidName(name) || key.length === 0) {
    throw new NoteError('malformed verifier id');
  }
  const hash = parseInt(hash16, 16);
  if (hash !== (await keyHash(name, key))) throw new NoteError('invalid verifier hash');
  if (key[0] !== ALG_ED25519) throw new NoteError('unknown verifier algorithm');
  const pub = key.slice(1);
  if (pub.length !== 32) throw new NoteError('malformed verifier id');
  return new Ed25519Verifier(name, hash, pub);
}

/** The verifier key text for an Ed25519 public key. */
export async function newEd25519VerifierKey(name: string, publicKey: Uint8Array): Promise<string> {
  if (publicKey.length !== 32) throw new NoteError(`invalid public key size ${publicKey.length}, expected 32`);
  const key = new Uint8Array(33);
  key[0] = ALG_ED25519;
  key.set(publicKey, 1);
  return `${name}+${hex8(await keyHash(name, key))}+${base64Encode(key)}`;
}

/** A Verifiers holding exactly the given keys. */
export function verifierList(...list: Verifier[]): Verifiers {
  const m = new Map<string, Verifier[]>();
  for (const v of list) {
    const k = `${v.name}+${v.keyHash}`;
    const vs = m.get(k);
    if (vs) vs.push(v);
    else m.set(k, [v]);
  }
  return {
    verifier(name: string, hash: number): Verifier {
      const vs = m.get(`${name}+${hash}`);
      if (vs === undefined) throw new UnknownVerifierError(name, hash);
      if (vs.length > 1) throw new AmbiguousVerifierError(name, hash);
      return vs[0]!;
    },
  };
}

function lastIndexOfBlankLine(msg: Uint8Array): number {
  for (let i = msg.length - 2; i >= 0; i--) {
    if (msg[i] === 0x0a && msg[i + 1] === 0x0a) return i;
  }
  return -1;
}

function startsWith(b: Uint8Array, prefix: Uint8Array): boolean {
  if (b.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[i] !== prefix[i]) return false;
  return true;
}

/**
 * Opens a signed note: checks its form, verifies every signature by a known
 * key, keeps signatures by unknown keys as unverified, and fails unless at
 * least one known key signed. A known key's bad signature is an error even if
 * another known key signed validly; more than 100 signature lines is malformed.
 */
export async function openNote(msg: Uint8Array, known: Verifiers = verifierList()): Promise<Note> {
  let decoded: string;
  try {
    decoded = utf8Decode(msg, true);
  } catch {
    throw new NoteError('malformed note');
  }
  // Only "\n" among the C0 controls; DEL and C1 are allowed, as in go.
  for (let i = 0; i < decoded.length; i++) {
    const c = decoded.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) throw new NoteError('malformed note');
  }

  const split = lastIndexOfBlankLine(msg);
  if (split < 0) throw new NoteError('malformed note');
  const text = msg.subarray(0, split + 1);
  let sigs = msg.subarray(split + 2);
  if (sigs.length === 0 || sigs[sigs.length - 1] !== 0x0a) throw new NoteError('malformed note');

  const note: Note = { text: utf8Decode(text), sigs: [], unverifiedSigs: [] };
  const seen = new Set<string>();
  const seenUnverified = new Set<string>();
  let numSig = 0;
  while (sigs.length > 0) {
    const nl = sigs.indexOf(0x0a);
    let line = sigs.subarray(0, nl);
    sigs = sigs.subarray(nl + 1);
    if (!startsWith(line, SIG_PREFIX)) throw new NoteError('malformed note');
    line = line.subarray(SIG_PREFIX.length);
    const lineText = utf8Decode(line);
    const [name, b64] = cut(lineText, ' ');
    const raw = base64Decode(b64);
    if (raw === undefined || !isValidName(name) || b64 === '' || raw.length < 5) throw new NoteError('malformed note');
    const hash = readUint32(raw, 0);
    const sig = raw.subarray(4);

    if (++numSig > MAX_SIGNATURES) throw new NoteError('malformed note');

    let v: Verifier;
    try {
      v = known.verifier(name, hash);
    } catch (e) {
      if (!(e instanceof UnknownVerifierError)) throw e;
      if (!seenUnverified.has(lineText)) {
        seenUnverified.add(lineText);
        note.unverifiedSigs.push({ name, hash, base64: b64 });
      }
      continue;
    }
    if (v.name !== name || v.keyHash !== hash) throw new NoteError("verifier name or hash doesn't match signature");
    const k = `${name}+${hash}`;
    if (seen.has(k)) continue;
    seen.add(k);
    if (!(await v.verify(text, sig))) throw new InvalidSignatureError(name, hash);
    note.sigs.push({ name, hash, base64: b64 });
  }
  if (note.sigs.length === 0) throw new UnverifiedNoteError(note);
  return note;
}

function sigLine(name: string, b64: string): string {
  return `— ${name} ${b64}\n`;
}

/**
 * Signs note.text with each signer and returns the signed note: the text, a
 * blank line, the existing signatures not replaced by a signer, then the new ones.
 */
export async function signNote(note: Pick<Note, 'text'> & Partial<Note>, ...signers: Signer[]): Promise<Uint8Array> {
  if (!note.text.endsWith('\n')) throw new NoteError('malformed note');
  const text = utf8Encode(note.text);
  let fresh = '';
  const have = new Set<string>();
  for (const s of signers) {
    have.add(`${s.name}+${s.keyHash}`);
    if (!isValidName(s.name)) throw new NoteError('invalid signer');
    const sig = await s.sign(text);
    const raw = new Uint8Array(4 + sig.length);
    raw[0] = s.keyHash >>> 24;
    raw[1] = (s.keyHash >>> 16) & 255;
    raw[2] = (s.keyHash >>> 8) & 255;
    raw[3] = s.keyHash & 255;
    raw.set(sig, 4);
    fresh += sigLine(s.name, base64Encode(raw));
  }
  let out = note.text + '\n';
  for (const list of [note.sigs ?? [], note.unverifiedSigs ?? []]) {
    for (const sig of list) {
      if (!isValidName(sig.name)) throw new NoteError('malformed note');
      if (have.has(`${sig.name}+${sig.hash}`)) continue;
      const raw = base64Decode(sig.base64);
      if (raw === undefined || raw.length < 4 || readUint32(raw, 0) !== sig.hash) throw new NoteError('malformed note');
      out += sigLine(sig.name, sig.base64);
    }
  }
  return utf8Encode(out + fresh);
}
