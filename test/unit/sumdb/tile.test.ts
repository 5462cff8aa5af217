import { describe, expect, it } from 'vitest';
import {
  hashFromTile,
  newTiles,
  parseTilePath,
  readTileData,
  tileForIndex,
  tileHash,
  tileHashReader,
  tileParent,
  tilePath,
} from '../../../src/core/sumdb/tile.ts';
import type { Tile, TileReader, TrustedTiles } from '../../../src/core/sumdb/tile.ts';
import { HASH_SIZE, nodeHash, storedHashIndex, storedHashes, treeHash } from '../../../src/core/sumdb/tlog.ts';
import type { Hash, HashReader } from '../../../src/core/sumdb/tlog.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

async function buildLog(n: number): Promise<{ hashes: Hash[]; reader: HashReader }> {
  const hashes: Hash[] = [];
  const reader: HashReader = { readHashes: (ix) => Promise.resolve(ix.map((i) => hashes[i]!)) };
  for (let i = 0; i < n; i++) hashes.push(...(await storedHashes(i, enc(`record ${i}\n`), reader)));
  return { hashes, reader };
}

describe('tile paths (spec §6.5)', () => {
  it.each<[Tile, string]>([
    [{ H: 3, L: 4, N: 1234067, W: 1 }, 'tile/3/4/x001/x234/067.p/1'],
    [{ H: 3, L: 4, N: 1234067, W: 8 }, 'tile/3/4/x001/x234/067'],
    [{ H: 8, L: 0, N: 0, W: 256 }, 'tile/8/0/000'],
    [{ H: 8, L: 1, N: 0, W: 1 }, 'tile/8/1/000.p/1'],
    [{ H: 8, L: 0, N: 1000, W: 256 }, 'tile/8/0/x001/000'],
    [{ H: 8, L: -1, N: 2, W: 91 }, 'tile/8/data/002.p/91'],
    [{ H: 8, L: 0, N: 204113, W: 256 }, 'tile/8/0/x204/113'],
  ])('%j is %s and parses back', (t, path) => {
    expect(tilePath(t)).toBe(path);
    expect(parseTilePath(path)).toEqual(t);
  });

  it.each([
    'tile/8/0/00',
    'tile/8/0/0000',
    'tile/8/0/001/002',
    'tile/8/0/x000/001',
    'tile/8/0/000.p/256',
    'tile/8/0/000.p/0',
    'tile/8/0/000.p/01',
    'tile/0/0/000',
    'tile/31/0/000',
    'tile/8/-1/000',
    'tile/08/0/000',
    'tiles/8/0/000',
    'tile/8/0',
    'tile/8/x/000',
  ])('rejects %s', (path) => {
    expect(() => parseTilePath(path)).toThrowError(`malformed tile path ${JSON.stringify(path)}`);
  });

  it('places records in tiles like tile.go (spec §6.5 examples)', () => {
    const t = tileForIndex(8, storedHashIndex(0, 5994992));
    expect(tilePath({ ...t, W: 256 })).toBe('tile/8/0/x023/417');
    expect(t.W - 1).toBe(240); // entry 240 of the tile
    expect(tilePath(tileParent(t, 1, 8617558)!)).toBe('tile/8/1/091');
    const u = tileForIndex(8, storedHashIndex(0, 52253027));
    expect(tilePath({ ...u, W: 256 })).toBe('tile/8/0/x204/113');
    expect(u.W - 1).toBe(99);
    // A level-3 hash (8 leaves) sits in the leaf tile, 8 entries wide.
    expect(tileForIndex(8, storedHashIndex(3, 1))).toEqual({ H: 8, L: 0, N: 0, W: 16 });
  });

  it('trims parents to the tree', () => {
    expect(tileParent({ H: 8, L: 0, N: 1, W: 47 }, 0, 303)).toEqual({ H: 8, L: 0, N: 1, W: 47 });
    expect(tileParent({ H: 8, L: 0, N: 1, W: 47 }, 1, 303)).toEqual({ H: 8, L: 1, N: 0, W: 1 });
    expect(tileParent({ H: 8, L: 0, N: 0, W: 256 }, 2, 303)).toBeUndefined();
  });

  it('lists the new tiles of a growing tree', () => {
    expect(newTiles(8, 0, 303).map(tilePath)).toEqual(['tile/8/0/000', 'tile/8/0/001.p/47', 'tile/8/1/000.p/1']);
    expect(newTiles(8, 303, 603).map(tilePath)).toEqual(['tile/8/0/001', 'tile/8/0/002.p/91', 'tile/8/1/000.p/2']);
    expect(newTiles(8, 256, 256)).toEqual([]);
  });
});

describe('tileHashReader', () => {
  function reader(source: HashReader, log: string[], tamper?: (t: Tile, d: Uint8Array) => Uint8Array): TileReader & { saved: string[] } {
    const saved: string[] = [];
    return {
      height: 2,
      saved,
      async readTiles(tiles) {
        log.push(...tiles.map(tilePath));
        return Promise.all(tiles.map(async (t) => (tamper ? tamper(t, await readTileData(t, source)) : readTileData(t, source))));
      },
      saveTiles(tiles) {
        saved.push(...tiles.map(tilePath));
      },
    };
  }

  it('reads every stored hash of every tree up to 40 through tiles of height 2', async () => {
    const { hashes, reader: src } = await buildLog(40);
    for (let n = 1; n <= 40; n++) {
      const tree = { n, hash: await treeHash(n, src) };
      const tr = reader(src, []);
      const thr = tileHashReader(tree, tr);
      const ix = Array.from({ length: n }, (_, i) => storedHashIndex(0, i));
      expect(await thr.readHashes(ix)).toEqual(ix.map((i) => hashes[i]));
      expect(await treeHash(n, thr)).toEqual(tree.hash);
      expect(tr.saved.length).toBeGreaterThan(0);
    }
  });

  it('refuses tiles that do not rebuild the signed root, and saves none', async () => {
    const { reader: src } = await buildLog(21);
    const tree = { n: 21, hash: await treeHash(21, src) };
    const log: string[] = [];
    const tr = reader(src, log, (t, d) => {
      if (tilePath(t) === 'tile/2/0/000') d[5]! ^= 1;
      return d;
    });
    await expect(tileHashReader(tree, tr).readHashes([storedHashIndex(0, 1)])).rejects.toThrowError('downloaded inconsistent tile');
    expect(log).toContain('tile/2/0/000');
    expect(tr.saved).toEqual([]);
  });

  it('refuses a tampered tile of the root group, and a short tile', async () => {
    const { reader: src } = await buildLog(21);
    const tree = { n: 21, hash: await treeHash(21, src) };
    const flip = reader(src, [], (t, d) => {
      if (t.L === 2) d[0]! ^= 1;
      return d;
    });
    await expect(treeHash(21, tileHashReader(tree, flip))).rejects.toThrowError('downloaded inconsistent tile');
    const short = reader(src, [], (t, d) => (t.L === 0 ? d.subarray(32) : d));
    await expect(treeHash(21, tileHashReader(tree, short))).rejects.toThrowError(/^TileReader returned bad result slice \(tile\/2\/0\//);
    expect(flip.saved).toEqual([]);
    expect(short.saved).toEqual([]);
  });

  it('trusts again, for the same tree, only the very bytes it authenticated', async () => {
    const { hashes, reader: src } = await buildLog(40);
    const tree = { n: 40, hash: await treeHash(40, src) };
    const trusted: TrustedTiles = new Map();
    const ix = Array.from({ length: 40 }, (_, i) => storedHashIndex(0, i));
    expect(await tileHashReader(tree, reader(src, []), trusted).readHashes(ix)).toEqual(ix.map((i) => hashes[i]));
    expect([...trusted.keys()].sort()).toContain('tile/2/0/000');
    // Read again (fresh arrays, the same bytes): the same hashes.
    const again = reader(src, []);
    expect(await tileHashReader(tree, again, trusted).readHashes(ix)).toEqual(ix.map((i) => hashes[i]));
    expect(again.saved.length).toBeGreaterThan(0);
    // Other bytes at a trusted path, below the root group or in it, are authenticated and refused.
    for (const bad of [(t: Tile) => t.L === 0 && t.N === 0, (t: Tile) => t.L === 2]) {
      const tampered = reader(src, [], (t, d) => {
        if (bad(t)) d[3]! ^= 1;
        return d;
      });
      await expect(tileHashReader(tree, tampered, trusted).readHashes(ix)).rejects.toThrowError('downloaded inconsistent tile');
      expect(tampered.saved).toEqual([]);
    }
    // The work skipped: once every tile is trusted, the root group is not rebuilt against the tree hash
    // again, which is why a TrustedTiles map belongs to the one tree its tiles were authenticated against.
    const unsigned = { n: 40, hash: new Uint8Array(HASH_SIZE) };
    expect(await tileHashReader(unsigned, reader(src, []), trusted).readHashes(ix)).toEqual(ix.map((i) => hashes[i]));
    await expect(tileHashReader(unsigned, reader(src, []), new Map()).readHashes(ix)).rejects.toThrowError('downloaded inconsistent tile');
  });

  it('rejects indexes beyond the tree', async () => {
    const { reader: src } = await buildLog(5);
    const tree = { n: 5, hash: await treeHash(5, src) };
    await expect(tileHashReader(tree, reader(src, [])).readHashes([storedHashIndex(0, 5)])).rejects.toThrowError('indexes not in tree');
  });

  it('hashFromTile checks the tile holds the index', async () => {
    const { reader: src } = await buildLog(8);
    const t: Tile = { H: 2, L: 0, N: 1, W: 4 };
    const data = await readTileData(t, src);
    await expect(hashFromTile(t, data, storedHashIndex(0, 0))).rejects.toThrowError('index 0 is in tile/2/0/000.p/1 not tile/2/0/001');
    await expect(hashFromTile(t, data.subarray(0, 64), storedHashIndex(0, 4))).rejects.toThrowError('data len 64 too short for tile tile/2/0/001');
    expect(await hashFromTile(t, data, storedHashIndex(1, 2))).toEqual((await src.readHashes([storedHashIndex(1, 2)]))[0]);
  });
});

describe('tileHash', () => {
  /** Go's definition, word for word: the data for one entry, else the node of the two halves' hashes. */
  async function halving(data: Uint8Array): Promise<Hash> {
    if (data.length === 0) throw new Error('bad math in tileHash');
    if (data.length === HASH_SIZE) return data.slice();
    const n = Math.floor(data.length / 2);
    return nodeHash(await halving(data.subarray(0, n)), await halving(data.subarray(n)));
  }

  it('is the Merkle hash of 2^k entries, as the recursive halving defines it', async () => {
    for (const entries of [1, 2, 4, 8, 64, 256]) {
      const data = new Uint8Array(entries * HASH_SIZE).map((_, i) => (i * 31 + entries) & 0xff);
      const before = data.slice();
      expect(await tileHash(data)).toEqual(await halving(data));
      expect(data).toEqual(before); // the caller's tile data is not touched
    }
  });

  it('fails, as go does, for a span that is not 2^k whole entries', async () => {
    for (const bytes of [0, 16, 33, 3 * HASH_SIZE, 6 * HASH_SIZE, 100 * HASH_SIZE]) {
      await expect(tileHash(new Uint8Array(bytes))).rejects.toThrowError('bad math in tileHash');
      await expect(halving(new Uint8Array(bytes))).rejects.toThrowError('bad math in tileHash');
    }
  });
});
