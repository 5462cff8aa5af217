/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum zip
 * records for every entry. Table-driven, one byte at a time; incremental so an
 * entry can be checked as it is inflated.
 */

const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Continues crc (the value returned for the bytes so far; 0 to start) over data. */
export function crc32Update(crc: number, data: Uint8Array): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) {
    c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  }
  return ~c >>> 0;
}

/** The CRC-32 of data. */
export function crc32(data: Uint8Array): number {
  return crc32Update(0, data);
}
