import { describe, it, expect } from 'vitest';
import { goUnquote, isPrint, isSpace, QuoteSyntaxError } from '../../../src/core/modfile/quote.ts';

describe('goUnquote (strconv.Unquote of a "..." token)', () => {
  const ok: [string, string][] = [
    ['""', ''],
    ['"abc"', 'abc'],
    ['"ä/ö"', 'ä/ö'],
    ['"a\\tb\\nc"', 'a\tb\nc'],
    ['"\\a\\b\\f\\r\\v\\\\\\""', '\x07\b\f\r\v\\"'],
    ['"\\x41\\102"', 'AB'],
    ['"\\xc3\\xa4"', 'ä'],
    ['"\\u00e9\\U0001F600"', 'é\u{1F600}'],
    ['"a`b\'c"', "a`b'c"],
  ];
  for (const [literal, want] of ok) {
    it(`${literal} -> ${JSON.stringify(want)}`, () => expect(goUnquote(literal)).toBe(want));
  }

  const bad = ['"', 'abc', '"abc', '"a"b"', '"\\q"', "\"\\'\"", '"\\x4"', '"\\400"', '"\\12"', '"\\ud800"', '"\\U00110000"', '"a\nb"', '"\\"'];
  for (const literal of bad) {
    it(`${JSON.stringify(literal)} is invalid syntax`, () => {
      expect(() => goUnquote(literal)).toThrow(QuoteSyntaxError);
      expect(() => goUnquote(literal)).toThrow('invalid syntax');
    });
  }
});

describe('unicode classes of the go.mod lexer', () => {
  it('isPrint follows unicode.IsPrint', () => {
    expect([0x20, 0x41, 0x7e, 0xe4, 0x20ac, 0x1f600, 0xfffd].every(isPrint)).toBe(true);
    expect([0x00, 0x09, 0x7f, 0xa0, 0xad, 0x2003, 0xfeff, 0x200b].some(isPrint)).toBe(false);
  });
  it('isSpace follows unicode.IsSpace', () => {
    expect([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x2003, 0x3000].every(isSpace)).toBe(true);
    expect([0x41, 0x200b, 0xfeff, 0x00, -1].some(isSpace)).toBe(false);
  });
});
