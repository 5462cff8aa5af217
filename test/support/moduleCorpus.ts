/**
 * Deterministic generator of module zips for the go-oracle conformance tests.
 *
 * Every byte comes from a seeded PRNG, so a failing module can be regenerated from
 * (seed, index) alone; Math.random is never used. Generated trees always satisfy
 * golang.org/x/mod/zip's extraction rules (CheckFilePath, no case-fold collisions,
 * no file/directory conflicts, go.mod only at the root), so the go command accepts
 * every one of them and any h1 disagreement is ours. What varies is what a zip
 * reader and dirhash must get right: depth, non-ASCII and supplementary-plane
 * names (which sort differently in UTF-16 than in UTF-8), empty files, binary
 * content, sizes up to a few hundred KiB, directory entries (which h1 includes),
 * stored and deflated entries, data descriptors, per-entry and forced Zip64.
 */
import { writeZip } from './zipWriter.ts';
import type { ZipWriterEntryInput } from './zipWriter.ts';

/** One entry as test/support/zipWriter.ts takes it. */
export type ZipWriterEntry = ZipWriterEntryInput;

/** sfc32 seeded through splitmix32: small, fast, and good enough for fixtures. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let i = 0; i < 12; i++) this.next();
  }

  /** The next uniformly distributed uint32. */
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }

  /** An integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(list: readonly T[]): T {
    if (list.length === 0) throw new Error('Rng.pick: empty list');
    return list[this.int(0, list.length - 1)] as T;
  }

  /** Fisher-Yates in place. */
  shuffle<T>(list: T[]): T[] {
    for (let i = list.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const t = list[i] as T;
      list[i] = list[j] as T;
      list[j] = t;
    }
    return list;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      let v = this.next();
      for (let k = 0; k < 4 && i + k < n; k++) {
        out[i + k] = v & 0xff;
        v >>>= 8;
      }
    }
    return out;
  }
}

/** One generated module version: what the proxy serves and what the test expects. */
export interface CorpusModule {
  index: number;
  path: string;
  version: string;
  /** The `.mod` the proxy serves; also the zip's root go.mod when hasGoMod. */
  goMod: Uint8Array;
  hasGoMod: boolean;
  /** Entries in archive order, names including the `path@version/` prefix. */
  entries: ZipWriterEntry[];
  forceZip64: boolean;
  zip: Uint8Array;
}

/** What a corpus exercises, so a test can assert the generator did not go vacuous. */
export interface CorpusStats {
  modules: number;
  entries: number;
  dirEntries: number;
  emptyFiles: number;
  stored: number;
  deflated: number;
  dataDescriptors: number;
  zip64Entries: number;
  forcedZip64Archives: number;
  nonAsciiNames: number;
  supplementaryNames: number;
  largestFile: number;
  maxDepth: number;
  uppercasePaths: number;
}

const enc = new TextEncoder();

// Letters that pass module.CheckFilePath (unicode.IsLetter), chosen so that
// JavaScript's toLowerCase agrees with Go's simple case folding on them: no
// Kelvin/Ohm signs, long s, dotted I or sharp s, whose fold orbits differ.
const BMP_LETTERS = ['é', 'ü', 'ñ', 'ç', 'ж', 'Ж', 'Ω', 'ω', '中', '日', '本', 'Ａ', 'ａ', 'Ｚ', 'ø'];
// U+1D49C MATHEMATICAL SCRIPT CAPITAL A sorts before U+FF21 in UTF-16 but after it in UTF-8.
const ASTRAL_LETTERS = ['\u{1D49C}', '\u{10400}', '\u{10428}', '\u{20000}', '\u{1D518}', '\u{2070E}'];
const ASCII_ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ASCII_PUNCT = "-_.+,=@[]{}!#$%&()^ ";
const WORDS = ['main', 'util', 'internal', 'cmd', 'pkg', 'doc', 'testdata', 'README', 'x_test', 'a', 'b', 'Z', 'vendor', 'api'];
const EXTS = ['.go', '.txt', '.md', '.s', '.bin', '.json', '', '.tar.gz', '.c', '.h'];
const WINDOWS_RESERVED = new Set([
  'con', 'prn', 'aux', 'nul',
  ...Array.from({ length: 10 }, (_, i) => `com${i}`),
  ...Array.from({ length: 10 }, (_, i) => `lpt${i}`),
]);

/** Case-fold key; exact for the alphabet above (see BMP_LETTERS). */
function fold(s: string): string {
  return s.toLowerCase();
}

/** A random path element that module.CheckFilePath accepts. */
function randomElem(rng: Rng): string {
  let s: string;
  const style = rng.int(0, 9);
  if (style < 3) {
    s = rng.pick(WORDS);
  } else {
    const len = rng.int(1, 10);
    s = '';
    for (let i = 0; i < len; i++) {
      const r = rng.float();
      if (r < 0.55) s += ASCII_ALNUM[rng.int(0, ASCII_ALNUM.length - 1)];
      else if (r < 0.72) s += ASCII_PUNCT[rng.int(0, ASCII_PUNCT.length - 1)];
      else if (r < 0.88) s += rng.pick(BMP_LETTERS);
      else s += rng.pick(ASTRAL_LETTERS);
    }
  }
  // No trailing dot and no all-dot element; a trailing space is legal but keep
  // elements visibly bounded in failure messages.
  if (s.endsWith('.') || s.endsWith(' ')) s += 'x';
  const short = (s.split('.')[0] ?? '').toLowerCase();
  if (WINDOWS_RESERVED.has(short)) s = '_' + s;
  return s;
}

function randomFileName(rng: Rng): string {
  let base = randomElem(rng) + rng.pick(EXTS);
  if (rng.chance(0.03)) base += '~';
  if (fold(base) === 'go.mod') base = 'not' + base;
  return base;
}

/** Content: empty, text, random binary, or a repeating pattern (compresses well). */
function randomContent(rng: Rng, allowLarge: boolean): Uint8Array {
  const r = rng.float();
  let size: number;
  if (r < 0.12) size = 0;
  else if (r < 0.45) size = rng.int(1, 200);
  else if (r < 0.85) size = rng.int(200, 8 << 10);
  else if (r < 0.96 || !allowLarge) size = rng.int(8 << 10, 64 << 10);
  else size = rng.int(64 << 10, 300 << 10);
  const kind = rng.int(0, 2);
  if (size === 0) return new Uint8Array(0);
  if (kind === 0) return rng.bytes(size);
  if (kind === 1) {
    const unit = rng.bytes(rng.int(1, 64));
    const out = new Uint8Array(size);
    for (let i = 0; i < size; i++) out[i] = unit[i % unit.length] as number;
    return out;
  }
  let text = '';
  while (text.length < size) text += `// line ${rng.int(0, 1e6)} ${rng.pick(WORDS)} ${rng.pick(BMP_LETTERS)}\nfunc f() {}\n`;
  return enc.encode(text).subarray(0, size);
}

function modulePathFor(index: number): { path: string; major: number } {
  const n = String(index).padStart(3, '0');
  if (index % 11 === 5) return { path: `example.com/corpus/m${n}/v2`, major: 2 };
  if (index % 7 === 3) return { path: `example.com/corpus/M${n}`, major: 1 };
  return { path: `example.com/corpus/m${n}`, major: 1 };
}

function versionFor(rng: Rng, major: number): string {
  const a = rng.int(0, 20);
  const b = rng.int(0, 20);
  if (major >= 2) return `v${major}.${a}.${b}`;
  switch (rng.int(0, 5)) {
    case 0:
      return `v0.${a}.${b}`;
    case 1:
      return `v1.0.0-rc.${a}`;
    case 2:
      return `v1.2.3-Beta${a}`;
    case 3: {
      const hex = Array.from(rng.bytes(6), (x) => x.toString(16).padStart(2, '0')).join('');
      return `v0.0.0-2024010203${String(a).padStart(2, '0')}05-${hex}`;
    }
    default:
      return `v1.${a}.${b}`;
  }
}

function goModFor(rng: Rng, path: string): Uint8Array {
  let text = `module ${path}\n`;
  if (rng.chance(0.7)) text += `\ngo 1.${rng.int(16, 24)}\n`;
  if (rng.chance(0.3)) text += `\n// generated corpus module ${rng.pick(BMP_LETTERS)}${rng.pick(ASTRAL_LETTERS)}\n`;
  if (rng.chance(0.15)) text = text.replace(/\n/g, '\r\n');
  return enc.encode(text);
}

/**
 * Generates module `index` of the corpus seeded by `seed`. The same (seed, index)
 * always yields the same bytes, independent of the other modules.
 */
export function generateModule(seed: number, index: number): CorpusModule {
  const rng = new Rng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const { path, major } = modulePathFor(index);
  const version = versionFor(rng, major);
  const prefix = `${path}@${version}/`;
  const goMod = goModFor(rng, path);
  const hasGoMod = rng.chance(0.75);

  // fold(path) -> isDir; enforces the collision rules of x/mod/zip.
  const seen = new Map<string, { path: string; isDir: boolean }>();
  const dirs: string[] = [];
  const files: { name: string; data: Uint8Array }[] = [];
  if (hasGoMod) {
    files.push({ name: 'go.mod', data: goMod });
    seen.set('go.mod', { path: 'go.mod', isDir: false });
  }

  const claimDir = (d: string): boolean => {
    const prev = seen.get(fold(d));
    if (prev) return prev.isDir && prev.path === d;
    seen.set(fold(d), { path: d, isDir: true });
    dirs.push(d);
    return true;
  };

  const maxDepth = rng.int(0, 5);
  const fileCount = rng.int(1, 12);
  let largeLeft = 1;
  for (let attempt = 0; files.length < fileCount + (hasGoMod ? 1 : 0) && attempt < fileCount * 8; attempt++) {
    const depth = rng.int(0, maxDepth);
    const elems: string[] = [];
    // Reuse existing directories often, so trees have siblings, not just chains.
    if (depth > 0 && dirs.length > 0 && rng.chance(0.5)) elems.push(...rng.pick(dirs).split('/'));
    while (elems.length < depth) elems.push(randomElem(rng));
    let ok = true;
    for (let i = 1; i <= elems.length && ok; i++) ok = claimDir(elems.slice(0, i).join('/'));
    if (!ok) continue;
    const name = [...elems, randomFileName(rng)].join('/');
    if (seen.has(fold(name))) continue;
    seen.set(fold(name), { path: name, isDir: false });
    const data = randomContent(rng, largeLeft > 0);
    if (data.length > 64 << 10) largeLeft--;
    files.push({ name, data });
  }

  // Siblings whose UTF-16 order differs from their UTF-8 (Go) order: U+FF21 is
  // above the surrogates in UTF-16 but below every 4-byte sequence in UTF-8.
  if (rng.chance(0.3)) {
    const dir = dirs.length > 0 && rng.chance(0.5) ? rng.pick(dirs) + '/' : '';
    const tag = rng.int(0, 99);
    for (const lead of rng.shuffle(['\uFF21', '\u{1D49C}', '\u{20000}', 'z'])) {
      const name = `${dir}${lead}${tag}.txt`;
      if (seen.has(fold(name))) continue;
      seen.set(fold(name), { path: name, isDir: false });
      files.push({ name, data: randomContent(rng, false) });
    }
  }

  // An empty directory is legal in a zip, hashed by h1, and never extracted.
  if (rng.chance(0.1)) {
    const d = randomElem(rng) + 'empty';
    if (!seen.has(fold(d))) {
      seen.set(fold(d), { path: d, isDir: true });
      dirs.push(d);
    }
  }

  const entries: ZipWriterEntry[] = [];
  // Directories are usually stored, but some writers (the jar tool) deflate them
  // to a 2-byte empty stream; archive/zip reads those as empty.
  const entryOpts = (dir = false): Pick<ZipWriterEntry, 'method' | 'dataDescriptor' | 'zip64'> => ({
    method: rng.chance(dir ? 0.8 : 0.4) ? 0 : 8,
    dataDescriptor: rng.chance(0.3),
    zip64: rng.chance(0.08),
  });
  for (const f of files) entries.push({ name: prefix + f.name, data: f.data, ...entryOpts() });
  const dirEntryRate = rng.chance(0.35) ? 0.7 : 0;
  for (const d of dirs) {
    if (rng.chance(dirEntryRate) || d.endsWith('empty')) entries.push({ name: prefix + d + '/', dir: true, ...entryOpts(true) });
  }
  // The prefix entry itself: skipped by CheckZip, but still hashed by HashZip.
  if (rng.chance(0.05)) entries.push({ name: prefix, dir: true, ...entryOpts(true) });
  rng.shuffle(entries);

  const forceZip64 = rng.chance(0.1);
  const zip = writeZip(entries, { forceZip64 });
  return { index, path, version, goMod, hasGoMod, entries, forceZip64, zip };
}

/** Modules 0..count-1 of the corpus seeded by `seed`. */
export function generateCorpus(seed: number, count: number): CorpusModule[] {
  return Array.from({ length: count }, (_, i) => generateModule(seed, i));
}

function entryName(e: ZipWriterEntry): string {
  return typeof e.name === 'string' ? e.name : new TextDecoder().decode(e.name);
}

/** Counts of the features a corpus exercises (computed from the generator's input, not from a zip reader). */
export function corpusStats(corpus: readonly CorpusModule[]): CorpusStats {
  const s: CorpusStats = {
    modules: corpus.length, entries: 0, dirEntries: 0, emptyFiles: 0, stored: 0, deflated: 0,
    dataDescriptors: 0, zip64Entries: 0, forcedZip64Archives: 0, nonAsciiNames: 0,
    supplementaryNames: 0, largestFile: 0, maxDepth: 0, uppercasePaths: 0,
  };
  for (const m of corpus) {
    if (m.forceZip64) s.forcedZip64Archives++;
    if (/[A-Z]/.test(m.path) || /[A-Z]/.test(m.version)) s.uppercasePaths++;
    for (const e of m.entries) {
      const name = entryName(e);
      s.entries++;
      if (e.dir) s.dirEntries++;
      else if ((e.data?.length ?? 0) === 0) s.emptyFiles++;
      if (e.method === 0) s.stored++;
      else s.deflated++;
      if (e.dataDescriptor) s.dataDescriptors++;
      if (e.zip64) s.zip64Entries++;
      if (/[^ -~]/.test(name)) s.nonAsciiNames++;
      if (/[\u{10000}-\u{10FFFF}]/u.test(name)) s.supplementaryNames++;
      s.largestFile = Math.max(s.largestFile, e.data?.length ?? 0);
      const rel = name.slice(m.path.length + m.version.length + 2).replace(/\/$/, '');
      s.maxDepth = Math.max(s.maxDepth, rel === '' ? 0 : rel.split('/').length - 1);
    }
  }
  return s;
}
