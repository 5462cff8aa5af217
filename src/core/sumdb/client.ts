/**
 * A checksum-database client (golang.org/x/mod/sumdb Client) over ports.
 *
 * lookup(path, version) returns the go.sum lines the database holds for a
 * module version, after proving that (1) the tree head in the response is
 * signed by the configured key, (2) it is consistent with every tree head this
 * client has seen, including the one stored in the `<name>/latest` config (a
 * newer consistent tree replaces it by compare-and-swap, an older consistent
 * tree is accepted, a fork is a SECURITY ERROR), and (3) the record is the
 * leaf the signed tree holds at the given id. Only tiles (height 8 by default,
 * like go) are used for the proofs, never server-made proofs.
 *
 * Cache files are named as go names them below `$GOMODCACHE/cache/download/sumdb/`:
 * `<name>/lookup/<escpath>@<escver>` and `<name>/tile/8/<L>/<NNN>[.p/<W>]`;
 * config files as below `$GOPATH/pkg/sumdb/`: `<name>/latest`.
 *
 * One deliberate difference from go: go saves authenticated tiles as soon as
 * they are authenticated, even when the lookup then fails (say the record does
 * not match its leaf). Here a lookup's tiles are written only once the whole
 * lookup verified, so a failed lookup leaves the cache exactly as it was. The
 * `latest` config is updated as go does it (on a newer consistent tree,
 * before the record check), since that is what later catches forks.
 */
import { escapePath, escapeVersion } from '../module/escape.ts';
import { matchPrefixPatterns } from '../module/match.ts';
import { utf8Decode } from '../internal/webstd.ts';
import { newVerifier, openNote, verifierList } from './note.ts';
import type { Verifiers } from './note.ts';
import { tileHashReader, tilePath } from './tile.ts';
import type { Tile, TileReader, TrustedTiles } from './tile.ts';
import { EMPTY_TREE_HASH, checkTree, hashEqual, hashString, parseRecord, parseTree, proveTree, recordHash, storedHashIndex, treeHash } from './tlog.ts';
import type { Tree } from './tlog.ts';

/** The outside world of a client. Every path is relative; see the file comment. */
export interface ClientOps {
  /** GETs `<base><path>` (path starts with "/", e.g. "/lookup/…" or "/tile/8/0/000"); throws on any failure. */
  readRemote(path: string): Promise<Uint8Array>;
  /** Reads a config file (`<name>/latest`); a missing file is empty. */
  readConfig(file: string): Promise<Uint8Array>;
  /**
   * Replaces the config file's content old with next, atomically; throws
   * WriteConflictError when the file is non-empty and no longer holds old.
   */
  writeConfig(file: string, old: Uint8Array, next: Uint8Array): Promise<void>;
  /** Reads a cache file; undefined (or an empty file, or a throw) means missing. */
  readCache(file: string): Promise<Uint8Array | undefined>;
  /** Writes a cache file. Called only with verified data. */
  writeCache(file: string, data: Uint8Array): Promise<void>;
  /** Reports a proof of server misbehavior (go prints it and exits). */
  securityError(msg: string): void;
  /**
   * Optional: told of every signed tree head once it is proven consistent
   * with the latest one (older, equal or newer), so a caller can keep the
   * timeline of heads it has seen. A throw fails the operation.
   */
  treeVerified?(tree: Tree, note: Uint8Array): void | Promise<void>;
}

/** A verified lookup. */
export interface LookupResult {
  /** The record's lines for the asked path and version (see lookup). */
  readonly lines: string[];
  /** The record's id: its leaf index in the log (the lookup body's first line). */
  readonly recordId: number;
  /** The size of the signed tree the record was proven to be a leaf of. */
  readonly treeSize: number;
}

interface VerifiedRecord {
  readonly data: Uint8Array;
  readonly id: number;
  readonly treeSize: number;
}

export interface ClientOptions {
  /** The verifier key of the database (`name+hash+key`). */
  key: string;
  /** Tile height; 8, as go and sum.golang.org use, unless a test needs otherwise. */
  tileHeight?: number;
  /** GONOSUMDB patterns: matching module paths are refused with GonosumdbError. */
  noSumDB?: string;
}

/** A failed lookup or initialization, with go's message text. */
export class SumdbError extends Error {
  override name = 'SumdbError';
}

/** Thrown by ClientOps.writeConfig when the compare-and-swap lost a race. */
export class WriteConflictError extends Error {
  override name = 'WriteConflictError';
  constructor() {
    super('write conflict');
  }
}

/** The database proved itself inconsistent; message is the full SECURITY ERROR report. */
export class SumdbSecurityError extends Error {
  override name = 'SumdbSecurityError';
}

/** The module path matches GONOSUMDB. */
export class GonosumdbError extends Error {
  override name = 'GonosumdbError';
  constructor() {
    super('skipped (listed in GONOSUMDB)');
  }
}

const MSG_PAST = 1;
const MSG_NOW = 2;
const MSG_FUTURE = 3;

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function fullTile(t: Tile): Tile {
  return { ...t, W: 2 ** t.H };
}

/**
 * The tile reader of one operation (initialization or a lookup): it reads
 * through the client's shared tile cache and holds authenticated tiles until
 * the operation has verified completely.
 */
class Session implements TileReader {
  readonly pending: { tile: Tile; data: Uint8Array }[] = [];
  readonly touched = new Set<string>();
  constructor(private readonly c: SumdbClient) {}

  get height(): number {
    return this.c.tileHeight;
  }

  readTiles(tiles: readonly Tile[]): Promise<Uint8Array[]> {
    for (const t of tiles) this.touched.add(tilePath(t));
    return Promise.all(tiles.map((t) => this.c.readTile(t)));
  }

  saveTiles(tiles: readonly Tile[], data: readonly Uint8Array[]): void {
    tiles.forEach((tile, i) => this.pending.push({ tile, data: data[i]! }));
  }
}

export class SumdbClient {
  readonly tileHeight: number;
  /** The database name: the key's name part. */
  readonly name: string;
  private readonly key: string;
  private readonly noSumDB: string;
  private verifiers: Verifiers = verifierList();
  private initPromise: Promise<void> | undefined;
  private latest: Tree = { n: 0, hash: EMPTY_TREE_HASH };
  private latestMsg: Uint8Array = new Uint8Array(0);
  private readonly records = new Map<string, Promise<VerifiedRecord>>();
  private readonly tiles = new Map<string, Promise<Uint8Array>>();
  private readonly tileSaved = new Set<string>();
  /** Per tree (object) checked against: the tiles authenticated against it so far (tileHashReader). */
  private readonly trusted = new WeakMap<Tree, TrustedTiles>();

  constructor(
    private readonly ops: ClientOps,
    opts: ClientOptions,
  ) {
    this.key = opts.key.trim();
    this.name = this.key.split('+', 1)[0] ?? '';
    this.tileHeight = opts.tileHeight ?? 8;
    if (!(this.tileHeight > 0 && this.tileHeight <= 30)) throw new Error('invalid tile height');
    this.noSumDB = opts.noSumDB ?? '';
  }

  /** The newest verified tree head and its signed note (empty before any). */
  async latestTree(): Promise<{ tree: Tree; note: Uint8Array }> {
    await this.init();
    return { tree: this.latest, note: this.latestMsg };
  }

  /**
   * The database's go.sum lines for path at vers (vers may end in "/go.mod"):
   * every line of the verified record starting with "<path> <vers> ".
   * Errors are `<path>@<vers>: <reason>` SumdbErrors; a fork or rollback of the
   * log throws SumdbSecurityError (after ops.securityError); GONOSUMDB matches
   * throw GonosumdbError.
   */
  async lookup(path: string, vers: string): Promise<string[]> {
    return (await this.lookupRecord(path, vers)).lines;
  }

  /** lookup, with the record id and the proving tree's size; the same errors. */
  async lookupRecord(path: string, vers: string): Promise<LookupResult> {
    if (matchPrefixPatterns(this.noSumDB, path)) throw new GonosumdbError();
    let rec: VerifiedRecord;
    try {
      await this.init();
      const epath = escapePath(path);
      const evers = escapeVersion(vers.endsWith('/go.mod') ? vers.slice(0, -'/go.mod'.length) : vers);
      const remotePath = `/lookup/${epath}@${evers}`;
      const file = this.name + remotePath;
      let p = this.records.get(file);
      if (p === undefined) {
        p = this.fetchRecord(file, remotePath);
        this.records.set(file, p);
        p.catch(() => this.records.delete(file));
      }
      rec = await p;
    } catch (e) {
      if (e instanceof SumdbSecurityError) throw e;
      throw new SumdbError(`${path}@${vers}: ${errText(e)}`, { cause: e });
    }
    const prefix = `${path} ${vers} `;
    const lines = utf8Decode(rec.data)
      .split('\n')
      .filter((line) => line.startsWith(prefix));
    return { lines, recordId: rec.id, treeSize: rec.treeSize };
  }

  private init(): Promise<void> {
    this.initPromise ??= this.initWork().catch((e: unknown) => {
      if (e instanceof SumdbSecurityError) throw e;
      throw new SumdbError(`initializing sumdb.Client: ${errText(e)}`, { cause: e });
    });
    return this.initPromise;
  }

  private async initWork(): Promise<void> {
    const verifier = await newVerifier(this.key);
    this.verifiers = verifierList(verifier);
    await this.run(async (s) => {
      const data = await this.ops.readConfig(`${this.name}/latest`);
      await this.mergeLatest(data, s);
    });
  }

  /** Runs one operation; its tiles are saved only if it succeeds, and forgotten from memory if it fails. */
  private async run<T>(op: (s: Session) => Promise<T>): Promise<T> {
    const s = new Session(this);
    try {
      const result = await op(s);
      for (const { tile, data } of s.pending) {
        const key = tilePath(tile);
        if (this.tileSaved.has(key)) continue;
        this.tileSaved.add(key);
        await this.ops.writeCache(`${this.name}/${key}`, data);
      }
      return result;
    } catch (e) {
      for (const key of s.touched) if (!this.tileSaved.has(key)) this.tiles.delete(key);
      throw e;
    }
  }

  private fetchRecord(file: string, remotePath: string): Promise<VerifiedRecord> {
    return this.run(async (s) => {
      let data = await this.readCache(file);
      const fromRemote = data === undefined;
      data ??= await this.ops.readRemote(remotePath);
      const { id, text, rest } = parseRecord(data);
      await this.mergeLatest(rest, s);
      const treeSize = await this.checkRecord(id, text, s);
      if (fromRemote) await this.ops.writeCache(file, data);
      return { data, id, treeSize };
    });
  }

  private async readCache(file: string): Promise<Uint8Array | undefined> {
    try {
      const data = await this.ops.readCache(file);
      return data !== undefined && data.length > 0 ? data : undefined;
    } catch {
      return undefined;
    }
  }

  /** Merges a signed tree note into latest, persisting a newer tree with compare-and-swap. */
  private async mergeLatest(msg: Uint8Array, s: Session): Promise<void> {
    const when = await this.mergeLatestMem(msg, s);
    if (when !== MSG_FUTURE) return;
    const file = `${this.name}/latest`;
    for (;;) {
      const stored = await this.ops.readConfig(file);
      const w = await this.mergeLatestMem(stored, s);
      if (w !== MSG_PAST) return;
      try {
        await this.ops.writeConfig(file, stored, this.latestMsg);
        return;
      } catch (e) {
        if (!(e instanceof WriteConflictError)) throw e;
      }
    }
  }

  /** Checks msg against the in-memory latest tree; says whether it is older, the same, or newer (and now installed). */
  private async mergeLatestMem(msg: Uint8Array, s: Session): Promise<number> {
    if (msg.length === 0) return this.latest.n === 0 ? MSG_NOW : MSG_PAST;
    let text: string;
    try {
      text = (await openNote(msg, this.verifiers)).text;
    } catch (e) {
      throw new SumdbError(`reading tree note: ${errText(e)}\nnote:\n${utf8Decode(msg, false)}`, { cause: e });
    }
    let tree: Tree;
    try {
      tree = parseTree(text);
    } catch (e) {
      throw new SumdbError(`reading tree: ${errText(e)}\ntree:\n${text}`, { cause: e });
    }
    let latest = this.latest;
    let latestMsg = this.latestMsg;
    for (;;) {
      if (tree.n <= latest.n) {
        await this.checkTrees(tree, msg, latest, latestMsg, s);
        await this.ops.treeVerified?.(tree, msg);
        return tree.n < latest.n ? MSG_PAST : MSG_NOW;
      }
      await this.checkTrees(latest, latestMsg, tree, msg, s);
      if (this.latest === latest) {
        this.latest = tree;
        this.latestMsg = msg;
        await this.ops.treeVerified?.(tree, msg);
        return MSG_FUTURE;
      }
      latest = this.latest;
      latestMsg = this.latestMsg;
    }
  }

  private trustedTiles(tree: Tree): TrustedTiles {
    let t = this.trusted.get(tree);
    if (t === undefined) {
      t = new Map();
      this.trusted.set(tree, t);
    }
    return t;
  }

  /** Proves older is a prefix of newer, or reports the proof of a fork. */
  private async checkTrees(older: Tree, olderNote: Uint8Array, newer: Tree, newerNote: Uint8Array, s: Session): Promise<void> {
    const thr = tileHashReader(newer, s, this.trustedTiles(newer));
    let h: Uint8Array;
    try {
      h = await treeHash(older.n, thr);
    } catch (e) {
      const what = older.n === newer.n ? `checking tree#${older.n}` : `checking tree#${older.n} against tree#${newer.n}`;
      throw new SumdbError(`${what}: ${errText(e)}`, { cause: e });
    }
    if (hashEqual(h, older.hash)) return;

    const indent = (b: Uint8Array): string => utf8Decode(b, false).replaceAll('\n', '\n\t');
    let report = 'SECURITY ERROR\ngo.sum database server misbehavior detected!\n\n';
    report += `old database:\n\t${indent(olderNote)}\n`;
    report += `new database:\n\t${indent(newerNote)}\n`;
    report += `proof of misbehavior:\n\t${hashString(h)}`;
    try {
      const p = await proveTree(newer.n, older.n, thr);
      try {
        await checkTree(p, newer.n, newer.hash, older.n, h);
        for (const ph of p) report += `\n\t${hashString(ph)}`;
      } catch {
        report += '\tinternal error: generated inconsistent proof\n';
      }
    } catch (e) {
      report += `\tinternal error: ${errText(e)}\n`;
    }
    this.ops.securityError(report);
    throw new SumdbSecurityError(report);
  }

  /** Proves that record id of the latest tree is data; returns that tree's size. */
  private async checkRecord(id: number, data: Uint8Array, s: Session): Promise<number> {
    const latest = this.latest;
    if (id < 0 || id >= latest.n) throw new SumdbError(`cannot validate record ${id} in tree of size ${latest.n}`);
    const [h] = await tileHashReader(latest, s, this.trustedTiles(latest)).readHashes([storedHashIndex(0, id)]);
    if (h === undefined || !hashEqual(h, await recordHash(data))) {
      throw new SumdbError('cannot authenticate record data in server response');
    }
    return latest.n;
  }

  /**
   * One tile's data: the cached tile, a prefix of the cached full tile, the
   * remote tile, or a prefix of the remote full tile, in that order (as go).
   * Tiles found in the cache count as saved already.
   * @internal
   */
  readTile(tile: Tile): Promise<Uint8Array> {
    const key = tilePath(tile);
    let p = this.tiles.get(key);
    if (p === undefined) {
      p = this.readTileWork(tile);
      this.tiles.set(key, p);
      p.catch(() => this.tiles.delete(key));
    }
    return p;
  }

  private async readTileWork(tile: Tile): Promise<Uint8Array> {
    const full = fullTile(tile);
    const prefixOf = (data: Uint8Array): Uint8Array => data.subarray(0, Math.floor(data.length / full.W) * tile.W);
    const cached = await this.readCache(`${this.name}/${tilePath(tile)}`);
    if (cached !== undefined) {
      this.tileSaved.add(tilePath(tile));
      return cached;
    }
    if (tile.W !== full.W) {
      const cachedFull = await this.readCache(`${this.name}/${tilePath(full)}`);
      if (cachedFull !== undefined) {
        this.tileSaved.add(tilePath(tile)); // the full tile covers it; never save the partial
        return prefixOf(cachedFull);
      }
    }
    try {
      return await this.ops.readRemote(`/${tilePath(tile)}`);
    } catch (err) {
      if (tile.W !== full.W) {
        try {
          return prefixOf(await this.ops.readRemote(`/${tilePath(full)}`));
        } catch {
          // Report the partial tile's error, as go does.
        }
      }
      throw err;
    }
  }
}
