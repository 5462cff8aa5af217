/**
 * Tiles of the transparent log (golang.org/x/mod/sumdb/tlog tile.go).
 *
 * A tile {H, L, N, W} holds W consecutive stored hashes at tree level H·L,
 * starting with hash number N·2^H of that level; W = 2^H is a full tile, a
 * smaller W a partial one (the right edge of a tree). Its path is
 * `tile/H/L/NNN[.p/W]`, with N in 3-digit groups all but the last prefixed by
 * `x`, and L = -1 written `data` (the record texts, never fetched by go).
 *
 * tileHashReader is how a client reads hashes it can trust: it plans every tile
 * needed to rebuild the signed root plus the tiles covering the requested
 * hashes (and their parents up to an already planned tile), reads them all
 * through a TileReader, authenticates the root group against the signed tree
 * hash and every other tile against its parent, and only then hands the tiles
 * to TileReader.saveTiles: nothing unauthenticated is ever saved. Every tile
 * after the root group is checked against its parent. Go starts that check
 * after the last subtree hash's tile, which is the same place: subtree sizes
 * only fall from left to right, so the last subtree's tile is the last
 * root-group tile planned (test/conformance/tileFuzz.test.ts compares the two
 * readers tile for tile).
 *
 * A client checks one record after another against the same tree, and every
 * check reads the same upper tiles again: authenticating a full tile costs
 * 255 SHA-256 calls. Given the tiles already authenticated against that tree
 * (TrustedTiles), a tile read again with the very same bytes is trusted
 * without that work; any other bytes are authenticated as usual.
 */
import { HASH_SIZE, TlogError, hashEqual, nodeHash, nodeHashSync, shl, shr, splitStoredHashIndex, storedHashIndex, subTreeIndex } from './tlog.ts';
import type { Hash, HashReader, Tree } from './tlog.ts';

export interface Tile {
  /** Height: 1 ≤ H ≤ 30. sum.golang.org and the go command use 8. */
  H: number;
  /** Level in the tiling: -1 (data) ≤ L ≤ 63. */
  L: number;
  /** Number of the tile within its level. */
  N: number;
  /** Width: 1 ≤ W ≤ 2^H. */
  W: number;
}

/** Reads and saves tiles for tileHashReader. */
export interface TileReader {
  /** The tile height in use. */
  readonly height: number;
  /** The data of each tile, in order; each must be exactly W·32 bytes. */
  readTiles(tiles: readonly Tile[]): Promise<Uint8Array[]>;
  /** Called only with tiles that were authenticated against a signed tree. */
  saveTiles(tiles: readonly Tile[], data: readonly Uint8Array[]): void | Promise<void>;
}

/** A tile as go's %v prints the struct, for internal-error messages. */
function tileStruct(t: Tile): string {
  return `{${t.H} ${t.L} ${t.N} ${t.W}}`;
}

/** The tile path `tile/H/L/NNN[.p/W]`. */
export function tilePath(t: Tile): string {
  let n = t.N;
  let nStr = String(n % 1000).padStart(3, '0');
  while (n >= 1000) {
    n = Math.floor(n / 1000);
    nStr = `x${String(n % 1000).padStart(3, '0')}/${nStr}`;
  }
  const pStr = t.W !== 2 ** t.H ? `.p/${t.W}` : '';
  const L = t.L === -1 ? 'data' : String(t.L);
  return `tile/${t.H}/${L}/${nStr}${pStr}`;
}

/** Parses a tile path; only the canonical form tilePath produces is accepted. */
export function parseTilePath(path: string): Tile {
  const bad = (): TlogError => new TlogError(`malformed tile path ${JSON.stringify(path)}`);
  const atoi = (s: string): number => (/^[+-]?[0-9]+$/.test(s) ? Number(s) : NaN);
  const f = path.split('/');
  if (f.length < 4 || f[0] !== 'tile') throw bad();
  const h = atoi(f[1]!);
  const isData = f[2] === 'data';
  let l = isData ? 0 : atoi(f[2]!);
  if (Number.isNaN(h) || Number.isNaN(l) || h < 1 || l < 0 || h > 30) throw bad();
  let w = 2 ** h;
  let groups = f.slice(3);
  const dotP = f[f.length - 2]!;
  if (dotP.endsWith('.p')) {
    const ww = atoi(f[f.length - 1]!);
    if (Number.isNaN(ww) || ww <= 0 || ww >= w) throw bad();
    w = ww;
    groups = f.slice(3, -1);
    groups[groups.length - 1] = dotP.slice(0, -2);
  }
  let n = 0;
  for (const s of groups) {
    const nn = atoi(s.startsWith('x') ? s.slice(1) : s);
    if (Number.isNaN(nn) || nn < 0 || nn >= 1000) throw bad();
    n = n * 1000 + nn;
  }
  if (isData) l = -1;
  const t: Tile = { H: h, L: l, N: n, W: w };
  if (path !== tilePath(t)) throw bad();
  return t;
}

/** The tile of height h holding stored hash index, and the byte range of that hash's data in it. */
function tileForIndexRange(h: number, index: number): { tile: Tile; start: number; end: number } {
  const split = splitStoredHashIndex(index);
  let level = split.level;
  let n = split.n;
  const L = Math.floor(level / h);
  level -= L * h; // level within the tile
  const N = shr(shl(n, level), h);
  n -= shr(shl(N, h), level); // n within the tile at that level
  const W = shl(n + 1, level);
  return { tile: { H: h, L, N, W }, start: shl(n, level) * HASH_SIZE, end: shl(n + 1, level) * HASH_SIZE };
}

/**
 * The smallest tile of height h that holds stored hash index (its W reaches
 * just far enough). A hash below the tile's base level is computed from
 * 2^(level mod H) adjacent entries.
 */
export function tileForIndex(h: number, index: number): Tile {
  if (h <= 0) throw new TlogError(`TileForIndex: invalid height ${h}`);
  return tileForIndexRange(h, index).tile;
}

/**
 * The hash of a span of tile data: the data itself for one entry, else the
 * Merkle hash of its halves. Go halves the span recursively and fails once a
 * half is empty, so only 2^k whole entries have a hash; the same tree is
 * computed here bottom up, pairs hashed in place one level at a time.
 */
export async function tileHash(data: Uint8Array): Promise<Hash> {
  const n = data.length / HASH_SIZE;
  if (!Number.isInteger(n) || n < 1 || (n & (n - 1)) !== 0) throw new TlogError('bad math in tileHash');
  const level = data.slice();
  for (let width = n; width > 1; width /= 2) {
    // Node i overwrites entry i only after its pair (2i, 2i+1) is read; later pairs lie beyond it.
    for (let i = 0; i < width / 2; i++) {
      const at = 2 * i * HASH_SIZE;
      level.set(nodeHashSync(level.subarray(at, at + HASH_SIZE), level.subarray(at + HASH_SIZE, at + 2 * HASH_SIZE)), i * HASH_SIZE);
    }
  }
  return level.slice(0, HASH_SIZE);
}

/** The stored hash with the given index, computed from tile t's data. */
export async function hashFromTile(t: Tile, data: Uint8Array, index: number): Promise<Hash> {
  if (t.H < 1 || t.H > 30 || t.L < 0 || t.L >= 64 || t.W < 1 || t.W > 2 ** t.H) {
    throw new TlogError(`invalid tile ${tilePath(t)}`);
  }
  if (data.length < t.W * HASH_SIZE) throw new TlogError(`data len ${data.length} too short for tile ${tilePath(t)}`);
  const { tile: t1, start, end } = tileForIndexRange(t.H, index);
  if (t.L !== t1.L || t.N !== t1.N || t.W < t1.W) {
    throw new TlogError(`index ${index} is in ${tilePath(t1)} not ${tilePath(t)}`);
  }
  return tileHash(data.subarray(start, end));
}

/**
 * The tile k levels above t in a tree of n records, trimmed to the width the
 * tree has there; undefined when the tree does not reach that tile.
 */
export function tileParent(t: Tile, k: number, n: number): Tile | undefined {
  const p: Tile = { H: t.H, L: t.L + k, N: shr(t.N, k * t.H), W: 2 ** t.H };
  const max = shr(n, p.L * p.H);
  const base = shl(p.N, p.H);
  if (base + p.W >= max) {
    if (base >= max) return undefined;
    p.W = max - base;
  }
  return p;
}

/** The tiles that must be published when a tree grows from oldTreeSize to newTreeSize records. */
export function newTiles(h: number, oldTreeSize: number, newTreeSize: number): Tile[] {
  if (h <= 0) throw new TlogError(`NewTiles: invalid height ${h}`);
  const tiles: Tile[] = [];
  for (let level = 0; shr(newTreeSize, h * level) > 0; level++) {
    const oldN = shr(oldTreeSize, h * level);
    const newN = shr(newTreeSize, h * level);
    if (oldN === newN) continue;
    for (let n = shr(oldN, h); n < shr(newN, h); n++) tiles.push({ H: h, L: level, N: n, W: 2 ** h });
    const n = shr(newN, h);
    const w = newN - shl(n, h);
    if (w > 0) tiles.push({ H: h, L: level, N: n, W: w });
  }
  return tiles;
}

/** The bytes of tile t, read from a source of stored hashes (what a server publishes). */
export async function readTileData(t: Tile, r: HashReader): Promise<Uint8Array> {
  const size = t.W === 0 ? 2 ** t.H : t.W;
  const start = shl(t.N, t.H);
  const indexes: number[] = [];
  for (let i = 0; i < size; i++) indexes.push(storedHashIndex(t.H * t.L, start + i));
  const hashes = await r.readHashes(indexes);
  if (hashes.length !== indexes.length) {
    throw new TlogError(`tlog: ReadHashes(${indexes.length} indexes) = ${hashes.length} hashes`);
  }
  const tile = new Uint8Array(size * HASH_SIZE);
  hashes.forEach((h, i) => tile.set(h, i * HASH_SIZE));
  return tile;
}

/**
 * Tiles (by path) authenticated against one tree, with the bytes that were:
 * what tileHashReader may trust again for that tree, and only for it.
 */
export type TrustedTiles = Map<string, Uint8Array>;

/**
 * A HashReader for the tree `tree` that reads tiles through tr and trusts them
 * only after authenticating them against tree.hash (see the file comment).
 * trusted, when given, must hold only tiles authenticated against this tree:
 * those read again with the same bytes are not authenticated again, and the
 * tiles authenticated here are added to it.
 * Errors: "indexes not in tree", "downloaded inconsistent tile", and the
 * TileReader's own errors.
 */
export function tileHashReader(tree: Tree, tr: TileReader, trusted?: TrustedTiles): HashReader {
  return {
    async readHashes(indexes: readonly number[]): Promise<Hash[]> {
      const h = tr.height;
      const tileOrder = new Map<string, number>();
      const tiles: Tile[] = [];
      const plan = (t: Tile): number => {
        tileOrder.set(tilePath(t), tiles.length);
        tiles.push(t);
        return tiles.length - 1;
      };
      const parentOf = (t: Tile, k: number): Tile => {
        const p = tileParent(t, k, tree.n);
        if (p === undefined) throw new TlogError(`bad math in tileHashReader: ${tree.n} lost parent of ${tileStruct(t)}`);
        return p;
      };

      // The tiles holding the complete subtrees whose hashes combine to the root.
      const stx = subTreeIndex(0, tree.n);
      const stxTileOrder: number[] = [];
      for (const x of stx) {
        const t = parentOf(tileForIndex(h, x), 0);
        stxTileOrder.push(tileOrder.get(tilePath(t)) ?? plan(t));
      }

      // Each requested hash's tile, and its ancestors up to one already planned.
      const indexTileOrder: number[] = [];
      for (const x of indexes) {
        if (x >= storedHashIndex(0, tree.n)) throw new TlogError('indexes not in tree');
        const t = tileForIndex(h, x);
        let k = 0;
        for (; ; k++) {
          const p = tileParent(t, k, tree.n);
          const j = p === undefined ? undefined : tileOrder.get(tilePath(p));
          if (j !== undefined) {
            if (k === 0) indexTileOrder.push(j);
            break;
          }
          if (p === undefined) throw new TlogError(`bad math in tileHashReader: ${tree.n} ${x} ${tileStruct(t)}`);
        }
        for (k--; k >= 0; k--) {
          const p = parentOf(t, k);
          if (p.W !== 2 ** p.H) throw new TlogError(`bad math in tileHashReader: ${tree.n} ${x} ${tileStruct(p)}`);
          const j = plan(p);
          if (k === 0) indexTileOrder.push(j);
        }
      }

      const data = await tr.readTiles(tiles);
      if (data.length !== tiles.length) {
        throw new TlogError(`TileReader returned bad result slice (len=${data.length}, want ${tiles.length})`);
      }
      tiles.forEach((t, i) => {
        const got = data[i]!.length;
        if (got !== t.W * HASH_SIZE) {
          throw new TlogError(`TileReader returned bad result slice (${tilePath(t)} len=${got}, want ${t.W * HASH_SIZE})`);
        }
      });

      const known = (i: number): boolean => {
        const had = trusted?.get(tilePath(tiles[i]!));
        return had !== undefined && hashEqual(had, data[i]!);
      };

      // Authenticate the root group against the signed tree hash.
      const last = stx.length - 1;
      if (!stxTileOrder.every(known)) {
        let th = await hashFromTile(tiles[stxTileOrder[last]!]!, data[stxTileOrder[last]!]!, stx[last]!);
        for (let i = last - 1; i >= 0; i--) {
          const sh = await hashFromTile(tiles[stxTileOrder[i]!]!, data[stxTileOrder[i]!]!, stx[i]!);
          th = await nodeHash(sh, th);
        }
        if (!hashEqual(th, tree.hash)) throw new TlogError('downloaded inconsistent tile');
      }

      // Authenticate every other tile against the entry for it in its parent
      // (planned before it, so already authenticated or trusted).
      for (let i = stx.length === 0 ? 0 : Math.max(...stxTileOrder) + 1; i < tiles.length; i++) {
        if (known(i)) continue;
        const t = tiles[i]!;
        const p = parentOf(t, 1);
        const j = tileOrder.get(tilePath(p));
        if (j === undefined) throw new TlogError(`bad math in tileHashReader ${tree.n}: lost parent of ${tileStruct(t)}`);
        const want = await hashFromTile(p, data[j]!, storedHashIndex(p.L * p.H, t.N));
        if (!hashEqual(want, await tileHash(data[i]!))) throw new TlogError('downloaded inconsistent tile');
      }

      if (trusted !== undefined) tiles.forEach((t, i) => trusted.set(tilePath(t), data[i]!));
      await tr.saveTiles(tiles, data);

      const hashes: Hash[] = [];
      for (let i = 0; i < indexes.length; i++) {
        const j = indexTileOrder[i]!;
        hashes.push(await hashFromTile(tiles[j]!, data[j]!, indexes[i]!));
      }
      return hashes;
    },
  };
}
