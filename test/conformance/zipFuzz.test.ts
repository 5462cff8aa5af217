/**
 * Differential test of zip acceptance: a few thousand damaged module zips,
 * each judged by modcarry and by the go command's own checks (see
 * zipOracle.ts). A zip go accepts must be accepted by us with the same h1:
 * hash, and a zip go refuses must be refused by us; where both refuse it at
 * extraction (x/mod/zip's rules), the texts must agree too.
 *
 * The zips are valid module zips from our writer, each damaged once or twice
 * at a place chosen from its structure (a header field, a name byte, the
 * compressed data, the end record, the archive's ends), with a fixed seed so
 * every run judges the same zips. Each is judged twice: with Node's decoders,
 * as the CLI runs, and with the browsers' (DecompressionStream, the JS
 * decoder, no synchronous zlib), as the app's workers run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as zlibConstants, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as hashModule from '../../src/core/dirhash/hash.ts';
import type * as webstd from '../../src/core/internal/webstd.ts';
import type * as checkModule from '../../src/core/zip/checkZip.ts';
import type * as readerModule from '../../src/core/zip/reader.ts';
import type * as sourceModule from '../../src/core/zip/source.ts';
import type * as verifyModule from '../../src/engine/verifyModule.ts';
import { goAvailability } from '../support/goTool.ts';
import { Rng } from '../support/moduleCorpus.ts';
import type { ZipWriterEntryInput } from '../support/zipWriter.ts';
import { writeZip } from '../support/zipWriter.ts';
import { askGoAboutZips } from '../support/zipOracle.ts';
import type { ZipOracleVerdict } from '../support/zipOracle.ts';

const V = 'v1.0.0';
// ZIPFUZZ_CASES and ZIPFUZZ_SEED explore further by hand; the suite runs the defaults.
const CASES = Number(process.env['ZIPFUZZ_CASES'] ?? 3000);
const SEED = Number(process.env['ZIPFUZZ_SEED'] ?? 20261124);
const enc = new TextEncoder();

interface Base {
  readonly name: string;
  readonly path: string;
  readonly zip: Uint8Array;
}

const src = (n: number): string => `package p\n\n// Line ${n} of a file that deflates well.\nfunc F${n}() int { return ${n} }\n`.repeat(1 + (n % 7));

function base(name: string, entries: (prefix: string) => ZipWriterEntryInput[], opts: Parameters<typeof writeZip>[1] = {}): Base {
  const path = `example.com/fuzz/${name}`;
  return { name, path, zip: writeZip(entries(`${path}@${V}/`), opts) };
}

/** Valid module zips of the shapes proxies serve (and a few they rarely do). */
function bases(): Base[] {
  const files = (p: string, extra: Partial<ZipWriterEntryInput> = {}): ZipWriterEntryInput[] => [
    { name: `${p}go.mod`, data: enc.encode(`module ${p.slice(0, p.indexOf('@'))}\n\ngo 1.22\n`), ...extra },
    { name: `${p}a.go`, data: enc.encode(src(1)), ...extra },
    { name: `${p}sub/b.go`, data: enc.encode(src(12)), ...extra },
    { name: `${p}LICENSE`, data: enc.encode('Permission is granted.\n'.repeat(9)), ...extra },
  ];
  return [
    base('deflate', (p) => files(p)),
    // Go's zip.Writer (and so every proxy that zips with it) writes data descriptors.
    base('descriptor', (p) => files(p, { dataDescriptor: true })),
    base('stored', (p) => [
      ...files(p, { method: 0 }),
      { name: `${p}empty.txt`, data: new Uint8Array(0), method: 0, comment: 'entry comment' },
      { name: `${p}sub/`, dir: true },
    ], { comment: 'archive comment' }),
    base('zip64', (p) => files(p, { zip64: true }), { forceZip64: true }),
    // Deflate's other block kinds: stored blocks (LEN and its complement), fixed Huffman codes, and several dynamic blocks.
    base('blocks', (p) => {
      const text = enc.encode(Array.from({ length: 400 }, (_, i) => src(i)).join(''));
      return [
        { name: `${p}stored-blocks.go`, data: enc.encode(src(3)), compressedData: new Uint8Array(deflateRawSync(enc.encode(src(3)), { level: 0 })) },
        { name: `${p}fixed.go`, data: enc.encode(src(9)), compressedData: new Uint8Array(deflateRawSync(enc.encode(src(9)), { strategy: zlibConstants.Z_FIXED })) },
        { name: `${p}many.go`, data: text, compressedData: new Uint8Array(deflateRawSync(text, { level: 9, memLevel: 1 })) },
      ];
    }),
    base('mixed', (p) => [
      { name: `${p}go.mod`, data: enc.encode(`module ${p.slice(0, p.indexOf('@'))}\n`), method: 0 },
      { name: `${p}x/y/z.go`, data: enc.encode(src(30)), dataDescriptor: true },
      { name: `${p}x/w.go`, data: enc.encode(src(4)), zip64: true },
      { name: `${p}\u00e9t\u00e9.go`, data: enc.encode(src(5)) },
    ]),
  ];
}

const SIG = {
  local: 0x04034b50,
  central: 0x02014b50,
  end: 0x06054b50,
  descriptor: 0x08074b50,
  end64: 0x06064b50,
  locator64: 0x07064b50,
} as const;
type Kind = keyof typeof SIG;

/** [offset, width] of each field after the signature, per record kind (APPNOTE 4.3); of an 8-byte field only the low 4 bytes are changed. */
const FIELDS: Record<Kind, readonly (readonly [number, 2 | 4 | 8])[]> = {
  local: [[4, 2], [6, 2], [8, 2], [14, 4], [18, 4], [22, 4], [26, 2], [28, 2]],
  central: [[4, 2], [6, 2], [8, 2], [10, 2], [16, 4], [20, 4], [24, 4], [28, 2], [30, 2], [32, 2], [34, 2], [36, 2], [38, 4], [42, 4]],
  end: [[4, 2], [6, 2], [8, 2], [10, 2], [12, 4], [16, 4], [20, 2]],
  descriptor: [[4, 4], [8, 4], [12, 4]],
  end64: [[4, 8], [12, 2], [14, 2], [16, 4], [20, 4], [24, 8], [32, 8], [40, 8], [48, 8]],
  locator64: [[4, 4], [8, 8], [16, 4]],
};

/** Where a record's name lies: [offset of its length field, offset of the name]. */
const NAME_AT: Partial<Record<Kind, readonly [number, number]>> = { local: [26, 30], central: [28, 46] };

interface Record_ {
  readonly kind: Kind;
  readonly at: number;
}

/** Every record signature in the zip (one inside compressed data may be found too: it only becomes another target). */
function records(z: Uint8Array): Record_[] {
  const view = new DataView(z.buffer, z.byteOffset, z.byteLength);
  const out: Record_[] = [];
  for (let i = 0; i + 4 <= z.length; i++) {
    const v = view.getUint32(i, true);
    for (const [kind, sig] of Object.entries(SIG) as [Kind, number][]) if (v === sig) out.push({ kind, at: i });
  }
  return out;
}

const NAME_BYTES = ['/', '.', '\\', ':', 'A', 'a', '\0', '\n', ' ', '@', '*', '\u007f'].map((c) => c.charCodeAt(0)).concat([0x80, 0xc3, 0xff]);

/** One damage to z, described for the failure report. */
function damage(z: Uint8Array, rng: Rng): { bytes: Uint8Array; what: string } {
  const recs = records(z);
  const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const op = rng.int(0, 99);
  if (op < 45 && recs.length > 0) {
    const r = rng.pick(recs);
    const [off, width] = rng.pick(FIELDS[r.kind]);
    if (r.at + off + width > z.length) return { bytes: z.slice(), what: 'nothing (field past the end)' };
    const out = z.slice();
    const w = view(out);
    const get = (): number => (width === 2 ? w.getUint16(r.at + off, true) : w.getUint32(r.at + off, true));
    const old = get();
    const max = width === 2 ? 0xffff : 0xffffffff;
    const same = recs.filter((x) => x.kind === r.kind && x.at !== r.at && x.at + off + width <= z.length);
    const choices: (() => number)[] = [
      () => 0,
      () => 1,
      () => max,
      () => old + 1,
      () => old - 1,
      () => old + rng.int(2, 64),
      () => old - rng.int(2, 64),
      () => old ^ (1 << rng.int(0, width * 8 - 1)),
      () => rng.next(),
      () => (same.length > 0 ? (width === 2 ? w.getUint16(rng.pick(same).at + off, true) : w.getUint32(rng.pick(same).at + off, true)) : old ^ 1),
    ];
    const v = (rng.pick(choices)() >>> 0) & max;
    if (width === 2) w.setUint16(r.at + off, v, true);
    else w.setUint32(r.at + off, v, true);
    return { bytes: out, what: `${r.kind}@${r.at} field +${off} (${width * 8}-bit): ${old} -> ${v}` };
  }
  if (op < 60) {
    const named = recs.filter((r) => NAME_AT[r.kind] !== undefined && r.at + 46 <= z.length);
    if (named.length > 0) {
      const r = rng.pick(named);
      const [lenAt, nameAt] = NAME_AT[r.kind]!;
      const len = view(z).getUint16(r.at + lenAt, true);
      if (len > 0 && r.at + nameAt + len <= z.length) {
        const out = z.slice();
        const i = r.at + nameAt + rng.int(0, len - 1);
        const old = out[i]!;
        out[i] = rng.pick(NAME_BYTES);
        return { bytes: out, what: `${r.kind}@${r.at} name byte ${i - r.at - nameAt}: ${old} -> ${out[i]!}` };
      }
    }
  }
  if (op < 78) {
    const out = z.slice();
    const i = rng.int(0, out.length - 1);
    const x = rng.int(1, 255);
    out[i]! ^= x;
    return { bytes: out, what: `byte ${i} ^= ${x}` };
  }
  if (op < 86) {
    const n = rng.int(0, z.length - 1);
    return { bytes: z.slice(0, n), what: `truncated to ${n} bytes` };
  }
  if (op < 93) {
    const junk = rng.bytes(rng.int(1, 64));
    const out = new Uint8Array(z.length + junk.length);
    out.set(z);
    out.set(junk, z.length);
    return { bytes: out, what: `${junk.length} bytes appended` };
  }
  const junk = rng.bytes(rng.int(1, 64));
  const out = new Uint8Array(z.length + junk.length);
  out.set(junk);
  out.set(z, junk.length);
  return { bytes: out, what: `${junk.length} bytes prepended` };
}

interface Case {
  readonly id: number;
  readonly base: Base;
  readonly bytes: Uint8Array;
  readonly what: string;
  readonly file: string;
}

/** The modules judge() uses, loaded with one runtime's decoders. */
interface Kit {
  readonly hash: typeof hashModule;
  readonly check: typeof checkModule;
  readonly reader: typeof readerModule;
  readonly source: typeof sourceModule;
  readonly verify: typeof verifyModule;
}

const WEBSTD = '../../src/core/internal/webstd.ts';

/** The zip modules, fresh; with browser set, as in a browser: no synchronous zlib, no native CRC-32. */
async function loadKit(browser: boolean): Promise<Kit> {
  vi.resetModules();
  if (browser) {
    vi.doMock(WEBSTD, async (importOriginal) => ({
      ...(await importOriginal<typeof webstd>()),
      hasNativeInflateRawSync: () => false,
      nativeInflateRawSync: () => undefined,
      nativeCrc32: () => undefined,
    }));
  }
  try {
    const [hash, check, reader, source, verify] = await Promise.all([
      import('../../src/core/dirhash/hash.ts'),
      import('../../src/core/zip/checkZip.ts'),
      import('../../src/core/zip/reader.ts'),
      import('../../src/core/zip/source.ts'),
      import('../../src/engine/verifyModule.ts'),
    ]);
    return { hash, check, reader, source, verify };
  } finally {
    vi.doUnmock(WEBSTD);
  }
}

type Judged = ZipOracleVerdict & { alt?: string; unexpected?: string };

/**
 * Our verdict, in the oracle's terms, from the engine's own steps: openZip,
 * the prefix check, hashZipOrLocate (hashZip, or the ranges of the entries
 * that failed), then checkExtractable (Unzip's rules).
 */
async function judge(k: Kit, c: Case): Promise<Judged> {
  const mod = { path: c.base.path, version: V };
  const unexpected = (e: unknown): string | undefined =>
    e instanceof k.reader.ZipFormatError || e instanceof k.check.ZipCheckError || (e instanceof Error && e.message === k.hash.NEWLINE_ERROR)
      ? undefined
      : String(e instanceof Error ? e.stack : e);
  let zip;
  try {
    zip = await k.reader.openZip(k.source.bytesSource(c.bytes));
  } catch (e) {
    const u = unexpected(e);
    return { stage: 'open', hash: '', err: String((e as Error).message), ...(u !== undefined ? { unexpected: u } : {}) };
  }
  try {
    k.check.checkZipPrefix(mod, zip);
  } catch (e) {
    return { stage: 'prefix', hash: '', err: (e as Error).message };
  }
  let hash: string;
  try {
    const r = await k.verify.hashZipOrLocate(zip);
    if (!r.ok) return { stage: 'hash', hash: '', err: r.error.message };
    hash = r.hash;
  } catch (e) {
    const u = unexpected(e);
    return { stage: 'hash', hash: '', err: (e as Error).message, ...(u !== undefined ? { unexpected: u } : {}) };
  }
  // The zip-hash workers' path: entry digests made apart, put together after.
  let alt: string;
  try {
    alt = await k.hash.hashZipFromDigests(zip.entries, await k.hash.digestZipEntries(zip, 0, zip.entries.length));
  } catch (e) {
    alt = `threw ${(e as Error).message}`;
  }
  try {
    k.verify.checkExtractable(mod, zip, c.file);
  } catch (e) {
    return { stage: 'unzip', hash, alt, err: (e as Error).message };
  }
  return { stage: 'ok', hash, alt, err: '' };
}

const say = (v: ZipOracleVerdict): string => [v.stage, v.hash, v.err].filter((x) => x !== '').join(' ');

const go = goAvailability();

/** The damaged zips and go's verdicts on them, made once for both runtimes. */
interface Fuzzed {
  readonly dir: string;
  readonly cases: readonly Case[];
  readonly goVerdicts: readonly ZipOracleVerdict[];
}

let fuzzed: Fuzzed | undefined;

function fuzz(): Fuzzed {
  if (fuzzed !== undefined) return fuzzed;
  const dir = mkdtempSync(join(tmpdir(), 'modcarry-zipfuzz-'));
  const rng = new Rng(SEED);
  const bs = bases();
  const cases: Case[] = [];
  for (let id = 0; id < CASES; id++) {
    const b = bs[id % bs.length]!;
    let d = damage(b.zip, rng);
    if (rng.chance(0.2)) {
      const again = damage(d.bytes, rng);
      d = { bytes: again.bytes, what: `${d.what}; ${again.what}` };
    }
    const file = join(dir, `${String(id).padStart(5, '0')}-${b.name}.zip`);
    writeFileSync(file, d.bytes);
    cases.push({ id, base: b, bytes: d.bytes, what: d.what, file });
  }
  const plain = bs.map((b, i) => ({ id: -1 - i, base: b, bytes: b.zip, what: 'undamaged', file: join(dir, `base-${b.name}.zip`) }));
  for (const p of plain) writeFileSync(p.file, p.bytes);
  const all = [...plain, ...cases];
  const verdicts = askGoAboutZips(all.map((c) => ({ file: c.file, path: c.base.path, version: V })));
  fuzzed = { dir, cases: all, goVerdicts: verdicts };
  return fuzzed;
}

afterAll(() => {
  if (fuzzed !== undefined) rmSync(fuzzed.dir, { recursive: true, force: true });
});

for (const runtime of ['node', 'browser'] as const) {
  describe.skipIf(!go.ok)(`modcarry with ${runtime} decoders accepts exactly the damaged module zips go accepts (${CASES} zips, seed ${SEED})${go.ok ? '' : `: ${go.reason}`}`, () => {
    let cases: readonly Case[];
    let goVerdicts: readonly ZipOracleVerdict[];
    let ours: Judged[];

    beforeAll(async () => {
      ({ cases, goVerdicts } = fuzz());
      const kit = await loadKit(runtime === 'browser');
      ours = [];
      for (const c of cases) ours.push(await judge(kit, c));
    }, 300_000);

    const report = (pick: (i: number) => boolean): string[] =>
      cases.flatMap((c, i) => (pick(i) ? [`#${c.id} ${c.base.name}: ${c.what}\n    go:   ${say(goVerdicts[i]!)}\n    ours: ${say(ours[i]!)}`] : []));

    it('the undamaged zips are accepted by both with the same h1', () => {
      const undamaged = cases.flatMap((c, i) => (c.id < 0 ? [i] : []));
      expect(undamaged).toHaveLength(bases().length);
      for (const i of undamaged) {
        expect(goVerdicts[i]!.stage, `${cases[i]!.base.name}: ${goVerdicts[i]!.err}`).toBe('ok');
        expect(ours[i]!.hash).toBe(goVerdicts[i]!.hash);
      }
    });

    it('the damage spans every outcome: accepted, and refused at each of go\'s steps', () => {
      const stages = new Set(goVerdicts.map((v) => v.stage));
      expect([...stages].sort()).toEqual(['hash', 'ok', 'open', 'prefix', 'unzip']);
    });

    it('no zip makes our reader or hasher throw anything but a zip error', () => {
      expect(report((i) => ours[i]!.unexpected !== undefined).concat(ours.flatMap((o) => (o.unexpected !== undefined ? [o.unexpected] : [])))).toEqual([]);
    });

    it('every zip go accepts we accept, with its h1; every zip go refuses we refuse', () => {
      expect(report((i) => (goVerdicts[i]!.stage === 'ok') !== (ours[i]!.stage === 'ok'))).toEqual([]);
      expect(report((i) => goVerdicts[i]!.stage === 'ok' && ours[i]!.hash !== goVerdicts[i]!.hash)).toEqual([]);
    });

    it('where go refuses at a step, we refuse at the same step', () => {
      expect(report((i) => goVerdicts[i]!.stage !== ours[i]!.stage)).toEqual([]);
    });

    it('extraction refusals carry go\'s text', () => {
      // A name that is not UTF-8 is printed raw by go; the driver's JSON makes each bad byte a U+FFFD,
      // where our text decodes the name (one U+FFFD per ill-formed sequence). The %q quoting agrees.
      const text = (v: ZipOracleVerdict): string => v.err.replace(/\uFFFD+/g, '\uFFFD');
      expect(report((i) => goVerdicts[i]!.stage === 'unzip' && ours[i]!.stage === 'unzip' && text(goVerdicts[i]!) !== text(ours[i]!))).toEqual([]);
    });

    it('the zip-hash workers\' path (entry digests put together) gives hashZip\'s hash', () => {
      expect(report((i) => ours[i]!.alt !== undefined && ours[i]!.alt !== ours[i]!.hash)).toEqual([]);
    });
  });
}
