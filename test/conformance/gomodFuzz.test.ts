/**
 * Differential test of the go.mod parsers: damaged go.mod files, each parsed
 * by our port and by golang.org/x/mod/modfile (see modfileOracle.ts), strict
 * (Parse: the main module's go.mod, as pasted by a user) and lax (ParseLax:
 * a dependency's go.mod, read to walk the module graph). The result must be
 * go's: the same directives, or go's error text line for line.
 *
 * The files are valid go.mod files of the case table and a few real-looking
 * ones, damaged once or twice by tokens that matter to the grammar (blocks,
 * quotes, comments, arrows, directives, versions, CR, BOM), by deleted bytes,
 * or by lines repeated, dropped or swapped; a fixed seed keeps the inputs the
 * same every run.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ModfileError, parseGoMod, parseGoModLax } from '../../src/core/modfile/gomod.ts';
import { goAvailability } from '../support/goTool.ts';
import { askGoAboutGoMods } from '../support/modfileOracle.ts';
import type { ModfileOracleAnswer } from '../support/modfileOracle.ts';
import { Rng } from '../support/moduleCorpus.ts';
import { STRICT_CASES, summarize, summarizeGoJson } from '../unit/modfile/gomodCases.ts';

// GOMODFUZZ_CASES and GOMODFUZZ_SEED explore further by hand; the suite runs the defaults.
const CASES = Number(process.env['GOMODFUZZ_CASES'] ?? 3000);
const SEED = Number(process.env['GOMODFUZZ_SEED'] ?? 20261124);

const REAL = [
  `module example.com/app

go 1.22.0

toolchain go1.23.4

godebug (
	default=go1.21
	panicnil=1
)

require (
	github.com/google/uuid v1.6.0
	golang.org/x/text v0.14.0 // indirect
	gopkg.in/yaml.v3 v3.0.1
	example.com/old v1.2.3-0.20200101000000-abcdefabcdef
	example.com/inc v2.0.0+incompatible
)

exclude example.com/bad v1.0.0

replace (
	example.com/fork => ../fork
	example.com/pin v1.0.0 => example.com/pin2 v1.0.1
)

retract (
	v1.0.1 // broken
	[v1.1.0, v1.2.0]
)

tool example.com/app/cmd/gen

ignore ./testdata
`,
  `// Deprecated: use example.com/app/v2.
module example.com/app // indirect

require example.com/a v1.0.0

require (
	"example.com/b" v1.1.0
	\`example.com/c\` v0.0.1 // indirect; for tests
)
`,
];

const TOKENS = [
  '(', ')', '\n', ' ', '\t', '//', '// indirect', '// Deprecated: x', '"', '`', "'", '=>', '=', '[', ']', ',', '\r', '\ufeff', '\\',
  'module', 'go', 'toolchain', 'godebug', 'require', 'exclude', 'replace', 'retract', 'tool', 'ignore', 'frob',
  'v1.2.3', 'v0.0.0-20200101000000-abcdefabcdef', 'v2.0.0', '+incompatible', 'v1', '1.21', 'go1.21.0', 'latest',
  'example.com/x', 'example.com/x/v2', '../dir', './d', 'a=b', '\u00e9',
];

function damage(text: string, rng: Rng): { text: string; what: string } {
  const op = rng.int(0, 99);
  if (op < 50) {
    const t = rng.pick(TOKENS);
    const at = rng.int(0, text.length);
    return { text: text.slice(0, at) + t + text.slice(at), what: `${JSON.stringify(t)} inserted at ${at}` };
  }
  if (op < 65) {
    const at = rng.int(0, Math.max(0, text.length - 1));
    const n = rng.int(1, 4);
    return { text: text.slice(0, at) + text.slice(at + n), what: `${n} chars deleted at ${at}` };
  }
  const lines = text.split('\n');
  const i = rng.int(0, lines.length - 1);
  const j = rng.int(0, lines.length - 1);
  const ls = lines.slice();
  if (op < 75) {
    ls.splice(j, 0, lines[i]!);
    return { text: ls.join('\n'), what: `line ${i + 1} repeated at ${j + 1}` };
  }
  if (op < 85) {
    ls.splice(i, 1);
    return { text: ls.join('\n'), what: `line ${i + 1} dropped` };
  }
  if (op < 95) {
    ls[i] = lines[j]!;
    ls[j] = lines[i]!;
    return { text: ls.join('\n'), what: `lines ${i + 1} and ${j + 1} swapped` };
  }
  const n = rng.int(0, text.length);
  return { text: text.slice(0, n), what: `truncated to ${n} chars` };
}

interface Case {
  readonly id: number;
  readonly lax: boolean;
  readonly text: string;
  readonly what: string;
}

/** One answer as text: go's error lines, or the summary of the directives. */
function ours(c: Case): string {
  try {
    return summarize((c.lax ? parseGoModLax : parseGoMod)('go.mod', c.text)).join('\n');
  } catch (e) {
    if (!(e instanceof ModfileError)) return `unexpected: ${e instanceof Error ? e.stack : String(e)}`;
    return `error: ${e.message}`;
  }
}

const theirsText = (a: ModfileOracleAnswer): string => (a.file === undefined ? `error: ${a.err}` : summarizeGoJson(a.file).join('\n'));

const go = goAvailability();

describe.skipIf(!go.ok)(`go.mod parsing agrees with x/mod/modfile (${CASES} damaged files, strict and lax, seed ${SEED})${go.ok ? '' : `: ${go.reason}`}`, () => {
  const cases: Case[] = [];
  let theirs: string[];
  let mine: string[];

  beforeAll(() => {
    const rng = new Rng(SEED);
    const seeds = [...STRICT_CASES.filter((c) => c.want !== undefined).map((c) => c.text), ...REAL];
    for (let id = 0; id < CASES; id++) {
      const lax = id % 2 === 1;
      let d = damage(rng.chance(0.5) ? rng.pick(REAL) : rng.pick(seeds), rng);
      if (rng.chance(0.3)) {
        const again = damage(d.text, rng);
        d = { text: again.text, what: `${d.what}; ${again.what}` };
      }
      cases.push({ id, lax, text: d.text, what: d.what });
    }
    const answers = askGoAboutGoMods(cases.map((c) => ({ lax: c.lax, data: Buffer.from(c.text).toString('base64') })));
    theirs = answers.map(theirsText);
    mine = cases.map(ours);
  }, 300_000);

  const report = (pick: (i: number) => boolean): string[] =>
    cases.flatMap((c, i) => (pick(i) ? [`#${c.id} ${c.lax ? 'lax' : 'strict'}: ${c.what}\n${JSON.stringify(c.text)}\n  go:   ${JSON.stringify(theirs[i])}\n  ours: ${JSON.stringify(mine[i])}`] : []));

  it('the files span both outcomes, strict and lax', () => {
    for (const lax of [false, true]) {
      const picked = cases.map((c, i) => [c, theirs[i]!] as const).filter(([c]) => c.lax === lax);
      expect(picked.filter(([, t]) => t.startsWith('error: ')).length).toBeGreaterThan(CASES / 20);
      expect(picked.filter(([, t]) => !t.startsWith('error: ')).length).toBeGreaterThan(CASES / 20);
    }
  });

  it('every file parses to go\'s directives, or fails with go\'s error text', () => {
    expect(report((i) => theirs[i] !== mine[i])).toEqual([]);
  });
});
