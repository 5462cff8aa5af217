import { readdirSync } from 'node:fs';

/** The pids of the processes running now, from /proc; none where there is no /proc. */
export function procPids(): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  return names.filter((n) => /^\d+$/.test(n)).map(Number);
}
