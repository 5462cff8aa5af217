/**
 * The browser's way of hashing files during an export (oneShotPays: no native
 * incremental SHA-256, so a Blob of at most 16 MiB is read whole and hashed
 * by one digest call), forced here in Node: every file lands in the tar as the
 * manifest lists it, and a body that changed is refused before it is written.
 */
import { createHash } from 'node:crypto';
import { unpackTar } from 'modern-tar';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { buildFixture, exportInput, exportToBytes, goModule } from './bundleFixture.ts';
import type { Fixture } from './bundleFixture.ts';
import type * as webstd from '../../../src/core/internal/webstd.ts';

vi.mock('../../../src/core/internal/webstd.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof webstd>()),
  hasNativeIncrementalSha256: () => false,
}));

const { oneShotPays } = await import('../../../src/core/internal/sha256.ts');

let fx: Fixture;
beforeAll(async () => {
  fx = await buildFixture([goModule('example.com/a', 'v1.0.0', { 'a.go': 'package a\n' }), goModule('example.com/b', 'v1.2.0', { 'b.go': 'package b\n' })], { sumdb: true });
});

describe('exportBundle with one-shot hashing', () => {
  it('is in force here, and only up to 16 MiB', () => {
    expect(oneShotPays(1000)).toBe(true);
    expect(oneShotPays(16 << 20)).toBe(true);
    expect(oneShotPays((16 << 20) + 1)).toBe(false);
  });

  it('writes every file as the manifest lists it, and refuses a body whose SHA-256 changed', async () => {
    const out = await exportToBytes(exportInput(fx), { compression: 'none' });
    const entries = await unpackTar(out.bytes);
    for (const f of out.result.manifest.files) {
      const e = entries.find((x) => x.header.name === f.path);
      expect(e, f.path).toBeDefined();
      expect(createHash('sha256').update(e!.data!).digest('hex'), f.path).toBe(f.sha256);
    }
    expect(out.result.manifest.files.some((f) => f.path.endsWith('.zip'))).toBe(true);
    const zip = fx.files.find((f) => f.path.endsWith('example.com/a/@v/v1.0.0.zip'))!;
    const files = fx.files.map((f) => (f === zip ? { ...f, sha256: 'f'.repeat(64) } : f));
    await expect(exportToBytes(exportInput(fx, { files }), { compression: 'none' })).rejects.toThrow(/v1\.0\.0\.zip: content changed during export/);
  });
});
