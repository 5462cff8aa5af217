import { randomBytes } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Update } from '../../../src/core/zip/crc32.ts';

const enc = new TextEncoder();

describe('crc32', () => {
  it('matches the IEEE check values', () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(enc.encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(enc.encode('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });

  it('is incremental and agrees with zlib on random data', () => {
    const data = new Uint8Array(randomBytes(100_003));
    const whole = crc32(data);
    let c = 0;
    for (let i = 0; i < data.length; i += 7919) c = crc32Update(c, data.subarray(i, i + 7919));
    expect(c).toBe(whole);
    if (typeof zlibCrc32 === 'function') expect(whole).toBe(zlibCrc32(data));
  });
});

describe('crc32UpdateJs (the browsers\' implementation)', () => {
  it('equals zlib over random data in uneven increments', async () => {
    const { crc32UpdateJs } = await import('../../../src/core/zip/crc32.ts');
    const data = new Uint8Array(100_003);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    let crc = 0;
    for (let at = 0, step = 1; at < data.length; at += step, step = (step * 7) % 4099 + 1) {
      crc = crc32UpdateJs(crc, data.subarray(at, Math.min(data.length, at + step)));
    }
    expect(crc).toBe(zlibCrc32(data) >>> 0);
    expect(crc32UpdateJs(0, new Uint8Array(0))).toBe(0);
  });
});
