import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ZIP_FILE, ZipCheckError, assertZipExtractable, checkZip, checkZipPrefix } from '../../../src/core/zip/checkZip.ts';
import type { ZipRule } from '../../../src/core/zip/checkZip.ts';
import { cleanPath } from '../../../src/core/internal/strings.ts';
import { strToFold } from '../../../src/core/zip/fold.ts';
import { openZip } from '../../../src/core/zip/reader.ts';
import type { ZipReader } from '../../../src/core/zip/reader.ts';
import { bytesSource } from '../../../src/core/zip/source.ts';
import { goAvailability } from '../../support/goTool.ts';
import { writeZip } from '../../support/zipWriter.ts';
import type { ZipWriterEntryInput } from '../../support/zipWriter.ts';
import { GoZipOracle } from './goZipOracle.ts';

const enc = new TextEncoder();
const V = 'v1.0.0';
const ZIP = '/cache/v1.0.0.zip';

const at = (path: string, rel: string, size?: number): ZipWriterEntryInput => ({
  name: `${path}@${V}/${rel}`,
  data: enc.encode('package x\n'),
  ...(size === undefined ? {} : { uncompressedSize: size, crc32: 0 }),
});

async function zipOf(entries: ZipWriterEntryInput[]): Promise<ZipReader> {
  return openZip(bytesSource(writeZip(entries)));
}

function caught(fn: () => void): { rule: ZipRule; message: string } | string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ZipCheckError) return { rule: err.rule, message: err.message };
    return String(err);
  }
  return 'nothing thrown';
}

describe('assertZipExtractable: golang.org/x/mod/zip rules with go texts', () => {
  const p = 'example.com/m';
  const pre = `${p}@${V}/`;
  const cases: { title: string; entries: ZipWriterEntryInput[]; rule: ZipRule; detail: string; path?: string; version?: string }[] = [
    { title: 'missing prefix', entries: [{ name: 'other@v1.0.0/a.go' }], rule: 'prefix', detail: `other@v1.0.0/a.go: path does not have prefix "${pre}"` },
    { title: 'invalid char', entries: [at(p, 'a:b.go')], rule: 'file-path', detail: `${pre}a:b.go: malformed file path "a:b.go": invalid char ':'` },
    { title: 'not clean', entries: [at(p, 'x/../a.go')], rule: 'file-path', detail: `${pre}x/../a.go: file path is not clean` },
    { title: 'not clean: double slash', entries: [at(p, 'x//a.go')], rule: 'file-path', detail: `${pre}x//a.go: file path is not clean` },
    { title: 'not clean: empty directory name', entries: [{ name: `${pre}/`, dir: true }], rule: 'file-path', detail: `${pre}/: file path is not clean` },
    {
      title: 'invalid UTF-8',
      entries: [{ name: new Uint8Array([...enc.encode(pre), 0x61, 0xff, 0x2e, 0x67, 0x6f]), data: enc.encode('x') }],
      rule: 'file-path',
      detail: `${pre}a\ufffd.go: malformed file path "a\\xff.go": invalid UTF-8`,
    },
    { title: 'ASCII case collision', entries: [at(p, 'A.go'), at(p, 'a.go')], rule: 'case-collision', detail: `${pre}a.go: case-insensitive file name collision: "A.go" and "a.go"` },
    {
      title: 'Kelvin sign collides with k',
      entries: [at(p, 'k.go'), at(p, '\u212a.go')],
      rule: 'case-collision',
      detail: `${pre}\u212a.go: case-insensitive file name collision: "k.go" and "\u212a.go"`,
    },
    {
      title: 'micro sign collides with Greek mu',
      entries: [at(p, '\u03bc'), at(p, '\u00b5')],
      rule: 'case-collision',
      detail: `${pre}\u00b5: case-insensitive file name collision: "\u03bc" and "\u00b5"`,
    },
    {
      title: 'supplementary plane (Deseret) collision',
      entries: [at(p, 'd/\u{10428}.go'), at(p, 'd/\u{10400}.go')],
      rule: 'case-collision',
      detail: `${pre}d/\u{10400}.go: case-insensitive file name collision: "d/\u{10428}.go" and "d/\u{10400}.go"`,
    },
    {
      title: 'collision through a parent directory',
      entries: [at(p, 'dir/a.go'), at(p, 'DIR/b.go')],
      rule: 'case-collision',
      detail: `${pre}DIR/b.go: case-insensitive file name collision: "dir" and "DIR"`,
    },
    { title: 'file and directory', entries: [at(p, 'x'), at(p, 'x/y.go')], rule: 'file-dir-conflict', detail: `${pre}x/y.go: entry "x" is both a file and a directory` },
    { title: 'duplicate file', entries: [at(p, 'a.go'), at(p, 'a.go')], rule: 'duplicate', detail: `${pre}a.go: multiple entries for file "a.go"` },
    { title: 'nested go.mod', entries: [at(p, 'go.mod'), at(p, 'sub/go.mod')], rule: 'gomod-not-root', detail: `${pre}sub/go.mod: go.mod file not in module root directory` },
    { title: 'nested GO.MOD', entries: [at(p, 'sub/Go.Mod')], rule: 'gomod-not-root', detail: `${pre}sub/Go.Mod: go.mod file not in module root directory` },
    { title: 'root GO.MOD', entries: [at(p, 'GO.MOD')], rule: 'gomod-case', detail: `${pre}GO.MOD: go.mod files must have lowercase names` },
    { title: 'go.mod too large', entries: [at(p, 'go.mod', (16 << 20) + 1)], rule: 'gomod-too-large', detail: `${pre}go.mod: go.mod file too large (max size is 16777216 bytes)` },
    { title: 'LICENSE too large', entries: [at(p, 'LICENSE', (16 << 20) + 1)], rule: 'license-too-large', detail: `${pre}LICENSE: LICENSE file too large (max size is 16777216 bytes)` },
    {
      title: 'declared contents too large',
      entries: [at(p, 'a', 300 << 20), at(p, 'b', 300 << 20)],
      rule: 'uncompressed-too-large',
      detail: 'total uncompressed size of module contents too large (max size is 524288000 bytes)',
    },
    { title: 'version not canonical', entries: [], version: 'v1.0', rule: 'invalid-module', detail: 'version "v1.0" is not canonical (should be "v1.0.0")' },
    {
      title: 'major version mismatch',
      entries: [],
      path: 'example.com/m/v2',
      rule: 'invalid-module',
      detail: 'example.com/m/v2@v1.0.0: invalid version: should be v2, not v1',
    },
    {
      title: 'several problems, newline-separated, the first decides the rule',
      entries: [at(p, 'a:b'), at(p, 'A.go'), at(p, 'a.go')],
      rule: 'file-path',
      detail: `${pre}a:b: malformed file path "a:b": invalid char ':'\n${pre}a.go: case-insensitive file name collision: "A.go" and "a.go"`,
    },
  ];
  for (const c of cases) {
    it(c.title, async () => {
      const zip = await zipOf(c.entries);
      const mod = { path: c.path ?? p, version: c.version ?? V };
      expect(caught(() => assertZipExtractable(mod, zip, ZIP))).toEqual({ rule: c.rule, message: `unzip ${ZIP}: ${c.detail}` });
    });
  }

  it('accepts a valid zip with directory entries, the bare prefix entry, vendor and Unicode names', async () => {
    const zip = await zipOf([
      { name: `${p}@${V}/`, dir: true },
      at(p, 'go.mod'),
      at(p, 'LICENSE'),
      { name: `${p}@${V}/sub/`, dir: true },
      { name: `${p}@${V}/sub/`, dir: true },
      at(p, 'sub/a.go'),
      at(p, 'vendor/x/y/y.go'),
      at(p, '\u00e9t\u00e9/\u{1d49c}.go'),
      at(p, '\u0131.go'),
      at(p, 'i.go'),
    ]);
    expect(() => assertZipExtractable({ path: p, version: V }, zip, ZIP)).not.toThrow();
    expect(checkZip({ path: p, version: V }, zip).valid).toEqual(
      ['go.mod', 'LICENSE', 'sub/a.go', 'vendor/x/y/y.go', '\u00e9t\u00e9/\u{1d49c}.go', '\u0131.go', 'i.go'].map((n) => `${p}@${V}/${n}`),
    );
  });

  it('reports every file under a colliding directory, and files under a sound directory as valid, wherever they come', async () => {
    const zip = await zipOf([at(p, 'A'), at(p, 'a/x.go'), at(p, 'ok/1.go'), at(p, 'a/y.go'), at(p, 'ok/deeper/2.go'), at(p, 'a/z/w.go'), at(p, 'ok/3.go'), { name: `${p}@${V}/a/`, dir: true }]);
    const r = checkZip({ path: p, version: V }, zip);
    expect(r.valid).toEqual(['A', 'ok/1.go', 'ok/deeper/2.go', 'ok/3.go'].map((n) => `${p}@${V}/${n}`));
    expect(r.invalid.map((e) => [e.rule, e.path])).toEqual(['a/x.go', 'a/y.go', 'a/z/w.go', 'a/'].map((n) => ['case-collision', `${p}@${V}/${n}`]));
    expect(r.invalid[2]?.message).toBe(`${p}@${V}/a/z/w.go: case-insensitive file name collision: "A" and "a"`);
  });

  it('refuses a zip file over 500 MiB before looking at entries', async () => {
    const real = await zipOf([at(p, 'a:b')]);
    const huge: ZipReader = { ...real, size: MAX_ZIP_FILE + 1 };
    expect(caught(() => assertZipExtractable({ path: p, version: V }, huge, ZIP))).toEqual({
      rule: 'zip-too-large',
      message: `unzip ${ZIP}: module zip file is too large (524288001 bytes; limit is 524288000 bytes)`,
    });
  });
});

describe('checkZipPrefix: cmd/go text', () => {
  it('names the first entry without the prefix', async () => {
    const zip = await zipOf([at('example.com/m', 'a.go'), { name: `other@${V}/x.go` }, { name: 'third' }]);
    expect(caught(() => checkZipPrefix({ path: 'example.com/m', version: V }, zip))).toEqual({
      rule: 'prefix',
      message: `zip for example.com/m@${V} has unexpected file other@${V}/x.go`,
    });
    expect(() => checkZipPrefix({ path: 'example.com/m', version: V }, { ...zip, entries: zip.entries.slice(0, 1) })).not.toThrow();
  });
});

describe('cleanPath (Go path.Clean)', () => {
  it.each([
    ['', '.'],
    ['a/b', 'a/b'],
    ['a//b', 'a/b'],
    ['a/./b/', 'a/b'],
    ['a/../b', 'b'],
    ['../a', '../a'],
    ['a/../..', '..'],
    ['/../a', '/a'],
    ['/', '/'],
    ['.', '.'],
    ['a/..', '.'],
  ])('%j -> %j', (input, want) => {
    expect(cleanPath(input)).toBe(want);
  });
});

describe('strToFold', () => {
  it('folds irregular classes like Go and leaves dotted/dotless i apart', () => {
    expect(strToFold('abc')).toBe('abc');
    expect(strToFold('ABC')).toBe('abc');
    expect(strToFold('\u212a')).toBe('k');
    expect(strToFold('\u017f')).toBe('s');
    expect(strToFold('\u03bc')).toBe(strToFold('\u00b5'));
    expect(strToFold('\u03c3')).toBe(strToFold('\u03c2'));
    expect(strToFold('\u0131')).not.toBe(strToFold('i'));
    expect(strToFold('\u0130')).not.toBe(strToFold('i'));
    expect(strToFold('\u1e9e')).toBe(strToFold('\u00df'));
  });
});

describe.skipIf(!goAvailability().ok)(`strToFold equals Go's for every letter Go knows ${goAvailability().reason}`, () => {
  let oracle: GoZipOracle;
  beforeAll(() => {
    oracle = new GoZipOracle();
  }, 180_000);
  afterAll(() => oracle?.dispose());

  it('matches the whole table', () => {
    const table = oracle.foldTable();
    expect(table.size).toBeGreaterThan(100_000);
    let folded = 0;
    let newerUnicode = 0;
    const mismatches: string[] = [];
    for (const [cp, want] of table) {
      if (want !== cp) folded++;
      const got = strToFold(String.fromCodePoint(cp)).codePointAt(0)!;
      if (got === want) continue;
      // Newer Unicode gave some Go letters a case partner Go does not know (e.g.
      // U+A7D3 gained U+A7D2 in Unicode 16). Go refuses such a partner in
      // CheckFilePath, so only a partner that Go calls a letter would matter.
      if (!table.has(got)) newerUnicode++;
      else mismatches.push(`${cp.toString(16)}: go ${want.toString(16)}, ours ${got.toString(16)}`);
    }
    expect(folded).toBeGreaterThan(1000);
    expect(mismatches).toEqual([]);
    expect(newerUnicode).toBeLessThan(20);
  });
});
