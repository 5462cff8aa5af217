import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_TREE_HASH,
  TlogError,
  checkRecord,
  checkTree,
  formatRecord,
  formatTree,
  hashString,
  nodeHash,
  parseHash,
  parseRecord,
  parseTree,
  proveRecord,
  proveTree,
  recordHash,
  splitStoredHashIndex,
  storedHashCount,
  storedHashIndex,
  storedHashes,
  treeHash,
} from '../../../src/core/sumdb/tlog.ts';
import type { Hash, HashReader } from '../../../src/core/sumdb/tlog.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const sha = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest());

/** RFC 6962 MTH computed independently (node:crypto, recursive split). */
function mth(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return sha(Uint8Array.of(0), leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha(Uint8Array.of(1), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

async function buildLog(n: number): Promise<{ leaves: Uint8Array[]; hashes: Hash[]; reader: HashReader }> {
  const hashes: Hash[] = [];
  const reader: HashReader = { readHashes: (ix) => Promise.resolve(ix.map((i) => hashes[i]!)) };
  const leaves: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const leaf = enc(`record ${i}\n`);
    leaves.push(leaf);
    hashes.push(...(await storedHashes(i, leaf, reader)));
  }
  return { leaves, hashes, reader };
}

async function rejects(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('hashing vectors (spec §6.3)', () => {
  it('RecordHash("hello world") and FormatTree', async () => {
    const h = await recordHash(enc('hello world'));
    expect(hashString(h)).toBe('TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=');
    expect(formatTree({ n: 123456789012, hash: h })).toBe(
      'go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n',
    );
  });
  it('empty tree hash and node hash', async () => {
    expect(EMPTY_TREE_HASH).toEqual(sha());
    expect(hashString(EMPTY_TREE_HASH)).toBe('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
    const a = sha(enc('a'));
    const b = sha(enc('b'));
    expect(await nodeHash(a, b)).toEqual(sha(Uint8Array.of(1), a, b));
  });
});

describe('stored hash indexes', () => {
  it('match the first indexes and invert', () => {
    // Level 0 hashes sit at 0,1,3,4,7,8,10,11,15; level 1 at 2,5,9,12; level 2 at 6,13; level 3 at 14.
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map((n) => storedHashIndex(0, n))).toEqual([0, 1, 3, 4, 7, 8, 10, 11, 15]);
    expect([0, 1, 2, 3].map((n) => storedHashIndex(1, n))).toEqual([2, 5, 9, 12]);
    expect(storedHashIndex(2, 0)).toBe(6);
    expect(storedHashIndex(3, 0)).toBe(14);
    for (let level = 0; level < 10; level++) {
      for (let n = 0; n < 300; n++) {
        expect(splitStoredHashIndex(storedHashIndex(level, n))).toEqual({ level, n });
      }
    }
  });
  it('count the hashes stored for n records', async () => {
    const { hashes } = await buildLog(70);
    expect(storedHashCount(70)).toBe(hashes.length);
    expect(storedHashCount(0)).toBe(0);
    expect(storedHashCount(1)).toBe(1);
    expect(storedHashCount(2)).toBe(3);
    expect(storedHashCount(4)).toBe(7);
  });
  it('stay exact beyond 2^32 (no 32-bit shifts)', () => {
    const n = 2 ** 40 + 12345;
    expect(splitStoredHashIndex(storedHashIndex(0, n))).toEqual({ level: 0, n });
    expect(splitStoredHashIndex(storedHashIndex(5, n))).toEqual({ level: 5, n });
  });
});

describe('tree hashes and proofs', () => {
  it('treeHash equals an independent RFC 6962 computation for every size up to 70', async () => {
    const { leaves, reader } = await buildLog(70);
    for (let n = 0; n <= 70; n++) expect(await treeHash(n, reader), `n=${n}`).toEqual(mth(leaves.slice(0, n)));
  });

  it('proves and checks inclusion of every record in every tree up to 24, and rejects wrong ones', async () => {
    const { leaves, reader } = await buildLog(24);
    for (let t = 1; t <= 24; t++) {
      const th = await treeHash(t, reader);
      for (let n = 0; n < t; n++) {
        const p = await proveRecord(t, n, reader);
        const h = await recordHash(leaves[n]!);
        await checkRecord(p, t, th, n, h);
        if (t > 1) {
          const e = await rejects(checkRecord(p, t, th, (n + 1) % t, h));
          expect(e.message).toBe('invalid transparency proof');
        }
        const wrong = await recordHash(enc('forged\n'));
        expect((await rejects(checkRecord(p, t, th, n, wrong))).message).toBe('invalid transparency proof');
      }
    }
  });

  it('proves and checks consistency of every pair of trees up to 24, and rejects a forked old tree', async () => {
    const { reader } = await buildLog(24);
    for (let t = 1; t <= 24; t++) {
      const th = await treeHash(t, reader);
      for (let n = 1; n <= t; n++) {
        const h = await treeHash(n, reader);
        const p = await proveTree(t, n, reader);
        await checkTree(p, t, th, n, h);
        const e = await rejects(checkTree(p, t, th, n, sha(enc('fork'))));
        expect(e.message).toBe('invalid transparency proof');
      }
    }
    expect((await rejects(proveTree(3, 4, reader))).message).toBe('tlog: invalid inputs in ProveTree');
    expect((await rejects(proveRecord(3, 3, reader))).message).toBe('tlog: invalid inputs in ProveRecord');
  });
});

describe('tree notes and records', () => {
  const h = 'TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=';
  it('parses tree notes, ignoring extra lines', () => {
    expect(parseTree(`go.sum database tree\n5\n${h}\n`)).toEqual({ n: 5, hash: parseHash(h) });
    expect(parseTree(`go.sum database tree\n5\n${h}\nextra\nlines\n`).n).toBe(5);
    expect(parseTree(enc(`go.sum database tree\n0\n${h}\n`)).n).toBe(0);
  });
  it.each([
    ['wrong header', `go.sum database trees\n5\n${h}\n`],
    ['leading zero', `go.sum database tree\n05\n${h}\n`],
    ['sign', `go.sum database tree\n+5\n${h}\n`],
    ['negative', `go.sum database tree\n-5\n${h}\n`],
    ['missing final newline', `go.sum database tree\n5\n${h}`],
    ['short hash', `go.sum database tree\n5\nAAAA\n`],
    ['bad base64', `go.sum database tree\n5\n${h.slice(0, -1)}\n`],
  ])('rejects a tree note with %s', (_what, text) => {
    expect(() => parseTree(text)).toThrowError(new TlogError('malformed tree note'));
  });
  it('rejects a tree note over 1e6 bytes', () => {
    expect(() => parseTree(`go.sum database tree\n5\n${h}\n${'x'.repeat(1e6)}\n`)).toThrowError('malformed tree note');
  });

  it('formats and parses lookup records (the spec §6.4 example)', () => {
    const body = enc(
      '52253027\ngolang.org/x/tools v0.44.0 h1:UP4ajHPIcuMjT1GqzDWRlalUEoY+uzoZKnhOjbIPD2c=\n' +
        'golang.org/x/tools v0.44.0/go.mod h1:KA0AfVErSdxRZIsOVipbv3rQhVXTnlU6UhKxHd1seDI=\n\ngo.sum database tree\n52544510\n',
    );
    const r = parseRecord(body);
    expect(r.id).toBe(52253027);
    expect(new TextDecoder().decode(r.text)).toMatch(/^golang\.org\/x\/tools v0\.44\.0 h1:.*\n.*\/go\.mod h1:.*=\n$/);
    expect(new TextDecoder().decode(r.rest)).toBe('go.sum database tree\n52544510\n');
    expect(formatRecord(7, enc('a b c\n'))).toEqual(enc('7\na b c\n\n'));
  });
  it.each([
    ['no newline', '12'],
    ['a non-numeric id', 'x\na\n\n'],
    ['no blank line', '1\na\nb\n'],
    ['an empty body', '1\n\n'],
    ['a control character', '1\na\tb\n\nrest'],
  ])('rejects a record with %s', (_what, msg) => {
    expect(() => parseRecord(enc(msg))).toThrowError(new TlogError('malformed record data'));
  });
  it('rejects record text that formatRecord cannot carry', () => {
    expect(() => formatRecord(1, enc('a\n\nb\n'))).toThrowError('malformed record data');
    expect(() => formatRecord(1, enc('no newline'))).toThrowError('malformed record data');
    expect(() => formatRecord(1, Uint8Array.of(0xff, 0x0a))).toThrowError('malformed record data');
  });
});
