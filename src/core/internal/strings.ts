/**
 * Go's string ordering and path cleaning, shared by every core package that
 * must sort or compare exactly as the go command does.
 */

/**
 * Go's strings.Compare: UTF-8 byte order, which is code point order. JS's own
 * `<` compares UTF-16 code units and orders supplementary-plane characters
 * wrongly (U+1D49C < U+FF21 in UTF-16, but not in UTF-8).
 */
export function compareStrings(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  const ai = a[Symbol.iterator]();
  const bi = b[Symbol.iterator]();
  for (;;) {
    const x = ai.next();
    const y = bi.next();
    if (x.done === true) return y.done === true ? 0 : -1;
    if (y.done === true) return 1;
    const cx = x.value.codePointAt(0) as number;
    const cy = y.value.codePointAt(0) as number;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

/**
 * Go's path.Clean for slash-separated paths: the shortest equivalent path,
 * with empty and "." elements removed and ".." resolved lexically ("." for an
 * empty result). The zip rules compare a name with its cleaned form to refuse
 * "a//b", "a/./b", "a/../b" and trailing slashes; URL building cleans joined paths.
 */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const elem of p.split('/')) {
    if (elem === '' || elem === '.') continue;
    if (elem === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(elem);
  }
  const joined = (rooted ? '/' : '') + out.join('/');
  return joined === '' ? '.' : joined;
}
