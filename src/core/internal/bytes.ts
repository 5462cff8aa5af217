/**
 * Byte-array helpers: equality, the one comparison the stores'
 * compare-and-set, the checksum-database code and tlog's hashes all need; and
 * whether a view spans its whole buffer.
 */

/** Whether a and b hold the same bytes; undefined equals only undefined. */
export function bytesEqual(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether bytes is a view of its whole ArrayBuffer (a clone of it then copies only its bytes). */
export function spansBuffer(bytes: Uint8Array): boolean {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
}
