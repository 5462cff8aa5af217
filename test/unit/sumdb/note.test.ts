import { describe, expect, it } from 'vitest';
import { base64Decode, base64Encode } from '../../../src/core/sumdb/base64.ts';
import {
  InvalidSignatureError,
  NoteError,
  UnverifiedNoteError,
  keyHash,
  newVerifier,
  openNote,
  signNote,
  verifierList,
} from '../../../src/core/sumdb/note.ts';
import { SUM_GOLANG_ORG_KEY } from '../../../src/core/sumdb/gosumdb.ts';
import { generateKey, newSigner } from '../../support/noteSigner.ts';

// Spec §6.2: the golang.org/x/mod/sumdb/note documentation vector.
const PN_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PN_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PN_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PN_SIG = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const PN_NOTE = PN_TEXT + '\n' + PN_SIG;

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

async function rejects(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('base64 like Go StdEncoding', () => {
  it('round-trips every length against Node', () => {
    for (let n = 0; n < 40; n++) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      const s = base64Encode(b);
      expect(s).toBe(Buffer.from(b).toString('base64'));
      expect(base64Decode(s)).toEqual(b);
    }
  });
  it('requires padding, skips CR/LF, rejects other junk', () => {
    expect(base64Decode('QQ')).toBeUndefined();
    expect(base64Decode('QQ==')).toEqual(Uint8Array.of(0x41));
    expect(base64Decode('Q\nQ=\r=')).toEqual(Uint8Array.of(0x41));
    expect(base64Decode('QQ= =')).toBeUndefined();
    expect(base64Decode('Q===')).toBeUndefined();
    expect(base64Decode('QQ==QQ==')).toBeUndefined();
    expect(base64Decode('QR==')).toEqual(Uint8Array.of(0x41)); // non-strict: trailing bits ignored
    expect(base64Decode('QQ-_')).toBeUndefined();
  });
});

describe('verifier keys', () => {
  it('parses the PeterNeumann and sum.golang.org keys and recomputes their hashes', async () => {
    const v = await newVerifier(PN_VKEY);
    expect(v.name).toBe('PeterNeumann');
    expect(v.keyHash).toBe(0xc74f20a3);
    const s = await newVerifier(SUM_GOLANG_ORG_KEY);
    expect(s.name).toBe('sum.golang.org');
    expect(s.keyHash.toString(16)).toBe('33de0ae');
    expect(await keyHash('sum.golang.org', base64Decode('Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8')!)).toBe(0x033de0ae);
  });

  it.each([
    ['', 'malformed verifier id'],
    ['PeterNeumann', 'malformed verifier id'],
    ['PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'malformed verifier id'],
    ['PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T', 'malformed verifier id'],
    ['Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'malformed verifier id'],
    ['PeterNeumann+c74f20a3+', 'malformed verifier id'],
    ['PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'invalid verifier hash'],
  ])('rejects %j: %s', async (vkey, msg) => {
    const e = await rejects(newVerifier(vkey));
    expect(e).toBeInstanceOf(NoteError);
    expect(e.message).toBe(msg);
  });

  it('rejects an unknown algorithm and a short Ed25519 key (after the hash check)', async () => {
    const bad = Uint8Array.of(2, ...new Uint8Array(32).fill(7));
    const h = (await keyHash('k', bad)).toString(16).padStart(8, '0');
    expect((await rejects(newVerifier(`k+${h}+${base64Encode(bad)}`))).message).toBe('unknown verifier algorithm');
    const short = Uint8Array.of(1, 1, 2, 3);
    const h2 = (await keyHash('k', short)).toString(16).padStart(8, '0');
    expect((await rejects(newVerifier(`k+${h2}+${base64Encode(short)}`))).message).toBe('malformed verifier id');
  });
});

describe('signed notes', () => {
  it('opens the documented note with its key', async () => {
    const n = await openNote(enc(PN_NOTE), verifierList(await newVerifier(PN_VKEY)));
    expect(n.text).toBe(PN_TEXT);
    expect(n.sigs).toEqual([{ name: 'PeterNeumann', hash: 0xc74f20a3, base64: PN_SIG.slice('— PeterNeumann '.length, -1) }]);
    expect(n.unverifiedSigs).toEqual([]);
  });

  it('signs deterministically with the documented signer key (Ed25519 is deterministic)', async () => {
    const signer = await newSigner(PN_SKEY);
    expect(new TextDecoder().decode(await signNote({ text: PN_TEXT }, signer))).toBe(PN_NOTE);
  });

  it('keeps unknown signatures and fails with UnverifiedNoteError when no known key signed', async () => {
    const other = await newVerifier((await generateKey('Other')).vkey);
    const e = await rejects(openNote(enc(PN_NOTE + PN_SIG), verifierList(other)));
    expect(e).toBeInstanceOf(UnverifiedNoteError);
    expect(e.message).toBe('note has no verifiable signatures');
    expect((e as UnverifiedNoteError).note.unverifiedSigs).toHaveLength(1); // duplicate line dropped
    expect((e as UnverifiedNoteError).note.text).toBe(PN_TEXT);
  });

  it('rejects a bad signature by a known key even when another known key signed', async () => {
    const { skey, vkey } = await generateKey('Second');
    const signed = await signNote({ text: PN_TEXT }, await newSigner(PN_SKEY), await newSigner(skey));
    const known = verifierList(await newVerifier(PN_VKEY), await newVerifier(vkey));
    expect((await openNote(signed, known)).sigs.map((s) => s.name)).toEqual(['PeterNeumann', 'Second']);
    // Flip one signature byte of the second key's signature.
    const s = new TextDecoder().decode(signed);
    const lines = s.split('\n');
    const last = lines[lines.length - 2]!;
    const raw = base64Decode(last.split(' ')[2]!)!;
    raw[10]! ^= 1;
    lines[lines.length - 2] = `— Second ${base64Encode(raw)}`;
    const e = await rejects(openNote(enc(lines.join('\n')), known));
    expect(e).toBeInstanceOf(InvalidSignatureError);
    expect(e.message).toBe(`invalid signature for key ${vkey.split('+').slice(0, 2).join('+')}`);
  });

  it('rejects a note signed by another key with the same name (hash differs: unknown key)', async () => {
    const { skey } = await generateKey('PeterNeumann');
    const signed = await signNote({ text: PN_TEXT }, await newSigner(skey));
    const e = await rejects(openNote(signed, verifierList(await newVerifier(PN_VKEY))));
    expect(e).toBeInstanceOf(UnverifiedNoteError);
  });

  it('rejects a changed text with the key signature kept', async () => {
    const e = await rejects(openNote(enc(PN_TEXT.replace('problem', 'PROBLEM') + '\n' + PN_SIG), verifierList(await newVerifier(PN_VKEY))));
    expect(e).toBeInstanceOf(InvalidSignatureError);
    expect(e.message).toBe('invalid signature for key PeterNeumann+c74f20a3');
  });

  it('allows 100 signature lines and rejects 101', async () => {
    const known = verifierList(await newVerifier(PN_VKEY));
    const unknownLine = '— Unknown AAAAAAE=\n';
    const fill = (k: number): string => Array.from({ length: k }, (_, i) => `— U${i} AAAAAAE=\n`).join('');
    expect((await openNote(enc(PN_NOTE + fill(99)), known)).unverifiedSigs).toHaveLength(99);
    const e = await rejects(openNote(enc(PN_NOTE + fill(99) + unknownLine), known));
    expect(e).toBeInstanceOf(NoteError);
    expect(e.message).toBe('malformed note');
  });

  it.each([
    ['no blank line', PN_TEXT + PN_SIG],
    ['no signatures', PN_TEXT + '\n'],
    ['no final newline', PN_NOTE.slice(0, -1)],
    ['a control character', PN_NOTE.replace('If you', 'If\tyou')],
    ['a CR', PN_NOTE.replace('\n', '\r\n')],
    ['a line without the em dash', PN_NOTE + '- PeterNeumann AAAAAAE=\n'],
    ['a signature too short', PN_NOTE + '— PeterNeumann AAAAAA==\n'],
    ['bad base64', PN_NOTE + '— PeterNeumann AAAAAAE\n'],
    ['an empty signature', PN_NOTE + '— PeterNeumann \n'],
    ['a bad name', PN_NOTE + '— Peter+Neumann AAAAAAE=\n'],
  ])('rejects a note with %s as malformed', async (_what, note) => {
    const e = await rejects(openNote(enc(note), verifierList(await newVerifier(PN_VKEY))));
    expect(e).toBeInstanceOf(NoteError);
    expect(e.message).toBe('malformed note');
  });

  it('rejects invalid UTF-8', async () => {
    const bytes = enc(PN_NOTE);
    bytes[3] = 0xff;
    expect((await rejects(openNote(bytes, verifierList(await newVerifier(PN_VKEY))))).message).toBe('malformed note');
  });

  it('generates keys whose signer and verifier agree', async () => {
    const { skey, vkey } = await generateKey('sum.example.test');
    expect(skey).toMatch(/^PRIVATE\+KEY\+sum\.example\.test\+[0-9a-f]{8}\+/);
    const signed = await signNote({ text: 'hello\n' }, await newSigner(skey));
    expect((await openNote(signed, verifierList(await newVerifier(vkey)))).text).toBe('hello\n');
  });
});
