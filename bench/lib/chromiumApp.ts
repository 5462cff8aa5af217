/**
 * The app in headless Chromium, driven as a person drives it, for the
 * browser rows of the benchmarks: a production build of the app (built once
 * per runner, into the scratch directory), served by the modcarry server whose
 * relay forwards to loopback upstreams, and a fresh Chromium profile per run
 * (so IndexedDB starts empty and lives on disk, as it does for a person).
 *
 * Heap sampling: Runtime.getHeapUsage over the DevTools protocol, for the page
 * and for each dedicated worker alive at the instant, the workers a worker
 * starts (the engine's zip hashing workers) included
 * (test/support/workerTargets.ts). usedSize is the V8 heap in use; ArrayBuffer
 * backing stores (zip chunks) are outside it and are sampled beside it
 * (backingStorageSize); Blob data lives in the browser process, in neither.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import type { Page } from 'playwright-core';
import { launchChromium } from '../../test/support/browser.ts';
import type { LaunchedChromium } from '../../test/support/browser.ts';
import { watchWorkers } from '../../test/support/workerTargets.ts';
import { createServer } from '../../src/server/createServer.ts';
import type { RunningServer } from '../../src/server/createServer.ts';
import { REPO } from './paths.ts';

let built: Promise<string> | undefined;

/** Builds the app as production serves it (service worker included) into a directory from makeDir, once per runner. */
export function buildApp(makeDir: () => string): Promise<string> {
  built ??= (async () => {
    const dir = makeDir();
    const nodeEnv = process.env['NODE_ENV'];
    process.env['NODE_ENV'] = 'production';
    try {
      await build({ configFile: join(REPO, 'vite.config.ts'), root: REPO, mode: 'production', logLevel: 'warn', build: { outDir: dir, emptyOutDir: true } });
    } finally {
      if (nodeEnv === undefined) delete process.env['NODE_ENV'];
      else process.env['NODE_ENV'] = nodeEnv;
    }
    return dir;
  })();
  return built;
}

/** The app server with its relay to a loopback GOPROXY and checksum database (gosumdb 'off': none). */
export async function serveRelayedApp(appDir: string, goproxy: string, gosumdb: string): Promise<RunningServer> {
  const app = await createServer({ root: appDir, port: 0, host: '127.0.0.1', relay: { goproxy, gosumdb, redirectPolicy: { allowLoopbackHttp: true } } });
  if (app.relayProblems.length > 0) {
    await app.close();
    throw new Error(`relay problems: ${app.relayProblems.join('; ')}`);
  }
  return app;
}

export interface AppSession {
  readonly page: Page;
  readonly browser: LaunchedChromium;
  readonly errors: string[];
  close(): Promise<void>;
}

/** Launches Chromium on a fresh profile under dir and opens the app at path (query string included). */
export async function openApp(dir: string, app: RunningServer, path = '/'): Promise<AppSession> {
  const profile = join(dir, 'profile');
  mkdirSync(profile, { recursive: true });
  const browser = await launchChromium({ userDataDir: profile });
  const errors: string[] = [];
  try {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(app.url + path);
    // Settings come from the relay's config.json; planning needs the GOPROXY.
    const goproxy = page.getByLabel('GOPROXY', { exact: true });
    for (let i = 0; i < 300 && (await goproxy.inputValue()) !== `${app.url}/goproxy/0`; i++) await page.waitForTimeout(100);
    return { page, browser, errors, close: () => browser.close().catch(() => undefined) };
  } catch (err) {
    await browser.close().catch(() => undefined);
    throw err;
  }
}

/** Pastes go.mod and go.sum (or module@version queries) and makes the plan. */
export async function makePlan(page: Page, input: { goMod?: string; goSum?: string; queries?: string }): Promise<void> {
  if (input.goMod !== undefined) await page.getByLabel('go.mod', { exact: true }).fill(input.goMod);
  if (input.goSum !== undefined) await page.getByLabel('go.sum', { exact: true }).fill(input.goSum);
  if (input.queries !== undefined) await page.getByLabel(/Modules \(module@version/).fill(input.queries);
  await page.getByRole('button', { name: 'Make the plan' }).click();
  await page.getByRole('region', { name: 'Planned modules' }).waitFor({ timeout: 300_000 });
}

/**
 * Resolves when an element matching selector is in the page, seen by a
 * MutationObserver in the page: locator.waitFor polls, at 500 ms intervals
 * once a wait has lasted a second, which a timed run would count as its own.
 */
async function whenShown(page: Page, selector: string, timeoutMs: number): Promise<void> {
  await page.evaluate(
    ([sel, ms]) =>
      new Promise<void>((resolve, reject) => {
        const found = (): boolean => {
          if (document.querySelector(sel) === null) return false;
          observer.disconnect();
          clearTimeout(timer);
          resolve();
          return true;
        };
        const observer = new MutationObserver(() => void found());
        const timer = setTimeout(() => {
          observer.disconnect();
          reject(new Error(`${sel} not shown within ${ms} ms`));
        }, ms);
        if (!found()) observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
      }),
    [selector, timeoutMs] as const,
  );
}

/**
 * What the page showed when a run went wrong: the job's status line, how
 * many modules were in each state, and the first few not verified with
 * their row text; "" when the page cannot tell.
 */
export async function pageSummary(page: Page): Promise<string> {
  return page
    .evaluate(() => {
      const status = document.querySelector('p.job-status')?.textContent?.trim() ?? 'no job status';
      const counts = new Map<string, number>();
      const stuck: string[] = [];
      for (const tr of Array.from(document.querySelectorAll('tr[class^="state-"]'))) {
        counts.set(tr.className, (counts.get(tr.className) ?? 0) + 1);
        if (tr.className !== 'state-verified' && stuck.length < 4) stuck.push((tr.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 160));
      }
      const exportNote = document.querySelector('[aria-labelledby="export-heading"]')?.textContent?.replace(/\s+/g, ' ').trim().slice(0, 200) ?? '';
      return `page: ${status}; ${[...counts].map(([k, n]) => `${k.slice(6)} ${n}`).join(', ')}${stuck.length > 0 ? `; e.g. ${stuck.join(' / ')}` : ''}; export panel: ${exportNote}`;
    })
    .catch(() => '');
}

/** Clicks Download and waits until the job is done; throws unless every module verified. */
export async function downloadAll(page: Page, timeoutMs: number): Promise<string> {
  await page.getByRole('button', { name: 'Download', exact: true }).click();
  const selector = 'p.job-status.status-done, p.job-status.status-failed, p.job-status.status-cancelled';
  await whenShown(page, selector, timeoutMs);
  const status = page.locator(selector);
  const text = (await status.first().textContent()) ?? '';
  if (!/^All \d+ module versions verified$/.test(text.trim())) {
    const failures = await page.locator('tr.state-failed').allTextContents();
    throw new Error(`the job ended: ${text.trim()}; first failures: ${failures.slice(0, 3).join(' / ')}`);
  }
  return text.trim();
}

/** A bundle the browser saved: its size, and how to remove the file once measured. */
export interface SavedBundle {
  readonly bytes: number;
  discard(): Promise<void>;
}

/**
 * Clicks Export bundle and waits until the browser has saved the download.
 * The bundle is measured where the browser saved it, not copied elsewhere
 * first (Playwright's saveAs): a person's browser saves it once, and a copy
 * of 150 MiB would be the harness's time, not the app's.
 */
export async function exportBundle(page: Page, timeoutMs: number): Promise<SavedBundle> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: timeoutMs }), page.getByRole('button', { name: 'Export bundle', exact: true }).click()]);
  // path() resolves once the download has finished (or failed).
  const saved = await download.path();
  const failure = await download.failure();
  if (failure !== null) throw new Error(`the bundle download failed: ${failure}`);
  return { bytes: statSync(saved).size, discard: () => download.delete() };
}

export interface HeapSample {
  readonly t: number;
  readonly page: number;
  /** Sum over the page's dedicated workers (the engine's among them). */
  readonly workers: number;
  readonly workerCount: number;
  /** ArrayBuffer backing stores of the page and its workers together. */
  readonly backing: number;
}

interface HeapUsage {
  usedSize: number;
  backingStorageSize?: number;
}

export interface HeapSampler {
  /** Samples every intervalMs into the current phase until stop(). */
  phase(name: string): void;
  /** The script URLs of the dedicated workers seen so far. */
  workerUrls(): string[];
  stop(): Promise<Record<string, HeapSample[]>>;
}

/** Samples the V8 heap of the page and its dedicated workers (see the file comment). */
export async function sampleHeaps(page: Page, intervalMs = 250): Promise<HeapSampler> {
  const targets = await watchWorkers(page);
  const samples: Record<string, HeapSample[]> = {};
  let current: HeapSample[] = [];
  let stopped = false;
  const t0 = performance.now();
  const loop = (async () => {
    while (!stopped) {
      try {
        const p = (await targets.cdp.send('Runtime.getHeapUsage')) as HeapUsage;
        const ws = await Promise.all(targets.live().map((w) => targets.send<HeapUsage>(w, 'Runtime.getHeapUsage')));
        current.push({
          t: performance.now() - t0,
          page: p.usedSize,
          workers: ws.reduce<number>((n, v) => n + (v?.usedSize ?? 0), 0),
          workerCount: ws.filter((v) => v !== undefined).length,
          backing: ws.reduce<number>((n, v) => n + (v?.backingStorageSize ?? 0), p.backingStorageSize ?? 0),
        });
      } catch {
        // the page is navigating or closing; the next sample tells
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    phase(name) {
      current = samples[name] ??= [];
    },
    workerUrls: () => [...new Set(targets.seen())],
    async stop() {
      stopped = true;
      await loop;
      await targets.detach();
      return samples;
    },
  };
}

export interface HeapPeaks {
  readonly page: number;
  readonly workers: number;
  /** Page + workers at the same instant. */
  readonly total: number;
  /** Page + workers + ArrayBuffer backing stores at the same instant. */
  readonly withBuffers: number;
  readonly n: number;
  readonly maxWorkers: number;
}

/** The peaks of a phase's samples. */
export function peaks(samples: readonly HeapSample[]): HeapPeaks {
  let page = 0;
  let workers = 0;
  let total = 0;
  let withBuffers = 0;
  let maxWorkers = 0;
  for (const s of samples) {
    page = Math.max(page, s.page);
    workers = Math.max(workers, s.workers);
    total = Math.max(total, s.page + s.workers);
    withBuffers = Math.max(withBuffers, s.page + s.workers + s.backing);
    maxWorkers = Math.max(maxWorkers, s.workerCount);
  }
  return { page, workers, total, withBuffers, n: samples.length, maxWorkers };
}
