import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startForwarder } from '../support/forwarder.ts';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import type { Plugin } from 'vite';
import type { Page } from 'playwright-core';
import { chromiumAvailability, launchChromium } from '../support/browser.ts';
import type { LaunchedChromium } from '../support/browser.ts';
import { writeFileProxy } from '../support/fileProxy.ts';
import { startFixtureProxy } from '../support/fixtureProxy.ts';
import type { FixtureProxy } from '../support/fixtureProxy.ts';
import { startSumdbServer, TestLog } from '../support/sumdbServer.ts';
import type { RunningSumdbServer } from '../support/sumdbServer.ts';
import { writeZip } from '../support/zipWriter.ts';
import { hashGoMod, hashZip } from '../../src/core/dirhash/hash.ts';
import { openZip } from '../../src/core/zip/reader.ts';
import { bytesSource } from '../../src/core/zip/source.ts';
import { createServer as createAppServer } from '../../src/server/createServer.ts';
import type { RunningServer } from '../../src/server/createServer.ts';

// The update flow through workbox-window: the app is built twice, the builds
// differing only by a marker in index.html (so the precache manifest in
// sw.js differs too). One origin serves version 1; while a slow download
// runs, it starts serving version 2 and the page checks for an update. The
// toast offers the new version but its button stays disabled and the page
// does not reload until the download is done; then applying it reloads the
// page onto version 2.
const ROOT = resolve(import.meta.dirname, '../..');
const SCREENSHOTS = join(ROOT, 'test-results/screenshots');
const MODULE = 'example.com/updatetest/big';
const VERSION = 'v1.0.0';
const ZIP_BYTES = 2 << 20;
const chromium = chromiumAvailability();

/** Puts <meta name="modcarry-test-build" content=marker> into index.html. */
function markerPlugin(marker: string): Plugin {
  return { name: 'modcarry-test-build-marker', transformIndexHtml: (html) => html.replace('</head>', `<meta name="modcarry-test-build" content="${marker}"></head>`) };
}

async function buildApp(outDir: string, marker: string): Promise<void> {
  // Vitest sets NODE_ENV=test, under which Vite builds a development bundle (no service worker).
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(ROOT, 'vite.config.ts'), root: ROOT, mode: 'production', logLevel: 'warn', plugins: [markerPlugin(marker)], build: { outDir, emptyOutDir: true } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

/** One origin in front of either version's server; `serve` switches which one answers from then on. */
interface Front {
  url: string;
  serve(target: RunningServer): void;
  close(): Promise<void>;
}

async function startFront(initial: RunningServer): Promise<Front> {
  let current = initial;
  // The Host header stays the front's: to the page there is one origin.
  const f = await startForwarder((path, headers) => ({ target: new URL(path, current.url), headers }));
  return { url: f.url, serve: (t) => (current = t), close: f.close };
}

/** The marker of the build the page was loaded from. */
function buildMarker(page: Page): Promise<string | null> {
  return page.evaluate(() => document.querySelector('meta[name="modcarry-test-build"]')?.getAttribute('content') ?? null);
}

describe.skipIf(!chromium.ok)('the update flow in Chromium', () => {
  let work: string;
  let proxy: FixtureProxy;
  let db: RunningSumdbServer;
  let v1: RunningServer;
  let v2: RunningServer;
  let front: Front;
  let browser: LaunchedChromium;
  let page: Page;
  const problems: string[] = [];
  let navigations = 0;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'modcarry-e2e-update-'));
    await buildApp(join(work, 'app-1'), '1');
    await buildApp(join(work, 'app-2'), '2');
    expect(readFileSync(join(work, 'app-2', 'sw.js'))).not.toEqual(readFileSync(join(work, 'app-1', 'sw.js')));

    // One module whose zip is ZIP_BYTES of incompressible data, stored, sent slowly.
    const data = new Uint8Array(ZIP_BYTES);
    let x = 12345;
    for (let i = 0; i < data.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      data[i] = x >>> 24;
    }
    const mod = new TextEncoder().encode(`module ${MODULE}\n\ngo 1.21\n`);
    const zip = writeZip([
      { name: `${MODULE}@${VERSION}/go.mod`, data: mod },
      { name: `${MODULE}@${VERSION}/data.bin`, data, method: 0 },
    ]);
    const proxyDir = join(work, 'proxy');
    mkdirSync(proxyDir);
    writeFileProxy(proxyDir, [{ path: MODULE, version: VERSION, mod, zip }]);
    const log = await TestLog.create('sum.update.test');
    await log.add(MODULE, VERSION, await hashZip(await openZip(bytesSource(zip))), await hashGoMod(mod));
    db = await startSumdbServer(log);
    proxy = await startFixtureProxy({ root: proxyDir, faults: [{ path: '**.zip', fault: { kind: 'slow', bytesPerSecond: 160 << 10 } }] });

    const relay = { goproxy: proxy.url, gosumdb: db.gosumdb, redirectPolicy: { allowLoopbackHttp: true } };
    v1 = await createAppServer({ root: join(work, 'app-1'), port: 0, host: '127.0.0.1', relay });
    v2 = await createAppServer({ root: join(work, 'app-2'), port: 0, host: '127.0.0.1', relay });
    front = await startFront(v1);
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await launchChromium({ userDataDir: join(work, 'profile') });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.setViewportSize({ width: 1280, height: 900 });
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) navigations++;
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await front?.close();
    await v1?.close();
    await v2?.close();
    await proxy?.close();
    await db?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('offers a new version during a download, never applies it then, and applies it once the download is done', async () => {
    await page.goto(`${front.url}/`);
    await page.getByText('Ready to work offline.').waitFor({ timeout: 30_000 });
    // A returning visitor: the page is controlled by version 1's worker (a first visit is not, and
    // with no controlled client a new worker would activate at once instead of waiting).
    await page.reload();
    await page.getByText('Ready to work offline.').waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    expect(await buildMarker(page)).toBe('1');

    await page.getByLabel(/Modules \(module@version/).fill(`${MODULE}@${VERSION}`);
    await page.getByRole('button', { name: 'Make the plan' }).click();
    await page.getByRole('region', { name: 'Planned modules' }).getByText(MODULE, { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Download', exact: true }).click();
    await expect.poll(() => proxy.log.bytesServed('**.zip'), { timeout: 30_000, interval: 100 }).toBeGreaterThan(0);

    // Version 2 goes live while the zip trickles in; the page asks for an update.
    front.serve(v2);
    const before = navigations;
    await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r?.update()));
    const toast = page.getByRole('status').filter({ hasText: 'A new version of modcarry is ready.' });
    await toast.waitFor({ timeout: 30_000 });
    const apply = toast.getByRole('button', { name: 'Update now' });
    expect(await toast.getByText('It will be offered again once the download is paused or done.').count()).toBe(1);
    expect(await apply.isDisabled()).toBe(true);
    // Still downloading when the offer came, and nothing reloaded.
    expect(proxy.log.bytesServed('**.zip')).toBeLessThan(ZIP_BYTES);
    expect(await page.getByText(/All \d+ module versions verified/).count()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'journey-update-offered.png'), fullPage: true });
    expect(navigations).toBe(before);
    expect(await buildMarker(page)).toBe('1');

    await page.getByText('All 1 module versions verified').waitFor({ timeout: 60_000 });
    expect(navigations).toBe(before);
    expect(await buildMarker(page)).toBe('1');
    await expect.poll(() => apply.isEnabled()).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'journey-update-ready.png'), fullPage: true });

    await Promise.all([page.waitForEvent('load', { timeout: 30_000 }), apply.click()]);
    await expect.poll(() => buildMarker(page), { timeout: 10_000 }).toBe('2');
    expect(navigations).toBeGreaterThan(before);
    // The reloaded page runs under the new worker and offers nothing more.
    expect(await page.getByText('A new version of modcarry is ready.').count()).toBe(0);
  });

  it('saw no console errors or uncaught page errors', () => {
    expect(problems).toEqual([]);
  });
});
