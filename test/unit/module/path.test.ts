import { describe, expect, it } from 'vitest';
import { InvalidPathError, InvalidVersionError, ModuleError, type PathKind } from '../../../src/core/module/errors.ts';
import {
  canonicalVersion,
  check,
  checkFilePath,
  checkImportPath,
  checkPath,
  checkPathMajor,
  isWindowsReservedName,
  matchPathMajor,
  pathMajorPrefix,
  splitPathVersion,
} from '../../../src/core/module/path.ts';
import { goQuote } from '../../../src/core/module/quote.ts';
import { CANONICAL_VERSION_CASES, CHECK_CASES, PATH_CASES, PATH_MAJOR_CASES, SPLIT_CASES } from './cases.ts';

function thrown(f: () => void): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  return undefined;
}

const checkers: readonly [PathKind, (p: string) => void, number][] = [
  ['module', checkPath, 1],
  ['import', checkImportPath, 2],
  ['file', checkFilePath, 3],
];

describe('checkPath / checkImportPath / checkFilePath', () => {
  for (const [kind, checker, column] of checkers) {
    it.each(PATH_CASES)(`${kind} path %j`, (...row) => {
      const path = row[0];
      const reason = row[column] as string;
      const err = thrown(() => checker(path));
      if (reason === '') {
        expect(err).toBeUndefined();
        return;
      }
      expect(err).toBeInstanceOf(InvalidPathError);
      const e = err as InvalidPathError;
      expect(e.kind).toBe(kind);
      expect(e.path).toBe(path);
      expect(e.err.message).toBe(reason);
      expect(e.message).toBe(`malformed ${kind} path ${goQuote(path)}: ${reason}`);
    });
  }

  it('prints go texts verbatim', () => {
    expect(() => checkPath('x')).toThrow('malformed module path "x": missing dot in first path element');
    expect(() => checkFilePath('a:b.go')).toThrow(`malformed file path "a:b.go": invalid char ':'`);
    expect(() => checkImportPath('x/z\tw')).toThrow(`malformed import path "x/z\\tw": invalid char '\\t'`);
    expect(() => checkPath('x.y/NUL.txt')).toThrow(
      'malformed module path "x.y/NUL.txt": "NUL" disallowed as path element component on Windows',
    );
  });

  it('treats a lone surrogate like invalid UTF-8', () => {
    expect(() => checkFilePath('a\uD800.go')).toThrow(/: invalid UTF-8$/);
    expect(() => checkFilePath('\u{1F600}/\uDC00')).toThrow(/: invalid UTF-8$/);
  });
});

describe('isWindowsReservedName', () => {
  it.each([
    ['con', true],
    ['CON', true],
    ['cOn.txt', true],
    ['nul.tar.gz', true],
    ['com1', true],
    ['LPT9.x', true],
    ['com0', false],
    ['lpt10', false],
    ['conx', false],
    ['x.con', false],
    ['', false],
    ['\u212Aon', false],
  ] as const)('%j -> %j', (elem, want) => {
    expect(isWindowsReservedName(elem)).toBe(want);
  });
});

describe('splitPathVersion', () => {
  it.each(SPLIT_CASES)('%j', (path, prefix, pathMajor, ok) => {
    expect(splitPathVersion(path)).toEqual({ prefix, pathMajor, ok });
  });

  it('reassembles the path whenever ok', () => {
    for (const [path] of PATH_CASES) {
      const s = splitPathVersion(path);
      if (s.ok) expect(s.prefix + s.pathMajor).toBe(path);
    }
  });
});

describe('check', () => {
  it.each(CHECK_CASES)('check(%j, %j)', (path, version, want) => {
    const err = thrown(() => check(path, version));
    if (want === '') {
      expect(err).toBeUndefined();
      return;
    }
    expect((err as Error).message).toBe(want);
    if (want.startsWith('malformed')) {
      expect(err).toBeInstanceOf(InvalidPathError);
    } else {
      expect(err).toBeInstanceOf(ModuleError);
      expect((err as ModuleError).path).toBe(path);
      expect((err as ModuleError).err).toBeInstanceOf(InvalidVersionError);
    }
  });

  it('allows +incompatible only without a major suffix, for v2 and up', () => {
    expect(() => check('x.y/z', 'v2.3.4+incompatible')).not.toThrow();
    expect(() => check('x.y/z', 'v2.3.4')).toThrow('x.y/z@v2.3.4: invalid version: should be v0 or v1, not v2');
    expect(() => check('x.y/z/v3', 'v2.3.4+incompatible')).toThrow('should be v3, not v2');
  });
});

describe('checkPathMajor / matchPathMajor', () => {
  it.each(PATH_MAJOR_CASES)('checkPathMajor(%j, %j)', (v, pathMajor, want) => {
    const err = thrown(() => checkPathMajor(v, pathMajor));
    expect(matchPathMajor(v, pathMajor)).toBe(want === '');
    if (want === '') {
      expect(err).toBeUndefined();
    } else {
      expect(err).toBeInstanceOf(InvalidVersionError);
      expect((err as Error).message).toBe(want);
    }
  });

  it('accepts the old v0.0.0 pseudo-versions for gopkg.in .v1 only', () => {
    expect(matchPathMajor('v0.0.0-20161208181325-20d25e280405', '.v1')).toBe(true);
    expect(matchPathMajor('v0.0.0-20161208181325-20d25e280405', '.v2')).toBe(false);
    expect(matchPathMajor('v0.0.0-20161208181325-20d25e280405', '/v2')).toBe(false);
  });
});

describe('pathMajorPrefix', () => {
  it.each([
    ['', ''],
    ['/v2', 'v2'],
    ['.v1', 'v1'],
    ['.v3-unstable', 'v3'],
  ])('%j -> %j', (pathMajor, want) => {
    expect(pathMajorPrefix(pathMajor)).toBe(want);
  });

  it('refuses suffixes splitPathVersion never returns', () => {
    expect(() => pathMajorPrefix('v2')).toThrow('lacks separator');
    expect(() => pathMajorPrefix('/v2.1')).toThrow('is not a valid major version');
  });
});

describe('canonicalVersion', () => {
  it.each(CANONICAL_VERSION_CASES)('%j -> %j', (v, want) => {
    expect(canonicalVersion(v)).toBe(want);
  });
});
