/**
 * The order of module versions used for go.sum and lists (Go's module.Sort):
 * by path in byte order, then by version under semver precedence. A version
 * may carry a `/file` suffix (`v1.2.3/go.mod`, as go.sum keys do): the part
 * before the first `/` compares by semver, and only when those parts are
 * identical strings does the suffix decide, by plain string order (so
 * `v1.2.3` comes before `v1.2.3/go.mod`).
 */

import { compare } from '../semver/semver.ts';
import type { ModuleVersion } from './version.ts';
import { compareStrings } from '../internal/strings.ts';


function splitFile(version: string): [string, string] {
  const slash = version.indexOf('/');
  return slash < 0 ? [version, ''] : [version.slice(0, slash), version.slice(slash)];
}

/** Compares two module versions in module.Sort order. */
export function compareModuleVersions(a: ModuleVersion, b: ModuleVersion): number {
  if (a.path !== b.path) return compareStrings(a.path, b.path);
  const [va, fa] = splitFile(a.version);
  const [vb, fb] = splitFile(b.version);
  if (va !== vb) return compare(va, vb);
  return compareStrings(fa, fb);
}

/**
 * Sorts list in place in module.Sort order. The sort is stable, so entries
 * Go considers equal (`v1.0.0` and `v1.0.0+meta`) keep their input order.
 */
export function sortModuleVersions(list: ModuleVersion[]): void {
  list.sort(compareModuleVersions);
}
