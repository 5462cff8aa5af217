import { describe, expect, it } from 'vitest';
import { parseGoMod } from '../../../src/core/modfile/gomod.ts';
import { GraphLoadError, loadGraph } from '../../../src/core/mvs/loadGraph.ts';
import type { GoModLoader } from '../../../src/core/mvs/loadGraph.ts';
import type { ModuleVersion } from '../../../src/core/mvs/graph.ts';

/** An in-memory set of go.mod files keyed by path@version, counting reads. */
function memLoader(files: Record<string, string>, dirs: Record<string, string> = {}): GoModLoader & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async goMod(m: ModuleVersion) {
      const k = `${m.path}@${m.version}`;
      reads.push(k);
      const text = files[k];
      if (text === undefined) throw new Error(`reading http://127.0.0.1/${m.path}/@v/${m.version}.mod: 404 Not Found`);
      return new TextEncoder().encode(text);
    },
    async dirGoMod(dir: string) {
      const text = dirs[dir];
      return text === undefined ? undefined : new TextEncoder().encode(text);
    },
  };
}

const mod = (path: string, go: string | undefined, ...reqs: string[]) =>
  `module ${path}\n${go ? `go ${go}\n` : ''}${reqs.map((r) => `require ${r}\n`).join('')}`;

const list = (ms: readonly ModuleVersion[]) => ms.map((m) => `${m.path} ${m.version}`);

describe('loadGraph', () => {
  it('prunes below go >= 1.17 dependencies and follows unpruned ones all the way down', async () => {
    const loader = memLoader({
      'example.com/a@v1.0.0': mod('example.com/a', '1.17', 'example.com/d v1.2.0'),
      'example.com/c@v1.0.0': mod('example.com/c', '1.16', 'example.com/e v1.0.0'),
      'example.com/e@v1.0.0': mod('example.com/e', '1.20', 'example.com/f v1.0.0'),
      'example.com/f@v1.0.0': mod('example.com/f', '1.21', 'example.com/g v1.0.0'),
      'example.com/g@v1.0.0': mod('example.com/g', '1.21', 'example.com/h v1.0.0'),
      'example.com/h@v1.0.0': mod('example.com/h', '1.21'),
    });
    const main = parseGoMod('go.mod', mod('example.com/main', '1.21', 'example.com/a v1.0.0', 'example.com/c v1.0.0'));
    const g = await loadGraph({ main, loader });
    expect(g.pruning).toBe('pruned');
    // Below the unpruned c everything is read, pruned go.mod files included (e, f, g, h).
    expect(list(g.goModsRead)).toEqual([
      'example.com/a v1.0.0',
      'example.com/c v1.0.0',
      'example.com/e v1.0.0',
      'example.com/f v1.0.0',
      'example.com/g v1.0.0',
      'example.com/h v1.0.0',
    ]);
    // d is selected from a's edge alone: its go.mod is never read.
    expect(list(g.buildList)).toEqual([
      'example.com/a v1.0.0',
      'example.com/c v1.0.0',
      'example.com/d v1.2.0',
      'example.com/e v1.0.0',
      'example.com/f v1.0.0',
      'example.com/g v1.0.0',
      'example.com/h v1.0.0',
    ]);
    expect(loader.reads).not.toContain('example.com/d@v1.2.0');
  });

  it('reads the whole graph, every visited version, when the main module is below go 1.17', async () => {
    const loader = memLoader({
      'example.com/a@v1.0.0': mod('example.com/a', '1.21', 'example.com/b v1.0.0'),
      'example.com/b@v1.0.0': mod('example.com/b', '1.21'),
      'example.com/c@v1.0.0': mod('example.com/c', undefined, 'example.com/b v1.1.0'),
      'example.com/b@v1.1.0': mod('example.com/b', '1.21', 'example.com/z v0.1.0'),
      'example.com/z@v0.1.0': mod('example.com/z', undefined),
    });
    const main = parseGoMod('go.mod', mod('example.com/main', '1.16', 'example.com/a v1.0.0', 'example.com/c v1.0.0'));
    const g = await loadGraph({ main, loader });
    expect(g.pruning).toBe('unpruned');
    expect(list(g.goModsRead)).toEqual([
      'example.com/a v1.0.0',
      'example.com/b v1.0.0',
      'example.com/b v1.1.0',
      'example.com/c v1.0.0',
      'example.com/z v0.1.0',
    ]);
    expect(list(g.buildList)).toEqual(['example.com/a v1.0.0', 'example.com/b v1.1.0', 'example.com/c v1.0.0', 'example.com/z v0.1.0']);
  });

  it('drops requirements on excluded versions everywhere', async () => {
    const loader = memLoader({
      'example.com/a@v1.0.0': mod('example.com/a', '1.16', 'example.com/b v1.5.0'),
      'example.com/b@v1.0.0': mod('example.com/b', '1.16'),
    });
    const main = parseGoMod(
      'go.mod',
      'module example.com/main\ngo 1.21\nrequire (\n\texample.com/a v1.0.0\n\texample.com/b v1.0.0\n)\nexclude example.com/b v1.5.0\n',
    );
    const g = await loadGraph({ main, loader });
    expect(list(g.buildList)).toEqual(['example.com/a v1.0.0', 'example.com/b v1.0.0']);
    expect(loader.reads).not.toContain('example.com/b@v1.5.0');
  });

  it('reads a replaced module from its replacement and checks the module line', async () => {
    const loader = memLoader({
      'example.com/fork@v1.9.0': mod('example.com/a', '1.21', 'example.com/b v1.0.0'),
      'example.com/b@v1.0.0': mod('example.com/b', '1.21'),
    });
    const main = parseGoMod(
      'go.mod',
      'module example.com/main\ngo 1.21\nrequire example.com/a v1.0.0\nrequire example.com/b v1.0.0\nreplace example.com/a v1.0.0 => example.com/fork v1.9.0\n',
    );
    const g = await loadGraph({ main, loader });
    expect(loader.reads).toContain('example.com/fork@v1.9.0');
    expect(g.replaced.get('example.com/a@v1.0.0')).toEqual({ path: 'example.com/fork', version: 'v1.9.0', isDir: false });
    expect(list(g.buildList)).toEqual(['example.com/a v1.0.0', 'example.com/b v1.0.0']);

    const bad = memLoader({ 'example.com/fork@v1.9.0': mod('example.com/other', '1.21') });
    await expect(loadGraph({ main, loader: bad })).rejects.toThrow(
      'module declares its path as: example.com/other\n\t        but was required as: example.com/a',
    );
  });

  it('reports a directory replacement as not carried', async () => {
    const main = parseGoMod('go.mod', 'module example.com/main\ngo 1.21\nrequire example.com/a v1.0.0\nreplace example.com/a => ../a\n');
    const g = await loadGraph({ main, loader: memLoader({}) });
    expect(g.warnings.join('\n')).toContain('replaced by the directory ../a');
    expect(list(g.buildList)).toEqual(['example.com/a v1.0.0']);
  });

  it('names the chain of requirements when a go.mod cannot be loaded', async () => {
    const loader = memLoader({ 'example.com/a@v1.0.0': mod('example.com/a', '1.16', 'example.com/b v1.0.0') });
    const main = parseGoMod('go.mod', mod('example.com/main', '1.21', 'example.com/a v1.0.0'));
    const err = await loadGraph({ main, loader }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphLoadError);
    expect((err as Error).message).toBe(
      'example.com/a@v1.0.0 requires\n\texample.com/b@v1.0.0: reading http://127.0.0.1/example.com/b/@v/v1.0.0.mod: 404 Not Found',
    );
  });

  it('terminates on cycles and selects the highest version on the cycle', async () => {
    const loader = memLoader({
      'example.com/a@v1.0.0': mod('example.com/a', '1.16', 'example.com/b v1.0.0'),
      'example.com/b@v1.0.0': mod('example.com/b', '1.16', 'example.com/a v1.1.0'),
      'example.com/a@v1.1.0': mod('example.com/a', '1.16', 'example.com/b v1.0.0'),
    });
    const main = parseGoMod('go.mod', mod('example.com/main', '1.16', 'example.com/a v1.0.0'));
    const g = await loadGraph({ main, loader });
    expect(list(g.buildList)).toEqual(['example.com/a v1.1.0', 'example.com/b v1.0.0']);
    expect(g.warnings.join('\n')).toContain('not tidy');
  });
});
