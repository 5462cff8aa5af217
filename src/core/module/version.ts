/**
 * A module path and version pair (Go's module.Version), stored unescaped.
 * The version is usually canonical semver; it is '' for the main module or a
 * directory replacement and 'none' during MVS for "no version selected".
 */
export interface ModuleVersion {
  readonly path: string;
  readonly version: string;
}

/** `path@version`, or just `path` when the version is '' (Go's Version.String). */
export function moduleVersionString(m: ModuleVersion): string {
  return m.version === '' ? m.path : `${m.path}@${m.version}`;
}
