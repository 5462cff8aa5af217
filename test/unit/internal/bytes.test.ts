import { describe, expect, it } from 'vitest';
import { bytesEqual, spansBuffer } from '../../../src/core/internal/bytes.ts';

describe('bytesEqual', () => {
  it('compares contents, not identity or views', () => {
    const a = Uint8Array.of(1, 2, 3);
    expect(bytesEqual(a, a)).toBe(true);
    expect(bytesEqual(a, Uint8Array.of(1, 2, 3))).toBe(true);
    expect(bytesEqual(a, Uint8Array.of(0, 1, 2, 3, 4).subarray(1, 4))).toBe(true);
    expect(bytesEqual(a, Uint8Array.of(1, 2, 4))).toBe(false);
    expect(bytesEqual(a, Uint8Array.of(1, 2))).toBe(false);
    expect(bytesEqual(Uint8Array.of(1, 2), a)).toBe(false);
    expect(bytesEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });

  it('takes undefined as equal only to undefined', () => {
    expect(bytesEqual(undefined, undefined)).toBe(true);
    expect(bytesEqual(undefined, new Uint8Array(0))).toBe(false);
    expect(bytesEqual(new Uint8Array(0), undefined)).toBe(false);
  });

  it('spansBuffer: only a view of the whole buffer', () => {
    const b = new Uint8Array(8);
    expect(spansBuffer(b)).toBe(true);
    expect(spansBuffer(b.subarray(0, 8))).toBe(true);
    expect(spansBuffer(b.subarray(0, 7))).toBe(false);
    expect(spansBuffer(b.subarray(1))).toBe(false);
    expect(spansBuffer(new Uint8Array(0))).toBe(true);
  });
});
