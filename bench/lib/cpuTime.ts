/**
 * CPU time of process trees, read from /proc (Linux only; undefined
 * elsewhere): what a contestant cost the machine besides its wall time. On a
 * machine with few cores, wall time follows the CPU time of every process a
 * run keeps busy (for the app: the browser, its renderer and its network
 * service, besides the loopback servers), so the two together say where a
 * gap comes from.
 *
 * A process counts with its own time and with that of the children it has
 * reaped (cutime, cstime), so a process of the tree that exits between two
 * snapshots still counts, through its parent.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chromiumBrowserPid } from '../../test/support/browser.ts';
import { procPids } from '../../test/support/procPids.ts';

/** One process as /proc/<pid>/stat describes it. */
export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  readonly ticks: number;
}

/**
 * Parses a /proc/<pid>/stat line. The command name (field 2) is in
 * parentheses and may itself hold spaces and parentheses, so the fields are
 * counted from the last ')'.
 */
export function parseStat(line: string): ProcStat | undefined {
  const open = line.indexOf(' (');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(line.slice(0, open));
  // After ')': state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17).
  const f = line.slice(close + 2).split(' ');
  const at = (field: number): number => Number(f[field - 3]);
  const ticks = at(14) + at(15) + at(16) + at(17);
  if (!Number.isInteger(pid) || !Number.isFinite(ticks)) return undefined;
  return { pid, ppid: at(4), ticks };
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const n = Number(r.stdout?.trim());
    ticksPerSecond = Number.isInteger(n) && n > 0 ? n : 100;
  }
  return ticksPerSecond;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Whether this machine has /proc to read CPU times from. */
export function hasProcCpu(): boolean {
  return read('/proc/self/stat') !== undefined;
}

/** Every process now running, by pid. */
function processes(): Map<number, ProcStat> {
  const all = new Map<number, ProcStat>();
  for (const pid of procPids()) {
    const s = read(`/proc/${pid}/stat`);
    const p = s === undefined ? undefined : parseStat(s);
    if (p !== undefined) all.set(p.pid, p);
  }
  return all;
}

/** A process's command line, its arguments joined by spaces ('' once it is gone). */
export function commandLine(pid: number): string {
  return (read(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').trim();
}

/** CPU seconds of a process tree at one instant, summed by the label each process gets. */
export type CpuByLabel = Map<string, number>;

/**
 * The CPU seconds of root and all its descendants so far, each process under
 * label(pid) (labels are asked once per pid and remembered in `labels`).
 */
export function treeCpu(root: number, label: (pid: number) => string, labels = new Map<number, string>()): CpuByLabel {
  const all = processes();
  const kids = new Map<number, number[]>();
  for (const p of all.values()) {
    const list = kids.get(p.ppid);
    if (list === undefined) kids.set(p.ppid, [p.pid]);
    else list.push(p.pid);
  }
  const hz = clockTicks();
  const out: CpuByLabel = new Map();
  const stack = all.has(root) ? [root] : [];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    const p = all.get(pid)!;
    let l = labels.get(pid);
    if (l === undefined) labels.set(pid, (l = label(pid)));
    out.set(l, (out.get(l) ?? 0) + p.ticks / hz);
    stack.push(...(kids.get(pid) ?? []));
  }
  return out;
}

/** What each label gained from before to after (labels only in after count from zero). */
export function cpuDelta(before: CpuByLabel, after: CpuByLabel): CpuByLabel {
  const out: CpuByLabel = new Map();
  for (const [l, s] of after) out.set(l, Math.max(0, s - (before.get(l) ?? 0)));
  return out;
}

/**
 * A Chromium process's role from its command line: "browser" for the one
 * without --type, "renderer" for renderers and the zygotes that fork them (a
 * forked renderer may keep its zygote's command line), "gpu" for the GPU
 * process, a utility process by its service ("network", "storage").
 */
export function chromiumRole(cmdline: string): string {
  const type = /--type=([\w-]+)/.exec(cmdline)?.[1];
  if (type === undefined) return 'browser';
  if (type === 'zygote' || type === 'renderer') return 'renderer';
  if (type === 'gpu-process') return 'gpu';
  if (type !== 'utility') return type;
  const sub = /--utility-sub-type=([\w.]+)/.exec(cmdline)?.[1];
  return sub === undefined ? 'utility' : sub.replace(/\.mojom\..*$/, '').replace(/^.*\./, '');
}

/**
 * The CPU account of a Chromium launched by this process with
 * --user-data-dir=profile, from this call on: delta() gives the seconds each
 * role has used since, or undefined without /proc or the browser process.
 */
export function chromiumCpu(profile: string): { delta(): CpuByLabel | undefined } {
  const browser = chromiumBrowserPid(profile);
  if (browser === undefined) return { delta: () => undefined };
  const labels = new Map<number, string>();
  const role = (pid: number): string => chromiumRole(commandLine(pid));
  const before = treeCpu(browser, role, labels);
  return { delta: () => cpuDelta(before, treeCpu(browser, role, labels)) };
}
