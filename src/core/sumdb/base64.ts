/**
 * Standard base64 (RFC 4648 §4, padded) with the exact acceptance rules of
 * Go's base64.StdEncoding.DecodeString, which every sumdb format (keys,
 * signatures, tree hashes) is parsed with: padding is required, CR and LF are
 * skipped anywhere, any other character outside the alphabet is an error, and
 * non-zero trailing bits are tolerated (StdEncoding is not Strict).
 *
 * Written here rather than taken from atob/btoa because core has no DOM types
 * and atob is laxer than Go (it accepts missing padding and whitespace).
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

const DECODE = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) t[ALPHABET.charCodeAt(i)] = i;
  return t;
})();

/** The padded standard base64 text of data. */
export function base64Encode(data: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 3 <= data.length; i += 3) {
    const v = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
    out += ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]! + ALPHABET[(v >> 6) & 63]! + ALPHABET[v & 63]!;
  }
  const rest = data.length - i;
  if (rest === 1) {
    const v = data[i]! << 16;
    out += ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const v = (data[i]! << 16) | (data[i + 1]! << 8);
    out += ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]! + ALPHABET[(v >> 6) & 63]! + '=';
  }
  return out;
}

/** Decodes padded standard base64 like Go's StdEncoding; undefined when Go would fail. */
export function base64Decode(text: string): Uint8Array | undefined {
  const s = text.includes('\r') || text.includes('\n') ? text.replace(/[\r\n]/g, '') : text;
  if (s.length % 4 !== 0) return undefined;
  let pad = 0;
  if (s.endsWith('==')) pad = 2;
  else if (s.endsWith('=')) pad = 1;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const last = i + 4 === s.length;
    const quadPad = last ? pad : 0;
    let v = 0;
    for (let j = 0; j < 4; j++) {
      const c = s.charCodeAt(i + j);
      if (j >= 4 - quadPad) {
        if (c !== 0x3d) return undefined;
        v <<= 6;
        continue;
      }
      const d = c < 128 ? DECODE[c]! : -1;
      if (d < 0) return undefined;
      v = (v << 6) | d;
    }
    out[o++] = (v >> 16) & 255;
    if (quadPad < 2) out[o++] = (v >> 8) & 255;
    if (quadPad < 1) out[o++] = v & 255;
  }
  return out;
}
