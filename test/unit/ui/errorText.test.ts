import { describe, it, expect } from 'vitest';
import { explainError } from '../../../src/ui/state/errorText.ts';
import { explainFetchFailure } from '../../../src/platform/browser/fetchHttp.ts';
import { StorageFullError } from '../../../src/engine/ports.ts';
import { retryTimes } from '../../../src/ui/state/useJob.ts';
import { classifyInputFile } from '../../../src/ui/state/inputs.ts';

describe('explainError', () => {
  it('points a syntax error at its file and line', () => {
    const e = explainError(new Error('go.mod:5: unknown directive: frobnicate'));
    expect(e.kind).toBe('syntax');
    expect(e.location).toEqual({ file: 'go.mod', line: 5 });
    expect(e.detail).toBe('go.mod:5: unknown directive: frobnicate');
    expect(explainError('go.sum:12: malformed go.sum:\nbad line').location).toEqual({ file: 'go.sum', line: 12 });
  });

  it('tells a cross-origin refusal (pointing at the relay) from an unreachable proxy', () => {
    const cors = explainFetchFailure('https://proxy.golang.org/x/@v/list', 'https://app.example', new TypeError('Failed to fetch'));
    expect(explainError(cors).kind).toBe('cross-origin');
    expect(explainError(cors).hint).toMatch(/relay/);
    const down = explainFetchFailure('https://app.example/goproxy/0/x/@v/list', 'https://app.example', new TypeError('Failed to fetch'));
    expect(explainError(down).kind).toBe('unreachable');
  });

  it('sorts HTTP refusals, quota and the other-tab case', () => {
    expect(explainError('reading https://p.example/m/@v/v1.0.0.info: 403 Forbidden').kind).toBe('forbidden');
    expect(explainError('reading https://p.example/m/@v/v9.info: 404 Not Found').kind).toBe('not-found');
    expect(explainError('reading https://p.example/m/@v/v9.info: 410 Gone').kind).toBe('gone');
    expect(explainError(new StorageFullError(100, 10)).kind).toBe('quota');
    const other = new Error('start: another tab runs the downloads of this browser profile');
    other.name = 'NotLeaderError';
    expect(explainError(other).kind).toBe('other-tab');
    expect(explainError(new Error('SECURITY ERROR\nchecksum mismatch')).kind).toBe('security');
    expect(explainError(new Error('strange')).kind).toBe('other');
  });
});

describe('pending retries from the change log', () => {
  it('keeps the due time and last error until the module moves on', () => {
    const log = [
      { jobId: 'j', time: 1000, module: 'a@v1', event: 'retry', detail: 'attempt 1 failed; next in 700 ms', error: 'boom' },
      { jobId: 'j', time: 1000, module: 'b@v1', event: 'retry', detail: 'attempt 1 failed; next in 50 ms' },
      { jobId: 'j', time: 2000, module: 'b@v1', event: 'state', detail: 'verifying -> verified' },
      { jobId: 'j', time: 2000, module: '', event: 'retry', detail: 'next in 5 ms' },
    ];
    expect([...retryTimes(log)]).toEqual([['a@v1', { at: 1700, error: 'boom' }]]);
  });
});

describe('classifyInputFile', () => {
  it('routes files by name, else by content', () => {
    expect(classifyInputFile('go.mod', '')).toBe('goMod');
    expect(classifyInputFile('C:\\src\\go.sum', '')).toBe('goSum');
    expect(classifyInputFile('deps.txt', '// c\nmodule x\n')).toBe('goMod');
    expect(classifyInputFile('paste', 'a.example/m v1.0.0 h1:abc=\n')).toBe('goSum');
    expect(classifyInputFile('list.txt', 'a.example/m@v1.0.0\n')).toBe('queries');
  });
});
