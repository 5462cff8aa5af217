/**
 * `modcarry hash zip|mod FILE`, the installed CLI, against the real go command:
 * the printed h1: lines equal go's Sum and GoModSum for zips go downloaded into
 * its own cache, and bad input is one line on stderr with exit code 1.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus } from '../support/moduleCorpus.ts';
import { fileProxyUrl, writeFileProxy } from '../support/fileProxy.ts';
import { goAvailability, runGo } from '../support/goTool.ts';

const BIN = join(import.meta.dirname, '../../bin/modcarry.cjs');

function modcarry(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const go = goAvailability();

describe.skipIf(!go.ok)(`modcarry hash agrees with the go command (${go.ok ? go.version : go.reason})`, () => {
  let work = '';
  const downloads: { Zip: string; GoMod: string; Sum: string; GoModSum: string }[] = [];

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'modcarry-clihash-'));
    const corpus = generateCorpus(0xc11, 6);
    writeFileProxy(join(work, 'proxy'), corpus.map((m) => ({ path: m.path, version: m.version, mod: m.goMod, zip: m.zip })));
    writeFileSync(join(work, 'go.mod'), 'module example.com/clihash\n\ngo 1.21\n');
    const r = runGo(['mod', 'download', '-json', ...corpus.map((m) => `${m.path}@${m.version}`)], work, {
      home: work,
      GOPROXY: fileProxyUrl(join(work, 'proxy')),
    });
    expect(r.stderr).toBe('');
    for (const chunk of r.stdout.trim().split(/\n(?=\{)/)) downloads.push(JSON.parse(chunk));
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('prints the zip and go.mod sums go computed', () => {
    expect(downloads).toHaveLength(6);
    for (const d of downloads) {
      expect(modcarry('hash', 'zip', d.Zip)).toEqual({ status: 0, stdout: `${d.Sum}\n`, stderr: '' });
      expect(modcarry('hash', 'mod', d.GoMod)).toEqual({ status: 0, stdout: `${d.GoModSum}\n`, stderr: '' });
    }
  });

  it('reports a bad or missing file in one line with exit code 1', () => {
    const garbage = join(work, 'garbage.zip');
    writeFileSync(garbage, 'this is not a zip file at all, just text');
    const bad = modcarry('hash', 'zip', garbage);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe(`modcarry: ${garbage}: zip: not a valid zip file\n`);
    const missing = modcarry('hash', 'mod', join(work, 'nope.mod'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`modcarry: ${join(work, 'nope.mod')}: no such file\n`);
    expect(modcarry('hash', 'tar', garbage).status).toBe(2);
  });
});
