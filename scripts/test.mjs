#!/usr/bin/env node
// `npm test`: every layer in order (typecheck, lint, build, unit, integration,
// conformance, e2e), each reported, then one summary line. Exits non-zero if any
// step failed. `npm test -- unit e2e` runs only the named steps.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const layers = ['unit', 'integration', 'conformance', 'e2e'];
const steps = [
  { name: 'typecheck', cmd: ['npx', 'tsc', '-b'] },
  { name: 'lint', cmd: ['npx', 'eslint', '.', '--max-warnings=0'] },
  { name: 'build', cmd: ['npm', 'run', '--silent', 'build'] },
  ...layers.map((layer) => ({ name: layer, layer })),
];

const only = process.argv.slice(2);
const outDir = join('test-results');
mkdirSync(outDir, { recursive: true });

const totals = { passed: 0, failed: 0, skipped: 0 };
const rows = [];
let ok = true;

for (const step of steps) {
  if (only.length > 0 && !only.includes(step.name)) continue;
  const started = Date.now();
  process.stdout.write(`\n=== ${step.name} ===\n`);
  let status;
  let counts = '';
  if (step.layer) {
    const report = join(outDir, `${step.layer}.json`);
    const r = spawnSync(
      'npx',
      ['vitest', 'run', '--project', step.layer, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, '--passWithNoTests'],
      { stdio: 'inherit' },
    );
    status = r.status ?? 1;
    if (existsSync(report)) {
      const j = JSON.parse(readFileSync(report, 'utf8'));
      const skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
      totals.passed += j.numPassedTests ?? 0;
      totals.failed += j.numFailedTests ?? 0;
      totals.skipped += skipped;
      counts = `${j.numPassedTests} passed, ${j.numFailedTests} failed, ${skipped} skipped`;
    }
  } else {
    const [bin, ...args] = step.cmd;
    status = spawnSync(bin, args, { stdio: 'inherit' }).status ?? 1;
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (status !== 0) ok = false;
  rows.push(`${status === 0 ? 'PASS' : 'FAIL'}  ${step.name.padEnd(12)} ${secs.padStart(7)}s  ${counts}`);
}

process.stdout.write('\n=== summary ===\n' + rows.join('\n') + '\n');
if (!ok && totals.failed === 0) totals.failed = 1; // a failed typecheck/lint/build counts as a failure
process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.stdout.write(ok ? 'modcarry: all checks passed\n' : 'modcarry: SOME CHECKS FAILED\n');
process.exit(ok ? 0 : 1);
