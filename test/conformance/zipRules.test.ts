/**
 * The extraction rules of golang.org/x/mod/zip (and cmd/go's prefix check), one
 * malformed zip per rule, with the real go command as the oracle.
 *
 * modcarry's side always runs and pins go's texts, which were taken from go runs
 * (spec §4). The go side serves the same zips from a file:// GOPROXY and requires
 * `go mod download` to fail with exactly the message our checker produces when
 * given go's own cache path as the zip name.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZipCheckError, assertZipExtractable, checkZipPrefix } from '../../src/core/zip/checkZip.ts';
import type { ZipRule } from '../../src/core/zip/checkZip.ts';
import { ZipFormatError, openZip } from '../../src/core/zip/reader.ts';
import { hashZip } from '../../src/core/dirhash/hash.ts';
import { crc32 } from '../../src/core/zip/crc32.ts';
import { bytesSource } from '../../src/core/zip/source.ts';
import type { RandomAccessSource } from '../../src/core/zip/source.ts';
import { cachedZipPath, fileProxyUrl, writeFileProxy } from '../support/fileProxy.ts';
import { goAvailability, goEnvironment, runGo } from '../support/goTool.ts';
import type { GoEnv } from '../support/goTool.ts';
import { Rng } from '../support/moduleCorpus.ts';
import type { ZipWriterEntry } from '../support/moduleCorpus.ts';
import { writeZip } from '../support/zipWriter.ts';

const V = 'v1.0.0';
const MiB = 1 << 20;
const MAX_ZIP_FILE = 500 * MiB;
const MAX_GO_MOD = 16 * MiB;
const enc = new TextEncoder();

const prefixOf = (path: string): string => `${path}@${V}/`;
const file = (path: string, rel: string, data: Uint8Array | string = 'package x\n'): ZipWriterEntry => ({
  name: prefixOf(path) + rel,
  data: typeof data === 'string' ? enc.encode(data) : data,
  method: 8,
});

/** An extraction-time rule: go reports `unzip <zip>: <detail>`. */
interface RuleCase {
  title: string;
  rule: ZipRule;
  path: string;
  zip: () => Uint8Array;
  /** go's text after `unzip <zip>: `. */
  detail: string;
}

/** Builds the zip once, on first use: some are large to deflate. */
function once(make: () => Uint8Array): () => Uint8Array {
  let made: Uint8Array | undefined;
  return () => (made ??= make());
}

function ruleCase(title: string, rule: ZipRule, path: string, entries: () => ZipWriterEntry[], detail: string): RuleCase {
  return { title, rule, path, zip: once(() => writeZip(entries())), detail };
}

const P = (name: string): string => `example.com/rules/${name}`;

const RULES: RuleCase[] = [
  ruleCase('file-path: invalid char', 'file-path', P('colon'), () => [file(P('colon'), 'a:b.go')],
    `${prefixOf(P('colon'))}a:b.go: malformed file path "a:b.go": invalid char ':'`),
  ruleCase('file-path: non-letter symbol', 'file-path', P('snowman'), () => [file(P('snowman'), '\u2603.go')],
    `${prefixOf(P('snowman'))}\u2603.go: malformed file path "\u2603.go": invalid char '\u2603'`),
  ruleCase('file-path: not clean', 'file-path', P('notclean'), () => [file(P('notclean'), 'x/../a.go')],
    `${prefixOf(P('notclean'))}x/../a.go: file path is not clean`),
  ruleCase('file-path: Windows reserved name', 'file-path', P('winname'), () => [file(P('winname'), 'sub/COM1.go')],
    `${prefixOf(P('winname'))}sub/COM1.go: malformed file path "sub/COM1.go": "COM1" disallowed as path element component on Windows`),
  ruleCase('case-collision: ASCII', 'case-collision', P('collide'), () => [file(P('collide'), 'A.go'), file(P('collide'), 'a.go')],
    `${prefixOf(P('collide'))}a.go: case-insensitive file name collision: "A.go" and "a.go"`),
  ruleCase('case-collision: Cyrillic', 'case-collision', P('collidecyr'), () => [file(P('collidecyr'), 'd/\u0436.go'), file(P('collidecyr'), 'd/\u0416.go')],
    `${prefixOf(P('collidecyr'))}d/\u0416.go: case-insensitive file name collision: "d/\u0436.go" and "d/\u0416.go"`),
  ruleCase('case-collision: supplementary plane (Deseret)', 'case-collision', P('collidedeseret'),
    () => [file(P('collidedeseret'), '\u{10400}/a.go'), file(P('collidedeseret'), '\u{10428}/b.go')],
    `${prefixOf(P('collidedeseret'))}\u{10428}/b.go: case-insensitive file name collision: "\u{10400}" and "\u{10428}"`),
  ruleCase('file-dir-conflict', 'file-dir-conflict', P('filedir'), () => [file(P('filedir'), 'x'), file(P('filedir'), 'x/y.go')],
    `${prefixOf(P('filedir'))}x/y.go: entry "x" is both a file and a directory`),
  ruleCase('duplicate', 'duplicate', P('dup'), () => [file(P('dup'), 'a.go', 'one\n'), file(P('dup'), 'a.go', 'two\n')],
    `${prefixOf(P('dup'))}a.go: multiple entries for file "a.go"`),
  ruleCase('gomod-not-root', 'gomod-not-root', P('nested'), () => [file(P('nested'), 'go.mod', `module ${P('nested')}\n`), file(P('nested'), 'sub/go.mod', 'module x\n')],
    `${prefixOf(P('nested'))}sub/go.mod: go.mod file not in module root directory`),
  ruleCase('gomod-case', 'gomod-case', P('gomodcase'), () => [file(P('gomodcase'), 'GO.MOD', `module ${P('gomodcase')}\n`)],
    `${prefixOf(P('gomodcase'))}GO.MOD: go.mod files must have lowercase names`),
  ruleCase('gomod-too-large (16 MiB + 1)', 'gomod-too-large', P('bigmod'), () => [file(P('bigmod'), 'go.mod', new Uint8Array(MAX_GO_MOD + 1).fill(0x20))],
    `${prefixOf(P('bigmod'))}go.mod: go.mod file too large (max size is 16777216 bytes)`),
  ruleCase('license-too-large (16 MiB + 1)', 'license-too-large', P('biglicense'), () => [file(P('biglicense'), 'LICENSE', new Uint8Array(MAX_GO_MOD + 1).fill(0x20))],
    `${prefixOf(P('biglicense'))}LICENSE: LICENSE file too large (max size is 16777216 bytes)`),
  // A real deflate bomb: go hashes the zip before Unzip, so the sizes must be honest.
  // 32 x 16 MiB of zeros is 512 MiB uncompressed in about 0.5 MiB of zip.
  ruleCase('uncompressed-too-large (512 MiB declared and real, 0.5 MiB zip)', 'uncompressed-too-large', P('bomb'), () => {
    // Deflate and checksum the 16 MiB once; every entry carries the same honest stream.
    const zeros = new Uint8Array(16 * MiB);
    const compressedData = new Uint8Array(deflateRawSync(zeros));
    const crc = crc32(zeros);
    return Array.from({ length: 32 }, (_, i) => ({
      name: `${prefixOf(P('bomb'))}z${String(i).padStart(2, '0')}.bin`,
      method: 8 as const,
      compressedData,
      crc32: crc,
      uncompressedSize: zeros.length,
    }));
  }, 'total uncompressed size of module contents too large (max size is 524288000 bytes)'),
];

const PREFIX_PATH = P('prefix');
const prefixZip = (): Uint8Array => writeZip([file(PREFIX_PATH, 'a.go'), { name: `other@${V}/x.go`, data: enc.encode('package x\n'), method: 8 }]);
const PREFIX_GO_TEXT = `zip for ${PREFIX_PATH}@${V} has unexpected file other@${V}/x.go`;

/** Not zips at all, or cut short: go's archive/zip says ErrFormat. */
const NOT_ZIPS: { title: string; path: string; zip: () => Uint8Array }[] = [
  {
    title: 'truncated (first 60% of a valid zip)',
    path: P('truncated'),
    zip: () => {
      const whole = writeZip([file(P('truncated'), 'a.go', 'package a\n'.repeat(50)), file(P('truncated'), 'b/b.go')]);
      return whole.slice(0, Math.floor(whole.length * 0.6));
    },
  },
  { title: 'garbage (random bytes)', path: P('garbage'), zip: () => new Rng(4242).bytes(3000) },
  { title: 'empty file', path: P('empty'), zip: () => new Uint8Array(0) },
];
const NOT_A_ZIP_TEXT = 'zip: not a valid zip file';

/** What fn throws (sync or async), or undefined when it does not throw. */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

function describeErr(e: unknown): string {
  if (e === undefined) return 'nothing thrown';
  if (e instanceof Error) return `${e.constructor.name}${e instanceof ZipCheckError ? `(${e.rule})` : ''}: ${e.message}`;
  return String(e);
}

async function expectRule(fn: () => unknown, rule: ZipRule, message: string): Promise<void> {
  const e = await thrown(fn);
  expect(e instanceof ZipCheckError ? { rule: e.rule, message: e.message } : describeErr(e)).toEqual({ rule, message });
}

/**
 * A valid one-file zip stretched to `size` bytes by a zero-filled gap before its
 * central directory (whose offset in the end record is moved accordingly), served
 * without ever materialising the gap. archive/zip reads such a zip normally.
 */
function gappedZipSource(path: string, size: number): RandomAccessSource {
  const z = writeZip([file(path, 'a.go')]);
  const eocd = z.length - 22;
  const view = new DataView(z.buffer, z.byteOffset, z.byteLength);
  if (view.getUint32(eocd, true) !== 0x06054b50) throw new Error('gappedZipSource: expected an end record without comment');
  const cdOffset = view.getUint32(eocd + 16, true);
  const gap = size - z.length;
  const head = z.subarray(0, cdOffset);
  const tail = z.slice(cdOffset);
  new DataView(tail.buffer).setUint32(tail.length - 22 + 16, cdOffset + gap, true);
  return {
    size,
    read(offset: number, length: number): Promise<Uint8Array> {
      const out = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      for (let i = 0; i < out.length; ) {
        const at = offset + i;
        if (at < cdOffset) {
          const n = Math.min(out.length - i, cdOffset - at);
          out.set(head.subarray(at, at + n), i);
          i += n;
        } else if (at < cdOffset + gap) {
          i += Math.min(out.length - i, cdOffset + gap - at);
        } else {
          const t = at - cdOffset - gap;
          const n = Math.min(out.length - i, tail.length - t);
          out.set(tail.subarray(t, t + n), i);
          i += n;
        }
      }
      return Promise.resolve(out);
    },
  };
}

async function materialise(src: RandomAccessSource): Promise<Uint8Array> {
  return src.read(0, src.size);
}

const ZIP_NAME = (path: string): string => `/modcache/cache/download/${path}/@v/${V}.zip`;

describe('modcarry rejects each malformed module zip with go\'s rule and text', () => {
  for (const c of RULES) {
    it(c.title, async () => {
      const zip = await openZip(bytesSource(c.zip()));
      await expectRule(() => assertZipExtractable({ path: c.path, version: V }, zip, ZIP_NAME(c.path)), c.rule, `unzip ${ZIP_NAME(c.path)}: ${c.detail}`);
    });
  }

  it('prefix: cmd/go\'s check before hashing, and Unzip\'s own rule', async () => {
    const zip = await openZip(bytesSource(prefixZip()));
    await expectRule(() => checkZipPrefix({ path: PREFIX_PATH, version: V }, zip), 'prefix', PREFIX_GO_TEXT);
    const e = await thrown(() => assertZipExtractable({ path: PREFIX_PATH, version: V }, zip, ZIP_NAME(PREFIX_PATH)));
    expect(e instanceof ZipCheckError ? { rule: e.rule, message: e.message } : describeErr(e)).toEqual({
      rule: 'prefix',
      message: `unzip ${ZIP_NAME(PREFIX_PATH)}: other@${V}/x.go: path does not have prefix "${prefixOf(PREFIX_PATH)}"`,
    });
  });

  it('zip-too-large: a 500 MiB + 1 zip (sparse, never materialised) is refused; exactly 500 MiB is not', async () => {
    const path = P('bigzip');
    const over = await openZip(gappedZipSource(path, MAX_ZIP_FILE + 1));
    await expectRule(() => assertZipExtractable({ path, version: V }, over, ZIP_NAME(path)), 'zip-too-large',
      `unzip ${ZIP_NAME(path)}: module zip file is too large (524288001 bytes; limit is 524288000 bytes)`);
    const atLimit = await openZip(gappedZipSource(path, MAX_ZIP_FILE));
    expect(describeErr(await thrown(() => assertZipExtractable({ path, version: V }, atLimit, ZIP_NAME(path))))).toBe('nothing thrown');
  });

  for (const c of NOT_ZIPS) {
    it(`not a zip: ${c.title}`, async () => {
      const e = await thrown(() => openZip(bytesSource(c.zip())));
      expect(e instanceof ZipFormatError ? 'ZipFormatError' : describeErr(e)).toBe('ZipFormatError');
      expect((e as Error).message).toContain('not a valid zip file');
    });
  }
});

const go = goAvailability();

describe.skipIf(!go.ok)(`go mod download rejects the same zips with the same text (${go.ok ? go.version : go.reason})`, () => {
  let work = '';
  let env: GoEnv = { home: '' };
  let main = '';
  let gomodcache = '';
  const GAP_PATH = P('gapped');

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'modcarry-ziprules-'));
    const proxy = join(work, 'proxy');
    writeFileProxy(proxy, [
      ...RULES.map((c) => ({ path: c.path, version: V, zip: c.zip() })),
      { path: PREFIX_PATH, version: V, zip: prefixZip() },
      ...NOT_ZIPS.map((c) => ({ path: c.path, version: V, zip: c.zip() })),
      { path: GAP_PATH, version: V, zip: await materialise(gappedZipSource(GAP_PATH, 4096)) },
    ]);
    main = join(work, 'main');
    mkdirSync(main, { recursive: true });
    writeFileSync(join(main, 'go.mod'), 'module example.com/rulesmain\n\ngo 1.21\n');
    env = { home: join(work, 'home'), GOPROXY: fileProxyUrl(proxy), GOSUMDB: 'off', GOFLAGS: '-modcacherw' };
    gomodcache = goEnvironment(env).GOMODCACHE ?? '';
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const download = (path: string): { status: number; stderr: string } => runGo(['mod', 'download', `${path}@${V}`], main, env);

  for (const c of RULES) {
    it(c.title, async () => {
      const r = download(c.path);
      const goZip = cachedZipPath(gomodcache, c.path, V);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(`go: unzip ${goZip}: ${c.detail}\n`);
      // Our message, given go's zip path, is go's line verbatim.
      const e = await thrown(async () => assertZipExtractable({ path: c.path, version: V }, await openZip(bytesSource(c.zip())), goZip));
      expect(e instanceof ZipCheckError ? e.rule : describeErr(e)).toBe(c.rule);
      expect(r.stderr).toContain(`go: ${(e as Error).message}\n`);
    });
  }

  // go hashes and keeps a zip before Unzip refuses it, and -json still reports Sum
  // (spec §2.2): h1 must agree on these too, e.g. a duplicate name hashes the last
  // entry's content twice. The 512 MiB bomb is left out to keep the run short.
  it('h1 of each zip that fails extraction equals the Sum go reports for it', async () => {
    const cases = RULES.filter((c) => c.rule !== 'uncompressed-too-large');
    const r = runGo(['mod', 'download', '-json', ...cases.map((c) => `${c.path}@${V}`)], main, { ...env, home: join(work, 'home-json') });
    expect(r.status).not.toBe(0);
    const sums = new Map<string, string | undefined>();
    for (const chunk of r.stdout.trim().split(/\n(?=\{)/)) {
      const d = JSON.parse(chunk) as { Path: string; Sum?: string; Error?: string };
      sums.set(d.Path, d.Error !== undefined && d.Error.includes('unzip ') ? d.Sum : `no extraction error: ${String(d.Error)}`);
    }
    const mismatches: string[] = [];
    for (const c of cases) {
      const ours = await hashZip(await openZip(bytesSource(c.zip())));
      if (sums.get(c.path) !== ours) mismatches.push(`${c.title}: ours ${ours}, go ${String(sums.get(c.path))}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('prefix', async () => {
    const r = download(PREFIX_PATH);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`go: ${PREFIX_GO_TEXT}\n`);
    const e = await thrown(async () => checkZipPrefix({ path: PREFIX_PATH, version: V }, await openZip(bytesSource(prefixZip()))));
    expect(r.stderr).toContain(`go: ${(e as Error).message}\n`);
  });

  it('zip-too-large: go side not run (go would copy the 500 MiB zip into its cache); go accepts the gapped layout our sparse test zip uses', async () => {
    const r = runGo(['mod', 'download', '-json', `${GAP_PATH}@${V}`], main, env);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    const ours = await openZip(gappedZipSource(GAP_PATH, 4096));
    expect(ours.entries.map((e) => e.name)).toEqual([`${prefixOf(GAP_PATH)}a.go`]);
    expect(describeErr(await thrown(() => assertZipExtractable({ path: GAP_PATH, version: V }, ours, 'gapped.zip')))).toBe('nothing thrown');
  });

  for (const c of NOT_ZIPS) {
    it(`not a zip: ${c.title}`, () => {
      const r = download(c.path);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(`go: ${NOT_A_ZIP_TEXT}\n`);
    });
  }
});
