import { describe, expect, it } from 'vitest';
import { compare, isValid, lang } from '../../../src/core/gover/gover.ts';

describe('gover', () => {
  it('orders language versions, prereleases and releases like the go command', () => {
    const ordered = ['1', '1.2', '1.9', '1.10', '1.16', '1.17', '1.21', '1.21rc1', '1.21rc2', '1.21.0', '1.21.1', '1.21.10', '1.22beta1', '1.22rc1', '1.22.0'];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        expect(compare(ordered[i]!, ordered[j]!), `${ordered[i]} vs ${ordered[j]}`).toBe(Math.sign(i - j));
      }
    }
  });
  it('treats invalid versions as below every valid one', () => {
    expect(compare('junk', '1.0')).toBe(-1);
    expect(compare('1.0', 'v1.0')).toBe(1);
    expect(compare('x', 'y')).toBe(0);
    expect(isValid('1.21.0rc1')).toBe(false);
    expect(isValid('01.2')).toBe(false);
    expect(isValid('1.22rc1')).toBe(true);
  });
  it('extracts the language version', () => {
    expect(lang('1.21.3')).toBe('1.21');
    expect(lang('1.22rc1')).toBe('1.22');
    expect(lang('1.16')).toBe('1.16');
    expect(lang('bad')).toBe('');
  });
});
