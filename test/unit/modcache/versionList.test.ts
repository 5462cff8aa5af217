import { describe, expect, it } from 'vitest';
import { versionListForVersions, versionListFromFileNames } from '../../../src/core/modcache/versionList.ts';

describe('version list', () => {
  it('lists canonical .mod stems in semver order, one per line', () => {
    expect(versionListFromFileNames(['v1.10.0.mod', 'v1.2.0.mod', 'v1.2.0.zip', 'v1.2.0.info', 'list', 'v0.1.0-rc.1.mod', 'v1.2.0-pre.mod'])).toBe(
      'v0.1.0-rc.1\nv1.2.0-pre\nv1.2.0\nv1.10.0\n',
    );
  });

  it('keeps +incompatible and drops non-canonical stems', () => {
    expect(versionListFromFileNames(['v2.0.0+incompatible.mod', 'v1.0.mod', 'v1.0.0+meta.mod', '.mod', 'latest.mod'])).toBe('v2.0.0+incompatible\n');
  });

  it('counts a repeated name once (unions of two directories)', () => {
    expect(versionListFromFileNames(['v1.0.0.mod', 'v1.0.0.mod'])).toBe('v1.0.0\n');
  });

  it('is empty for no versions', () => {
    expect(versionListFromFileNames([])).toBe('');
    expect(versionListFromFileNames(['v1.0.0.info'])).toBe('');
  });

  it('never lists versions with capitals: go reads the escaped file name', () => {
    expect(versionListForVersions(['v1.2.3-Beta5', 'v1.0.0', 'v1.0.0'])).toBe('v1.0.0\n');
  });
});
