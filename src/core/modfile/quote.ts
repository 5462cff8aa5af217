/**
 * Go string quoting as go.mod uses it: AutoQuote/MustQuote, strconv.Unquote
 * for "..." tokens, and the unicode classes (IsPrint, IsSpace) that decide what
 * a go.mod identifier is. %q itself is module/quote.ts.
 *
 * Strings here are JavaScript strings decoded from UTF-8; an invalid byte has
 * already become U+FFFD, which Go too treats as printable identifier text.
 */
import { utf8Decode } from '../internal/webstd.ts';
import { goQuote } from '../module/quote.ts';

const PRINT = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const SPACE = /^\p{White_Space}$/u;

/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and U+0020. */
export function isPrint(cp: number): boolean {
  if (cp === 0x20) return true;
  if (cp < 0x20 || cp === 0x7f) return false;
  if (cp < 0x7f) return true;
  return PRINT.test(String.fromCodePoint(cp));
}

/** unicode.IsSpace: the Unicode White_Space property (as strings.Fields and TrimSpace use it). */
export function isSpace(cp: number): boolean {
  if (cp < 0) return false;
  if (cp < 0x80) return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d);
  return SPACE.test(String.fromCodePoint(cp));
}

/** The error strconv.Unquote reports for every malformed literal. */
export class QuoteSyntaxError extends Error {
  constructor() {
    super('invalid syntax');
    this.name = 'QuoteSyntaxError';
  }
}

function pushUtf8(out: number[], cp: number): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
}

const SIMPLE_UNESCAPES: ReadonlyMap<string, number> = new Map([
  ['a', 0x07],
  ['b', 0x08],
  ['f', 0x0c],
  ['n', 0x0a],
  ['r', 0x0d],
  ['t', 0x09],
  ['v', 0x0b],
  ['\\', 0x5c],
  ['"', 0x22],
]);

function parseHex(s: string): number | undefined {
  return /^[0-9a-fA-F]+$/.test(s) ? parseInt(s, 16) : undefined;
}

/**
 * strconv.Unquote for a double-quoted literal. \x and octal escapes denote raw
 * bytes, so the result is assembled as UTF-8 and decoded at the end; \u and \U
 * must name a valid scalar value. Throws QuoteSyntaxError ("invalid syntax").
 */
export function goUnquote(literal: string): string {
  if (literal.length < 2 || !literal.startsWith('"') || !literal.endsWith('"')) throw new QuoteSyntaxError();
  const body = literal.slice(1, -1);
  const bytes: number[] = [];
  let i = 0;
  while (i < body.length) {
    const cp = body.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(cp);
    if (cp === 0x22 || cp === 0x0a) throw new QuoteSyntaxError();
    if (cp !== 0x5c) {
      pushUtf8(bytes, cp);
      i += ch.length;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) throw new QuoteSyntaxError();
    const simple = SIMPLE_UNESCAPES.get(e);
    if (simple !== undefined) {
      bytes.push(simple);
      i += 2;
    } else if (e >= '0' && e <= '7') {
      const digits = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(digits)) throw new QuoteSyntaxError();
      const v = parseInt(digits, 8);
      if (v > 255) throw new QuoteSyntaxError();
      bytes.push(v);
      i += 4;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const width = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const v = parseHex(body.slice(i + 2, i + 2 + width));
      if (v === undefined || body.slice(i + 2, i + 2 + width).length !== width) throw new QuoteSyntaxError();
      if (e === 'x') {
        bytes.push(v);
      } else {
        if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new QuoteSyntaxError();
        pushUtf8(bytes, v);
      }
      i += 2 + width;
    } else {
      throw new QuoteSyntaxError();
    }
  }
  return utf8Decode(new Uint8Array(bytes), false);
}

/** modfile.MustQuote: whether s must be quoted to appear as one token in a go.mod line. */
export function mustQuote(s: string): boolean {
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case ' ':
      case '"':
      case "'":
      case '`':
        return true;
      case '(':
      case ')':
      case '[':
      case ']':
      case '{':
      case '}':
      case ',':
        if (s.length > 1) return true;
        break;
      default:
        if (!isPrint(cp)) return true;
    }
  }
  return s === '' || s.includes('//') || s.includes('/*');
}

/** modfile.AutoQuote: s itself, or its Go quotation when s could not stand as one token. */
export function autoQuote(s: string): string {
  return mustQuote(s) ? goQuote(s) : s;
}
