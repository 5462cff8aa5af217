import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY_GOMOD_SUM, formatGoSum, parseGoSum } from '../../../src/core/modfile/gosum.ts';
import type { GoSumEntry } from '../../../src/core/modfile/gosum.ts';
import { goAvailability, runGo } from '../../support/goTool.ts';

const H1 = 'h1:NqM8EUOU14njkJ3fqMW+pc6Ldnwhi/IjpwHt7yyuwOQ=';
const H2 = 'h1:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=';
const H3 = 'h1:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb=';

const triples = (entries: readonly GoSumEntry[]): string[] => entries.map((e) => `${e.line ?? '?'}: ${e.path} ${e.version} ${e.hash}`);

describe('parseGoSum', () => {
  it('reads well-formed lines with their line numbers', () => {
    const r = parseGoSum('go.sum', `example.com/a v1.0.0 ${H1}\nexample.com/a v1.0.0/go.mod ${H2}\n`);
    expect(triples(r.entries)).toEqual([`1: example.com/a v1.0.0 ${H1}`, `2: example.com/a v1.0.0/go.mod ${H2}`]);
    expect(r.issues).toEqual([]);
    expect(r.fatal).toBeUndefined();
  });

  it('splits on any white space, drops \\r, skips blank lines and counts them', () => {
    const r = parseGoSum('go.sum', `\n  \t\r\nexample.com/a\tv1.0.0   ${H1}\r\n\u00a0example.com/b v1.0.0 ${H2}\u2003\n\nexample.com/c v1.0.0 ${H3}`);
    expect(triples(r.entries)).toEqual([`3: example.com/a v1.0.0 ${H1}`, `4: example.com/b v1.0.0 ${H2}`, `6: example.com/c v1.0.0 ${H3}`]);
    expect(r.issues).toEqual([]);
  });

  it('reports lines without three fields with go’s fatal message for the first', () => {
    const text = `example.com/a v1.0.0 ${H1}\nexample.com/b v1.0.0\n\nexample.com/c v1.0.0 ${H1} extra\n`;
    const r = parseGoSum('/w/go.sum', text);
    expect(r.fatal).toBe('malformed go.sum:\n/w/go.sum:2: wrong number of fields 2');
    expect(r.issues).toEqual([
      { kind: 'wrong-fields', line: 2, text: 'example.com/b v1.0.0', message: 'wrong number of fields 2' },
      { kind: 'wrong-fields', line: 4, text: `example.com/c v1.0.0 ${H1} extra`, message: 'wrong number of fields 4' },
    ]);
    expect(triples(r.entries)).toEqual([`1: example.com/a v1.0.0 ${H1}`]);
  });

  it('drops the empty-go.mod sentinel, saying so', () => {
    const r = parseGoSum('go.sum', `example.com/a v1.0.0/go.mod ${EMPTY_GOMOD_SUM}\nexample.com/a v1.0.0 ${H1}\n`);
    expect(triples(r.entries)).toEqual([`2: example.com/a v1.0.0 ${H1}`]);
    expect(r.issues.map((i) => [i.kind, i.line])).toEqual([['empty-gomod', 1]]);
    expect(EMPTY_GOMOD_SUM).toBe('h1:G7mAYYxgmS0lVkHyy2hEOLQCFB0DlQFTMLWggykrydY=');
  });

  it('keeps unknown hash kinds but flags them', () => {
    const r = parseGoSum('go.sum', `example.com/a v1.0.0 h2:xyz=\nexample.com/a v1.0.0 ${H1}\n`);
    expect(triples(r.entries)).toEqual(['1: example.com/a v1.0.0 h2:xyz=', `2: example.com/a v1.0.0 ${H1}`]);
    expect(r.issues.map((i) => [i.kind, i.line])).toEqual([['unknown-hash', 1]]);
    expect(r.issues[0]?.message).toContain('"h2"');
  });

  it('keeps duplicates and conflicting hashes, reporting each', () => {
    const text = [
      `example.com/a v1.0.0 ${H1}`,
      `example.com/a v1.0.0/go.mod ${H1}`,
      `example.com/a v1.0.0 ${H1}`,
      `example.com/a v1.0.0 ${H2}`,
      `example.com/a v1.0.0 ${H2}`,
      `example.com/a v1.0.0 h9:other`,
    ].join('\n');
    const r = parseGoSum('go.sum', text);
    expect(r.entries).toHaveLength(6);
    expect(r.issues.map((i) => [i.kind, i.line])).toEqual([
      ['duplicate', 3],
      ['conflict', 4],
      ['duplicate', 5],
      ['unknown-hash', 6],
    ]);
    expect(r.issues[0]?.message).toBe('duplicate of line 1');
    expect(r.issues[1]?.message).toContain('line 1');
    expect(r.issues[1]?.text).toBe(`example.com/a v1.0.0 ${H2}`);
  });
});

describe('formatGoSum', () => {
  it('sorts in module.Sort order, hashes in byte order, one line per distinct hash', () => {
    const entries = [
      { path: 'example.com/b', version: 'v1.10.0', hash: H1 },
      { path: 'example.com/b', version: 'v1.9.0/go.mod', hash: H1 },
      { path: 'example.com/b', version: 'v1.9.0', hash: H3 },
      { path: 'example.com/b', version: 'v1.9.0', hash: H2 },
      { path: 'example.com/b', version: 'v1.9.0', hash: H3 },
      { path: 'example.com/a/v2', version: 'v2.0.0', hash: H1 },
      { path: 'example.com/a', version: 'v1.0.0-rc.1', hash: H1 },
      { path: 'example.com/a', version: 'v1.0.0', hash: H1 },
      { path: 'example.com/B', version: 'v1.0.0', hash: H1 },
    ];
    expect(formatGoSum(entries)).toBe(
      [
        `example.com/B v1.0.0 ${H1}`,
        `example.com/a v1.0.0-rc.1 ${H1}`,
        `example.com/a v1.0.0 ${H1}`,
        `example.com/a/v2 v2.0.0 ${H1}`,
        `example.com/b v1.9.0 ${H2}`,
        `example.com/b v1.9.0 ${H3}`,
        `example.com/b v1.9.0/go.mod ${H1}`,
        `example.com/b v1.10.0 ${H1}`,
        '',
      ].join('\n'),
    );
  });

  it('writes nothing for nothing', () => {
    expect(formatGoSum([])).toBe('');
  });

  it('round-trips a file go wrote', () => {
    const text = [
      `golang.org/x/mod v0.17.0 ${H2}`,
      `golang.org/x/mod v0.17.0/go.mod ${H3}`,
      `golang.org/x/text v0.0.0-20170915032832-14c0d48ead0c/go.mod ${H1}`,
      `golang.org/x/text v0.3.0 ${H1}`,
      `golang.org/x/text v0.3.0/go.mod ${H2}`,
      `rsc.io/quote v1.5.2 ${H1}`,
      '',
    ].join('\n');
    const r = parseGoSum('go.sum', text);
    expect(r.issues).toEqual([]);
    expect(formatGoSum(r.entries)).toBe(text);
  });

  it('normalizes a messy file: order, white space, duplicates, sentinel', () => {
    const messy = `rsc.io/quote v1.5.2 ${H1}\r\n\nexample.com/a  v1.0.0/go.mod ${EMPTY_GOMOD_SUM}\nexample.com/a v1.0.0 ${H1}\nrsc.io/quote v1.5.2 ${H1}\n`;
    expect(formatGoSum(parseGoSum('go.sum', messy).entries)).toBe(`example.com/a v1.0.0 ${H1}\nrsc.io/quote v1.5.2 ${H1}\n`);
  });
});

describe.skipIf(!goAvailability().ok)('parseGoSum fatal message matches the go command', () => {
  let root = '';
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'modcarry-gosum-oracle-'));
  });
  afterAll(() => {
    if (root !== '') rmSync(root, { recursive: true, force: true });
  });

  it('reports the first line with the wrong number of fields', () => {
    writeFileSync(join(root, 'go.mod'), 'module example.com/m\n\ngo 1.21\n\nrequire example.com/a v1.0.0\n');
    const sum = `\nexample.com/a v1.0.0/go.mod ${H1}\n \r\nexample.com/a v1.0.0 ${H1} extra\nexample.com/a v1.0.0\n`;
    writeFileSync(join(root, 'go.sum'), sum);
    const r = runGo(['list', '-m', 'all'], root, { home: join(root, 'home'), GOFLAGS: '-mod=mod' });
    expect(r.status).not.toBe(0);
    const file = join(root, 'go.sum');
    const fatal = parseGoSum(file, sum).fatal;
    expect(fatal).toBe(`malformed go.sum:\n${file}:4: wrong number of fields 4`);
    expect(r.stderr.trim()).toBe(fatal);
  });
});
