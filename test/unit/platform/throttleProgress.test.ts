import { describe, expect, it } from 'vitest';
import { throttleProgress } from '../../../src/platform/browser/throttleProgress.ts';

describe('throttleProgress', () => {
  const run = (reports: [number, number, number, string][], interval = 100) => {
    const posted: [number, number, string][] = [];
    let clock = 0;
    const p = throttleProgress((d, t, l) => posted.push([d, t, l]), interval, () => clock);
    for (const [at, done, total, label] of reports) {
      clock = at;
      p(done, total, label);
    }
    return posted;
  };

  it('passes the first report, then one per interval, and drops the ones between', () => {
    expect(run([[0, 1, 10, 'w'], [10, 2, 10, 'w'], [99, 3, 10, 'w'], [100, 4, 10, 'w'], [150, 5, 10, 'w'], [250, 6, 10, 'w']])).toEqual([
      [1, 10, 'w'],
      [4, 10, 'w'],
      [6, 10, 'w'],
    ]);
  });

  it('always passes the final report and a new step', () => {
    expect(run([[0, 1, 10, 'a'], [1, 2, 10, 'a'], [2, 0, 5, 'b'], [3, 4, 5, 'b'], [4, 5, 5, 'b']])).toEqual([
      [1, 10, 'a'],
      [0, 5, 'b'],
      [5, 5, 'b'],
    ]);
  });
});
