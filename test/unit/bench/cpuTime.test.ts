/**
 * The benchmark's CPU accounting: /proc/<pid>/stat lines parsed whatever the
 * command name holds, Chromium processes named by role, a process tree
 * summed with the time of reaped children, and deltas between snapshots.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { chromiumRole, cpuDelta, hasProcCpu, parseStat, treeCpu } from '../../../bench/lib/cpuTime.ts';

// Fields after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
const stat = (comm: string): string => `4242 (${comm}) S 17 4242 4242 0 -1 4194560 900 0 0 0 120 30 7 3 20 0 1 0 5000 1000 100`;

describe('parseStat', () => {
  it('reads pid, ppid and utime + stime + cutime + cstime', () => {
    expect(parseStat(stat('node'))).toEqual({ pid: 4242, ppid: 17, ticks: 160 });
  });

  it('counts fields from the last parenthesis: a name may hold spaces and parentheses', () => {
    expect(parseStat(stat('a) S 1 (b'))).toEqual({ pid: 4242, ppid: 17, ticks: 160 });
    expect(parseStat(stat('Web Content'))).toEqual({ pid: 4242, ppid: 17, ticks: 160 });
  });

  it('refuses what is not a stat line', () => {
    expect(parseStat('')).toBeUndefined();
    expect(parseStat('garbage')).toBeUndefined();
    expect(parseStat('12 (x) S')).toBeUndefined();
  });
});

describe('chromiumRole', () => {
  it('names the browser, renderers (zygotes included), the GPU process and utility services', () => {
    expect(chromiumRole('/usr/lib/chromium/chromium --headless --user-data-dir=/tmp/p about:blank')).toBe('browser');
    expect(chromiumRole('/usr/lib/chromium/chromium --type=renderer --lang=en-US')).toBe('renderer');
    expect(chromiumRole('/usr/lib/chromium/chromium --type=zygote --no-zygote-sandbox')).toBe('renderer');
    expect(chromiumRole('/usr/lib/chromium/chromium --type=gpu-process --use-angle=swiftshader')).toBe('gpu');
    expect(chromiumRole('/usr/lib/chromium/chromium --type=utility --utility-sub-type=network.mojom.NetworkService')).toBe('network');
    expect(chromiumRole('/usr/lib/chromium/chromium --type=utility --utility-sub-type=storage.mojom.StorageService')).toBe('storage');
    expect(chromiumRole('/usr/lib/chromium/chromium --type=utility')).toBe('utility');
  });
});

describe('cpuDelta', () => {
  it('gives each label what it gained, new labels from zero, never below zero', () => {
    const d = cpuDelta(new Map([['a', 1], ['b', 5]]), new Map([['a', 3.5], ['b', 4], ['c', 2]]));
    expect(Object.fromEntries(d)).toEqual({ a: 2.5, b: 0, c: 2 });
  });
});

describe.skipIf(!hasProcCpu())('treeCpu (needs /proc)', () => {
  it('sums a busy child under its label and keeps it after the child is reaped', async () => {
    const labels = new Map<number, string>();
    const label = (pid: number): string => (pid === process.pid ? 'self' : 'child');
    const before = treeCpu(process.pid, label, labels);
    // A child that spins for about 0.3 s of CPU, then exits and is reaped by this process.
    const child = spawn(process.execPath, ['-e', 'const t = Date.now(); while (Date.now() - t < 300);']);
    await new Promise((r) => child.on('exit', r));
    const after = treeCpu(process.pid, label, labels);
    // Reaped, it is gone from the tree: its time now counts in this process's cutime.
    const gained = cpuDelta(before, after).get('self') ?? 0;
    expect(gained).toBeGreaterThanOrEqual(0.2);
  });
});
