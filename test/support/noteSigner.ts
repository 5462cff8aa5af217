/**
 * Note signers for tests and the test checksum database: Ed25519 private keys
 * in go's signer-key form `PRIVATE+KEY+<name>+<hash>+base64(0x01 || seed)`.
 * Signing needs the private key, which src/core never holds, so this lives
 * here on node:crypto (a PKCS#8 wrapper around the 32-byte seed).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { base64Decode, base64Encode } from '../../src/core/sumdb/base64.ts';
import { ALG_ED25519, isValidName, keyHash, newEd25519VerifierKey } from '../../src/core/sumdb/note.ts';
import type { Signer } from '../../src/core/sumdb/note.ts';

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

function publicKeyOf(priv: KeyObject): Uint8Array {
  const spki = createPublicKey(priv).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.length - 32));
}

/** Parses a signer key like go's note.NewSigner (same error texts). */
export async function newSigner(skey: string): Promise<Signer> {
  const parts = skey.split('+');
  const [priv1, priv2, name = '', hash16 = ''] = parts;
  const key = base64Decode(parts.slice(4).join('+'));
  if (priv1 !== 'PRIVATE' || priv2 !== 'KEY' || !/^[0-9a-fA-F]{8}$/.test(hash16) || key === undefined || !isValidName(name) || key.length === 0) {
    throw new Error('malformed verifier id');
  }
  if (key[0] !== ALG_ED25519) throw new Error('unknown verifier algorithm');
  if (key.length !== 33) throw new Error('malformed verifier id');
  const priv = privateKeyFromSeed(key.subarray(1));
  const pub = new Uint8Array(33);
  pub[0] = ALG_ED25519;
  pub.set(publicKeyOf(priv), 1);
  const hash = parseInt(hash16, 16);
  if (hash !== (await keyHash(name, pub))) throw new Error('invalid verifier hash');
  return {
    name,
    keyHash: hash,
    sign: (msg) => Promise.resolve(new Uint8Array(sign(null, msg, priv))),
  };
}

/** A fresh key pair: the signer key and its verifier key, like go's note.GenerateKey. */
export async function generateKey(name: string): Promise<{ skey: string; vkey: string }> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  return keyFromSeed(name, pkcs8.subarray(pkcs8.length - 32));
}

/** The key pair of a given 32-byte seed (the same seed, the same keys: for reproducible tests). */
export async function keyFromSeed(name: string, seed: Uint8Array): Promise<{ skey: string; vkey: string }> {
  const vkey = await newEd25519VerifierKey(name, publicKeyOf(privateKeyFromSeed(seed)));
  const hash = vkey.split('+')[1]!;
  const priv = new Uint8Array(33);
  priv[0] = ALG_ED25519;
  priv.set(seed, 1);
  return { skey: `PRIVATE+KEY+${name}+${hash}+${base64Encode(priv)}`, vkey };
}
