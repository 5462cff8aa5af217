import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NEWLINE_ERROR, compareBytes, digestZipEntries, hash1, hash1Bytes, hashGoMod, hashZip, hashZipFromDigests } from '../../../src/core/dirhash/hash.ts';
import { sha256Digest } from '../../../src/core/internal/sha256.ts';
import { openZip } from '../../../src/core/zip/reader.ts';
import { bytesSource } from '../../../src/core/zip/source.ts';
import { writeZip } from '../../support/zipWriter.ts';

const enc = new TextEncoder();

/** The h1 formula written out independently with node:crypto, over names already in the wanted order. */
function expectedH1(lines: [name: string, content: string | Uint8Array][]): string {
  const summary = lines.map(([name, content]) => `${createHash('sha256').update(content).digest('hex')}  ${name}\n`).join('');
  return 'h1:' + createHash('sha256').update(summary).digest('base64');
}

const zipHash = async (z: Uint8Array): Promise<string> => hashZip(await openZip(bytesSource(z)));

describe('hashGoMod: spec §3.4 vectors', () => {
  it.each([
    ['rsc.io/quote v1.5.2', 'module "rsc.io/quote"\n\nrequire "rsc.io/sampler" v1.3.0\n', 'h1:LzX7hefJvL54yjefDEDHNONDjII0t9xZLPXsUe+TKr0='],
    [
      'rsc.io/sampler v1.3.0',
      'module "rsc.io/sampler"\n\nrequire "golang.org/x/text" v0.0.0-20170915032832-14c0d48ead0c\n',
      'h1:T1hPZKmBbMNahiBKFy5HrXp6adAjACjK9JXDnKaTXpA=',
    ],
    ['golang.org/x/text (synthesized)', 'module golang.org/x/text\n', 'h1:NqM8EUOU14njkJ3fqMW+pc6Ldnwhi/IjpwHt7yyuwOQ='],
    ['empty go.mod sentinel', '', 'h1:G7mAYYxgmS0lVkHyy2hEOLQCFB0DlQFTMLWggykrydY='],
  ])('%s', async (_title, mod, want) => {
    expect(await hashGoMod(enc.encode(mod))).toBe(want);
  });
});

describe('hashZip', () => {
  const sub = 'example.com/direntry@v1.0.0/sub/';
  it('includes directory entries (spec §3.4 example.com/direntry vectors)', async () => {
    const withDir = writeZip([{ name: sub, dir: true }, { name: `${sub}a.go`, data: enc.encode('package a\n') }]);
    const without = writeZip([{ name: `${sub}a.go`, data: enc.encode('package a\n'), dataDescriptor: true }]);
    expect(await zipHash(withDir)).toBe('h1:YzT33q2XGJJCZUr95yejTCHGbfSkOgqRSTwAEwLkWmA=');
    expect(await zipHash(without)).toBe('h1:gKneW0XCnnU1WBgB4f0DpFhivkxw92NTPhW4c9l+mXs=');
  });

  it('ignores archive order, compression, descriptors and Zip64', async () => {
    const files: [string, string][] = [
      ['m@v1.0.0/b.go', 'package b\n'],
      ['m@v1.0.0/a.go', 'package a\n'.repeat(100)],
      ['m@v1.0.0/go.mod', 'module m\n'],
    ];
    const want = expectedH1([...files].sort((x, y) => (x[0] < y[0] ? -1 : 1)));
    expect(await zipHash(writeZip(files.map(([name, d]) => ({ name, data: enc.encode(d), method: 0 }))))).toBe(want);
    const reversed = [...files].reverse().map(([name, d]) => ({ name, data: enc.encode(d), method: 8 as const, dataDescriptor: true, zip64: true }));
    expect(await zipHash(writeZip(reversed, { forceZip64: true }))).toBe(want);
  });

  it('sorts names by UTF-8 bytes, not UTF-16 code units', async () => {
    const script = '\u{1d49c}.go'; // U+1D49C: UTF-16 D835 DC9C, UTF-8 F0 9D 92 9C
    const fullwidth = '\uff21.go'; // U+FF21: UTF-16 FF21, UTF-8 EF BC A1
    expect([script, fullwidth].sort()).toEqual([script, fullwidth]); // JS order: the wrong one
    expect(compareBytes(enc.encode(fullwidth), enc.encode(script))).toBeLessThan(0);
    const want = expectedH1([
      [fullwidth, 'f\n'],
      [script, 's\n'],
    ]);
    expect(await hash1([script, fullwidth], async (n) => enc.encode(n === script ? 's\n' : 'f\n'))).toBe(want);
    const zip = writeZip([
      { name: script, data: enc.encode('s\n') },
      { name: fullwidth, data: enc.encode('f\n') },
    ]);
    expect(await zipHash(zip)).toBe(want);
  });

  it('hashes a duplicated name twice, both times with the last entry', async () => {
    const z = writeZip([
      { name: 'm@v1/a.go', data: enc.encode('one\n') },
      { name: 'm@v1/b.go', data: enc.encode('b\n') },
      { name: 'm@v1/a.go', data: enc.encode('two\n') },
    ]);
    expect(await zipHash(z)).toBe(
      expectedH1([
        ['m@v1/a.go', 'two\n'],
        ['m@v1/a.go', 'two\n'],
        ['m@v1/b.go', 'b\n'],
      ]),
    );
  });

  it('uses the raw name bytes', async () => {
    const raw = new Uint8Array([0x6d, 0x2f, 0x80]);
    const z = writeZip([{ name: raw, data: enc.encode('x') }]);
    const digest = createHash('sha256').update('x').digest('hex');
    const summary = Buffer.concat([Buffer.from(`${digest}  `), Buffer.from(raw), Buffer.from('\n')]);
    expect(await zipHash(z)).toBe('h1:' + createHash('sha256').update(summary).digest('base64'));
  });

  it('tells apart names that differ only in bytes UTF-8 cannot decode, and non-ASCII names from ASCII ones', async () => {
    // 'm/a' + 0xff and 'm/a' + 0xfe both decode to "m/a\uFFFD"; 0xc3 0x83 decodes to 'Ã', Latin-1 0xc3 alone.
    const names = [new Uint8Array([0x6d, 0x2f, 0x61, 0xff]), new Uint8Array([0x6d, 0x2f, 0x61, 0xfe]), new Uint8Array([0x6d, 0x2f, 0xc3, 0x83]), new Uint8Array([0x6d, 0x2f, 0xc3])];
    const z = writeZip(names.map((name, i) => ({ name, data: enc.encode(`${i}\n`) })));
    const order = [0, 1, 2, 3].sort((a, b) => compareBytes(names[a]!, names[b]!));
    const summary = Buffer.concat(order.flatMap((i) => [Buffer.from(`${createHash('sha256').update(`${i}\n`).digest('hex')}  `), Buffer.from(names[i]!), Buffer.from('\n')]));
    expect(await zipHash(z)).toBe('h1:' + createHash('sha256').update(summary).digest('base64'));
  });

  it('fails on an entry whose data is bad', async () => {
    const z = writeZip([{ name: 'a', data: enc.encode('hello'), crc32: 5 }]);
    await expect(zipHash(z)).rejects.toThrow('zip: checksum error');
  });
});

describe('hash1', () => {
  it('refuses names with newlines, as dirhash does', async () => {
    await expect(hash1(['a', 'b\nc'], async () => new Uint8Array(0))).rejects.toThrow(NEWLINE_ERROR);
  });

  it('keeps duplicates and opens each listed name', async () => {
    const opened: string[] = [];
    const got = await hash1(['b', 'a', 'b'], async (n) => {
      opened.push(n);
      return enc.encode(n);
    });
    expect(opened).toEqual(['a', 'b', 'b']);
    expect(got).toBe(
      expectedH1([
        ['a', 'a'],
        ['b', 'b'],
        ['b', 'b'],
      ]),
    );
  });
});

describe('hashZip on large entries', () => {
  it('hashes an entry over 16 MiB while it inflates, to the same h1 as reading it whole', async () => {
    const big = new Uint8Array(17 << 20);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i >>> 12) & 0xff;
    const zipBytes = writeZip([
      { name: 'example.com/big@v1.0.0/go.mod', data: new TextEncoder().encode('module example.com/big\n') },
      { name: 'example.com/big@v1.0.0/stored.bin', data: big, method: 0 },
      { name: 'example.com/big@v1.0.0/deflated.bin', data: big, method: 8, dataDescriptor: true },
    ]);
    const zip = await openZip(bytesSource(zipBytes));
    expect(zip.digestEntry).toBeDefined();
    const whole = await hash1Bytes(zip.entries, (e) => e.nameBytes, (e) => zip.readEntry(e).then(sha256Digest));
    expect(await hashZip(zip)).toBe(whole);
    // The streamed digest keeps readEntry's checks: a wrong CRC still fails.
    const bad = writeZip([{ name: 'example.com/big@v1.0.0/x.bin', data: big, method: 0, crc32: 1 }]);
    const badZip = await openZip(bytesSource(bad));
    await expect(hashZip(badZip)).rejects.toThrow('zip: checksum error');
  });
});

describe('hashZip in parts (digestZipEntries + hashZipFromDigests)', () => {
  const zips: Record<string, Uint8Array> = {
    plain: writeZip(Array.from({ length: 7 }, (_, i) => ({ name: `m@v1/f${(7 - i) % 7}.go`, data: enc.encode(`package m // ${i}\n`.repeat(i * 40)) }))),
    duplicates: writeZip([
      { name: 'm@v1/a.go', data: enc.encode('one\n') },
      { name: 'm@v1/b.go', data: enc.encode('b\n') },
      { name: 'm@v1/a.go', data: enc.encode('two\n') },
      { name: 'm@v1/dir/', data: new Uint8Array(0) },
    ]),
    rawNames: writeZip([new Uint8Array([0x6d, 0x2f, 0x61, 0xff]), new Uint8Array([0x6d, 0x2f, 0x61, 0xfe]), new Uint8Array([0x6d, 0x2f, 0xc3])].map((name, i) => ({ name, data: enc.encode(`${i}\n`) }))),
  };

  for (const [what, bytes] of Object.entries(zips)) {
    it(`gives hashZip's h1 however the entries are split (${what})`, async () => {
      const zip = await openZip(bytesSource(bytes));
      const want = await hashZip(zip);
      const n = zip.entries.length;
      for (let cut = 0; cut <= n; cut++) {
        const [a, b] = await Promise.all([digestZipEntries(zip, 0, cut), digestZipEntries(zip, cut, n)]);
        const all = new Uint8Array(32 * n);
        all.set(a, 0);
        all.set(b, a.length);
        expect(await hashZipFromDigests(zip.entries, all)).toBe(want);
      }
    });
  }

  it('refuses a name with a newline when the parts are put together, as hashZip does', async () => {
    const zip = await openZip(bytesSource(writeZip([{ name: 'm@v1/a.go', data: enc.encode('a') }, { name: 'm@v1/b\n.go', data: enc.encode('b') }])));
    await expect(hashZip(zip)).rejects.toThrow(NEWLINE_ERROR);
    await expect(hashZipFromDigests(zip.entries, await digestZipEntries(zip, 0, 2))).rejects.toThrow(NEWLINE_ERROR);
  });

  it('fails a part holding a bad entry, and refuses ranges and digests that do not fit', async () => {
    const zip = await openZip(bytesSource(writeZip([{ name: 'a', data: enc.encode('fine') }, { name: 'b', data: enc.encode('hello'), crc32: 5 }])));
    expect((await digestZipEntries(zip, 0, 1)).length).toBe(32);
    await expect(digestZipEntries(zip, 1, 2)).rejects.toThrow('zip: checksum error');
    await expect(digestZipEntries(zip, 1, 3)).rejects.toThrow(RangeError);
    await expect(digestZipEntries(zip, 2, 1)).rejects.toThrow(RangeError);
    await expect(hashZipFromDigests(zip.entries, new Uint8Array(32))).rejects.toThrow(RangeError);
  });
});
