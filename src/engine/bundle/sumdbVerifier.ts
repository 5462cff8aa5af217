/**
 * The checksum-database part of bundle verification, behind a port so the
 * engine can swap it: given the bundled lookups, tiles and `latest`, prove for
 * every module that the database's record holds exactly its h1 hashes, and
 * that the bundle's tree is consistent with every tree head seen before.
 *
 * offlineSumdbVerifier is the real one, built on src/core/sumdb/client.ts
 * with a ClientOps that reads only the bundle: any request that would go to
 * the network fails with "not in the bundle", which is what the go command
 * would need on the offline side too. Nothing is written anywhere.
 */
import { SumdbClient, WriteConflictError } from '../../core/sumdb/client.ts';
import type { ClientOps } from '../../core/sumdb/client.ts';
import { newVerifier, openNote, verifierList } from '../../core/sumdb/note.ts';
import { tileHashReader, tilePath } from '../../core/sumdb/tile.ts';
import type { Tile, TileReader } from '../../core/sumdb/tile.ts';
import { hashEqual, parseTree, treeHash } from '../../core/sumdb/tlog.ts';
import type { Tree } from '../../core/sumdb/tlog.ts';
import { KNOWN_GOSUMDB } from '../../core/sumdb/gosumdb.ts';
import { bytesEqual } from '../../core/internal/bytes.ts';

export interface SumdbCheck {
  ok: boolean;
  detail: string;
}

/** What the bundle holds for one checksum database. */
export interface BundledSumdb {
  name: string;
  /** The verifier key the bundle's manifest names. */
  key: string;
  /** A file below `cache/download/sumdb/<name>/` ("lookup/…", "tile/…"), or undefined. */
  read(file: string): Uint8Array | undefined;
  /** The bundled `latest` note, if any. */
  latest: Uint8Array | undefined;
  /** The modules to prove, with the h1 hashes computed from the bundle's own files. */
  modules: readonly { path: string; version: string; mod?: string; zip?: string }[];
}

export interface SumdbVerdict {
  /** Per `path@version`. */
  modules: Map<string, SumdbCheck>;
  /** The key used, and whether it came from outside the bundle. */
  key: SumdbCheck;
  /** One check per tree head seen before (consistency with the bundle's newest tree). */
  treeHeads: SumdbCheck[];
  /** The newest tree head the bundle proved, to be stored by the caller. */
  newest?: Uint8Array;
}

export interface SumdbVerifier {
  verifyBundled(bundle: BundledSumdb, treeHeadsSeen: readonly Uint8Array[]): Promise<SumdbVerdict>;
}

export interface OfflineSumdbOptions {
  /** The trusted verifier key; default: the known key for the name (sum.golang.org), else the bundle's own. */
  trustedKey?: string;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A TileReader over bundled tiles: the exact tile, else a prefix of the full one (as go reads its cache). */
function bundleTiles(b: BundledSumdb, height: number): TileReader {
  return {
    height,
    readTiles(tiles: readonly Tile[]): Promise<Uint8Array[]> {
      return Promise.all(
        tiles.map((t) => {
          const exact = b.read(tilePath(t));
          if (exact !== undefined && exact.length > 0) return exact;
          const fullW = 2 ** t.H;
          const full = t.W !== fullW ? b.read(tilePath({ ...t, W: fullW })) : undefined;
          if (full !== undefined && full.length === fullW * 32) return full.subarray(0, t.W * 32);
          throw new Error(`tile ${tilePath(t)} is not in the bundle`);
        }),
      );
    },
    saveTiles(): void {},
  };
}

/** The real, offline verifier. */
export function offlineSumdbVerifier(opts: OfflineSumdbOptions = {}): SumdbVerifier {
  return {
    async verifyBundled(b, treeHeadsSeen) {
      const modules = new Map<string, SumdbCheck>();
      const failAll = (detail: string): SumdbVerdict => {
        for (const m of b.modules) modules.set(`${m.path}@${m.version}`, { ok: false, detail });
        return { modules, key: { ok: false, detail }, treeHeads: [] };
      };
      const trusted = opts.trustedKey ?? KNOWN_GOSUMDB[b.name];
      let key: SumdbCheck;
      if (trusted !== undefined && trusted !== b.key) {
        return failAll(`the bundle names key ${b.key}, but the trusted key for ${b.name} is ${trusted}`);
      } else if (trusted !== undefined) {
        key = { ok: true, detail: `${b.name}: trusted key ${trusted}` };
      } else {
        key = { ok: true, detail: `${b.name}: key ${b.key} taken from the bundle (pass a trusted key to pin it)` };
      }
      let verifier;
      try {
        verifier = await newVerifier(b.key);
      } catch (e) {
        return failAll(`invalid key ${b.key}: ${errText(e)}`);
      }

      const config = new Map<string, Uint8Array>([[`${b.name}/latest`, b.latest ?? new Uint8Array(0)]]);
      const security: string[] = [];
      const ops: ClientOps = {
        readRemote: (path) => Promise.reject(new Error(`${path.slice(1)} is not in the bundle`)),
        readConfig: (file) => Promise.resolve(config.get(file) ?? new Uint8Array(0)),
        writeConfig: (file, old, next) => {
          const cur = config.get(file) ?? new Uint8Array(0);
          if (cur.length > 0 && !bytesEqual(cur, old)) return Promise.reject(new WriteConflictError());
          config.set(file, next);
          return Promise.resolve();
        },
        readCache: (file) => Promise.resolve(file.startsWith(b.name + '/') ? b.read(file.slice(b.name.length + 1)) : undefined),
        writeCache: () => Promise.resolve(),
        securityError: (msg) => void security.push(msg),
      };
      const client = new SumdbClient(ops, { key: b.key });
      for (const m of b.modules) {
        const id = `${m.path}@${m.version}`;
        try {
          const problems: string[] = [];
          const want: [string, string | undefined][] = [
            [m.version, m.zip],
            [`${m.version}/go.mod`, m.mod],
          ];
          for (const [vers, hash] of want) {
            if (hash === undefined) continue;
            const lines = await client.lookup(m.path, vers);
            const line = `${m.path} ${vers} ${hash}`;
            if (lines.includes(line)) continue;
            if (lines.length > 0) problems.push(`checksum mismatch for ${m.path} ${vers}: bundle has ${hash}, checksum database has ${lines.map((l) => l.split(' ')[2]).join(', ')}`);
            else problems.push(`the checksum database record has no line for ${m.path} ${vers}`);
          }
          modules.set(id, problems.length === 0 ? { ok: true, detail: `record included in ${b.name}` } : { ok: false, detail: problems.join('; ') });
        } catch (e) {
          modules.set(id, { ok: false, detail: errText(e) });
        }
      }

      // Consistency of the bundle's newest tree with every tree head seen before.
      const treeHeads: SumdbCheck[] = [];
      let latest: { tree: Tree; note: Uint8Array } | undefined;
      try {
        latest = await client.latestTree();
      } catch (e) {
        treeHeads.push({ ok: false, detail: `bundle tree head: ${errText(e)}` });
      }
      const known = verifierList(verifier);
      for (const seen of treeHeadsSeen) {
        let tree: Tree;
        try {
          const note = await openNote(seen, known);
          tree = parseTree(note.text);
        } catch (e) {
          treeHeads.push({ ok: true, detail: `a stored tree head was skipped: not a ${b.name} tree note (${errText(e)})` });
          continue;
        }
        if (latest === undefined || latest.tree.n === 0) {
          treeHeads.push({ ok: false, detail: `cannot check tree#${tree.n}: the bundle has no tree head` });
          continue;
        }
        const [older, newer] = tree.n <= latest.tree.n ? [tree, latest.tree] : [latest.tree, tree];
        try {
          const h = await treeHash(older.n, tileHashReader(newer, bundleTiles(b, client.tileHeight)));
          if (hashEqual(h, older.hash)) treeHeads.push({ ok: true, detail: `tree#${tree.n} is consistent with the bundle's tree#${latest.tree.n}` });
          else treeHeads.push({ ok: false, detail: `SECURITY ERROR: tree#${tree.n} seen before is inconsistent with the bundle's tree#${latest.tree.n} (fork or rollback)` });
        } catch (e) {
          treeHeads.push({ ok: false, detail: `cannot check tree#${tree.n} against the bundle's tree#${latest.tree.n}: ${errText(e)}` });
        }
      }
      for (const msg of security) treeHeads.push({ ok: false, detail: msg });
      return { modules, key, treeHeads, ...(latest !== undefined && latest.note.length > 0 ? { newest: latest.note } : {}) };
    },
  };
}
