/**
 * Benchmark 3, hashing: h1: of the same large zips (the five largest of the
 * bench dependency set) by our core in Node (openZip over a file source,
 * hashZip), by our core in headless Chromium (over a Blob), and by a small Go
 * program of ours calling golang.org/x/mod/sumdb/dirhash.HashZip from the copy
 * vendored in $GOROOT (built offline, nothing committed). Each side times only
 * the hashing, in process, over all zips per round; every side must produce
 * the go.sum hashes or the round counts as failed.
 */
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashZip } from '../src/core/dirhash/hash.ts';
import { openZip } from '../src/core/zip/reader.ts';
import { fileSource } from '../src/platform/node/fileSource.ts';
import { chromiumAvailability, launchChromium } from '../test/support/browser.ts';
import type { BenchContext, BenchOutcome } from './lib/context.ts';
import { goEnv } from './lib/context.ts';
import { cacheFile, prepareBenchDepSet } from './lib/depset.ts';
import { median, MiB, runMeasured, tail } from './lib/measure.ts';
import { BENCH_WEB_DIST } from './lib/paths.ts';
import type { Row } from './lib/report.ts';
import { startStaticProxy } from './lib/staticProxy.ts';

const GO_DRIVER = `package main

import (
	"encoding/json"
	"os"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/dirhash"
)

func main() {
	rounds, _ := strconv.Atoi(os.Args[1])
	files := os.Args[2:]
	var out []map[string]any
	for r := 0; r < rounds; r++ {
		start := time.Now()
		var hashes []string
		for _, f := range files {
			h, err := dirhash.HashZip(f, dirhash.Hash1)
			if err != nil {
				panic(err)
			}
			hashes = append(hashes, h)
		}
		out = append(out, map[string]any{"ms": float64(time.Since(start).Microseconds()) / 1000, "hashes": hashes})
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
`;

interface HashRound {
  ms: number;
  hashes: string[];
}

async function goRounds(ctx: BenchContext, files: readonly string[]): Promise<HashRound[]> {
  const dir = ctx.scratch('go-dirhash');
  const env = goEnv(join(dir, 'home'), 'off', 'off', { GOFLAGS: '-mod=mod' });
  const goroot = await runMeasured('go', ['env', 'GOROOT'], { cwd: dir, env, timeoutMs: 60_000 });
  const vendored = join(goroot.stdout.trim(), 'src', 'cmd', 'vendor', 'golang.org', 'x', 'mod');
  cpSync(join(vendored, 'sumdb', 'dirhash'), join(dir, 'xmod', 'sumdb', 'dirhash'), { recursive: true });
  writeFileSync(join(dir, 'xmod', 'go.mod'), 'module golang.org/x/mod\n\ngo 1.22\n');
  writeFileSync(join(dir, 'go.mod'), 'module dirhashbench\n\ngo 1.22\n\nrequire golang.org/x/mod v0.0.0\n\nreplace golang.org/x/mod => ./xmod\n');
  writeFileSync(join(dir, 'main.go'), GO_DRIVER);
  const build = await runMeasured('go', ['build', '-o', join(dir, 'dirhashbench'), '.'], { cwd: dir, env, timeoutMs: 300_000 });
  if (build.status !== 0) throw new Error(`go build of the dirhash driver failed:\n${tail(build.stderr)}`);
  const r = await runMeasured(join(dir, 'dirhashbench'), [String(ctx.rounds), ...files], { cwd: dir, env, timeoutMs: 600_000 });
  if (r.status !== 0) throw new Error(`dirhash driver failed:\n${tail(r.stderr)}`);
  return JSON.parse(r.stdout) as HashRound[];
}

async function nodeRounds(ctx: BenchContext, files: readonly string[]): Promise<HashRound[]> {
  const out: HashRound[] = [];
  for (let round = 0; round < ctx.rounds; round++) {
    const start = performance.now();
    const hashes: string[] = [];
    for (const f of files) {
      const src = await fileSource(f);
      try {
        hashes.push(await hashZip(await openZip(src)));
      } finally {
        await src.close();
      }
    }
    out.push({ ms: performance.now() - start, hashes });
  }
  return out;
}

async function chromiumRounds(ctx: BenchContext, proxyRoot: string, rels: readonly string[]): Promise<HashRound[] | string> {
  const avail = chromiumAvailability();
  if (!avail.ok) return avail.reason;
  const web = await startStaticProxy(BENCH_WEB_DIST);
  const zips = await startStaticProxy(proxyRoot);
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${web.url}/index.html`);
    await page.waitForFunction(() => document.title === 'ready', undefined, { timeout: 60_000 });
    const out: HashRound[] = [];
    for (let round = 0; round < ctx.rounds; round++) {
      const urls = rels.map((r) => `${zips.url}/${r}`);
      const r = await page.evaluate((u) => (globalThis as unknown as { benchHash(u: string[]): Promise<HashRound> }).benchHash(u), urls);
      out.push({ ms: r.ms, hashes: r.hashes });
    }
    return out;
  } finally {
    await browser.close();
    await web.close();
    await zips.close();
  }
}

export async function benchHashing(ctx: BenchContext): Promise<BenchOutcome> {
  const set = prepareBenchDepSet();
  const picked = [...set.modules].sort((a, b) => b.zipBytes - a.zipBytes).slice(0, 5);
  const files = picked.map((m) => cacheFile(set.proxyRoot, m.path, m.version, 'zip'));
  const rels = files.map((f) => f.slice(set.proxyRoot.length + 1));
  const bytes = picked.reduce((n, m) => n + m.zipBytes, 0);
  const want = picked.map((m) => m.zipHash);
  ctx.log(`hashing: ${picked.length} zips, ${(bytes / MiB).toFixed(1)} MiB: ${picked.map((m) => m.path).join(', ')}`);

  const go = await goRounds(ctx, files);
  const node = await nodeRounds(ctx, files);
  const chromium = await chromiumRounds(ctx, set.proxyRoot, rels).catch((err: unknown) => `the page failed: ${err instanceof Error ? err.message.split('\n')[0]! : String(err)}`);
  const correct = (rs: readonly HashRound[]): HashRound[] => rs.filter((r) => JSON.stringify(r.hashes) === JSON.stringify(want));
  const throughput = (rs: readonly HashRound[]): number | undefined => (correct(rs).length === 0 ? undefined : median(correct(rs).map((r) => bytes / MiB / (r.ms / 1000))));
  const goTp = throughput(go);
  const wrong = (rs: readonly HashRound[]): string => (correct(rs).length < rs.length ? `${rs.length - correct(rs).length} rounds gave hashes other than go.sum's` : '');
  const row = (subject: string, rs: readonly HashRound[] | string): Row => {
    if (typeof rs === 'string') return { metric: 'h1: throughput of zip bytes', subject, value: undefined, unit: 'MiB/s', peer: 'Go dirhash.HashZip', peerValue: goTp, target: '≥ 0.5x Go', met: undefined, note: `not measured: ${rs}` };
    const tp = throughput(rs);
    const ratio = tp !== undefined && goTp !== undefined ? tp / goTp : undefined;
    const gap = ratio !== undefined && ratio < 0.5 ? `gap: needs ${(0.5 / ratio).toFixed(1)}x faster. ` : '';
    return { metric: 'h1: throughput of zip bytes', subject, value: tp, unit: 'MiB/s', peer: 'Go dirhash.HashZip', peerValue: goTp, ratio, target: '≥ 0.5x Go', met: ratio === undefined ? undefined : ratio >= 0.5, note: gap + [wrong(rs), wrong(go)].filter((x) => x !== '').join('; ') };
  };
  return {
    rows: [row('modcarry core in Node (file source)', node), row('modcarry core in headless Chromium (Blob source)', chromium)],
    raw: { zips: picked, bytes, go, node, chromium },
  };
}
