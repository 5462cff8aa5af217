import { describe, expect, it } from 'vitest';
import {
  bundleLatestFile,
  infoFile,
  listFile,
  modFile,
  parseCachePath,
  sumdbLatestFile,
  sumdbLookupFile,
  sumdbSupportedFile,
  sumdbTileFile,
  zipFile,
  ziphashFile,
} from '../../../src/core/modcache/layout.ts';

describe('module cache layout', () => {
  it('escapes paths and versions like the go command', () => {
    expect(infoFile('example.com/Dep', 'v1.0.0-Beta')).toBe('cache/download/example.com/!dep/@v/v1.0.0-!beta.info');
    expect(modFile('example.com/Dep', 'v1.0.0')).toBe('cache/download/example.com/!dep/@v/v1.0.0.mod');
    expect(zipFile('golang.org/x/text', 'v0.3.0')).toBe('cache/download/golang.org/x/text/@v/v0.3.0.zip');
    expect(ziphashFile('golang.org/x/text', 'v0.3.0')).toBe('cache/download/golang.org/x/text/@v/v0.3.0.ziphash');
    expect(listFile('github.com/Azure/go')).toBe('cache/download/github.com/!azure/go/@v/list');
  });

  it('names the checksum database files', () => {
    expect(sumdbLookupFile('sum.golang.org', 'example.com/Dep', 'v1.0.0')).toBe('cache/download/sumdb/sum.golang.org/lookup/example.com/!dep@v1.0.0');
    expect(sumdbTileFile('sum.golang.org', { H: 8, L: 0, N: 1234067, W: 47 })).toBe('cache/download/sumdb/sum.golang.org/tile/8/0/x001/x234/067.p/47');
    expect(sumdbTileFile('sum.golang.org', 'tile/8/1/000.p/1')).toBe('cache/download/sumdb/sum.golang.org/tile/8/1/000.p/1');
    expect(() => sumdbTileFile('sum.golang.org', '../x')).toThrow(/not a tile path/);
    expect(sumdbSupportedFile('sum.golang.org')).toBe('cache/download/sumdb/sum.golang.org/supported');
    expect(sumdbLatestFile('sum.golang.org')).toBe('pkg/sumdb/sum.golang.org/latest');
    expect(bundleLatestFile('sum.golang.org')).toBe('gopath/pkg/sumdb/sum.golang.org/latest');
  });

  it('rejects invalid module paths', () => {
    expect(() => modFile('Example.com/x:y', 'v1.0.0')).toThrow(/malformed module path/);
  });

  it('classifies paths and round-trips every builder', () => {
    expect(parseCachePath(infoFile('example.com/Dep', 'v1.0.0-Beta'))).toEqual({ kind: 'info', path: 'example.com/Dep', version: 'v1.0.0-Beta' });
    expect(parseCachePath(ziphashFile('a.com/b', 'v2.0.0+incompatible'))).toEqual({ kind: 'ziphash', path: 'a.com/b', version: 'v2.0.0+incompatible' });
    expect(parseCachePath(listFile('example.com/Dep'))).toEqual({ kind: 'list', path: 'example.com/Dep' });
    expect(parseCachePath(sumdbLookupFile('sum.x', 'example.com/Dep', 'v1.0.0'))).toEqual({ kind: 'lookup', name: 'sum.x', path: 'example.com/Dep', version: 'v1.0.0' });
    expect(parseCachePath('cache/download/sumdb/sum.x/tile/8/0/x001/x234/067.p/47')).toMatchObject({ kind: 'tile', name: 'sum.x', tilePath: 'tile/8/0/x001/x234/067.p/47' });
    expect(parseCachePath(sumdbSupportedFile('sum.x'))).toEqual({ kind: 'supported', name: 'sum.x' });
    expect(parseCachePath(bundleLatestFile('sum.x'))).toEqual({ kind: 'latest', name: 'sum.x' });
  });

  it('refuses non-canonical or foreign paths', () => {
    for (const p of [
      'cache/download/example.com/Dep/@v/v1.0.0.mod', // raw capital
      'cache/download/example.com/dep/@v/v1.0.0.lock',
      'cache/download/example.com/dep/@v/x/v1.0.0.mod',
      'cache/download/sumdb/sum.x/tile/8/0/1', // not 3 digits
      'cache/download/sumdb/sum.x/other',
      'cache/vcs/abc',
      'README.txt',
    ]) {
      expect(parseCachePath(p), p).toBeUndefined();
    }
  });
});
