/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum zip
 * records for every entry. Incremental, so an entry can be checked as it is
 * inflated. Slicing-by-8 (eight 256-entry tables, eight bytes per step) runs
 * several times faster than the one-byte table loop, which matters because
 * every inflated byte of every module passes through here. Where the runtime
 * has its own (Node's zlib.crc32) that is used instead.
 */

const TABLES: Uint32Array[] = (() => {
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  const tables = [t0];
  for (let k = 1; k < 8; k++) {
    const prev = tables[k - 1]!;
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) t[n] = (prev[n]! >>> 8) ^ t0[prev[n]! & 0xff]!;
    tables.push(t);
  }
  return tables;
})();
import { nativeCrc32 } from '../internal/webstd.ts';

const native = nativeCrc32();

const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];

/** Continues crc (the value returned for the bytes so far; 0 to start) over data. */
export function crc32Update(crc: number, data: Uint8Array): number {
  if (native !== undefined) return native(data, crc) >>> 0;
  return crc32UpdateJs(crc, data);
}

/** The portable implementation (browsers), exported so tests can check it against the native one. */
export function crc32UpdateJs(crc: number, data: Uint8Array): number {
  let c = ~crc >>> 0;
  let i = 0;
  const n = data.length;
  const end8 = n - (n % 8);
  for (; i < end8; i += 8) {
    const a = (c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    c =
      T7[a & 0xff]! ^
      T6[(a >>> 8) & 0xff]! ^
      T5[(a >>> 16) & 0xff]! ^
      T4[a >>> 24]! ^
      T3[data[i + 4]!]! ^
      T2[data[i + 5]!]! ^
      T1[data[i + 6]!]! ^
      T0[data[i + 7]!]!;
  }
  for (; i < n; i++) c = T0[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** The CRC-32 of data. */
export function crc32(data: Uint8Array): number {
  return crc32Update(0, data);
}
