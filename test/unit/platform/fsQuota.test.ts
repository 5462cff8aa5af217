import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fsQuota } from '../../../src/platform/node/nodePorts.ts';

const dir = mkdtempSync(join(tmpdir(), 'modcarry-quota-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fsQuota', () => {
  it('walks the store for its usage at most once per 30 s, while quota - usage stays the free space', async () => {
    let walks = 0;
    let now = 1_000_000;
    const store = { usage: () => Promise.resolve(++walks * 1000) };
    const q = fsQuota(dir, store, () => now);
    const a = await q.estimate();
    const b = await q.estimate();
    expect(walks).toBe(1);
    expect(a!.usage).toBe(1000);
    expect(b!.usage).toBe(1000);
    expect(a!.quota - a!.usage).toBeGreaterThan(0);
    now += 31_000;
    const c = await q.estimate();
    expect(walks).toBe(2);
    expect(c!.usage).toBe(2000);
    // What the engine decides on, the free space, does not depend on the usage figure.
    expect(Math.abs(c!.quota - c!.usage - (a!.quota - a!.usage))).toBeLessThan(64 << 20);
  });

  it('reports no estimate where the file system cannot be asked', async () => {
    const q = fsQuota(join(dir, 'missing', 'deeper'), { usage: () => Promise.resolve(0) });
    expect(await q.estimate()).toBeUndefined();
  });
});
