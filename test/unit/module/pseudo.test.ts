import { describe, expect, it } from 'vitest';
import { InvalidVersionError, ModuleError } from '../../../src/core/module/errors.ts';
import {
  isPseudoVersion,
  isZeroPseudoVersion,
  pseudoVersion,
  pseudoVersionBase,
  pseudoVersionRev,
  pseudoVersionTime,
  zeroPseudoVersion,
} from '../../../src/core/module/pseudo.ts';
import { compare } from '../../../src/core/semver/semver.ts';
import { MAKE_PSEUDO_CASES, PSEUDO_CASES } from './cases.ts';

type Answer<T> = T | { err: string };

function answer<T>(f: () => T): Answer<T> {
  try {
    return f();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidVersionError);
    expect((err as InvalidVersionError).pseudo).toBe(true);
    return { err: (err as Error).message };
  }
}

describe('pseudo-version parsing', () => {
  it.each(PSEUDO_CASES)('%j', (v, isPseudo, isZero, base, rev, time) => {
    expect(isPseudoVersion(v)).toBe(isPseudo);
    expect(isZeroPseudoVersion(v)).toBe(isZero);
    expect(answer(() => pseudoVersionBase(v))).toEqual(base);
    expect(answer(() => pseudoVersionRev(v))).toEqual(rev);
    expect(answer(() => pseudoVersionTime(v).getTime() / 1000)).toEqual(time);
  });

  it('reads the commit time as UTC', () => {
    expect(pseudoVersionTime('v1.2.4-0.20191109021931-daa7c04131f5').toISOString()).toBe('2019-11-09T02:19:31.000Z');
  });

  it('prints inside a ModuleError the way go does', () => {
    const err = new ModuleError('x.y/z', 'v1.2.3', new InvalidVersionError('v1.2.3', new Error('syntax error'), true));
    expect(err.message).toBe('x.y/z@v1.2.3: invalid pseudo-version: syntax error');
  });
});

describe('pseudoVersion', () => {
  it.each(MAKE_PSEUDO_CASES)('pseudoVersion(%j, %j, %j, %j) = %j', (major, older, seconds, rev, want) => {
    expect(pseudoVersion(major, older, new Date(seconds * 1000), rev)).toBe(want);
  });

  it('builds the three forms, each sorting above its base and parsing back', () => {
    const t = new Date(Date.UTC(2021, 5, 7, 8, 9, 10));
    const cases = [
      ['v0', '', ''],
      ['v1', 'v1.4.2', 'v1.4.2'],
      ['v1', 'v1.5.0-rc.2', 'v1.5.0-rc.2'],
      ['v3', 'v3.1.0+incompatible', 'v3.1.0+incompatible'],
    ] as const;
    for (const [major, older, base] of cases) {
      const v = pseudoVersion(major, older, t, '0123456789ab');
      expect(isPseudoVersion(v)).toBe(true);
      expect(pseudoVersionBase(v)).toBe(base);
      expect(pseudoVersionRev(v)).toBe('0123456789ab');
      expect(pseudoVersionTime(v).getTime()).toBe(t.getTime());
      if (older !== '') expect(compare(v, older)).toBe(1);
    }
  });

  it('has a zero form', () => {
    expect(zeroPseudoVersion('')).toBe('v0.0.0-00010101000000-000000000000');
    expect(zeroPseudoVersion('v3')).toBe('v3.0.0-00010101000000-000000000000');
    expect(isZeroPseudoVersion(zeroPseudoVersion('v3'))).toBe(true);
    expect(pseudoVersionTime(zeroPseudoVersion('v0')).getUTCFullYear()).toBe(1);
  });

  it('refuses an invalid Date', () => {
    expect(() => pseudoVersion('v1', '', new Date(Number.NaN), 'abc')).toThrow(RangeError);
  });
});
