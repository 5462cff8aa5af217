import { describe, expect, it } from 'vitest';
import {
  build,
  canonical,
  compare,
  isValid,
  major,
  majorMinor,
  max,
  prerelease,
  sort,
} from '../../../src/core/semver/semver.ts';
import { MAX_CASES, ORDER, PARSE_CASES, SORT_CASES } from './cases.ts';

describe('semver parsing', () => {
  it.each(PARSE_CASES)('%j', (v, wantCanonical, wantMajor, wantMajorMinor, wantPre, wantBuild) => {
    expect(isValid(v)).toBe(wantCanonical !== '');
    expect(canonical(v)).toBe(wantCanonical);
    expect(major(v)).toBe(wantMajor);
    expect(majorMinor(v)).toBe(wantMajorMinor);
    expect(prerelease(v)).toBe(wantPre);
    expect(build(v)).toBe(wantBuild);
  });

  it('canonicalizes every valid version to an idempotent, valid, build-free form', () => {
    for (const [v, c] of PARSE_CASES) {
      if (c === '') continue;
      expect(isValid(c)).toBe(true);
      expect(canonical(c)).toBe(c);
      expect(build(c)).toBe('');
      expect(compare(v, c)).toBe(0);
    }
  });

  it('fills in shorthand parts and keeps the prerelease', () => {
    expect(canonical('v2')).toBe('v2.0.0');
    expect(canonical('v2.1')).toBe('v2.1.0');
    expect(canonical('v2.1.0-rc.1+build.5')).toBe('v2.1.0-rc.1');
    expect(majorMinor('v2')).toBe('v2.0');
  });
});

describe('semver.compare', () => {
  const all = ORDER.flatMap((group, rank) => group.map((v) => ({ v, rank })));

  it('orders every pair by group rank (invalid lowest, build ignored, prereleases below releases)', () => {
    for (const a of all) {
      for (const b of all) {
        const want = Math.sign(a.rank - b.rank);
        expect(compare(a.v, b.v), `compare(${JSON.stringify(a.v)}, ${JSON.stringify(b.v)})`).toBe(want);
      }
    }
  });

  it('compares numeric parts by magnitude, not as text or floating point', () => {
    expect(compare('v1.10.0', 'v1.9.0')).toBe(1);
    expect(compare('v1.0.0-beta.11', 'v1.0.0-beta.2')).toBe(1);
    expect(compare('v99999999999999999999.0.0', 'v99999999999999999998.0.0')).toBe(1);
    expect(compare('v2.0.0+incompatible', 'v2.0.0')).toBe(0);
  });
});

describe('semver.max', () => {
  it.each(MAX_CASES)('max(%j, %j) = %j', (v, w, want) => {
    expect(max(v, w)).toBe(want);
  });
});

describe('semver.sort', () => {
  it.each(SORT_CASES)('%j', (input, want) => {
    const list = [...input];
    sort(list);
    expect(list).toEqual(want);
  });

  it('breaks ties by plain string order, whatever the input order', () => {
    const want = ['v1', 'v1.0', 'v1.0.0', 'v1.0.0+a', 'v1.0.0+b'];
    for (const input of [[...want].reverse(), ['v1.0.0+a', 'v1', 'v1.0.0+b', 'v1.0', 'v1.0.0']]) {
      sort(input);
      expect(input).toEqual(want);
    }
  });

  it('uses code point order for the tie-break, as Go compares UTF-8 bytes', () => {
    // U+FF5E sorts below U+1F600 in UTF-8 but above it in UTF-16 code units.
    const list = ['bad\u{1F600}', 'bad\uFF5E'];
    sort(list);
    expect(list).toEqual(['bad\uFF5E', 'bad\u{1F600}']);
  });
});
