/**
 * What every benchmark gets: a scratch directory removed at the end, the
 * environments of the two contestants, and the number of rounds.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goEnvironment } from '../../test/support/goTool.ts';
import type { Row } from './report.ts';

export interface BenchContext {
  /** Rounds per measurement (at least 3; medians are reported). */
  readonly rounds: number;
  /**
   * `--chromium-only`: run only the headless-Chromium rows (and the go peers
   * they are compared with); the CLI rows are carried over from the previous
   * result file, saying so in their notes.
   */
  readonly chromiumOnly: boolean;
  /** A fresh directory under the bench scratch root. */
  scratch(name: string): string;
  log(line: string): void;
}

/** What one benchmark returns: its table rows and its raw numbers. */
export interface BenchOutcome {
  readonly rows: Row[];
  readonly raw: unknown;
}

export interface Benchmark {
  readonly name: string;
  readonly title: string;
  /** Rounds when `--rounds` is not given (3 unless said). */
  readonly rounds?: number;
  run(ctx: BenchContext): Promise<BenchOutcome>;
}

/** Creates the scratch root; dispose() removes it. */
export function createContext(rounds: number, chromiumOnly = false): BenchContext & { dispose(): void } {
  const root = mkdtempSync(join(tmpdir(), 'modcarry-bench-'));
  let n = 0;
  return {
    rounds,
    chromiumOnly,
    scratch(name) {
      const dir = join(root, `${String(++n).padStart(3, '0')}-${name}`);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
    log(line) {
      process.stderr.write(`bench: ${line}\n`);
    },
    dispose() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The environment of a modcarry CLI run: nothing from the caller's GO* settings, HOME inside the scratch dir. */
export function cliEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  mkdirSync(home, { recursive: true });
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CACHE_HOME: join(home, '.cache'),
    GOPROXY: 'off',
    GOSUMDB: 'off',
    GONOSUMDB: '',
    GOPRIVATE: '',
    GONOPROXY: '',
    NO_PROXY: '*',
    // Profiling hook: a directory where bench/cliEntry.ts writes each CLI run's CPU profile.
    ...(process.env['MODCARRY_BENCH_CPU_PROF'] ? { MODCARRY_BENCH_CPU_PROF: process.env['MODCARRY_BENCH_CPU_PROF'] } : {}),
    ...extra,
  };
}

/** A hermetic go environment (fresh GOPATH/GOMODCACHE/GOCACHE under home) talking to loopback only. */
export function goEnv(home: string, goproxy: string, gosumdb: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...goEnvironment({ home, GOPROXY: goproxy, GOSUMDB: gosumdb }), NO_PROXY: '*', ...extra };
}
