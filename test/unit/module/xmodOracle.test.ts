/**
 * Differential test: every table input, plus a few thousand generated ones, is
 * answered by our port and by golang.org/x/mod as vendored in the installed go
 * toolchain (see goOracle.ts); the answers, error texts included, must agree.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { goAvailability } from '../../support/goTool.ts';
import * as M from './cases.ts';
import * as S from '../semver/cases.ts';
import { askGo, type OracleAnswer, type OracleCall } from './goOracle.ts';
import { evalPort } from './portEval.ts';

/** A fixed-seed generator, so every run asks the same questions. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generated(): OracleCall[] {
  const rand = mulberry32(20240601);
  const pick = (alphabet: readonly string[], min: number, max: number): string => {
    const n = min + Math.floor(rand() * (max - min + 1));
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
    return s;
  };
  const semverAlphabet = ['v', 'v', '0', '1', '2', '9', '.', '.', '-', '+', 'a', 'Z', '0', '1'];
  const pathAlphabet = ['a', 'B', 'x', '.', '.', '/', '/', '-', '_', '~', '1', 'v', '2', '!', ':', ' ', '\u00e9', 'con', 'gopkg.in/', '+', '@'];
  const globAlphabet = ['a', 'b', '/', '*', '?', '[', ']', '^', '-', '\\', '\u00e9', '\u20ac', '.'];
  const nameAlphabet = ['a', 'b', '/', '.', '-', '\u00e9', '\u20ac', '[', '*'];
  const calls: OracleCall[] = [];
  for (let i = 0; i < 600; i++) {
    const v = pick(semverAlphabet, 0, 12);
    const w = pick(semverAlphabet, 0, 12);
    calls.push({ op: 'canonical', args: [v] }, { op: 'prerelease', args: [v] }, { op: 'build', args: [v] });
    calls.push({ op: 'compare', args: [v, w] }, { op: 'compare', args: ['v1.' + v.slice(1), 'v1.' + w.slice(1)] });
    calls.push({ op: 'escapeVersion', args: [v] }, { op: 'unescapeVersion', args: [v] }, { op: 'isPseudoVersion', args: [v] });
  }
  for (let i = 0; i < 800; i++) {
    const p = pick(pathAlphabet, 1, 8);
    for (const op of ['checkPath', 'checkImportPath', 'checkFilePath', 'splitPathVersion', 'escapePath', 'unescapePath']) {
      calls.push({ op, args: [p] });
    }
    calls.push({ op: 'check', args: [p, pick(semverAlphabet, 1, 8)] });
  }
  for (let i = 0; i < 1500; i++) {
    calls.push({ op: 'pathMatch', args: [pick(globAlphabet, 0, 6), pick(nameAlphabet, 0, 6)] });
    calls.push({ op: 'matchPrefixPatterns', args: [pick([...globAlphabet, ','], 0, 7), pick(nameAlphabet, 0, 8)] });
  }
  return calls;
}

function tableCalls(): OracleCall[] {
  const calls: OracleCall[] = [];
  const add = (op: string, ...args: string[]): void => {
    calls.push({ op, args });
  };
  for (const [v] of S.PARSE_CASES) for (const op of ['isValid', 'canonical', 'major', 'majorMinor', 'prerelease', 'build']) add(op, v);
  const ordered = S.ORDER.flat();
  for (const v of ordered) for (const w of ordered) add('compare', v, w);
  for (const [v, w] of S.MAX_CASES) add('max', v, w);
  for (const [input] of S.SORT_CASES) add('sort', ...input);
  for (const [p] of M.PATH_CASES) for (const op of ['checkPath', 'checkImportPath', 'checkFilePath', 'splitPathVersion']) add(op, p);
  for (const [p, v] of M.CHECK_CASES) add('check', p, v);
  for (const [v, pm] of M.PATH_MAJOR_CASES) add('checkPathMajor', v, pm);
  for (const [v] of M.CANONICAL_VERSION_CASES) add('canonicalVersion', v);
  for (const [x] of M.ESCAPE_PATH_CASES) add('escapePath', x);
  for (const [x] of M.ESCAPE_VERSION_CASES) add('escapeVersion', x);
  for (const [x] of M.UNESCAPE_PATH_CASES) add('unescapePath', x);
  for (const [x] of M.UNESCAPE_VERSION_CASES) add('unescapeVersion', x);
  for (const [p, n] of M.PATH_MATCH_CASES) add('pathMatch', p, n);
  for (const [g, t] of M.PREFIX_CASES) add('matchPrefixPatterns', g, t);
  for (const [input] of M.SORT_MODULE_CASES) add('sortModules', ...input);
  for (const [v] of M.PSEUDO_CASES) {
    for (const op of ['isPseudoVersion', 'isZeroPseudoVersion', 'pseudoVersionBase', 'pseudoVersionRev', 'pseudoVersionTime']) add(op, v);
  }
  for (const [major, older, seconds, rev] of M.MAKE_PSEUDO_CASES) add('pseudoVersion', major, older, String(seconds), rev);
  for (const [s] of M.QUOTE_CASES) add('quote', s);
  return calls;
}

const go = goAvailability();

describe.skipIf(!go.ok)(`x/mod from the local go toolchain as oracle (${go.ok ? go.version : go.reason})`, () => {
  const tables = tableCalls();
  const extra = generated();
  let answers: OracleAnswer[] = [];

  beforeAll(() => {
    answers = askGo([...tables, ...extra]);
  }, 240_000);

  function mismatches(calls: readonly OracleCall[], offset: number): string[] {
    const out: string[] = [];
    calls.forEach((call, i) => {
      const want = answers[offset + i];
      const got = evalPort(call);
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        out.push(`${call.op}(${JSON.stringify(call.args)}): go ${JSON.stringify(want)}, port ${JSON.stringify(got)}`);
      }
    });
    return out;
  }

  it(`agrees on all ${tables.length} table inputs`, () => {
    expect(answers).toHaveLength(tables.length + extra.length);
    expect(mismatches(tables, 0)).toEqual([]);
  });

  it(`agrees on ${extra.length} generated inputs`, () => {
    expect(mismatches(extra, tables.length)).toEqual([]);
    // The generator must reach both outcomes, or the comparison proves little.
    const kinds = new Set(answers.slice(tables.length).map((a) => (a.err === '' ? 'ok' : 'err')));
    expect(kinds).toEqual(new Set(['ok', 'err']));
  });
});
