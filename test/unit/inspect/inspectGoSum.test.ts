import { describe, expect, it } from 'vitest';
import { describeFacet, facetSeverity, inspectGoSum } from '../../../src/core/inspect/inspectGoSum.ts';
import type { DbAnswer, LineFacet } from '../../../src/core/inspect/inspectGoSum.ts';
import { EMPTY_GOMOD_SUM, parseGoSum } from '../../../src/core/modfile/gosum.ts';

const H = (c: string): string => `h1:${c.repeat(43)}=`;

const GOSUM = [
  `example.com/a v1.0.0 ${H('a')}`, // 1 db match + download match
  `example.com/a v1.0.0/go.mod ${H('b')}`, // 2 db mismatch
  `example.com/a v1.0.0 ${H('a')}`, // 3 duplicate of 1
  `example.com/b v1.0.0 ${H('c')}`, // 4 absent
  `private.example/p v1.0.0 ${H('d')}`, // 5 exempt
  `example.com/c v1.0.0 ${H('e')}`, // 6 unchecked (offline); download mismatch
  `example.com/c v1.0.0 ${H('f')}`, // 7 conflict with 6
  'example.com/broken v1.0.0', // 8 malformed
  `example.com/old v1.0.0/go.mod ${EMPTY_GOMOD_SUM}`, // 9 ignored
  'example.com/d v1.0.0 h2:xyz', // 10 unknown hash kind: never compared
  '',
  `example.com/unused v1.0.0/go.mod ${H('g')}`, // 12 not needed
].join('\n');

const records: Record<string, DbAnswer> = {
  'example.com/a v1.0.0': { kind: 'found', lines: [`example.com/a v1.0.0 ${H('a')}`], recordId: 7, treeSize: 99 },
  'example.com/a v1.0.0/go.mod': { kind: 'found', lines: [`example.com/a v1.0.0/go.mod ${H('z')}`], recordId: 7, treeSize: 99 },
  'example.com/b v1.0.0': { kind: 'absent', detail: 'not found' },
  'private.example/p v1.0.0': { kind: 'exempt', detail: 'GONOSUMDB' },
  'example.com/c v1.0.0': { kind: 'unchecked', detail: 'offline' },
  'example.com/unused v1.0.0/go.mod': { kind: 'found', lines: [`example.com/unused v1.0.0/go.mod ${H('g')}`], recordId: 3, treeSize: 99 },
};

function kinds(facets: readonly LineFacet[]): string[] {
  return facets.map((f) => f.kind).sort();
}

describe('inspectGoSum', () => {
  it('gives every line its facets from the file, the database, the downloads and the plan', async () => {
    const asked: string[] = [];
    const r = await inspectGoSum(parseGoSum('go.sum', GOSUM), {
      db: {
        name: 'sum.test',
        lookup: (path, version) => {
          asked.push(`${path} ${version}`);
          return Promise.resolve(records[`${path} ${version}`] ?? { kind: 'absent' });
        },
      },
      downloaded: new Map([
        ['example.com/a v1.0.0', H('a')],
        ['example.com/c v1.0.0', H('x')],
      ]),
      plan: { goSumNotNeeded: [{ path: 'example.com/unused', version: 'v1.0.0/go.mod', line: 12 }], goSumMissing: [{ path: 'example.com/need', version: 'v2.0.0/go.mod' }] },
    });
    const by = new Map(r.lines.map((l) => [l.line, l]));
    expect(r.lines.map((l) => l.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12]);
    expect(by.get(1)!.facets).toEqual([{ kind: 'db-match', db: 'sum.test', recordId: 7, treeSize: 99 }, { kind: 'download-match' }]);
    expect(by.get(2)!.facets).toEqual([{ kind: 'db-mismatch', db: 'sum.test', dbHash: H('z'), recordId: 7, treeSize: 99 }]);
    expect(kinds(by.get(3)!.facets)).toEqual(['db-match', 'download-match', 'duplicate']);
    expect(by.get(4)!.facets).toEqual([{ kind: 'db-absent', db: 'sum.test', detail: 'not found' }]);
    expect(by.get(5)!.facets).toEqual([{ kind: 'exempt', detail: 'GONOSUMDB' }]);
    expect(by.get(6)!.facets).toEqual([{ kind: 'db-unchecked', detail: 'offline' }, { kind: 'download-mismatch', downloaded: H('x') }]);
    expect(kinds(by.get(7)!.facets)).toEqual(['conflict', 'db-unchecked', 'download-mismatch']);
    expect(by.get(8)).toMatchObject({ text: 'example.com/broken v1.0.0', facets: [{ kind: 'malformed' }] });
    expect(by.get(8)!.path).toBeUndefined();
    expect(kinds(by.get(9)!.facets)).toEqual(['ignored']);
    expect(kinds(by.get(10)!.facets)).toEqual(['unknown-hash']);
    expect(kinds(by.get(12)!.facets)).toEqual(['db-match', 'not-needed']);
    expect(r.missing).toEqual([{ path: 'example.com/need', version: 'v2.0.0/go.mod' }]);
    // Lines 2, 6 and 7 are security findings.
    expect(r.security).toBe(3);
    expect(r.counts).toMatchObject({ 'db-match': 3, 'db-mismatch': 1, 'download-mismatch': 2, duplicate: 1, conflict: 1, malformed: 1 });
    // One lookup per distinct h1: key; never for malformed, ignored or non-h1 lines.
    expect(asked.sort()).toEqual(Object.keys(records).sort());
  });

  it('without witnesses, only the file facets are given', async () => {
    const r = await inspectGoSum(parseGoSum('go.sum', `a.example/m v1.0.0 ${H('a')}\na.example/m v1.0.0 ${H('a')}\n`));
    expect(r.lines.map((l) => kinds(l.facets))).toEqual([[], ['duplicate']]);
    expect(r.security).toBe(0);
    expect(r.missing).toEqual([]);
  });

  it('a record without a line for the key is absent, not a mismatch', async () => {
    const r = await inspectGoSum(parseGoSum('go.sum', `a.example/m v1.0.0/go.mod ${H('a')}\n`), {
      db: { name: 'db', lookup: () => Promise.resolve({ kind: 'found', lines: [], recordId: 4, treeSize: 5 }) },
    });
    expect(r.lines[0]!.facets).toEqual([{ kind: 'db-absent', db: 'db', detail: 'record 4 has no line for a.example/m v1.0.0/go.mod' }]);
    expect(r.security).toBe(0);
  });

  it('words and severities', () => {
    expect(describeFacet({ kind: 'db-match', db: 'sum.golang.org', recordId: 1, treeSize: 2 })).toBe('matches sum.golang.org (record 1, tree size 2)');
    expect(describeFacet({ kind: 'db-unchecked', detail: 'offline' })).toBe('not checked (offline)');
    expect(describeFacet({ kind: 'db-mismatch', db: 'd', dbHash: 'h1:x', recordId: 1, treeSize: 2 })).toMatch(/^SECURITY: differs from d/);
    expect(facetSeverity('db-mismatch')).toBe('security');
    expect(facetSeverity('download-mismatch')).toBe('security');
    expect(facetSeverity('db-match')).toBe('ok');
    expect(facetSeverity('conflict')).toBe('problem');
  });
});
