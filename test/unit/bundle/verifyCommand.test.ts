import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/cliError.ts';
import { verifyCommand } from '../../../src/cli/verifyCommand.ts';
import { buildFixture, exportInput, exportToBytes, goModule, repack } from './bundleFixture.ts';

describe('modcarry verify', () => {
  let dir = '';
  let good = '';
  let bad = '';
  const env = (): NodeJS.ProcessEnv => ({ GOPATH: join(dir, 'gopath') });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'modcarry-verify-cli-'));
    const fx = await buildFixture([goModule('example.com/alpha', 'v1.0.0', { 'a.go': 'package alpha\n' }), goModule('example.com/beta', 'v1.1.0', { 'b.go': 'package beta\n' })], { sumdb: true });
    const gz = await exportToBytes(exportInput(fx), { compression: 1 });
    good = join(dir, 'good.tar.gz');
    writeFileSync(good, gz.bytes);
    const tar = (await exportToBytes(exportInput(fx), { compression: 'none' })).bytes;
    bad = join(dir, 'bad.tar');
    writeFileSync(bad, await repack(tar, (files) => files.set('cache/download/example.com/beta/@v/v1.1.0.mod', new TextEncoder().encode('module example.com/evil\n'))));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 on a good .tar.gz (spooled to disk) and prints one line per module', async () => {
    const out: string[] = [];
    expect(await verifyCommand([good], { write: (s: string) => (out.push(s), true) }, env())).toBe(0);
    expect(out.join('')).toBe(`ok   example.com/alpha@v1.0.0\nok   example.com/beta@v1.1.0\n${good}: verified 2 module version(s)\n`);
  });

  it('exits 1 naming the failed module and checks, also as JSON', async () => {
    const out: string[] = [];
    expect(await verifyCommand([bad], { write: (s: string) => (out.push(s), true) }, env())).toBe(1);
    const text = out.join('');
    expect(text).toContain('FAIL example.com/beta@v1.1.0');
    expect(text).toMatch(/verification FAILED; modules: example\.com\/beta@v1\.1\.0 \(manifest, mod, sumdb\)/);
    out.length = 0;
    expect(await verifyCommand([bad, '--json'], { write: (s: string) => (out.push(s), true) }, env())).toBe(1);
    const j = JSON.parse(out.join('')) as { ok: boolean; modules: { module: string; ok: boolean }[] };
    expect(j.ok).toBe(false);
    expect(j.modules.filter((m) => !m.ok).map((m) => m.module)).toEqual(['example.com/beta@v1.1.0']);
  });

  it('rejects bad usage and missing files', async () => {
    const w = { write: () => true };
    await expect(verifyCommand([], w, env())).rejects.toThrow(UsageError);
    await expect(verifyCommand([good, '--frob'], w, env())).rejects.toThrow(/unknown flag --frob/);
    await expect(verifyCommand([join(dir, 'nope.tar')], w, env())).rejects.toThrow(/nope\.tar: no such file/);
  });
});
