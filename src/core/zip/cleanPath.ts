/**
 * Go's path.Clean for slash-separated paths: the shortest equivalent path,
 * with empty and "." elements removed and ".." resolved lexically. The zip
 * rules compare a name with its cleaned form to refuse "a//b", "a/./b",
 * "a/../b", trailing slashes and the like.
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
