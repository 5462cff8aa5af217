import { describe, expect, it } from 'vitest';
import { bytesEqual } from '../../../src/core/internal/bytes.ts';

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
});
