import { describe, expect, it } from 'vitest';
import { canTransition, IllegalTransitionError, isFinal, migrateModuleState, plannedState, transition } from '../../../src/engine/moduleState.ts';
import type { ModuleState } from '../../../src/engine/ports.ts';
import { migrateJob, RecordFormatError } from '../../../src/engine/job.ts';

const ALL: ModuleState[] = ['planned', 'fetching', 'fetched', 'verifying', 'verified', 'failed', 'paused'];

describe('module state machine', () => {
  it('walks the happy path and records the time of each move', () => {
    let r = plannedState('j', 'example.com/a@v1.0.0', 1);
    for (const [i, s] of (['fetching', 'fetched', 'verifying', 'verified'] as const).entries()) {
      r = transition(r, s, 10 + i);
      expect(r.state).toBe(s);
      expect(r.updatedAt).toBe(10 + i);
    }
    expect(isFinal(r.state)).toBe(true);
  });

  it('refuses every move out of verified, and moves the machine does not have', () => {
    const verified = { ...plannedState('j', 'm@v1.0.0', 0), state: 'verified' as const };
    for (const to of ALL) expect(() => transition(verified, to, 1)).toThrow(IllegalTransitionError);
    expect(() => transition(plannedState('j', 'm@v1.0.0', 0), 'verified', 1)).toThrow('m@v1.0.0: illegal state transition planned -> verified');
    expect(canTransition('failed', 'fetching')).toBe(false);
    expect(canTransition('planned', 'fetched')).toBe(false);
    expect(canTransition('fetched', 'verified')).toBe(false);
  });

  it('remembers where a pause came from and forgets it on resume', () => {
    let r = transition(plannedState('j', 'm@v1.0.0', 0), 'fetching', 1);
    r = transition(r, 'paused', 2);
    expect(r.pausedFrom).toBe('fetching');
    r = transition(r, 'planned', 3);
    expect(r.pausedFrom).toBeUndefined();
  });

  it('clears the failure when a failed module is planned again, and the retry time outside fetching', () => {
    let r = transition(plannedState('j', 'm@v1.0.0', 0), 'fetching', 1, { attempts: 2, nextAttemptAt: 99 });
    expect(r.nextAttemptAt).toBe(99);
    r = transition(r, 'failed', 2, { failure: { kind: 'exhausted', message: 'gave up' } });
    expect(r.nextAttemptAt).toBeUndefined();
    expect(r.failure?.kind).toBe('exhausted');
    r = transition(r, 'planned', 3, { attempts: 0 });
    expect(r.failure).toBeUndefined();
    expect(r.attempts).toBe(0);
  });
});

describe('record migrations', () => {
  it('accepts the current format and refuses newer or version-less records', () => {
    const s = migrateModuleState({ formatVersion: 1, jobId: 'j', module: 'm@v1.0.0' });
    expect(s.module).toBe('m@v1.0.0');
    expect(() => migrateModuleState({ formatVersion: 2, jobId: 'j', module: 'm' })).toThrow(RecordFormatError);
    expect(() => migrateJob({ formatVersion: 9, id: 'x' })).toThrow(/newer than this modcarry understands/);
    expect(() => migrateJob({ id: 'x' } as never)).toThrow(/no valid formatVersion/);
  });

  it('applies migration steps one version at a time', () => {
    const steps = { 0: (r: Record<string, unknown>) => ({ ...r, formatVersion: 1, plan: r['oldPlan'] }) };
    const job = migrateJob({ formatVersion: 0, id: 'x', oldPlan: { modules: [] } } as never, steps);
    expect(job.formatVersion).toBe(1);
    expect(job.plan).toEqual({ modules: [] });
    expect(() => migrateJob({ formatVersion: 0, id: 'x' } as never, {})).toThrow(/cannot be migrated/);
  });
});
