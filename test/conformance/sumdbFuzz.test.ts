/**
 * Differential test of the checksum database parsers: damaged signed notes,
 * tree notes and lookup records, each read by our port and by
 * golang.org/x/mod/sumdb (note.Open, tlog.ParseTree, tlog.ParseRecord; see
 * sumdbOracle.ts). Every answer must be go's: the same text and signatures
 * for a note go opens, go's error text for one it refuses, the same size and
 * hash of a tree, the same id, text and rest of a record. A note we open that
 * go refuses would be a tree head we trust and go does not.
 *
 * Notes are signed by fixed keys (seeded), damaged once or twice at a place
 * chosen from their form (a signature line, its name, its base64, the blank
 * line, a byte anywhere), with a fixed seed so every run reads the same bytes.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { base64Decode, base64Encode } from '../../src/core/sumdb/base64.ts';
import { openNote, newVerifier, signNote, verifierList } from '../../src/core/sumdb/note.ts';
import type { Signature, Signer, Verifiers } from '../../src/core/sumdb/note.ts';
import { formatTree, parseRecord, parseTree } from '../../src/core/sumdb/tlog.ts';
import { goAvailability } from '../support/goTool.ts';
import { Rng } from '../support/moduleCorpus.ts';
import { keyFromSeed, newSigner } from '../support/noteSigner.ts';
import { askGoSumdb, comparableAnswer } from '../support/sumdbOracle.ts';
import type { SumdbOracleAnswer, SumdbOracleCall, SumdbOracleSig } from '../support/sumdbOracle.ts';

// SUMDBFUZZ_CASES and SUMDBFUZZ_SEED explore further by hand; the suite runs the defaults.
const CASES = Number(process.env['SUMDBFUZZ_CASES'] ?? 3000);
const SEED = Number(process.env['SUMDBFUZZ_SEED'] ?? 20261124);
const enc = new TextEncoder();
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

interface Key {
  readonly name: string;
  readonly vkey: string;
  readonly signer: Signer;
}

async function key(name: string): Promise<Key> {
  const seed = new Uint8Array(createHash('sha256').update(`modcarry sumdb fuzz ${name}`).digest());
  const { skey, vkey } = await keyFromSeed(name, seed);
  return { name, vkey, signer: await newSigner(skey) };
}

/** text signed by signers, in go's form (the project's signNote). */
function signed(text: string, signers: readonly Key[]): Promise<Uint8Array> {
  return signNote({ text }, ...signers.map((k) => k.signer));
}

const INSERTS = ['\n', '\n\n', ' ', '\r', '\t', '+', '=', '—', '— ', 'A', '/', '\u00a0', '\ufeff', '\u0085', '\x7f', '\x00'].map((s) => enc.encode(s));

/** One damage to a note's bytes, described for the failure report. */
function damage(msg: Uint8Array, rng: Rng): { bytes: Uint8Array; what: string } {
  const text = new TextDecoder().decode(msg);
  const lines = text.split('\n');
  const sigLines = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('— '));
  const join = (ls: string[]): Uint8Array => enc.encode(ls.join('\n'));
  const op = rng.int(0, 99);
  if (op < 12 && sigLines.length > 0) {
    // A signature's base64: a flipped bit in its signature or key hash, re-encoded (well-formed, wrong).
    const [l, i] = rng.pick(sigLines);
    const [, name, sig64] = l.split(' ');
    const raw = base64Decode(sig64 ?? '');
    if (raw !== undefined && raw.length > 0) {
      const at = rng.int(0, raw.length - 1);
      raw[at]! ^= 1 << rng.int(0, 7);
      const ls = lines.slice();
      ls[i] = `— ${name ?? ''} ${base64Encode(raw)}`;
      return { bytes: join(ls), what: `signature line ${i}: bit flipped in byte ${at} of its base64 data` };
    }
  }
  if (op < 20 && sigLines.length > 0) {
    const [, i] = rng.pick(sigLines);
    const ls = lines.slice();
    ls.splice(rng.int(i, lines.length - 1), 0, lines[i]!);
    return { bytes: join(ls), what: `signature line ${i} repeated` };
  }
  if (op < 26 && sigLines.length > 1) {
    const [, i] = rng.pick(sigLines);
    const [, j] = rng.pick(sigLines);
    const ls = lines.slice();
    ls[i] = lines[j]!;
    ls[j] = lines[i]!;
    return { bytes: join(ls), what: `signature lines ${i} and ${j} swapped` };
  }
  if (op < 34 && sigLines.length > 0) {
    const [l, i] = rng.pick(sigLines);
    const ls = lines.slice();
    const name = l.split(' ')[1] ?? '';
    const renamed = rng.pick([`${name}x`, name.toUpperCase(), '', `${name}+1`, `${name} `, `a b`, `\u00e9`, name.slice(1)]);
    ls[i] = l.replace(` ${name} `, ` ${renamed} `);
    return { bytes: join(ls), what: `signature line ${i}: name ${JSON.stringify(name)} -> ${JSON.stringify(renamed)}` };
  }
  if (op < 40) {
    // A known key's signature by another key of the same name and hash cannot be made; a line by an unknown key can.
    const ls = lines.slice();
    const at = rng.int(0, lines.length - 1);
    ls.splice(at, 0, `— stranger ${base64Encode(rng.bytes(rng.int(0, 70)))}`);
    return { bytes: join(ls), what: `a stranger's signature line inserted at line ${at}` };
  }
  if (op < 58) {
    const ins = rng.pick(INSERTS);
    const at = rng.int(0, msg.length);
    const out = new Uint8Array(msg.length + ins.length);
    out.set(msg.subarray(0, at));
    out.set(ins, at);
    out.set(msg.subarray(at), at + ins.length);
    return { bytes: out, what: `${JSON.stringify(new TextDecoder().decode(ins))} inserted at byte ${at}` };
  }
  if (op < 70) {
    const at = rng.int(0, Math.max(0, msg.length - 1));
    const n = rng.int(1, 3);
    return { bytes: Uint8Array.from([...msg.subarray(0, at), ...msg.subarray(at + n)]), what: `${n} bytes deleted at byte ${at}` };
  }
  if (op < 88) {
    const out = msg.slice();
    const at = rng.int(0, Math.max(0, out.length - 1));
    out[at] = rng.chance(0.5) ? out[at]! ^ (1 << rng.int(0, 7)) : rng.int(0, 255);
    return { bytes: out, what: `byte ${at} changed` };
  }
  const n = rng.int(0, msg.length);
  return { bytes: msg.slice(0, n), what: `truncated to ${n} bytes` };
}

interface Case {
  readonly id: number;
  readonly what: string;
  readonly call: SumdbOracleCall;
  readonly bytes: Uint8Array;
  /** For 'open': the known keys. */
  readonly known: readonly Key[];
  /** A number past 2^53, which go reads and we refuse (see the last test). */
  readonly past53?: true;
}

const sigOf = (s: Signature): SumdbOracleSig => ({ name: s.name, hash: s.hash, base64: s.base64 });

/** Our answer, in the oracle's terms. */
async function ours(c: Case, verifiers: (keys: readonly Key[]) => Promise<Verifiers>): Promise<SumdbOracleAnswer> {
  const err = (e: unknown): SumdbOracleAnswer => ({ err: e instanceof Error ? e.message : String(e) });
  switch (c.call.op) {
    case 'open':
      try {
        const n = await openNote(c.bytes, await verifiers(c.known));
        return { err: '', text: b64(enc.encode(n.text)), sigs: n.sigs.map(sigOf), unverified: n.unverifiedSigs.map(sigOf) };
      } catch (e) {
        const u = (e as { note?: { unverifiedSigs: Signature[] } }).note;
        return { ...err(e), ...(u !== undefined ? { unverified: u.unverifiedSigs.map(sigOf) } : {}) };
      }
    case 'tree':
      try {
        const t = parseTree(c.bytes);
        return { err: '', n: String(t.n), hash: b64(t.hash) };
      } catch (e) {
        return err(e);
      }
    case 'record':
      try {
        const r = parseRecord(c.bytes);
        return { err: '', id: String(r.id), text: b64(r.text), rest: b64(r.rest) };
      } catch (e) {
        return err(e);
      }
    case 'tiles':
      throw new Error('tile reading is tileFuzz.test.ts\'s');
  }
}

const go = goAvailability();

describe.skipIf(!go.ok)(`the checksum database parsers answer as x/mod/sumdb does (${CASES} damaged inputs, seed ${SEED})${go.ok ? '' : `: ${go.reason}`}`, () => {
  const cases: Case[] = [];
  let theirs: SumdbOracleAnswer[];
  let mine: SumdbOracleAnswer[];

  beforeAll(async () => {
    const rng = new Rng(SEED);
    const [alice, bob, carol] = await Promise.all([key('alice.example'), key('bob'), key('sum.golang.org')]);
    const keys = [alice!, bob!, carol!];
    /** A made-up hash for tree notes and go.sum lines. */
    const fakeHash = (i: number): Uint8Array => new Uint8Array(createHash('sha256').update(`tree ${i}`).digest());
    const texts = (i: number): string =>
      [
        formatTree({ n: i * 7919, hash: fakeHash(i) }),
        `go.sum database tree\n${i}\n${b64(fakeHash(i))}\nextra line ${i}\n`,
        `If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n`,
        `r\u00e9sum\u00e9 ${i}\n\u2014 not a signature\n`,
        `x\n`,
      ][i % 5]!;
    const verifierCache = new Map<string, Verifiers>();
    for (let id = 0; id < CASES; id++) {
      const kind = rng.int(0, 9);
      if (kind < 6) {
        const signers = rng.shuffle(keys.slice()).slice(0, rng.int(1, 3));
        const known = rng.shuffle(keys.slice()).slice(0, rng.int(0, 2));
        const msg = await signed(texts(id), signers);
        let d = damage(msg, rng);
        if (rng.chance(0.1)) d = { bytes: msg, what: 'undamaged' };
        else if (rng.chance(0.2)) {
          const again = damage(d.bytes, rng);
          d = { bytes: again.bytes, what: `${d.what}; ${again.what}` };
        }
        cases.push({
          id,
          what: `note by ${signers.map((k) => k.name).join(', ')}, known ${known.map((k) => k.name).join(', ') || 'none'}: ${d.what}`,
          call: { op: 'open', msg: b64(d.bytes), vkeys: known.map((k) => k.vkey) },
          bytes: d.bytes,
          known,
        });
      } else if (kind < 8) {
        const d = rng.chance(0.1) ? { bytes: enc.encode(texts(id - (id % 5))), what: 'undamaged' } : damage(enc.encode(texts(id - (id % 5)) + (rng.chance(0.5) ? '' : 'more\n')), rng);
        cases.push({ id, what: `tree: ${d.what}`, call: { op: 'tree', msg: b64(d.bytes) }, bytes: d.bytes, known: [] });
      } else {
        const note = await signed(texts(id - (id % 5)), [carol!]);
        const body = enc.encode(`${rng.int(0, 1 << 30)}\ngolang.org/x/text v0.${id}.0 h1:${b64(fakeHash(id))}\ngolang.org/x/text v0.${id}.0/go.mod h1:${b64(fakeHash(-id))}\n\n`);
        const msg = Uint8Array.from([...body, ...note]);
        const d = rng.chance(0.1) ? { bytes: msg, what: 'undamaged' } : damage(msg, rng);
        cases.push({ id, what: `record: ${d.what}`, call: { op: 'record', msg: b64(d.bytes) }, bytes: d.bytes, known: [] });
      }
    }
    // Number forms, placed by hand: signs, leading zeros, spaces, the largest sizes we read exactly.
    const h = b64(fakeHash(1));
    for (const n of ['+7', '007', '-0', '0', '-7', ' 7', '7 ', '1e3', '0x10', '7\r', String(2 ** 53 - 1)]) {
      const bytes = enc.encode(`go.sum database tree\n${n}\n${h}\n`);
      cases.push({ id: cases.length, what: `tree size ${JSON.stringify(n)}`, call: { op: 'tree', msg: b64(bytes) }, bytes, known: [] });
    }
    for (const id of ['+5', '005', '-5', '-0', ' 5', String(2 ** 53 - 1)]) {
      const bytes = enc.encode(`${id}\nx v1 h1:a\n\nrest`);
      cases.push({ id: cases.length, what: `record id ${JSON.stringify(id)}`, call: { op: 'record', msg: b64(bytes) }, bytes, known: [] });
    }
    const past = String(2n ** 53n + 1n);
    for (const [op, text] of [['tree', `go.sum database tree\n${past}\n${h}\n`], ['record', `${past}\nx v1 h1:a\n\nrest`]] as const) {
      const bytes = enc.encode(text);
      cases.push({ id: cases.length, what: `${op} number 2^53 + 1`, call: { op, msg: b64(bytes) }, bytes, known: [], past53: true });
    }
    theirs = askGoSumdb(cases.map((c) => c.call));
    const verifiers = async (known: readonly Key[]): Promise<Verifiers> => {
      const k = known.map((x) => x.vkey).join(' ');
      let v = verifierCache.get(k);
      if (v === undefined) {
        v = verifierList(...(await Promise.all(known.map((x) => newVerifier(x.vkey)))));
        verifierCache.set(k, v);
      }
      return v;
    };
    mine = [];
    for (const c of cases) mine.push(await ours(c, verifiers));
  }, 300_000);

  const say = comparableAnswer;
  const report = (pick: (i: number) => boolean): string[] =>
    cases.flatMap((c, i) => (pick(i) ? [`#${c.id} ${c.call.op} ${c.what}\n    go:   ${say(theirs[i]!)}\n    ours: ${say(mine[i]!)}`] : []));

  it('the inputs span go\'s outcomes: opened and refused notes, parsed and refused trees and records', () => {
    const outcomes = new Set(cases.map((c, i) => `${c.call.op} ${theirs[i]!.err.replace(/ for key .*| [^ ]*\+[0-9a-f]{8}$/, '') || 'ok'}`));
    expect([...outcomes].sort()).toEqual(
      expect.arrayContaining([
        'open invalid signature',
        'open malformed note',
        'open note has no verifiable signatures',
        'open ok',
        'record malformed record data',
        'record ok',
        'tree malformed tree note',
        'tree ok',
      ]),
    );
  });

  it('every answer is go\'s', () => {
    expect(report((i) => cases[i]!.past53 !== true && say(theirs[i]!) !== say(mine[i]!))).toEqual([]);
  });

  it('refuses a tree size or record id past 2^53, which go reads (the one difference: JS numbers are exact only that far)', () => {
    const past = cases.flatMap((c, i) => (c.past53 === true ? [i] : []));
    expect(past.map((i) => theirs[i]!.n ?? theirs[i]!.id)).toEqual([String(2n ** 53n + 1n), String(2n ** 53n + 1n)]);
    expect(past.map((i) => mine[i]!.err)).toEqual(['malformed tree note', 'malformed record data']);
  });
});
