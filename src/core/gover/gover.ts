/**
 * Go toolchain versions as the go command compares them (cmd/go/internal/gover):
 * "1.21" (a language version) < "1.21rc1" < "1.21.0" < "1.21.1". Used for the
 * `go` and `toolchain` lines of go.mod files, never for module versions.
 */

interface GoVersion {
  major: string;
  minor: string;
  patch: string;
  kind: '' | 'alpha' | 'beta' | 'rc';
  pre: string;
}

const GO_VERSION = /^(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?(?:\.(0|[1-9][0-9]*))?(?:(alpha|beta|rc)(0|[1-9][0-9]*)?)?$/;

function parse(x: string): GoVersion | undefined {
  const m = GO_VERSION.exec(x);
  if (m === null) return undefined;
  const [, major = '', minor = '', patch = '', kind = '', pre = ''] = m;
  // Go 1.21 and later: a prerelease of a language version has no patch ("1.21rc1"),
  // and "1.21.0rc1" is not valid. Before 1.21, "1.20" was both lang and release.
  if (kind !== '' && patch !== '') return undefined;
  if (minor === '' && (patch !== '' || kind !== '')) return undefined;
  return { major, minor, patch, kind: kind as GoVersion['kind'], pre };
}

function cmpNum(x: string, y: string): number {
  if (x === y) return 0;
  if (x === '') return -1;
  if (y === '') return 1;
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : 1;
}

const KIND_ORDER = { '': 0, alpha: 1, beta: 2, rc: 3 } as const;

/** Reports whether x is a valid Go version such as "1.21", "1.21.3" or "1.22rc1". */
export function isValid(x: string): boolean {
  return parse(x) !== undefined;
}

/**
 * Compares two Go versions: -1, 0 or +1. Invalid versions compare below every
 * valid one and equal to each other, as in cmd/go.
 */
export function compare(x: string, y: string): -1 | 0 | 1 {
  const a = parse(x);
  const b = parse(y);
  if (a === undefined || b === undefined) {
    if (a === undefined && b === undefined) return 0;
    return a === undefined ? -1 : 1;
  }
  let c = cmpNum(a.major, b.major) || cmpNum(a.minor, b.minor);
  if (c === 0) {
    // A missing patch ("1.21", "1.21rc1") sorts below any patch release ("1.21.0").
    if (a.patch === '' && b.patch === '') {
      c = KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || cmpNum(a.pre, b.pre);
    } else {
      c = cmpNum(a.patch, b.patch);
    }
  }
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

/** The language version of x: "1.21.3" -> "1.21", "1.21rc2" -> "1.21". */
export function lang(x: string): string {
  const v = parse(x);
  if (v === undefined) return '';
  return v.minor === '' ? v.major : `${v.major}.${v.minor}`;
}
