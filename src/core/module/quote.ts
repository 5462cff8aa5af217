/**
 * Go's `%q` verb (strconv.Quote / strconv.QuoteRune), so that error texts
 * quote paths and characters byte-for-byte like the go command.
 *
 * Printable runes (Unicode L, M, N, P, S and the ASCII space, as in
 * unicode.IsPrint) stay as they are; others become \a \b \f \n \r \t \v,
 * \xHH below U+0020 and for DEL, \uHHHH or \UHHHHHHHH. A JavaScript string
 * cannot hold Go's invalid UTF-8 bytes; its lone surrogates are quoted as
 * \ufffd.
 */

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  0x07: '\\a',
  0x08: '\\b',
  0x0c: '\\f',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x0b: '\\v',
};

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

function quoteCodePoint(cp: number, quote: '"' | "'"): string {
  const ch = String.fromCodePoint(cp);
  if (ch === quote || ch === '\\') return '\\' + ch;
  if (cp >= 0xd800 && cp <= 0xdfff) return '\\ufffd';
  if (PRINTABLE.test(ch)) return ch;
  const short = SHORT_ESCAPES[cp];
  if (short !== undefined) return short;
  if (cp < 0x20 || cp === 0x7f) return '\\x' + hex(cp, 2);
  if (cp < 0x10000) return '\\u' + hex(cp, 4);
  return '\\U' + hex(cp, 8);
}

/** s as Go's strconv.Quote (and fmt's %q on a string) writes it. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) out += quoteCodePoint(ch.codePointAt(0) as number, '"');
  return out + '"';
}

/** The code point cp as Go's strconv.QuoteRune (and fmt's %q on a rune) writes it. */
export function goQuoteRune(cp: number): string {
  const valid = cp >= 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
  return "'" + quoteCodePoint(valid ? cp : 0xfffd, "'") + "'";
}
