import { describe, expect, it } from 'vitest';
import {
  ManifestError,
  buildManifest,
  manifestDigest,
  migrateManifest,
  parseManifest,
  planDelta,
  serializeManifest,
} from '../../../src/core/bundle/manifest.ts';
import type { BundleManifest, ManifestFacts } from '../../../src/core/bundle/manifest.ts';
import { offlineReadme } from '../../../src/core/bundle/offlineReadme.ts';

const H = (c: string): string => `h1:${c.repeat(43)}=`;
const SHA = (c: string): string => c.repeat(64);

function facts(): ManifestFacts {
  return {
    generator: 'modcarry test',
    createdAt: new Date('2026-01-02T03:04:05.999Z'),
    inputs: [{ kind: 'go.sum', name: 'go.sum', sha256: SHA('a') }],
    settings: { goproxy: 'https://proxy.golang.org,direct', gosumdb: 'sum.golang.org', gonosumdb: '', goprivate: 'corp.example', compression: 1 },
    exportedWithFailures: false,
    modules: [
      { path: 'golang.org/x/text', version: 'v0.3.0', mod: H('B'), zip: H('C'), checkedBy: ['sumdb', 'go.sum'], sumdbRecord: 12, verified: true },
      { path: 'example.com/Dep', version: 'v1.0.0', mod: H('D'), checkedBy: ['go.sum'], verified: true },
    ],
    files: [
      { path: 'cache/download/golang.org/x/text/@v/v0.3.0.mod', size: 10, sha256: SHA('b') },
      { path: 'README-OFFLINE.txt', size: 5, sha256: SHA('c') },
      { path: 'cache/download/example.com/!dep/@v/v1.0.0.mod', size: 3, sha256: SHA('d') },
    ],
  };
}

describe('manifest', () => {
  it('builds sorted, canonical, and round-trips byte for byte', () => {
    const m = buildManifest(facts());
    expect(m.createdAt).toBe('2026-01-02T03:04:05Z');
    expect(m.modules.map((x) => x.path)).toEqual(['example.com/Dep', 'golang.org/x/text']);
    expect(m.modules[1]!.checkedBy).toEqual(['go.sum', 'sumdb']);
    expect(m.files.map((f) => f.path)).toEqual([
      'README-OFFLINE.txt',
      'cache/download/example.com/!dep/@v/v1.0.0.mod',
      'cache/download/golang.org/x/text/@v/v0.3.0.mod',
    ]);
    const text = serializeManifest(m);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.indexOf('"createdAt"')).toBeLessThan(text.indexOf('"exportedWithFailures"')); // sorted keys
    const back = parseManifest(text);
    expect(back).toEqual(m);
    expect(serializeManifest(back)).toBe(text);
    expect(manifestDigest(back)).toMatch(/^[0-9a-f]{64}$/);
  });

  const bad: [string, (m: Record<string, unknown>) => void, RegExp][] = [
    ['format', (m) => (m.format = 'zip'), /format: want "modcarry-bundle"/],
    ['newer version', (m) => (m.formatVersion = 2), /formatVersion: 2 is newer than this modcarry reads \(1\)/],
    ['createdAt', (m) => (m.createdAt = 'yesterday'), /createdAt: want an RFC 3339 UTC time/],
    ['module hash', (m) => ((m.modules as Record<string, unknown>[])[0]!.zip = 'h1:short'), /modules\[0\]\.zip: want an h1: hash, got "h1:short"/],
    ['module path', (m) => ((m.modules as Record<string, unknown>[])[0]!.path = 'Example.com/a:b'), /modules\[0\]\.path: malformed module path/],
    ['module version', (m) => ((m.modules as Record<string, unknown>[])[0]!.version = 'v1.0'), /modules\[0\]\.version: not a canonical version/],
    ['checkedBy', (m) => ((m.modules as Record<string, unknown>[])[0]!.checkedBy = ['faith']), /modules\[0\]\.checkedBy\[0\]: want one of go\.sum, sumdb, gonosumdb/],
    ['unverified', (m) => ((m.modules as Record<string, unknown>[])[0]!.verified = false), /modules\[0\]\.verified: .* exportedWithFailures is false/],
    ['order', (m) => (m.modules as unknown[]).reverse(), /modules\[1\]: .* out of order/],
    ['file sha', (m) => ((m.files as Record<string, unknown>[])[1]!.sha256 = 'XYZ'), /files\[1\]\.sha256: want 64 lower-case hex digits/],
    ['file path', (m) => ((m.files as Record<string, unknown>[])[1]!.path = '../etc/passwd'), /files\[1\]\.path: not a bundle file path/],
    ['file size', (m) => ((m.files as Record<string, unknown>[])[1]!.size = -1), /files\[1\]\.size: want a non-negative integer/],
    ['settings', (m) => delete (m.settings as Record<string, unknown>).goproxy, /settings\.goproxy: want a string, got nothing/],
    ['compression', (m) => ((m.settings as Record<string, unknown>).compression = 11), /settings\.compression/],
  ];
  for (const [name, edit, re] of bad) {
    it(`rejects a bad ${name}, naming the field`, () => {
      const raw = JSON.parse(serializeManifest(buildManifest(facts()))) as Record<string, unknown>;
      edit(raw);
      expect(() => parseManifest(JSON.stringify(raw))).toThrow(re);
      expect(() => parseManifest(JSON.stringify(raw))).toThrow(ManifestError);
    });
  }

  it('rejects non-JSON', () => {
    expect(() => parseManifest('{')).toThrow(/modcarry-manifest\.json: invalid JSON/);
  });

  it('runs migrations one step at a time up to the target version', () => {
    const v1 = JSON.parse(serializeManifest(buildManifest(facts()))) as Record<string, unknown>;
    expect(migrateManifest(v1)).toBe(v1); // current: untouched
    const calls: number[] = [];
    const steps = {
      1: (m: Record<string, unknown>) => (calls.push(1), { ...m, formatVersion: 2, renamed: m.generator }),
      2: (m: Record<string, unknown>) => (calls.push(2), { ...m, formatVersion: 3 }),
    };
    const v3 = migrateManifest(v1, steps, 3);
    expect(calls).toEqual([1, 2]);
    expect(v3).toMatchObject({ formatVersion: 3, renamed: 'modcarry test' });
    expect(() => migrateManifest({ ...v1, formatVersion: 0 })).toThrow(/formatVersion: want a positive integer/);
    expect(() => migrateManifest(v1, {}, 2)).toThrow(/formatVersion: no migration from 1/);
  });
});

describe('delta plan', () => {
  const mod = (p: string, v: string): string => `cache/download/${p}/@v/${v}.mod`;
  const zip = (p: string, v: string): string => `cache/download/${p}/@v/${v}.zip`;
  const offline: BundleManifest = buildManifest({
    ...facts(),
    modules: [],
    files: [
      { path: mod('a.com/x', 'v1.0.0'), size: 1, sha256: SHA('1') },
      { path: zip('a.com/x', 'v1.0.0'), size: 1, sha256: SHA('2') },
      { path: 'cache/download/a.com/x/@v/list', size: 7, sha256: SHA('3') },
      { path: 'cache/download/sumdb/s.x/lookup/a.com/x@v1.0.0', size: 1, sha256: SHA('4') },
      { path: 'cache/download/sumdb/s.x/tile/8/0/000', size: 1, sha256: SHA('5') },
    ],
  });

  it('ships only what the offline side lacks, keeps proofs, regenerates lists over both sides', () => {
    const plan = planDelta(
      [
        { path: mod('a.com/x', 'v1.0.0'), sha256: SHA('1') },
        { path: zip('a.com/x', 'v1.0.0'), sha256: SHA('2') },
        { path: mod('a.com/x', 'v1.1.0'), sha256: SHA('6') },
        { path: 'cache/download/sumdb/s.x/lookup/a.com/x@v1.0.0', sha256: SHA('4') },
        { path: 'cache/download/sumdb/s.x/lookup/a.com/x@v1.1.0', sha256: SHA('7') },
        { path: 'cache/download/sumdb/s.x/tile/8/0/000', sha256: SHA('5') },
        { path: 'cache/download/a.com/x/@v/list', sha256: SHA('8') },
      ],
      [offline],
    );
    expect([...plan.ship].sort()).toEqual([
      mod('a.com/x', 'v1.1.0'),
      'cache/download/sumdb/s.x/lookup/a.com/x@v1.1.0',
      'cache/download/sumdb/s.x/tile/8/0/000',
    ]);
    expect([...plan.present]).toEqual(['a.com/x@v1.0.0']);
    expect(plan.lists.get('cache/download/a.com/x/@v/list')).toBe('v1.0.0\nv1.1.0\n');
  });

  it('ships a whole module version when any of its files differs', () => {
    const plan = planDelta(
      [
        { path: mod('a.com/x', 'v1.0.0'), sha256: SHA('1') },
        { path: zip('a.com/x', 'v1.0.0'), sha256: SHA('9') },
      ],
      [offline],
    );
    expect([...plan.ship].sort()).toEqual([mod('a.com/x', 'v1.0.0'), zip('a.com/x', 'v1.0.0')]);
  });
});

describe('offline README', () => {
  it('gives both ways with the bundle facts', () => {
    const text = offlineReadme({
      moduleCount: 3,
      zipCount: 2,
      sumdb: { name: 'sum.golang.org', key: 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8', treeSize: 99 },
      privatePatterns: 'corp.example/*',
      createdAt: '2026-01-02T03:04:05Z',
      exportedWithFailures: false,
      delta: false,
      bundleName: 'b.tar.gz',
    });
    expect(text).toContain('3 module version(s), 2 with source zips');
    expect(text).toContain('export GOPROXY=file:///srv/gomods/cache/download GOSUMDB=sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8');
    expect(text).toContain("GONOSUMDB='corp.example/*'");
    expect(text).toContain('export GOTOOLCHAIN=local GOFLAGS=-mod=mod');
    expect(text).toContain('export GOPROXY=off');
    expect(text).toContain('tar -xzf b.tar.gz');
    expect(text).toContain('cp -n "$(go env GOMODCACHE)/gopath/pkg/sumdb/sum.golang.org/latest" "$(go env GOPATH)/pkg/sumdb/sum.golang.org/latest"');
    expect(text).toContain('cache/download/sumdb/sum.golang.org/supported');
    expect(text).not.toContain('WARNING');
    expect(/^[\x20-\x7e\n]*$/.test(text)).toBe(true);
  });

  it('warns about failures and says GOSUMDB=off without a database', () => {
    const text = offlineReadme({ moduleCount: 1, zipCount: 1, privatePatterns: '', createdAt: 'x', exportedWithFailures: true, delta: true, bundleName: 'b.tar' });
    expect(text).toContain('WARNING: this bundle was exported WITH FAILURES');
    expect(text).toContain('DELTA bundle');
    expect(text).toContain('GOSUMDB=off');
    expect(text).toContain('tar -xf b.tar');
  });
});
