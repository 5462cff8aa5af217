import { describe, expect, it } from 'vitest';
import { GonosumdbError, SumdbClient, SumdbError, SumdbSecurityError, WriteConflictError } from '../../../src/core/sumdb/client.ts';
import type { ClientOps } from '../../../src/core/sumdb/client.ts';
import { signNote } from '../../../src/core/sumdb/note.ts';
import { formatTree, hashString, parseTree } from '../../../src/core/sumdb/tlog.ts';
import { TestLog, goSumRecord } from '../../support/sumdbServer.ts';
import { generateKey, newSigner } from '../../support/noteSigner.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const H1 = (c: string): string => `h1:${Buffer.alloc(32, c).toString('base64')}`;

interface World {
  ops: ClientOps;
  cache: Map<string, Uint8Array>;
  config: Map<string, Uint8Array>;
  remote: string[];
  security: string[];
  /** The log the "network" serves; swap it to simulate a server change. */
  server: { log: TestLog; tamper?: (path: string, body: Uint8Array) => Uint8Array; down?: boolean };
}

function world(log: TestLog, shared?: Pick<World, 'cache' | 'config'>): World {
  const w: World = {
    cache: shared?.cache ?? new Map(),
    config: shared?.config ?? new Map(),
    remote: [],
    security: [],
    server: { log },
    ops: undefined as unknown as ClientOps,
  };
  w.ops = {
    async readRemote(path) {
      w.remote.push(path);
      if (w.server.down) throw new Error(`Get "https://${w.server.log.name}${path}": dial tcp: lookup ${w.server.log.name}: no such host`);
      const r = await w.server.log.handle(path);
      if (r.status !== 200) throw new Error(`reading https://${w.server.log.name}${path}: ${r.status}`);
      return w.server.tamper ? w.server.tamper(path, r.body.slice()) : r.body;
    },
    readConfig: (file) => Promise.resolve(w.config.get(file) ?? new Uint8Array()),
    writeConfig(file, old, next) {
      const cur = w.config.get(file);
      if (cur !== undefined && cur.length > 0 && dec(cur) !== dec(old)) return Promise.reject(new WriteConflictError());
      w.config.set(file, next.slice());
      return Promise.resolve();
    },
    readCache: (file) => Promise.resolve(w.cache.get(file)),
    writeCache(file, data) {
      w.cache.set(file, data.slice());
      return Promise.resolve();
    },
    securityError: (msg) => void w.security.push(msg),
  };
  return w;
}

function snapshot(m: Map<string, Uint8Array>): Record<string, string> {
  return Object.fromEntries([...m].map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the lookup to fail');
}

/** A log of 'size' records with example.com/m<i> modules at the given ids (fillers elsewhere). */
async function makeLog(size: number, moduleIds: number[], base?: TestLog): Promise<TestLog> {
  const log = base ?? (await TestLog.create());
  while (log.size < size) {
    if (moduleIds.includes(log.size)) await log.add(`example.com/m${log.size}`, 'v1.0.0', H1('z'), H1('m'));
    else await log.addFiller(1);
  }
  return log;
}

describe('SumdbClient lookups', () => {
  it('returns the verified go.sum lines, caches lookup and tiles under <name>/, and stores latest', async () => {
    const log = await TestLog.create();
    await log.addFiller(300);
    await log.add('example.com/Upper', 'v1.2.3', H1('a'), H1('b'));
    await log.addFiller(40);
    const w = world(log);
    const c = new SumdbClient(w.ops, { key: log.vkey });
    expect(await c.lookup('example.com/Upper', 'v1.2.3')).toEqual([`example.com/Upper v1.2.3 ${H1('a')}`]);
    expect(await c.lookup('example.com/Upper', 'v1.2.3/go.mod')).toEqual([`example.com/Upper v1.2.3/go.mod ${H1('b')}`]);
    expect(w.remote.filter((p) => p.startsWith('/lookup/'))).toEqual(['/lookup/example.com/!upper@v1.2.3']); // one fetch for both lines
    expect([...w.cache.keys()].sort()).toEqual([
      'sum.example.test/lookup/example.com/!upper@v1.2.3',
      'sum.example.test/tile/8/0/001.p/85',
      'sum.example.test/tile/8/1/000.p/1',
    ]);
    expect(dec(w.cache.get('sum.example.test/lookup/example.com/!upper@v1.2.3')!)).toBe(dec(await log.lookupBody(300)));
    expect(dec(w.config.get('sum.example.test/latest')!)).toBe(dec(await log.signedTree()));
    expect((await c.latestTree()).tree.n).toBe(341);
  });

  it('works offline from the cache alone, re-checking the stored latest against cached tiles (spec §2.5)', async () => {
    const log = await makeLog(303, [0, 301]);
    const w = world(log);
    const c = new SumdbClient(w.ops, { key: log.vkey });
    await c.lookup('example.com/m301', 'v1.0.0');
    await c.lookup('example.com/m0', 'v1.0.0');

    const offline = world(log, w);
    offline.server.down = true;
    const c2 = new SumdbClient(offline.ops, { key: log.vkey });
    expect(await c2.lookup('example.com/m0', 'v1.0.0/go.mod')).toEqual([`example.com/m0 v1.0.0/go.mod ${H1('m')}`]);
    expect(offline.remote).toEqual([]);

    // Without tiles the stored latest cannot be re-checked: go's "initializing sumdb.Client: checking tree#303: …".
    const noTiles = world(log, { cache: new Map([...w.cache].filter(([k]) => !k.includes('/tile/'))), config: w.config });
    noTiles.server.down = true;
    const e = await failure(new SumdbClient(noTiles.ops, { key: log.vkey }).lookup('example.com/m0', 'v1.0.0'));
    expect(e.message).toBe(
      'example.com/m0@v1.0.0: initializing sumdb.Client: checking tree#303: Get "https://sum.example.test/tile/8/1/000.p/1": dial tcp: lookup sum.example.test: no such host',
    );
  });

  it('fetches exactly the tiles go fetched in the spec §6.5 experiment (303 records, then 603)', async () => {
    const log = await makeLog(303, [0, 301, 602]);
    const w = world(log);
    const c = new SumdbClient(w.ops, { key: log.vkey });
    await c.lookup('example.com/m301', 'v1.0.0');
    expect(w.remote.filter((p) => p.startsWith('/tile/')).sort()).toEqual(['/tile/8/0/001.p/47', '/tile/8/1/000.p/1']);
    w.remote.length = 0;
    await c.lookup('example.com/m0', 'v1.0.0');
    expect(w.remote.filter((p) => p.startsWith('/tile/'))).toEqual(['/tile/8/0/000']);

    await makeLog(603, [0, 301, 602], log);
    const later = world(log, w);
    const c2 = new SumdbClient(later.ops, { key: log.vkey });
    await c2.lookup('example.com/m602', 'v1.0.0');
    expect(later.remote.filter((p) => p.startsWith('/tile/')).sort()).toEqual(['/tile/8/0/001', '/tile/8/0/002.p/91', '/tile/8/1/000.p/2']);
    expect(parseTree(dec(later.config.get('sum.example.test/latest')!).split('\n\n')[0]! + '\n').n).toBe(603);
  });

  it('falls back from a missing partial tile to the full tile', async () => {
    // The server signs a 300-record head but has since grown to 600 and no longer serves level-0 partial tiles.
    const log = await makeLog(600, [5]);
    const older = await log.prefix(300);
    const w = world(older);
    w.ops.readRemote = async (p) => {
      w.remote.push(p);
      if (p.startsWith('/tile/8/0/') && p.includes('.p/')) throw new Error(`reading ${p}: 404 Not Found`);
      const r = await (p.startsWith('/tile/8/0/') ? log : older).handle(p);
      if (r.status !== 200) throw new Error(`reading ${p}: ${r.status}`);
      return r.body;
    };
    const c = new SumdbClient(w.ops, { key: log.vkey });
    expect(await c.lookup('example.com/m5', 'v1.0.0')).toHaveLength(1);
    expect(w.remote).toContain('/tile/8/0/001.p/44');
    expect(w.remote).toContain('/tile/8/0/001');
    // Saved under the partial's name, with only the partial's bytes.
    expect(w.cache.get('sum.example.test/tile/8/0/001.p/44')).toHaveLength(44 * 32);
    expect(w.cache.has('sum.example.test/tile/8/0/001')).toBe(false);
  });

  it('treats an empty cached file as missing', async () => {
    const log = await makeLog(10, [3]);
    const w = world(log);
    w.cache.set('sum.example.test/lookup/example.com/m3@v1.0.0', new Uint8Array());
    expect(await new SumdbClient(w.ops, { key: log.vkey }).lookup('example.com/m3', 'v1.0.0')).toHaveLength(1);
    expect(w.remote).toContain('/lookup/example.com/m3@v1.0.0');
  });

  it('retries the compare-and-swap of latest after a write conflict', async () => {
    const log = await makeLog(20, [3]);
    const w = world(log);
    const real = w.ops.writeConfig.bind(w.ops);
    let conflicts = 0;
    w.ops.writeConfig = async (file, old, next) => {
      if (conflicts++ === 0) {
        // Another process stored an older head of the same log meanwhile.
        w.config.set(file, await (await log.prefix(10)).signedTree());
        throw new WriteConflictError();
      }
      return real(file, old, next);
    };
    await new SumdbClient(w.ops, { key: log.vkey }).lookup('example.com/m3', 'v1.0.0');
    expect(conflicts).toBe(2);
    expect(dec(w.config.get('sum.example.test/latest')!)).toBe(dec(await log.signedTree()));
  });

  it('refuses GONOSUMDB paths without any I/O', async () => {
    const log = await makeLog(2, [1]);
    const w = world(log);
    const c = new SumdbClient(w.ops, { key: log.vkey, noSumDB: 'example.com/m1' });
    await expect(c.lookup('example.com/m1', 'v1.0.0')).rejects.toBeInstanceOf(GonosumdbError);
    await expect(c.lookup('example.com/m1', 'v1.0.0')).rejects.toThrowError('skipped (listed in GONOSUMDB)');
    expect(w.remote).toEqual([]);
  });

  it('reports a missing lookup and a bad key with go-like messages', async () => {
    const log = await makeLog(2, [1]);
    const w = world(log);
    const e = await failure(new SumdbClient(w.ops, { key: log.vkey }).lookup('example.com/none', 'v1.0.0'));
    expect(e.message).toBe('example.com/none@v1.0.0: reading https://sum.example.test/lookup/example.com/none@v1.0.0: 404');
    const bad = await failure(new SumdbClient(w.ops, { key: 'sum.example.test+00000000+AAAA' }).lookup('example.com/m1', 'v1.0.0'));
    expect(bad.message).toBe('example.com/m1@v1.0.0: initializing sumdb.Client: invalid verifier hash');
    const esc = await failure(new SumdbClient(w.ops, { key: log.vkey }).lookup('example.com/a b', 'v1.0.0'));
    expect(esc.message).toMatch(/^example\.com\/a b@v1\.0\.0: malformed module path "example\.com\/a b": /);
  });
});

describe('SumdbClient tamper detection (each with its own error, the cache untouched)', () => {
  async function primed(): Promise<{ log: TestLog; w: World; before: Record<string, string> }> {
    const log = await makeLog(600, [3, 10, 500]);
    const w = world(log);
    await new SumdbClient(w.ops, { key: log.vkey }).lookup('example.com/m500', 'v1.0.0');
    return { log, w, before: snapshot(w.cache) };
  }

  it('a flipped tile byte: downloaded inconsistent tile', async () => {
    const log = await makeLog(600, [3]);
    const w = world(log);
    w.server.tamper = (path, body) => {
      if (path === '/tile/8/0/000') body[100]! ^= 0x01;
      return body;
    };
    const e = await failure(new SumdbClient(w.ops, { key: log.vkey }).lookup('example.com/m3', 'v1.0.0'));
    expect(e).toBeInstanceOf(SumdbError);
    expect(e.message).toBe('example.com/m3@v1.0.0: downloaded inconsistent tile');
    expect(w.cache.size).toBe(0);
  });

  it('a flipped byte in a root-group tile while checking the stored tree: checking tree#N', async () => {
    const { log, w } = await primed();
    const fresh = world(log, { cache: new Map(), config: w.config });
    fresh.server.tamper = (path, body) => {
      if (path === '/tile/8/1/000.p/2') body[0]! ^= 0x80;
      return body;
    };
    const e = await failure(new SumdbClient(fresh.ops, { key: log.vkey }).lookup('example.com/m3', 'v1.0.0'));
    expect(e.message).toBe('example.com/m3@v1.0.0: initializing sumdb.Client: checking tree#600: downloaded inconsistent tile');
    expect(fresh.cache.size).toBe(0);
  });

  it('a record that is not the leaf in the tree: cannot authenticate record data', async () => {
    const { log, w, before } = await primed();
    w.server.tamper = (path, body) => (path.startsWith('/lookup/') ? enc(dec(body).replace(H1('z'), H1('y'))) : body);
    const e = await failure(new SumdbClient(w.ops, { key: log.vkey }).lookup('example.com/m3', 'v1.0.0'));
    expect(e.message).toBe('example.com/m3@v1.0.0: cannot authenticate record data in server response');
    expect(snapshot(w.cache)).toEqual(before);
  });

  it('a record id beyond the signed tree: cannot validate record', async () => {
    const { log, w, before } = await primed();
    w.server.tamper = (path, body) => (path.startsWith('/lookup/') ? enc(dec(body).replace(/^\d+\n/, '600\n')) : body);
    const e = await failure(new SumdbClient(w.ops, { key: log.vkey }).lookup('example.com/m3', 'v1.0.0'));
    expect(e.message).toBe('example.com/m3@v1.0.0: cannot validate record 600 in tree of size 600');
    expect(snapshot(w.cache)).toEqual(before);
  });

  it('a forked tree of the same size: SECURITY ERROR with both notes and the proof', async () => {
    const { log, w, before } = await primed();
    const configBefore = snapshot(w.config);
    w.server.log = await log.fork(7, goSumRecord('example.com/evil', 'v1.0.0', H1('e'), H1('e')));
    expect(w.server.log.size).toBe(log.size);
    const c = new SumdbClient(w.ops, { key: log.vkey });
    const e = await failure(c.lookup('example.com/m10', 'v1.0.0'));
    expect(e).toBeInstanceOf(SumdbSecurityError);
    expect(w.security).toHaveLength(1);
    const report = w.security[0]!;
    expect(e.message).toBe(report);
    const oldNote = dec(await log.signedTree()).replaceAll('\n', '\n\t');
    const newNote = dec(await w.server.log.signedTree()).replaceAll('\n', '\n\t');
    expect(report.startsWith(`SECURITY ERROR\ngo.sum database server misbehavior detected!\n\nold database:\n\t${newNote}\nnew database:\n\t${oldNote}\nproof of misbehavior:\n\t`)).toBe(true);
    // Same size: the proof is the hash the stored tiles give for the new tree, and no further hashes.
    const proof = report.split('proof of misbehavior:\n\t')[1]!;
    expect(proof).toBe(hashString(parseTree(dec(await log.signedTree()).split('\n\n')[0]! + '\n').hash));
    expect(snapshot(w.cache)).toEqual(before);
    expect(snapshot(w.config)).toEqual(configBefore);
  });

  it('an older tree consistent with the stored one is accepted without touching latest', async () => {
    const { log, w } = await primed();
    const configBefore = snapshot(w.config);
    w.server.log = await log.prefix(400);
    const c = new SumdbClient(w.ops, { key: log.vkey });
    expect(await c.lookup('example.com/m10', 'v1.0.0')).toEqual([`example.com/m10 v1.0.0 ${H1('z')}`]);
    expect(snapshot(w.config)).toEqual(configBefore);
    expect((await c.latestTree()).tree.n).toBe(600);
  });

  it('an older tree inconsistent with the stored one is a SECURITY ERROR', async () => {
    const { log, w, before } = await primed();
    const forked = await log.fork(5, goSumRecord('example.com/evil', 'v1.0.0', H1('e'), H1('e')));
    w.server.log = await forked.prefix(400);
    const e = await failure(new SumdbClient(w.ops, { key: log.vkey }).lookup('example.com/m10', 'v1.0.0'));
    expect(e).toBeInstanceOf(SumdbSecurityError);
    expect(e.message).toMatch(/^SECURITY ERROR\ngo\.sum database server misbehavior detected!\n\nold database:\n\tgo\.sum database tree\n\t400\n/);
    expect(e.message).toMatch(/\nnew database:\n\tgo\.sum database tree\n\t600\n/);
    // Consistency proof of 400 in 600 follows the mismatching hash.
    expect(e.message.split('proof of misbehavior:\n\t')[1]!.split('\n\t').length).toBeGreaterThan(1);
    expect(snapshot(w.cache)).toEqual(before);
  });

  it('a newer tree that rewrites history: its tiles do not fit the tiles of the stored tree', async () => {
    const { log, w, before } = await primed();
    const forked = await log.fork(5, goSumRecord('example.com/evil', 'v1.0.0', H1('e'), H1('e')));
    await forked.addFiller(50);
    w.server.log = forked;
    const e = await failure(new SumdbClient(w.ops, { key: log.vkey }).lookup('example.com/m10', 'v1.0.0'));
    expect(e.message).toBe('example.com/m10@v1.0.0: checking tree#600 against tree#650: downloaded inconsistent tile');
    expect(snapshot(w.cache)).toEqual(before);

    // Cache gone, stored latest kept: the stored 600-tree is re-checked first, against the fork's tiles.
    const noCache = world(forked, { cache: new Map(), config: w.config });
    const e2 = await failure(new SumdbClient(noCache.ops, { key: log.vkey }).lookup('example.com/m10', 'v1.0.0'));
    expect(e2.message).toBe('example.com/m10@v1.0.0: initializing sumdb.Client: checking tree#600: downloaded inconsistent tile');
    expect(noCache.cache.size).toBe(0);
  });

  describe('bad tree notes', () => {
    async function withNote(rewrite: (note: string, log: TestLog) => Promise<string> | string): Promise<{ e: Error; w: World }> {
      const log = await makeLog(20, [3]);
      const w = world(log);
      const body = dec(await log.lookupBody(3));
      const [rec, note] = [body.slice(0, body.indexOf('\n\n') + 2), body.slice(body.indexOf('\n\n') + 2)];
      const replaced = enc(rec + (await rewrite(note, log)));
      w.server.tamper = (path, b) => (path.startsWith('/lookup/') ? replaced : b);
      const e = await failure(new SumdbClient(w.ops, { key: log.vkey }).lookup('example.com/m3', 'v1.0.0'));
      return { e, w };
    }
    const treeText = (note: string): string => note.slice(0, note.indexOf('\n\n') + 1);

    it('signed by another key with the same name: no verifiable signatures', async () => {
      const { e, w } = await withNote(async (note) => {
        const { skey } = await generateKey('sum.example.test');
        return dec(await signNote({ text: treeText(note) }, await newSigner(skey)));
      });
      expect(e.message).toMatch(/^example\.com\/m3@v1\.0\.0: reading tree note: note has no verifiable signatures\nnote:\ngo\.sum database tree\n20\n/);
      expect(w.cache.size).toBe(0);
      expect(w.config.size).toBe(0);
    });

    it('signed only by unknown keys', async () => {
      const { e } = await withNote(async (note) => {
        const a = await generateKey('other.example');
        const b = await generateKey('third.example');
        return dec(await signNote({ text: treeText(note) }, await newSigner(a.skey), await newSigner(b.skey)));
      });
      expect(e.message).toContain(': reading tree note: note has no verifiable signatures\n');
    });

    it('a forged signature under the known key', async () => {
      // Change one signature character (to one it is not: the key is random, so the character is too).
      const { e, w } = await withNote((note) => note.replace(/ (\S{10})(\S)(\S*)\n$/, (_m, a: string, c: string, b: string) => ` ${a}${c === 'A' ? 'B' : 'A'}${b}\n`));
      expect(e.message).toMatch(/^example\.com\/m3@v1\.0\.0: reading tree note: invalid signature for key sum\.example\.test\+[0-9a-f]{8}\n/);
      expect(w.cache.size).toBe(0);
    });

    it('too many signatures', async () => {
      const { e } = await withNote((note) => note + Array.from({ length: 100 }, (_, i) => `— u${i} AAAAAAE=\n`).join(''));
      expect(e.message).toContain(': reading tree note: malformed note\nnote:\n');
    });

    it('a signed text that is not a tree', async () => {
      const { e, w } = await withNote(async (_note, log) => dec(await signNote({ text: 'go.sum database tree\n20\n' }, await newSigner(log.skey))));
      expect(e.message).toBe('example.com/m3@v1.0.0: reading tree: malformed tree note\ntree:\ngo.sum database tree\n20\n');
      expect(w.cache.size).toBe(0);
    });

    it('a correctly signed tree whose hash is wrong', async () => {
      const { e, w } = await withNote(async (_note, log) => {
        const tree = parseTree(dec(await log.signedTree()).split('\n\n')[0]! + '\n');
        tree.hash = tree.hash.slice();
        tree.hash[0]! ^= 1;
        return dec(await signNote({ text: formatTree(tree) }, await newSigner(log.skey)));
      });
      expect(e.message).toBe('example.com/m3@v1.0.0: downloaded inconsistent tile');
      expect(w.cache.size).toBe(0);
    });
  });

  it.each([
    ['no record id', 'example.com/m3 v1.0.0 h1:x\n'],
    ['no blank line', '3\nexample.com/m3 v1.0.0 h1:x\n'],
    ['a control character', '3\nexample.com/m3\tv1.0.0 h1:x\n\n'],
  ])('a malformed lookup with %s: malformed record data', async (_what, body) => {
    const log = await makeLog(20, [3]);
    const w = world(log);
    w.server.tamper = (path, b) => (path.startsWith('/lookup/') ? enc(body) : b);
    const e = await failure(new SumdbClient(w.ops, { key: log.vkey }).lookup('example.com/m3', 'v1.0.0'));
    expect(e.message).toBe('example.com/m3@v1.0.0: malformed record data');
    expect(w.cache.size).toBe(0);
  });
});
