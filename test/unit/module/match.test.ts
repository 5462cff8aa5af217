import { describe, expect, it } from 'vitest';
import { BadPatternError, matchPrefixPatterns, pathMatch } from '../../../src/core/module/match.ts';
import { PATH_MATCH_CASES, PREFIX_CASES } from './cases.ts';

describe('pathMatch (path.Match)', () => {
  it.each(PATH_MATCH_CASES)('pathMatch(%j, %j) -> %j', (pattern, name, want) => {
    if (want === 'bad') {
      expect(() => pathMatch(pattern, name)).toThrow(BadPatternError);
      expect(() => pathMatch(pattern, name)).toThrow('syntax error in pattern');
    } else {
      expect(pathMatch(pattern, name)).toBe(want);
    }
  });

  it('lets * retry at byte offsets inside a multi-byte rune, as Go does', () => {
    // '€' is three UTF-8 bytes; after skipping one, the two stray bytes count as two runes.
    expect(pathMatch('*??', '\u20AC')).toBe(true);
    expect(pathMatch('??', '\u20AC')).toBe(false);
    expect(pathMatch('?', '\u{1F600}')).toBe(true);
  });
});

describe('matchPrefixPatterns (GOPRIVATE)', () => {
  it.each(PREFIX_CASES)('matchPrefixPatterns(%j, %j) -> %j', (globs, target, want) => {
    expect(matchPrefixPatterns(globs, target)).toBe(want);
  });

  it('matches a glob against exactly as many leading elements as it has', () => {
    const globs = 'corp.example.com/team/*,*.internal';
    expect(matchPrefixPatterns(globs, 'corp.example.com/team/x/y/z')).toBe(true);
    expect(matchPrefixPatterns(globs, 'corp.example.com/team')).toBe(false);
    expect(matchPrefixPatterns(globs, 'corp.example.com/other/x')).toBe(false);
    expect(matchPrefixPatterns(globs, 'git.internal/a/b')).toBe(true);
    expect(matchPrefixPatterns(globs, 'git.internal.com/a')).toBe(false);
  });

  it('skips a malformed glob but still tries the others', () => {
    expect(matchPrefixPatterns('a[,b.com', 'b.com/x')).toBe(true);
    expect(matchPrefixPatterns('b.com[', 'b.com/x')).toBe(false);
  });
});
