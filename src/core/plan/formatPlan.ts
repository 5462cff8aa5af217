/**
 * The plan as a readable table for a terminal: a header (main module, go and
 * toolchain lines, query results), one row per module version with the files
 * to fetch and why, then the go.sum differences, directory replacements not
 * carried, and warnings. Plain text, no colour, stable order (the plan's), so
 * it can be diffed and grepped.
 */
import type { Plan, PlannedModule } from './types.ts';

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function fetched(m: PlannedModule): string {
  return m.fetchPath === m.path && m.fetchVersion === m.version ? '' : `${m.fetchPath} ${m.fetchVersion}`;
}

/** Formats plan as text ending in a newline. */
export function formatPlan(plan: Plan): string {
  const out: string[] = [];
  if (plan.mainModule !== undefined) {
    const details = [plan.go !== undefined ? `go ${plan.go}` : 'no go line', plan.toolchain !== undefined ? `toolchain ${plan.toolchain}` : '', plan.pruning ?? '']
      .filter((s) => s !== '')
      .join(', ');
    out.push(`main module: ${plan.mainModule} (${details})`);
  }
  if (plan.toolchainVersion !== undefined) out.push(`toolchain zips for: ${plan.toolchainVersion}`);
  for (const q of plan.queries ?? []) out.push(`query: ${q.arg} => ${q.version === '' ? '(main module)' : `${q.path} ${q.version}`}`);
  if (out.length > 0) out.push('');

  const rows = plan.modules.map((m) => [m.path, m.version, m.files.join(' '), m.reasons.join(', '), fetched(m)] as const);
  const w = [6, 7, 5];
  for (const r of rows) {
    w[0] = Math.max(w[0]!, r[0].length);
    w[1] = Math.max(w[1]!, r[1].length);
    w[2] = Math.max(w[2]!, r[2].length);
  }
  out.push(`${pad('MODULE', w[0]!)}  ${pad('VERSION', w[1]!)}  ${pad('FILES', w[2]!)}  WHY`);
  for (const [path, version, files, why, via] of rows) {
    out.push(`${pad(path, w[0]!)}  ${pad(version, w[1]!)}  ${pad(files, w[2]!)}  ${why}${via !== '' ? `  (fetched as ${via})` : ''}`);
  }
  const count = (kind: 'info' | 'mod' | 'zip'): number => plan.modules.filter((m) => m.files.includes(kind)).length;
  out.push('');
  out.push(`${plan.modules.length} module versions: ${count('zip')} .zip, ${count('mod')} .mod, ${count('info')} .info`);

  if (plan.goSumMissing.length > 0) {
    out.push('', `sums the graph needs that go.sum lacks (${plan.goSumMissing.length}):`);
    for (const d of plan.goSumMissing) out.push(`  ${d.path} ${d.version}`);
  }
  if (plan.goSumNotNeeded.length > 0) {
    out.push('', `go.sum lines the graph does not need (${plan.goSumNotNeeded.length}):`);
    for (const d of plan.goSumNotNeeded) out.push(`  ${d.line !== undefined ? `line ${d.line}: ` : ''}${d.path} ${d.version}`);
  }
  if (plan.notCarried.length > 0) {
    out.push('', 'not carried (replaced by local directories):');
    for (const n of plan.notCarried) out.push(`  ${n.path} ${n.version} => ${n.dir}`);
  }
  if (plan.warnings.length > 0) {
    out.push('', 'warnings:');
    for (const w of plan.warnings) out.push(`  ${w.replaceAll('\n', '\n  ')}`);
  }
  return out.join('\n') + '\n';
}
