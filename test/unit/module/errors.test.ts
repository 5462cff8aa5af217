import { describe, expect, it } from 'vitest';
import { InvalidPathError, InvalidVersionError, ModuleError, versionError } from '../../../src/core/module/errors.ts';
import { goQuote, goQuoteRune } from '../../../src/core/module/quote.ts';
import { QUOTE_CASES } from './cases.ts';

describe('goQuote (strconv.Quote)', () => {
  it.each(QUOTE_CASES)('%j -> %s', (s, want) => {
    expect(goQuote(s)).toBe(want);
  });

  it('writes a lone surrogate as the replacement character escape', () => {
    expect(goQuote('a\uD800b')).toBe('"a\\ufffdb"');
  });
});

describe('goQuoteRune (strconv.QuoteRune)', () => {
  it.each([
    [0x3a, "':'"],
    [0x27, "'\\''"],
    [0x22, `'"'`],
    [0x5c, "'\\\\'"],
    [0x09, "'\\t'"],
    [0x00, "'\\x00'"],
    [0xe9, "'\u00e9'"],
    [0xad, "'\\u00ad'"],
    [0x1f600, "'\u{1F600}'"],
    [0xe0001, "'\\U000e0001'"],
    [0xd800, "'\uFFFD'"],
    [0x110000, "'\uFFFD'"],
  ])('%d -> %s', (cp, want) => {
    expect(goQuoteRune(cp)).toBe(want);
  });
});

describe('error types', () => {
  it('formats ModuleError in its three shapes', () => {
    const inner = new Error('not found');
    expect(new ModuleError('x.y/z', 'v1.0.0', inner).message).toBe('x.y/z@v1.0.0: not found');
    expect(new ModuleError('x.y/z', '', inner).message).toBe('module x.y/z: not found');
    const bad = new InvalidVersionError('v2.0.0', new Error('should be v0 or v1, not v2'));
    expect(new ModuleError('x.y/z', '', bad).message).toBe('x.y/z@v2.0.0: invalid version: should be v0 or v1, not v2');
    expect(new ModuleError('x.y/z', '', bad).cause).toBe(bad);
  });

  it('formats InvalidVersionError and InvalidPathError', () => {
    expect(new InvalidVersionError('v1.x', new Error('bad')).message).toBe('version "v1.x" invalid: bad');
    expect(new InvalidVersionError('v1.x', new Error('bad'), true).message).toBe('pseudo-version "v1.x" invalid: bad');
    const p = new InvalidPathError('file', 'a\tb', new Error("invalid char '\\t'"));
    expect(p.message).toBe(`malformed file path "a\\tb": invalid char '\\t'`);
    expect(p.name).toBe('InvalidPathError');
  });

  it('versionError reuses a ModuleError for the same module version only', () => {
    const m = { path: 'x.y/z', version: 'v1.0.0' };
    const e = new ModuleError('x.y/z', 'v1.0.0', new Error('boom'));
    expect(versionError(m, e)).toBe(e);
    const other = versionError({ path: 'x.y/z', version: 'v1.0.1' }, e);
    expect(other).not.toBe(e);
    expect(other.message).toBe('x.y/z@v1.0.1: x.y/z@v1.0.0: boom');
  });
});
