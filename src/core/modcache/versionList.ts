/**
 * The `@v/list` file of the module cache, as cmd/go's rewriteVersionList
 * writes it after each new `.mod`: every `<v>.mod` file name in the `@v`
 * directory whose stem v is its own module.CanonicalVersion, sorted with
 * semver.Sort, each followed by "\n"; no versions is an empty file.
 *
 * The stem is the file name as stored, that is the *escaped* version, and go
 * does not unescape it: a version with capitals (`v1.0.0-Beta` is stored as
 * `v1.0.0-!beta.mod`) never canonicalizes and so never appears in the list,
 * though its files are in the cache. versionListForVersions reproduces that.
 */
import { canonicalVersion } from '../module/path.ts';
import { escapeVersion } from '../module/escape.ts';
import { sort } from '../semver/semver.ts';

/** The list content for the file names of one `@v` directory (any files; only `*.mod` count; repeats count once). */
export function versionListFromFileNames(names: Iterable<string>): string {
  const list: string[] = [];
  for (const name of new Set(names)) {
    if (!name.endsWith('.mod')) continue;
    const v = name.slice(0, -'.mod'.length);
    if (v !== '' && canonicalVersion(v) === v) list.push(v);
  }
  sort(list);
  return list.map((v) => v + '\n').join('');
}

/** The list content for a directory holding the `.mod` files of these (unescaped) versions. */
export function versionListForVersions(versions: Iterable<string>): string {
  const names = new Set<string>();
  for (const v of versions) names.add(escapeVersion(v) + '.mod');
  return versionListFromFileNames(names);
}
