import { describe, it, expect } from 'vitest';
import {
  ModfileError,
  autoQuote,
  isDirectoryPath,
  legacyGoMod,
  mustQuote,
  parseGoMod,
  parseGoModLax,
} from '../../../src/core/modfile/gomod.ts';
import { STRICT_CASES, summarize } from './gomodCases.ts';

function parseError(fn: () => unknown): ModfileError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ModfileError) return err;
    throw err;
  }
  throw new Error('expected a ModfileError');
}

describe('parseGoMod (strict, like modfile.Parse)', () => {
  for (const c of STRICT_CASES) {
    it(c.name, () => {
      if (c.err !== undefined) {
        const e = parseError(() => parseGoMod('go.mod', c.text));
        expect(e.message).toBe(c.err.join('\n'));
        expect(e.errors.map((x) => x.message).join('\n')).toBe(e.message);
      } else {
        expect(summarize(parseGoMod('go.mod', c.text))).toEqual(c.want);
      }
    });
  }

  it('accepts UTF-8 bytes like text', () => {
    const text = 'module exämple.com/m\ngo 1.21\nrequire example.com/a v1.0.0 // indirect\n';
    expect(parseGoMod('go.mod', new TextEncoder().encode(text))).toEqual(parseGoMod('go.mod', text));
  });

  it('records the line of every directive', () => {
    const f = parseGoMod(
      'go.mod',
      [
        'module example.com/m',
        'require example.com/a v1.0.0',
        'require (',
        '\texample.com/b v1.0.0',
        ')',
        'exclude example.com/c v1.0.0',
        'replace example.com/d => ../d',
        'retract v1.0.0',
        'godebug a=b',
        'tool example.com/t',
        'ignore x',
      ].join('\n'),
    );
    expect(f.module?.line).toBe(1);
    expect(f.require.map((r) => r.line)).toEqual([2, 4]);
    expect(f.exclude[0]?.line).toBe(6);
    expect(f.replace[0]?.line).toBe(7);
    expect(f.retract[0]?.line).toBe(8);
    expect(f.godebug[0]?.line).toBe(9);
    expect(f.tool?.[0]?.line).toBe(10);
    expect(f.ignore?.[0]?.line).toBe(11);
  });

  it('omits oldVersion and newVersion when the replace line has none', () => {
    const f = parseGoMod('go.mod', 'replace example.com/a => ../a\nreplace example.com/b v1.0.0 => example.com/c v1.1.0\n');
    expect(f.replace).toEqual([
      { oldPath: 'example.com/a', newPath: '../a', isDir: true, line: 1 },
      { oldPath: 'example.com/b', oldVersion: 'v1.0.0', newPath: 'example.com/c', newVersion: 'v1.1.0', isDir: false, line: 2 },
    ]);
  });

  it('gives each error its position, directive and module path', () => {
    const e = parseError(() => parseGoMod('dir/go.mod', 'module m\nrequire (\n\texample.com/a v2.0.0\n)\n  frob\n'));
    expect(e.errors).toEqual([
      {
        file: 'dir/go.mod',
        line: 3,
        col: 2,
        verb: 'require',
        modPath: 'example.com/a',
        err: 'version "v2.0.0" invalid: should be v0 or v1, not v2',
        message: 'dir/go.mod:3:2: require example.com/a: version "v2.0.0" invalid: should be v0 or v1, not v2',
      },
      {
        file: 'dir/go.mod',
        line: 5,
        col: 3,
        verb: '',
        modPath: '',
        err: 'unknown directive: frob',
        message: 'dir/go.mod:5:3: unknown directive: frob',
      },
    ]);
  });

  it('stops at the first syntax error, reporting nothing else', () => {
    const e = parseError(() => parseGoMod('go.mod', 'frob\nmodule "x\nfrob2\n'));
    expect(e.errors.map((x) => x.message)).toEqual(['go.mod:2:10: unexpected newline in string']);
  });

  it('keeps the syntax tree with suffix comments on the right lines', () => {
    const f = parseGoMod('go.mod', 'module m // a\nrequire (\n\tx v1.0.0 // b\n\ty v1.0.0\n) // c\n');
    const stmts = f.syntax?.stmts ?? [];
    expect(stmts.map((s) => s.kind)).toEqual(['line', 'block']);
    const [mod, block] = stmts;
    expect(mod?.comments.suffix.map((c) => c.token)).toEqual(['// a']);
    if (block?.kind !== 'block') throw new Error('expected a block');
    expect(block.lines.map((l) => l.comments.suffix.map((c) => c.token))).toEqual([['// b'], []]);
    expect(block.rparen.comments.suffix.map((c) => c.token)).toEqual(['// c']);
    expect(block.lines.map((l) => l.tokens)).toEqual([
      ['x', 'v1.0.0'],
      ['y', 'v1.0.0'],
    ]);
    expect(f.require.map((r) => r.indirect)).toEqual([false, false]);
  });
});

describe('parseGoModLax (dependencies, like modfile.ParseLax)', () => {
  const cases: { name: string; text: string; want?: string[]; err?: string }[] = [
    {
      name: 'ignores main-module-only and unknown directives, checked or not',
      text: [
        'module example.com/dep',
        'go 1.21',
        'toolchain bogus',
        'godebug nonsense',
        'replace example.com/a => example.com/b',
        'exclude example.com/a v9',
        'tool a b c',
        'frob x y',
        'frob (',
        '\tanything',
        ')',
        'require example.com/x v1.0.0 // indirect',
      ].join('\n'),
      want: ['module example.com/dep', 'go 1.21', 'require example.com/x v1.0.0 // indirect'],
    },
    {
      name: 'reduces a go version with a suffix',
      text: 'module m\ngo 1.21-custom\n',
      want: ['module m', 'go 1.21'],
    },
    { name: 'reduces v1.21x', text: 'go v1.21x\n', want: ['go 1.21'] },
    { name: 'still rejects a go version it cannot reduce', text: 'go v1.21\n', err: "go.mod:1: invalid go version 'v1.21': must match format 1.23.0" },
    {
      name: 'drops malformed retractions silently',
      text: 'module m\nretract [v1.0.0\nretract v1.1.0 extra\nretract v1.2.0 // bad\n',
      want: ['module m', 'retract [v1.1.0, v1.1.0]', 'retract [v1.2.0, v1.2.0] "bad"'],
    },
    {
      name: 'still checks require',
      text: 'module m\nrequire example.com/a v2.0.0\n',
      err: 'go.mod:2: require example.com/a: version "v2.0.0" invalid: should be v0 or v1, not v2',
    },
    { name: 'still checks module', text: 'module\n', err: 'go.mod:1: usage: module module/path' },
    { name: 'reads ignore', text: 'ignore (\n\t./a\n)\n', want: ['ignore ./a'] },
    { name: 'still fails on syntax errors', text: 'frob (\n', err: 'go.mod:2: syntax error (unterminated block started at go.mod:1:1)' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.err !== undefined) expect(() => parseGoModLax('go.mod', c.text)).toThrow(c.err);
      else expect(summarize(parseGoModLax('go.mod', c.text))).toEqual(c.want);
    });
  }

  it('throws the exact message, not a prefix of a longer one', () => {
    expect(parseError(() => parseGoModLax('go.mod', 'go v1.21\n')).message).toBe(
      "go.mod:1: invalid go version 'v1.21': must match format 1.23.0",
    );
  });

  it('never reads toolchain, and strict mode does', () => {
    const text = 'module m\ntoolchain go1.22.0\n';
    expect(parseGoModLax('go.mod', text).toolchain).toBeUndefined();
    expect(parseGoMod('go.mod', text).toolchain).toBe('go1.22.0');
  });
});

describe('autoQuote and legacyGoMod (spec 1.4)', () => {
  const cases: [string, string][] = [
    ['golang.org/x/text', 'golang.org/x/text'],
    ['example.com/ä', 'example.com/ä'],
    ['a b', '"a b"'],
    ['', '""'],
    ['(', '('],
    ['a(b', '"a(b"'],
    ['a,b', '"a,b"'],
    ['a//b', '"a//b"'],
    ['a/*b', '"a/*b"'],
    ["it's", '"it\'s"'],
    ['a"b', '"a\\"b"'],
    ['a`b', '"a`b"'],
    ['a\tb', '"a\\tb"'],
    ['a\u00a0b', '"a\\u00a0b"'],
  ];
  for (const [input, want] of cases) {
    it(`autoQuote(${JSON.stringify(input)})`, () => {
      expect(autoQuote(input)).toBe(want);
      expect(mustQuote(input)).toBe(want !== input);
    });
  }

  it('synthesizes the go.mod of a module without one', () => {
    expect(legacyGoMod('golang.org/x/text')).toBe('module golang.org/x/text\n');
    expect(legacyGoMod('example.com/a b')).toBe('module "example.com/a b"\n');
  });

  it('round-trips quoted paths through the parser', () => {
    for (const path of ['example.com/a b', 'example.com/a"b', 'example.com/(x)', 'x//y']) {
      expect(parseGoMod('go.mod', legacyGoMod(path)).module?.path).toBe(path);
    }
  });
});

describe('isDirectoryPath', () => {
  const cases: [string, boolean][] = [
    ['.', true],
    ['..', true],
    ['./x', true],
    ['../x', true],
    ['.\\x', true],
    ['..\\x', true],
    ['/abs', true],
    ['\\abs', true],
    ['C:\\x', true],
    ['c:', true],
    ['example.com/x', false],
    ['.x', false],
    ['...', false],
    ['1:x', false],
    ['', false],
  ];
  for (const [path, want] of cases) {
    it(`${JSON.stringify(path)} -> ${want}`, () => expect(isDirectoryPath(path)).toBe(want));
  }
});
