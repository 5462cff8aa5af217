import { describe, expect, it } from 'vitest';
import { parseGoMod } from '../../../src/core/modfile/gomod.ts';
import { EMPTY_GOMOD_SUM, parseGoSum } from '../../../src/core/modfile/gosum.ts';
import { loadGraph } from '../../../src/core/mvs/loadGraph.ts';
import type { ModuleVersion } from '../../../src/core/mvs/graph.ts';
import { goSumKeys, listingGoModReads } from '../../../src/core/mvs/listModules.ts';

const files: Record<string, string> = {
  'example.com/a@v1.0.0': 'module example.com/a\ngo 1.21\nrequire example.com/p v1.2.0\nrequire example.com/q v1.0.0\n',
  'example.com/fork@v2.0.0': 'module example.com/r\ngo 1.21\nrequire example.com/s v1.0.0\n',
};
const loader = {
  async goMod(m: ModuleVersion) {
    const text = files[`${m.path}@${m.version}`];
    if (text === undefined) throw new Error(`no go.mod for ${m.path}@${m.version}`);
    return new TextEncoder().encode(text);
  },
};
const main = parseGoMod(
  'go.mod',
  [
    'module example.com/main',
    'go 1.22',
    'require (',
    '\texample.com/a v1.0.0',
    '\texample.com/r v1.0.0',
    '\texample.com/d v1.0.0',
    ')',
    'replace example.com/r => example.com/fork v2.0.0',
    'replace example.com/d => ../d',
    '',
  ].join('\n'),
);
const list = (ms: readonly ModuleVersion[]) => ms.map((m) => `${m.path} ${m.version}`);

describe('listingGoModReads', () => {
  it('adds the pruned-out listed modules whose /go.mod line is in go.sum (-mod=readonly)', async () => {
    const g = await loadGraph({ main, loader });
    // p, q and s are selected from pruned edges only; their go.mod files were never read
    // (d is the directory replacement, counted as read though nothing is fetched for it).
    expect(list(g.goModsRead)).toEqual(['example.com/a v1.0.0', 'example.com/d v1.0.0', 'example.com/r v1.0.0']);
    const sum = parseGoSum(
      'go.sum',
      [
        'example.com/p v1.2.0 h1:zip=',
        'example.com/p v1.2.0/go.mod h1:mod=',
        'example.com/q v1.0.0 h1:zip=',
        // s has only a zip line: go does not read its go.mod for `go list -m`.
        'example.com/s v1.0.0 h1:zip=',
        // The fork was read by the graph already; the sum changes nothing.
        'example.com/fork v2.0.0/go.mod h1:fork=',
        '',
      ].join('\n'),
    );
    expect(list(listingGoModReads(g, { main, goSum: goSumKeys(sum.entries) }))).toEqual(['example.com/p v1.2.0']);
  });

  it('adds every pruned-out listed module under -mod=mod, but never a directory replacement', async () => {
    const g = await loadGraph({ main, loader });
    expect(list(listingGoModReads(g, { main, goSum: undefined }))).toEqual([
      'example.com/p v1.2.0',
      'example.com/q v1.0.0',
      'example.com/s v1.0.0',
    ]);
  });

  it('counts only h1: hashes that go keeps as having a sum', () => {
    const sum = parseGoSum(
      'go.sum',
      `example.com/x v1.0.0/go.mod h2:other=\nexample.com/y v1.0.0/go.mod ${EMPTY_GOMOD_SUM}\nexample.com/z v1.0.0/go.mod h1:ok=\n`,
    );
    expect([...goSumKeys(sum.entries)]).toEqual(['example.com/z@v1.0.0/go.mod']);
  });
});
