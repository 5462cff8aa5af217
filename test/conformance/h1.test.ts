/**
 * h1: hashes of generated module zips, with the real go command as the oracle.
 *
 * A seeded corpus of random module trees (test/support/moduleCorpus.ts) is served
 * from a file:// GOPROXY; ONE `go mod download -json` fetches, hashes and extracts
 * them all, and for every module our hashZip over the zip reader must equal go's
 * `Sum`, and our hashGoMod of the served .mod must equal go's `GoModSum`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashGoMod, hashZip } from '../../src/core/dirhash/hash.ts';
import { openZip } from '../../src/core/zip/reader.ts';
import { bytesSource } from '../../src/core/zip/source.ts';
import { corpusStats, generateCorpus } from '../support/moduleCorpus.ts';
import type { CorpusModule } from '../support/moduleCorpus.ts';
import { fileProxyUrl, writeFileProxy } from '../support/fileProxy.ts';
import { goAvailability, runGo } from '../support/goTool.ts';

const SEED = 0x5eed_4a11;
const COUNT = 216;

/** One object of the `go mod download -json` stream (cmd/go modcmd/download.go moduleJSON). */
interface GoDownload {
  Path: string;
  Version: string;
  Error?: string;
  Info?: string;
  GoMod?: string;
  Zip?: string;
  Dir?: string;
  Sum?: string;
  GoModSum?: string;
}

/**
 * Splits go's JSON stream: objects are printed indented, one after another, so each
 * top-level object starts with `{` at the beginning of a line (nested ones never do,
 * and JSON strings cannot hold a raw newline).
 */
function parseJsonStream(text: string): GoDownload[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  return trimmed.split(/\n(?=\{)/).map((chunk) => JSON.parse(chunk) as GoDownload);
}

const key = (path: string, version: string): string => `${path}@${version}`;

const go = goAvailability();

describe.skipIf(!go.ok)(`h1 of ${COUNT} generated module zips equals the go command's (${go.ok ? go.version : go.reason})`, () => {
  let work = '';
  let corpus: CorpusModule[] = [];
  const downloads = new Map<string, GoDownload>();
  let goStatus = -1;
  let goStderr = '';

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'modcarry-h1-'));
    corpus = generateCorpus(SEED, COUNT);
    const proxy = join(work, 'proxy');
    writeFileProxy(proxy, corpus.map((m) => ({ path: m.path, version: m.version, mod: m.goMod, zip: m.zip })));
    const main = join(work, 'main');
    const home = join(work, 'home');
    writeMainModule(main);
    const r = runGo(
      ['mod', 'download', '-json', ...corpus.map((m) => key(m.path, m.version))],
      main,
      { home, GOPROXY: fileProxyUrl(proxy), GOSUMDB: 'off', GOFLAGS: '-modcacherw' },
    );
    goStatus = r.status;
    goStderr = r.stderr;
    for (const d of parseJsonStream(r.stdout)) downloads.set(key(d.Path, d.Version), d);
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the corpus exercises every zip and naming feature it claims', () => {
    const s = corpusStats(corpus);
    expect(s.modules).toBeGreaterThanOrEqual(200);
    expect(s.dirEntries).toBeGreaterThan(20);
    expect(s.emptyFiles).toBeGreaterThan(20);
    expect(s.stored).toBeGreaterThan(100);
    expect(s.deflated).toBeGreaterThan(100);
    expect(s.dataDescriptors).toBeGreaterThan(50);
    expect(s.zip64Entries).toBeGreaterThan(10);
    expect(s.forcedZip64Archives).toBeGreaterThan(5);
    expect(s.nonAsciiNames).toBeGreaterThan(50);
    expect(s.supplementaryNames).toBeGreaterThan(20);
    expect(s.largestFile).toBeGreaterThan(64 << 10);
    expect(s.maxDepth).toBeGreaterThanOrEqual(4);
    expect(s.uppercasePaths).toBeGreaterThan(10);
    // The forced archives really carry a Zip64 end record (signature PK\x06\x06).
    const hasZip64End = (z: Uint8Array): boolean => Buffer.from(z.buffer, z.byteOffset, z.byteLength).includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]));
    expect(corpus.filter((m) => m.forceZip64).every((m) => hasZip64End(m.zip))).toBe(true);
  });

  it('our zip reader sees the entries, methods and data-descriptor flags the generator wrote', async () => {
    const problems: string[] = [];
    for (const m of corpus) {
      const zip = await openZip(bytesSource(m.zip));
      const got = zip.entries.map((e) => `${e.name}|${e.method}|${(e.flags & 8) !== 0}`);
      const want = m.entries.map((e) => `${typeof e.name === 'string' ? e.name : '?'}|${e.method ?? -1}|${e.dataDescriptor === true}`);
      if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${m.path}@${m.version}: got ${JSON.stringify(got)} want ${JSON.stringify(want)}`);
    }
    expect(problems).toEqual([]);
  });

  it('go downloaded every module without error, in one invocation', () => {
    const failed = corpus
      .map((m) => downloads.get(key(m.path, m.version)) ?? { Path: m.path, Version: m.version, Error: 'missing from go output' })
      .filter((d) => d.Error !== undefined || !d.Sum || !d.GoModSum)
      .map((d) => `${d.Path}@${d.Version}: ${d.Error ?? 'no Sum/GoModSum'}`);
    expect({ failed, status: goStatus, stderr: goStatus === 0 ? '' : goStderr }).toEqual({ failed: [], status: 0, stderr: '' });
  });

  it('hashZip(openZip(zip)) equals go\'s Sum for every module', async () => {
    const mismatches: string[] = [];
    for (const m of corpus) {
      const want = downloads.get(key(m.path, m.version))?.Sum;
      const got = await hashZip(await openZip(bytesSource(m.zip)));
      if (got !== want) mismatches.push(`module ${m.index} ${m.path}@${m.version}: ours ${got}, go ${String(want)}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('hashGoMod(.mod) equals go\'s GoModSum for every module', async () => {
    const mismatches: string[] = [];
    for (const m of corpus) {
      const want = downloads.get(key(m.path, m.version))?.GoModSum;
      const got = await hashGoMod(m.goMod);
      if (got !== want) mismatches.push(`module ${m.index} ${m.path}@${m.version}: ours ${got}, go ${String(want)}`);
    }
    expect(mismatches).toEqual([]);
  });
});

/** A main module that requires nothing, so go mod download fetches exactly its arguments. */
function writeMainModule(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'go.mod'), 'module example.com/h1main\n\ngo 1.21\n');
}
