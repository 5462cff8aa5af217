/**
 * The go.mod case table checked against the real go command: `go mod edit
 * -json` parses with modfile.Parse (no version fixer), exactly what
 * parseGoMod mirrors, so go must agree with every expected summary and error.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goAvailability, runGo } from '../../support/goTool.ts';
import { STRICT_CASES, summarizeGoJson } from './gomodCases.ts';
import type { GoEditJson } from './gomodCases.ts';

describe.skipIf(!goAvailability().ok)('go mod edit -json agrees with the go.mod case table', () => {
  let root = '';
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'modcarry-gomod-oracle-'));
  });
  afterAll(() => {
    if (root !== '') rmSync(root, { recursive: true, force: true });
  });

  STRICT_CASES.forEach((c, i) => {
    it(c.name, () => {
      const dir = join(root, `case${i}`);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, 'go.mod');
      writeFileSync(file, c.text);
      const r = runGo(['mod', 'edit', '-json'], dir, { home: join(root, 'home') });
      if (c.err !== undefined) {
        expect(r.status).not.toBe(0);
        const got = r.stderr.split(file).join('go.mod');
        expect(got).toBe(`go: errors parsing go.mod:\n${c.err.join('\n')}\n`);
      } else {
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        expect(summarizeGoJson(JSON.parse(r.stdout) as GoEditJson)).toEqual(c.want);
      }
    });
  });
});
