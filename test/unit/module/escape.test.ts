import { describe, expect, it } from 'vitest';
import { InvalidPathError, InvalidVersionError } from '../../../src/core/module/errors.ts';
import { escapePath, escapeVersion, unescapePath, unescapeVersion } from '../../../src/core/module/escape.ts';
import { PATH_CASES, ESCAPE_PATH_CASES, ESCAPE_VERSION_CASES, UNESCAPE_PATH_CASES, UNESCAPE_VERSION_CASES } from './cases.ts';

function run(f: () => string): [string, string, unknown] {
  try {
    return [f(), '', undefined];
  } catch (err) {
    return ['', (err as Error).message, err];
  }
}

describe('escapePath', () => {
  it.each(ESCAPE_PATH_CASES)('%j', (input, want, wantErr) => {
    const [out, err, e] = run(() => escapePath(input));
    expect([out, err]).toEqual([want, wantErr]);
    if (wantErr !== '') expect(e).toBeInstanceOf(InvalidPathError);
  });
});

describe('escapeVersion', () => {
  it.each(ESCAPE_VERSION_CASES)('%j', (input, want, wantErr) => {
    const [out, err, e] = run(() => escapeVersion(input));
    expect([out, err]).toEqual([want, wantErr]);
    if (wantErr.startsWith('version ')) expect(e).toBeInstanceOf(InvalidVersionError);
  });
});

describe('unescapePath', () => {
  it.each(UNESCAPE_PATH_CASES)('%j', (input, want, wantErr) => {
    expect(run(() => unescapePath(input)).slice(0, 2)).toEqual([want, wantErr]);
  });
});

describe('unescapeVersion', () => {
  it.each(UNESCAPE_VERSION_CASES)('%j', (input, want, wantErr) => {
    expect(run(() => unescapeVersion(input)).slice(0, 2)).toEqual([want, wantErr]);
  });
});

describe('escaping round trip', () => {
  it('unescapePath inverts escapePath for every valid module path', () => {
    let checked = 0;
    for (const [path, moduleReason] of PATH_CASES) {
      if (moduleReason !== '') continue;
      const escaped = escapePath(path);
      expect(escaped).not.toMatch(/[A-Z]/);
      expect(unescapePath(escaped)).toBe(path);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('unescapeVersion inverts escapeVersion', () => {
    for (const v of ['v1.2.3-RC.1+Build', 'Master', 'feature-X', 'v0.0.0-20200101000000-ABCDEF']) {
      expect(unescapeVersion(escapeVersion(v))).toBe(v);
    }
  });

  it('never escapes a version into two casings', () => {
    expect(escapeVersion('ABC')).toBe('!a!b!c');
    expect(escapeVersion('abc')).toBe('abc');
  });
});
