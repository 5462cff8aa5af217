/**
 * Measuring child processes and summarizing runs: wall time, exit status and
 * peak resident set size (GNU time's maximum RSS when /usr/bin/time exists,
 * else VmHWM polled from /proc/<pid>/status), CPU time (GNU time's), and
 * medians.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ChildRun {
  readonly status: number;
  readonly wallMs: number;
  /** Peak RSS in bytes, undefined when it could not be read. */
  readonly peakRss: number | undefined;
  /** User + system CPU seconds of the process and the children it waited for (GNU time), undefined without GNU time. */
  readonly cpuSeconds: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string>;
  /** Killed (SIGKILL) after this long; every loop in the benchmarks is bounded. */
  timeoutMs: number;
}

const GNU_TIME = '/usr/bin/time';

/** Children still running, so an interrupted runner can end them before removing their directories. */
const running = new Set<ChildProcess>();

/** SIGKILLs every child still running (they are started in their own process group, so GNU time's child goes too). */
export function killRunning(): void {
  for (const c of running) {
    try {
      if (c.pid !== undefined) process.kill(-c.pid, 'SIGKILL');
    } catch {
      c.kill('SIGKILL');
    }
  }
}

function vmHwm(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? undefined : Number(m[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** Runs cmd asynchronously (a loopback server in this process must keep answering it) and measures it. */
export function runMeasured(cmd: string, args: readonly string[], opts: SpawnOptions): Promise<ChildRun> {
  const useTime = existsSync(GNU_TIME);
  const tmp = useTime ? mkdtempSync(join(tmpdir(), 'modcarry-bench-time-')) : undefined;
  const timeFile = tmp !== undefined ? join(tmp, 'rss') : '';
  const [file, argv] = useTime ? [GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, cmd, ...args]] : [cmd, [...args]];
  return new Promise((resolvePromise, reject) => {
    const start = performance.now();
    const child = spawn(file, argv, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let polled: number | undefined;
    const poll = useTime
      ? undefined
      : setInterval(() => {
          const v = child.pid !== undefined ? vmHwm(child.pid) : undefined;
          if (v !== undefined) polled = Math.max(polled ?? 0, v);
        }, 50);
    const killer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, opts.timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      running.delete(child);
      clearTimeout(killer);
      if (poll !== undefined) clearInterval(poll);
      reject(e);
    });
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - start;
      running.delete(child);
      clearTimeout(killer);
      if (poll !== undefined) clearInterval(poll);
      let peakRss = polled;
      let cpuSeconds: number | undefined;
      if (tmp !== undefined) {
        try {
          const [kib, user, sys] = (readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number);
          if (kib !== undefined && Number.isFinite(kib) && kib > 0) peakRss = kib * 1024;
          if (user !== undefined && sys !== undefined && Number.isFinite(user + sys)) cpuSeconds = user + sys;
        } catch {
          // killed before GNU time wrote its file
        }
        rmSync(tmp, { recursive: true, force: true });
      }
      resolvePromise({
        status: code ?? (signal !== null ? 128 : -1),
        wallMs,
        peakRss,
        cpuSeconds,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The tail of a process's stderr, for an error message. */
export function tail(text: string, lines = 8): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export const MiB = 1 << 20;

/**
 * Lets the machine settle between timed runs: flushes dirty pages (`sync`)
 * and waits 2 s. Each contestant writes ~300 MiB (state, cache, tar) and a
 * browser takes a while to exit; without this, that writeback and teardown
 * land on the next contestant's clock (go's end-to-end time ranged 7-16 s
 * depending on who ran before it).
 */
export async function settle(): Promise<void> {
  spawnSync('sync', [], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 2000));
}
