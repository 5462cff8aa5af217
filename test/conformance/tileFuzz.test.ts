/**
 * Differential test of tile authentication: hashes read through our
 * tileHashReader and through x/mod's tlog.TileHashReader (see
 * sumdbOracle.ts), from the same tile server, for the same signed tree. The
 * server serves honest tiles, or one of them damaged (a flipped bit, cut
 * short, another tile's data, missing), or the tree is not the one the tiles
 * build. Both must read the same tiles, save the same tiles (only
 * authenticated ones), and give the same hashes or go's error text.
 *
 * The log is 1000 records; each case takes a tree of its first N records,
 * tiles of height 1-4 or 8, and one to four stored-hash indexes (sometimes
 * one past the tree), with a fixed seed so every run reads the same.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readTileData, tileHashReader, tilePath } from '../../src/core/sumdb/tile.ts';
import type { Tile, TileReader } from '../../src/core/sumdb/tile.ts';
import { storedHashIndex, storedHashes, treeHash } from '../../src/core/sumdb/tlog.ts';
import type { Hash, HashReader, Tree } from '../../src/core/sumdb/tlog.ts';
import { goAvailability } from '../support/goTool.ts';
import { Rng } from '../support/moduleCorpus.ts';
import { askGoSumdb, comparableAnswer } from '../support/sumdbOracle.ts';
import type { SumdbOracleAnswer } from '../support/sumdbOracle.ts';

// TILEFUZZ_CASES and TILEFUZZ_SEED explore further by hand; the suite runs the defaults.
const CASES = Number(process.env['TILEFUZZ_CASES'] ?? 1500);
const SEED = Number(process.env['TILEFUZZ_SEED'] ?? 20261124);
const RECORDS = 1000;
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

interface Case {
  readonly id: number;
  readonly what: string;
  readonly tree: Tree;
  readonly height: number;
  readonly tiles: Map<string, Uint8Array>;
  readonly indexes: number[];
}

/** A tile server over a map, recording what is read and saved (as the driver's does). */
function server(height: number, tiles: ReadonlyMap<string, Uint8Array>): TileReader & { read: string[]; saved: string[] } {
  const read: string[] = [];
  const saved: string[] = [];
  return {
    height,
    read,
    saved,
    readTiles(ts: readonly Tile[]) {
      return Promise.resolve(
        ts.map((t) => {
          read.push(tilePath(t));
          const d = tiles.get(tilePath(t));
          if (d === undefined) throw new Error(`no tile ${tilePath(t)}`);
          return d.slice();
        }),
      );
    },
    saveTiles(ts: readonly Tile[]) {
      saved.push(...ts.map(tilePath));
    },
  };
}

async function ours(c: Case): Promise<SumdbOracleAnswer> {
  const srv = server(c.height, c.tiles);
  try {
    const hashes = await tileHashReader(c.tree, srv).readHashes(c.indexes);
    return { err: '', hashes: hashes.map(b64), read: srv.read, saved: srv.saved };
  } catch (e) {
    return { err: e instanceof Error ? e.message : String(e), read: srv.read, saved: srv.saved };
  }
}

const go = goAvailability();

describe.skipIf(!go.ok)(`tile authentication agrees with x/mod's TileHashReader (${CASES} reads, seed ${SEED})${go.ok ? '' : `: ${go.reason}`}`, () => {
  const cases: Case[] = [];
  let theirs: SumdbOracleAnswer[];
  let mine: SumdbOracleAnswer[];

  beforeAll(async () => {
    const rng = new Rng(SEED);
    const stored: Hash[] = [];
    const log: HashReader = { readHashes: (ix) => Promise.resolve(ix.map((i) => stored[i]!)) };
    for (let i = 0; i < RECORDS; i++) stored.push(...(await storedHashes(i, new TextEncoder().encode(`record ${i}\n`), log)));
    for (let id = 0; id < CASES; id++) {
      const n = rng.chance(0.3) ? rng.int(1, 40) : rng.int(1, RECORDS);
      const height = rng.pick([1, 2, 3, 4, 8, 8]);
      const tree: Tree = { n, hash: await treeHash(n, log) };
      const indexes = Array.from({ length: rng.int(1, 4) }, () => {
        if (rng.chance(0.05)) return storedHashIndex(0, n);
        const level = rng.chance(0.7) ? 0 : rng.int(0, Math.max(0, Math.floor(Math.log2(n))));
        return storedHashIndex(level, rng.int(0, Math.max(0, (n >> level) - 1)));
      });
      // The tiles an honest server would be asked for: those our reader asks for, served right.
      const tiles = new Map<string, Uint8Array>();
      const honest: TileReader = {
        height,
        readTiles: async (ts) => Promise.all(ts.map(async (t) => {
          const d = await readTileData(t, log);
          tiles.set(tilePath(t), d);
          return d;
        })),
        saveTiles: () => undefined,
      };
      await tileHashReader(tree, honest).readHashes(indexes).catch(() => undefined);
      const paths = [...tiles.keys()];
      let what = 'honest';
      let signed = tree;
      const op = rng.int(0, 99);
      if (op < 20 || paths.length === 0) {
        // honest
      } else if (op < 45) {
        const p = rng.pick(paths);
        const d = tiles.get(p)!.slice();
        const at = rng.int(0, d.length - 1);
        d[at]! ^= 1 << rng.int(0, 7);
        tiles.set(p, d);
        what = `${p}: bit flipped in byte ${at}`;
      } else if (op < 55) {
        const p = rng.pick(paths);
        const d = tiles.get(p)!;
        const cut = rng.chance(0.5) ? d.subarray(0, d.length - 32) : Uint8Array.from([...d, ...d.subarray(0, 32)]);
        tiles.set(p, cut);
        what = `${p}: ${cut.length < d.length ? 'one hash short' : 'one hash long'}`;
      } else if (op < 65 && paths.length > 1) {
        const p = rng.pick(paths);
        const q = rng.pick(paths.filter((x) => x !== p));
        const dp = tiles.get(p)!;
        const dq = tiles.get(q)!;
        if (dp.length === dq.length) {
          tiles.set(p, dq);
          tiles.set(q, dp);
          what = `${p} and ${q} swapped`;
        } else {
          tiles.set(p, dq);
          what = `${p} served ${q}'s data`;
        }
      } else if (op < 72) {
        const p = rng.pick(paths);
        tiles.delete(p);
        what = `${p} missing`;
      } else if (op < 82) {
        const h = tree.hash.slice();
        h[rng.int(0, 31)]! ^= 1;
        signed = { n, hash: h };
        what = 'tree hash with a flipped bit';
      } else if (op < 92 && n > 1) {
        signed = { n, hash: await treeHash(n - 1, log) };
        what = `tree of size ${n} signed with the hash of size ${n - 1}`;
      } else {
        const other = rng.int(1, RECORDS);
        signed = { n, hash: await treeHash(other, log) };
        what = `tree of size ${n} signed with the hash of size ${other}`;
      }
      cases.push({ id, what: `n=${n} h=${height} indexes=${indexes.join(',')}: ${what}`, tree: signed, height, tiles, indexes });
    }
    theirs = askGoSumdb(
      cases.map((c) => ({
        op: 'tiles' as const,
        n: c.tree.n,
        hash: b64(c.tree.hash),
        height: c.height,
        tiles: Object.fromEntries([...c.tiles].map(([p, d]) => [p, b64(d)])),
        indexes: c.indexes,
      })),
    );
    mine = [];
    for (const c of cases) mine.push(await ours(c));
  }, 300_000);

  const report = (pick: (i: number) => boolean): string[] =>
    cases.flatMap((c, i) => (pick(i) ? [`#${c.id} ${c.what}\n    go:   ${comparableAnswer(theirs[i]!)}\n    ours: ${comparableAnswer(mine[i]!)}`] : []));

  it('the reads span go\'s outcomes: hashes read, inconsistent tiles, short tiles, missing tiles, indexes past the tree', () => {
    const outcomes = new Set(theirs.map((a) => a.err.replace(/ \(.*\)$| tile\/.*$/, '') || 'ok'));
    expect([...outcomes]).toEqual(
      expect.arrayContaining(['ok', 'downloaded inconsistent tile', 'TileReader returned bad result slice', 'no tile', 'indexes not in tree']),
    );
  });

  it('every read gives go\'s answer: the same tiles read and saved, the same hashes or error', () => {
    expect(report((i) => comparableAnswer(theirs[i]!) !== comparableAnswer(mine[i]!))).toEqual([]);
  });
});
