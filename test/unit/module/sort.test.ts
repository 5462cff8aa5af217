import { describe, expect, it } from 'vitest';
import { compareModuleVersions, sortModuleVersions } from '../../../src/core/module/sort.ts';
import type { ModuleVersion } from '../../../src/core/module/version.ts';
import { moduleVersionString } from '../../../src/core/module/version.ts';
import { SORT_MODULE_CASES } from './cases.ts';

function pairs(flat: readonly string[]): ModuleVersion[] {
  const out: ModuleVersion[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ path: flat[i] as string, version: flat[i + 1] as string });
  return out;
}

describe('sortModuleVersions (module.Sort)', () => {
  it.each(SORT_MODULE_CASES)('%j', (input, want) => {
    const list = pairs(input);
    sortModuleVersions(list);
    expect(list).toEqual(pairs(want));
  });

  it('orders go.sum keys: semver first, then "" before /go.mod', () => {
    const list = pairs(['m.com', 'v1.10.0/go.mod', 'm.com', 'v1.10.0', 'm.com', 'v1.9.0/go.mod', 'm.com', 'v1.9.0']);
    sortModuleVersions(list);
    expect(list.map(moduleVersionString)).toEqual([
      'm.com@v1.9.0',
      'm.com@v1.9.0/go.mod',
      'm.com@v1.10.0',
      'm.com@v1.10.0/go.mod',
    ]);
  });

  it('treats semver-equal but different strings as equal, ignoring the file suffix', () => {
    expect(compareModuleVersions({ path: 'm', version: 'v1.0.0+a/go.mod' }, { path: 'm', version: 'v1.0.0' })).toBe(0);
    expect(compareModuleVersions({ path: 'm', version: 'v1.0.0/go.mod' }, { path: 'm', version: 'v1.0.0' })).toBe(1);
  });

  it('orders paths by code point (Go byte order), not UTF-16 units', () => {
    const list = pairs(['x/\u{1F600}', 'v1.0.0', 'x/\uFF5E', 'v1.0.0']);
    sortModuleVersions(list);
    expect(list.map((m) => m.path)).toEqual(['x/\uFF5E', 'x/\u{1F600}']);
  });
});

describe('moduleVersionString', () => {
  it('omits an empty version', () => {
    expect(moduleVersionString({ path: 'x.y/z', version: '' })).toBe('x.y/z');
    expect(moduleVersionString({ path: 'x.y/z', version: 'v1.0.0' })).toBe('x.y/z@v1.0.0');
  });
});
