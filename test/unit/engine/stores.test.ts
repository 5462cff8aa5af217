/** The EngineStore contract, run against the memory store and the file-system store. */
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryStore } from '../../../src/engine/memoryStore.ts';
import { StorageFullError } from '../../../src/engine/ports.ts';
import { openFsStore, recordGroup } from '../../../src/platform/node/fsStore.ts';
import { storeSuite } from '../../support/storeSuite.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

storeSuite('memoryStore', { open: () => Promise.resolve(memoryStore()) });

storeSuite('fsStore', {
  open: async () => {
    const d = mkdtempSync(join(tmpdir(), 'modcarry-fsstore-'));
    dirs.push(d);
    return openFsStore(d);
  },
  reopen: (s) => openFsStore((s as unknown as { dir: string }).dir),
});

describe('memoryStore capacity', () => {
  it('refuses writes past its capacity with the numbers, changing nothing', async () => {
    const s = memoryStore({ capacity: 10 });
    const path = 'cache/z.zip';
    await s.resetDownload({ formatVersion: 1, path, url: 'u', chunkSize: 8, chunks: 0, bytes: 0, complete: false });
    await s.commitChunk({ path, index: 0, offset: 0, length: 8, sha256: 'a' }, new Uint8Array(8), { formatVersion: 1, path, url: 'u', chunkSize: 8, chunks: 1, bytes: 8, complete: false });
    const err = await s
      .commitChunk({ path, index: 1, offset: 8, length: 8, sha256: 'b' }, new Uint8Array(8), { formatVersion: 1, path, url: 'u', chunkSize: 8, chunks: 2, bytes: 16, complete: false })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageFullError);
    expect((err as StorageFullError).needed).toBe(8);
    expect((err as StorageFullError).available).toBe(2);
    expect((await s.getDownload(path))?.chunks).toBe(1);
    expect(await s.listChunks(path)).toHaveLength(1);
  });
});

describe('fsStore after a power loss', () => {
  // Records (FileRecords, module states, download journals) are renamed into
  // place without fsync: one a power loss left empty or torn reads as absent.
  it('reads an empty or torn record as absent, and keeps working', async () => {
    const d = mkdtempSync(join(tmpdir(), 'modcarry-fsstore-'));
    dirs.push(d);
    const before = await openFsStore(d);
    const enc = new TextEncoder();
    const mod = enc.encode('module example.com/a\n');
    const path = 'cache/download/example.com/a/@v/v1.0.0.mod';
    const zip = 'cache/download/example.com/a/@v/v1.0.0.zip';
    await before.putFile({ formatVersion: 1, path, size: mod.length, sha256: 'x', verified: true, storedAt: 1 }, mod);
    await before.putModuleState({ formatVersion: 1, jobId: 'j', module: 'example.com/a@v1.0.0', state: 'planned' } as never);
    await before.putModuleState({ formatVersion: 1, jobId: 'j', module: 'example.com/b@v1.0.0', state: 'fetching' } as never);
    const dl = { formatVersion: 1 as const, path: zip, url: 'u', chunkSize: 4, chunks: 1, bytes: 4, complete: false };
    await before.commitChunk({ path: zip, index: 0, offset: 0, length: 4, sha256: 'abcd' }, new Uint8Array(4), dl);

    const only = (sub: string): string => {
      const names = readdirSync(join(d, sub));
      expect(names).toHaveLength(1);
      return join(d, sub, names[0]!);
    };
    // The record group of the module version whose .mod was stored.
    writeFileSync(only('records'), '');
    // The journal of states ends in a line torn mid-append.
    appendFileSync(join(d, 'states', 'j.jsonl'), '{"formatVersion":1,"jobId":"j","module":"example.com/a@v1.0.0","sta');
    writeFileSync(join(only('downloads'), 'journal.json'), '');
    // As the next run would, a store opened anew.
    const s = await openFsStore(d);

    expect(await s.getFileRecord(path)).toBeUndefined();
    expect(await s.getFile(path)).toBeUndefined();
    expect(await s.listFiles('cache/')).toEqual([]);
    // The torn line is skipped: module a reads one step older.
    const states = async (): Promise<string[][]> => (await s.listModuleStates('j')).map((r) => [r.module, (r as unknown as { state: string }).state]).sort();
    expect(await states()).toEqual([
      ['example.com/a@v1.0.0', 'planned'],
      ['example.com/b@v1.0.0', 'fetching'],
    ]);
    expect(await s.getDownload(zip)).toBeUndefined();
    expect(await s.listChunks(zip)).toEqual([]);
    // Each is written again as if it had never been there.
    await s.putFile({ formatVersion: 1, path, size: mod.length, sha256: 'x', verified: true, storedAt: 2 }, mod);
    expect((await s.getFileRecord(path))?.storedAt).toBe(2);
    await s.resetDownload({ ...dl, chunks: 0, bytes: 0 });
    expect((await s.getDownload(zip))?.chunks).toBe(0);
    // The next state is not swallowed by the torn line.
    await s.putModuleState({ formatVersion: 1, jobId: 'j', module: 'example.com/a@v1.0.0', state: 'verified' } as never);
    expect(await states()).toEqual([
      ['example.com/a@v1.0.0', 'verified'],
      ['example.com/b@v1.0.0', 'fetching'],
    ]);
  });

  it('reads the module states of layout 1 (one file each), with newer states from the journal, and marks the layout 3', async () => {
    const d = mkdtempSync(join(tmpdir(), 'modcarry-fsstore-'));
    dirs.push(d);
    mkdirSync(join(d, 'states', 'j'), { recursive: true });
    writeFileSync(join(d, 'layout.json'), '{"version":1}');
    writeFileSync(join(d, 'states', 'j', 'example%2Ecom%2Fa%40v1%2E0%2E0.json'), JSON.stringify({ formatVersion: 1, jobId: 'j', module: 'example.com/a@v1.0.0', state: 'verified' }));
    writeFileSync(join(d, 'states', 'j', 'example%2Ecom%2Fb%40v1%2E0%2E0.json'), JSON.stringify({ formatVersion: 1, jobId: 'j', module: 'example.com/b@v1.0.0', state: 'fetching' }));
    const s = await openFsStore(d);
    expect(JSON.parse(readFileSync(join(d, 'layout.json'), 'utf8'))).toEqual({ version: 3 });
    await s.putModuleState({ formatVersion: 1, jobId: 'j', module: 'example.com/b@v1.0.0', state: 'verified' } as never);
    expect((await s.listModuleStates('j')).map((r) => [r.module, (r as unknown as { state: string }).state]).sort()).toEqual([
      ['example.com/a@v1.0.0', 'verified'],
      ['example.com/b@v1.0.0', 'verified'],
    ]);
    await s.deleteJob('j');
    expect(await s.listModuleStates('j')).toEqual([]);
    // A layout newer than this code is refused, untouched.
    writeFileSync(join(d, 'layout.json'), '{"version":4}');
    await expect(openFsStore(d)).rejects.toThrow(/state directory layout 4 is newer than this modcarry understands/);
    expect(readFileSync(join(d, 'layout.json'), 'utf8')).toBe('{"version":4}');
  });

  it('reads the FileRecords of layout 2 (one file each in index/), and moves one to its record group when it is written again', async () => {
    const d = mkdtempSync(join(tmpdir(), 'modcarry-fsstore-'));
    dirs.push(d);
    const enc = new TextEncoder();
    const mod = 'cache/download/example.com/a/@v/v1.0.0.mod';
    const info = 'cache/download/example.com/a/@v/v1.0.0.info';
    const data = enc.encode('module example.com/a\n');
    const rec = (path: string, verified: boolean, storedAt: number) => ({ formatVersion: 1 as const, path, size: data.length, sha256: 'x', verified, storedAt });
    mkdirSync(join(d, 'index'), { recursive: true });
    mkdirSync(join(d, 'files', 'cache', 'download', 'example.com', 'a', '@v'), { recursive: true });
    writeFileSync(join(d, 'layout.json'), '{"version":2}');
    for (const path of [mod, info]) {
      writeFileSync(join(d, 'files', ...path.split('/')), data);
      writeFileSync(join(d, 'index', encodeURIComponent(path).replaceAll('.', '%2E') + '.json'), JSON.stringify(rec(path, true, 1)));
    }
    const s = await openFsStore(d);
    expect((await s.getFileRecords([mod, info])).map((r) => r?.storedAt)).toEqual([1, 1]);
    expect(new Uint8Array(await (await s.getFile(mod))!.arrayBuffer())).toEqual(data);
    expect((await s.listFiles('cache/download/example.com/a/')).map((r) => r.path)).toEqual([info, mod]);
    // A verified layout-2 record still refuses an unverified overwrite.
    await expect(s.putFile(rec(mod, false, 2), data)).rejects.toThrow(mod);
    await s.putFile(rec(mod, true, 3), data);
    expect(readdirSync(join(d, 'index'))).toHaveLength(1);
    expect((await s.getFileRecords([mod, info])).map((r) => r?.storedAt)).toEqual([3, 1]);
    expect((await s.listFiles('cache/')).map((r) => [r.path, r.storedAt])).toEqual([
      [info, 1],
      [mod, 3],
    ]);
    await s.deleteFile(info);
    expect(readdirSync(join(d, 'index'))).toEqual([]);
    expect((await s.listFiles('cache/')).map((r) => r.path)).toEqual([mod]);
    // Reopened, the records are where this layout keeps them.
    const again = await openFsStore(d);
    expect((await again.getFileRecords([mod, info])).map((r) => r?.storedAt)).toEqual([3, undefined]);
  });
});

describe('fsStore record groups', () => {
  it('puts the files of one module version in one group, anything else in its own', () => {
    const v = 'cache/download/example.com/!a/@v/v1.2.3-rc.1+incompatible';
    for (const ext of ['info', 'mod', 'zip', 'ziphash']) expect(recordGroup(`${v}.${ext}`)).toBe(v);
    expect(recordGroup(`staging/${v}.mod`)).toBe(`staging/${v}`);
    for (const other of ['cache/download/example.com/a/@v/list', 'cache/download/sumdb/sum.golang.org/tile/8/0/001', 'cache/download/sumdb/sum.golang.org/lookup/example.com/a@v1.0.0', `${v}.lock`]) {
      expect(recordGroup(other)).toBe(other);
    }
  });
});
