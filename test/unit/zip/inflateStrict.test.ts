/**
 * The JS decoder decides every stream the native one refuses, so it must be
 * as strict as Go's compress/flate: each stream here is one Go refuses (and
 * Node's zlib, checked first, refuses too) that a lenient decoder decodes to
 * plausible bytes. Accepting one would pass a zip that the go command then
 * refuses to extract offline.
 *
 * Node's synchronous zlib is switched off for the decoders under test, so
 * inflateWhole decodes with the JS decoder as browsers do (node:zlib itself,
 * imported here directly, stays the stand-in for Go).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import type * as webstd from '../../../src/core/internal/webstd.ts';
import { inflateRaw, inflateWhole, inflateWholeStream, maxInflated } from '../../../src/core/zip/inflate.ts';
import { ZipFormatError } from '../../../src/core/zip/errors.ts';

vi.mock('../../../src/core/internal/webstd.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof webstd>()),
  hasNativeInflateRawSync: () => false,
  nativeInflateRawSync: () => undefined,
}));

const enc = new TextEncoder();
const text = (n: number): Uint8Array => enc.encode(`package p\n\n// Line ${n} of a file that deflates well.\nfunc F${n}() int { return ${n} }\n`.repeat(1 + (n % 7)));

/** Packs deflate bits: fields LSB first, Huffman codes MSB first (RFC 1951 3.1.1). */
class Bits {
  private readonly out: number[] = [];
  private acc = 0;
  private n = 0;
  field(value: number, width: number): this {
    for (let i = 0; i < width; i++) this.bit((value >>> i) & 1);
    return this;
  }
  code(value: number, width: number): this {
    for (let i = width - 1; i >= 0; i--) this.bit((value >>> i) & 1);
    return this;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.n > 0 ? [...this.out, this.acc] : this.out);
  }
  private bit(b: number): void {
    this.acc |= b << this.n;
    if (++this.n === 8) {
      this.out.push(this.acc);
      this.acc = 0;
      this.n = 0;
    }
  }
}

const MALFORMED: { title: string; data: () => Uint8Array; declared: number }[] = [
  {
    title: 'a stored block whose LEN and NLEN disagree',
    data: () => {
      const s = new Uint8Array(deflateRawSync(text(1), { level: 0 }));
      s[3]! ^= 1; // NLEN's low byte: no longer LEN's complement
      return s;
    },
    declared: text(1).length,
  },
  {
    // Found by test/conformance/zipFuzz.test.ts: the flipped bits sit in the code-length
    // code's lengths, which no longer form a complete prefix code, yet the codes the
    // block uses decode as before.
    title: 'a dynamic block whose code-length code is not a complete prefix code',
    data: () => {
      const s = new Uint8Array(deflateRawSync(text(30)));
      s[2]! ^= 14;
      return s;
    },
    declared: text(30).length,
  },
  {
    title: 'a match reaching back before the start of the output',
    // Final fixed-Huffman block: length 3 (code 257), distance 1 (code 0), end of block.
    data: () => new Bits().field(1, 1).field(1, 2).code(0b0000001, 7).code(0, 5).code(0, 7).bytes(),
    declared: 3,
  },
];

describe('the JS decoder refuses what Go\'s compress/flate refuses', () => {
  for (const c of MALFORMED) {
    it(c.title, async () => {
      const data = c.data();
      expect(() => inflateRawSync(data), 'Node\'s zlib, our stand-in for Go, refuses it').toThrow();
      // inflateWhole: the JS decoder alone, as in browsers.
      expect(() => inflateWhole(data, c.declared)).toThrow(ZipFormatError);
      expect(() => inflateWhole(data, c.declared)).toThrow(/^flate: corrupt input/);
      // inflateWholeStream: DecompressionStream fails, then the JS decoder decides.
      await expect(inflateWholeStream(data, c.declared)).rejects.toMatchObject({ code: 'corrupt-deflate' });
      // The streaming JS decoder on its own.
      const got: Uint8Array[] = [];
      const input = async function* (): AsyncGenerator<Uint8Array> {
        yield data;
      };
      await expect(inflateRaw(input, (b) => got.push(b), () => got.splice(0), 'js')).rejects.toMatchObject({ code: 'corrupt-deflate' });
    });
  }
});

describe('a declared size is a limit, never an allocation', () => {
  it('an entry declaring far more than its data can hold decodes to its real bytes (the caller then reports them short)', () => {
    const data = text(5);
    const raw = new Uint8Array(deflateRawSync(data));
    for (const declared of [2 ** 40, 2 ** 53 - 1]) {
      expect(inflateWhole(raw, declared)).toStrictEqual(data);
    }
  });

  it('asks the lender for no more than the data could ever inflate to', () => {
    const data = text(6);
    const raw = new Uint8Array(deflateRawSync(data));
    const asked: number[] = [];
    const out = inflateWhole(raw, 2 ** 40, (n) => {
      asked.push(n);
      return new Uint8Array(n);
    });
    expect(out).toStrictEqual(data);
    expect(asked).toEqual([maxInflated(raw.length) + 1]);
  });

  it('maxInflated bounds a real deflate bomb', () => {
    const zeros = new Uint8Array(8 << 20);
    const raw = new Uint8Array(deflateRawSync(zeros, { level: 9 }));
    expect(maxInflated(raw.length)).toBeGreaterThanOrEqual(zeros.length);
    expect(inflateWhole(raw, zeros.length)).toHaveLength(zeros.length);
  });
});
