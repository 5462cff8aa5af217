/**
 * Byte-array equality, the one comparison the stores' compare-and-set, the
 * checksum-database code and tlog's hashes all need.
 */

/** Whether a and b hold the same bytes; undefined equals only undefined. */
export function bytesEqual(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
