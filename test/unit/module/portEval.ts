/**
 * Our TypeScript port answering the same calls as goOracle.ts, in the same
 * JSON shapes, so that the two can be compared entry by entry.
 */
import * as semver from '../../../src/core/semver/semver.ts';
import * as path from '../../../src/core/module/path.ts';
import * as escape from '../../../src/core/module/escape.ts';
import { matchPrefixPatterns, pathMatch } from '../../../src/core/module/match.ts';
import { sortModuleVersions } from '../../../src/core/module/sort.ts';
import * as pseudo from '../../../src/core/module/pseudo.ts';
import { goQuote } from '../../../src/core/module/quote.ts';
import type { OracleAnswer, OracleCall } from './goOracle.ts';

function attempt(f: () => unknown): OracleAnswer {
  try {
    const out = f();
    return { out: out === undefined ? null : out, err: '' };
  } catch (err) {
    return { out: null, err: (err as Error).message };
  }
}

/** Like attempt, for functions whose Go twin returns ("", err) on failure. */
function attemptString(f: () => string): OracleAnswer {
  const a = attempt(f);
  return a.err === '' ? a : { out: '', err: a.err };
}

/** Answers one call with the TypeScript port. */
export function evalPort(call: OracleCall): OracleAnswer {
  const a = call.args;
  const arg = (i: number): string => a[i] ?? '';
  switch (call.op) {
    case 'isValid':
      return attempt(() => semver.isValid(arg(0)));
    case 'canonical':
      return attempt(() => semver.canonical(arg(0)));
    case 'major':
      return attempt(() => semver.major(arg(0)));
    case 'majorMinor':
      return attempt(() => semver.majorMinor(arg(0)));
    case 'prerelease':
      return attempt(() => semver.prerelease(arg(0)));
    case 'build':
      return attempt(() => semver.build(arg(0)));
    case 'compare':
      return attempt(() => semver.compare(arg(0), arg(1)));
    case 'max':
      return attempt(() => semver.max(arg(0), arg(1)));
    case 'sort':
      return attempt(() => {
        const l = [...a];
        semver.sort(l);
        return l;
      });
    case 'checkPath':
      return attempt(() => path.checkPath(arg(0)));
    case 'checkImportPath':
      return attempt(() => path.checkImportPath(arg(0)));
    case 'checkFilePath':
      return attempt(() => path.checkFilePath(arg(0)));
    case 'check':
      return attempt(() => path.check(arg(0), arg(1)));
    case 'checkPathMajor':
      return attempt(() => path.checkPathMajor(arg(0), arg(1)));
    case 'splitPathVersion':
      return attempt(() => {
        const s = path.splitPathVersion(arg(0));
        return [s.prefix, s.pathMajor, s.ok];
      });
    case 'canonicalVersion':
      return attempt(() => path.canonicalVersion(arg(0)));
    case 'escapePath':
      return attemptString(() => escape.escapePath(arg(0)));
    case 'escapeVersion':
      return attemptString(() => escape.escapeVersion(arg(0)));
    case 'unescapePath':
      return attemptString(() => escape.unescapePath(arg(0)));
    case 'unescapeVersion':
      return attemptString(() => escape.unescapeVersion(arg(0)));
    case 'matchPrefixPatterns':
      return attempt(() => matchPrefixPatterns(arg(0), arg(1)));
    case 'pathMatch': {
      const r = attempt(() => pathMatch(arg(0), arg(1)));
      return r.err === '' ? r : { out: false, err: r.err };
    }
    case 'sortModules':
      return attempt(() => {
        const l: { path: string; version: string }[] = [];
        for (let i = 0; i + 1 < a.length; i += 2) l.push({ path: arg(i), version: arg(i + 1) });
        sortModuleVersions(l);
        return l.flatMap((m) => [m.path, m.version]);
      });
    case 'isPseudoVersion':
      return attempt(() => pseudo.isPseudoVersion(arg(0)));
    case 'isZeroPseudoVersion':
      return attempt(() => pseudo.isZeroPseudoVersion(arg(0)));
    case 'pseudoVersionBase':
      return attemptString(() => pseudo.pseudoVersionBase(arg(0)));
    case 'pseudoVersionRev':
      return attemptString(() => pseudo.pseudoVersionRev(arg(0)));
    case 'pseudoVersionTime':
      return attempt(() => pseudo.pseudoVersionTime(arg(0)).getTime() / 1000);
    case 'pseudoVersion':
      return attempt(() => pseudo.pseudoVersion(arg(0), arg(1), new Date(Number(arg(2)) * 1000), arg(3)));
    case 'quote':
      return attempt(() => goQuote(arg(0)));
  }
  return { out: null, err: `unknown op ${call.op}` };
}
