/**
 * Command-line flags as every modcarry command takes them: `--name value`,
 * `--name=value` or `-name value` for value flags, `--name` for booleans,
 * anything else (and everything after `--`) positional. A value flag given
 * twice keeps all values, in order.
 */
import type { ToolchainPlatform } from '../core/plan/createPlan.ts';
import { UsageError } from './cliError.ts';

export interface ParsedFlags {
  readonly values: ReadonlyMap<string, readonly string[]>;
  readonly bools: ReadonlySet<string>;
  readonly positional: readonly string[];
}

/** Parses args against the value and boolean flag names; unknown flags are usage errors. */
export function parseFlags(args: readonly string[], spec: { values: readonly string[]; bools: readonly string[] }, usage: string): ParsedFlags {
  const values = new Map<string, string[]>();
  const bools = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const m = /^--?([a-z][a-z-]*)(?:=(.*))?$/s.exec(arg);
    if (m === null) throw new UsageError(`unknown flag ${arg}\n${usage}`);
    const name = m[1]!;
    if (spec.bools.includes(name)) {
      if (m[2] !== undefined) throw new UsageError(`flag --${name} takes no value`);
      bools.add(name);
      continue;
    }
    if (!spec.values.includes(name)) throw new UsageError(`unknown flag ${arg}\n${usage}`);
    const value = m[2] ?? args[++i];
    if (value === undefined) throw new UsageError(`flag --${name} needs a value`);
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  return { values, bools, positional };
}

/** The last value given for a flag. */
export function lastValue(f: ParsedFlags, name: string): string | undefined {
  return f.values.get(name)?.at(-1);
}

/** `--toolchain GOOS/GOARCH`, repeatable or comma-separated. */
export function parseToolchains(values: readonly string[] = []): ToolchainPlatform[] {
  const out: ToolchainPlatform[] = [];
  for (const v of values) {
    for (const p of v.split(',')) {
      const pm = /^([a-z0-9]+)\/([a-z0-9]+)$/.exec(p.trim());
      if (pm === null) throw new UsageError(`--toolchain wants GOOS/GOARCH (e.g. linux/amd64), not ${JSON.stringify(p)}`);
      out.push({ goos: pm[1]!, goarch: pm[2]! });
    }
  }
  return out;
}

/** `--timeout SECONDS`: a positive number, or dflt when absent. */
export function parseTimeout(value: string | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--timeout wants a number of seconds, not ${JSON.stringify(value)}`);
  return n;
}
