/**
 * strToFold of golang.org/x/mod/zip: a key with strToFold(s) === strToFold(t)
 * exactly when s and t are equal under Unicode simple case folding (Go's
 * strings.EqualFold), used to find file names that would collide on a
 * case-insensitive file system.
 *
 * Go maps every rune to the smallest rune of its unicode.SimpleFold orbit, then
 * A-Z to a-z. JavaScript has no SimpleFold, so the orbits are rebuilt once, on
 * first use: every code point is joined with its single-code-point lower and
 * upper case mappings when the `iu` RegExp canonicalisation (Unicode simple
 * case folding) agrees they are equivalent. This reproduces Go's classes on
 * Go's Unicode repertoire, including the irregular ones (K/k/KELVIN SIGN,
 * S/s/LONG S, MICRO SIGN/Greek mu), and leaves İ and ı unfolded as Go does.
 * Where the runtime's Unicode is newer than Go's (15.0 in Go 1.26), a few Go
 * letters gained a case partner Go does not know (U+A7D3 and U+A7D2): the key
 * differs from Go's, but only a name holding the new partner could collide,
 * and Go refuses that name in CheckFilePath.
 */

/** The last code point with a case mapping in current Unicode (Adlam); a margin past it. */
const SCAN_END = 0x1ffff;

let minOfClass: Map<number, number> | undefined;

function singleCodePoint(s: string): number | undefined {
  const cp = s.codePointAt(0);
  return cp !== undefined && s.length === (cp > 0xffff ? 2 : 1) ? cp : undefined;
}

function foldEquivalent(a: number, b: number): boolean {
  return new RegExp(`^\\u{${a.toString(16)}}$`, 'iu').test(String.fromCodePoint(b));
}

function buildClasses(): Map<number, number> {
  const parent = new Map<number, number>();
  const root = (x: number): number => {
    let r = x;
    for (let p = parent.get(r); p !== undefined && p !== r; p = parent.get(r)) r = p;
    return r;
  };
  for (let c = 0; c <= SCAN_END; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const s = String.fromCodePoint(c);
    for (const mapped of [s.toLowerCase(), s.toUpperCase()]) {
      const d = singleCodePoint(mapped);
      if (d === undefined || d === c || !foldEquivalent(c, d)) continue;
      if (!parent.has(c)) parent.set(c, c);
      if (!parent.has(d)) parent.set(d, d);
      const rc = root(c);
      const rd = root(d);
      if (rc !== rd) parent.set(Math.max(rc, rd), Math.min(rc, rd));
    }
  }
  const out = new Map<number, number>();
  for (const c of parent.keys()) out.set(c, root(c));
  return out;
}

/** The case-fold key of s (Go's strToFold). */
export function strToFold(s: string): string {
  // Fast path, as in Go: ASCII without upper case is its own key.
  if (!/[^\0-@[-\x7f]/.test(s)) return s;
  minOfClass ??= buildClasses();
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    let r = minOfClass.get(c) ?? c;
    if (r >= 0x41 && r <= 0x5a) r += 0x20;
    out += String.fromCodePoint(r);
  }
  return out;
}
