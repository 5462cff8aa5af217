import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { build } from 'vite';
import type { Page } from 'playwright-core';
import { chromiumAvailability, launchChromium } from '../support/browser.ts';
import type { LaunchedChromium } from '../support/browser.ts';
import { generateCorpus } from '../support/moduleCorpus.ts';
import type { CorpusModule } from '../support/moduleCorpus.ts';
import { writeFileProxy } from '../support/fileProxy.ts';
import { startSumdbServer, TestLog } from '../support/sumdbServer.ts';
import type { RunningSumdbServer } from '../support/sumdbServer.ts';
import { createServer } from '../../src/server/createServer.ts';
import type { RunningServer } from '../../src/server/createServer.ts';
import { hashGoMod, hashZip } from '../../src/core/dirhash/hash.ts';
import { openZip } from '../../src/core/zip/reader.ts';
import { bytesSource } from '../../src/core/zip/source.ts';
import { verifyCommand } from '../../src/cli/verifyCommand.ts';

// The app as a person uses it, in the system Chromium against a production
// build served by the modcarry server, whose relay forwards to a loopback
// test checksum database that also serves the GOPROXY tree of a small
// generated module set: settings from the relay and the URL, paste go.mod
// and go.sum, see the plan, Download, watch it verify, inspect go.sum,
// export a bundle that `modcarry verify` accepts, verify it in the page,
// the same journey by keyboard alone, an axe check, and the offline start.
// The steps share one browser profile and run in order.
const ROOT = resolve(import.meta.dirname, '../..');
const SCREENSHOTS = join(ROOT, 'test-results/screenshots');
const DB_NAME = 'sum.app.test';
const chromium = chromiumAvailability();

interface Fixture {
  modules: CorpusModule[];
  goMod: string;
  goSum: string;
  extra: CorpusModule;
}

async function makeFixture(proxyDir: string, log: TestLog): Promise<Fixture> {
  // Lower-case paths only: the test database does not decode %21 in lookup
  // paths, and the relay sends "!" that way (reported; not what this suite is about).
  const all = generateCorpus(17, 8).filter((m) => !/[A-Z]/.test(m.path + m.version)).slice(0, 4);
  if (all.length < 4) throw new Error('the corpus has too few lower-case modules');
  writeFileProxy(
    proxyDir,
    all.map((m) => ({ path: m.path, version: m.version, mod: m.goMod, zip: m.zip })),
  );
  await log.addFiller(40);
  const sums: string[] = [];
  for (const [i, m] of all.entries()) {
    const zipHash = await hashZip(await openZip(bytesSource(m.zip)));
    const modHash = await hashGoMod(m.goMod);
    await log.add(m.path, m.version, zipHash, modHash);
    if (i < 3) sums.push(`${m.path} ${m.version} ${zipHash}`, `${m.path} ${m.version}/go.mod ${modHash}`);
  }
  await log.addFiller(5);
  const modules = all.slice(0, 3);
  const goMod = `module example.com/carryme\n\ngo 1.21\n\nrequire (\n${modules.map((m) => `\t${m.path} ${m.version}\n`).join('')})\n`;
  return { modules, goMod, goSum: sums.join('\n') + '\n', extra: all[3]! };
}

type Axe = { run(ctx: Document, opts: unknown): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown }[] }[] }> };

async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the app's CSP refuses inline script tags, rightly.
  const require = createRequire(import.meta.url);
  await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const violations = await page.evaluate(async () => {
    const r = await (window as unknown as { axe: Axe }).axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 3) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help} ${v.targets.join(' ')}`);
}

/** Presses Tab until the focused element has the given accessible name (label or text); fails after many presses. */
async function tabTo(page: Page, name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (el === null) return '';
      const id = el.id;
      const label = id !== '' ? document.querySelector(`label[for="${id}"]`)?.textContent : undefined;
      return (el.getAttribute('aria-label') ?? label ?? el.textContent ?? '').trim();
    });
    if (focused === name) return;
  }
  throw new Error(`Tab never reached ${name}`);
}

/** Opens the settings disclosure (closed once a GOPROXY is known). */
async function openSettings(page: Page): Promise<void> {
  const details = page.locator('details.settings');
  if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) await details.locator('summary').click();
}

describe.skipIf(!chromium.ok)('the app in Chromium', () => {
  let work: string;
  let appDir: string;
  let app: RunningServer;
  let db: RunningSumdbServer;
  let browser: LaunchedChromium;
  let page: Page;
  let fx: Fixture;
  let bundlePath: string;
  const problems: string[] = [];

  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'modcarry-e2e-app-'));
    appDir = join(work, 'app');
    // Vitest sets NODE_ENV=test, under which Vite builds a development bundle
    // (import.meta.env.DEV true: no service worker). Build what production serves.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ configFile: join(ROOT, 'vite.config.ts'), root: ROOT, mode: 'production', logLevel: 'warn', build: { outDir: appDir, emptyOutDir: true } });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    const proxyDir = join(work, 'proxy');
    mkdirSync(proxyDir);
    const log = await TestLog.create(DB_NAME);
    fx = await makeFixture(proxyDir, log);
    db = await startSumdbServer(log, { proxyDir });
    app = await createServer({ root: appDir, port: 0, host: '127.0.0.1', relay: { goproxy: db.url, gosumdb: db.gosumdb, redirectPolicy: { allowLoopbackHttp: true } } });
    expect(app.relayProblems).toEqual([]);
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await launchChromium({ userDataDir: join(work, 'profile') });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.setViewportSize({ width: 1280, height: 900 });
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource|ERR_INTERNET_DISCONNECTED/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  }, 180_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await app?.close();
    await db?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('fills its settings from the relay and from the URL', async () => {
    await page.goto(`${app.url}/?gonosumdb=example.org/private&goprivate=`);
    await expect.poll(() => page.getByLabel('GOPROXY', { exact: true }).inputValue()).toBe(`${app.url}/goproxy/0`);
    expect(await page.getByLabel('GOSUMDB', { exact: true }).inputValue()).toBe(`${log(db)} ${app.url}/sumdb/${DB_NAME}`);
    expect(await page.getByLabel('GONOSUMDB', { exact: true }).inputValue()).toBe('example.org/private');
    // A person's change is saved; the URL's prefill then no longer overrides it.
    await openSettings(page);
    await page.getByLabel('GONOSUMDB', { exact: true }).fill('');
    await page.getByRole('status').filter({ hasText: 'Ready to work offline.' }).waitFor();
    await page.goto(`${app.url}/`);
    await expect.poll(() => page.getByLabel('GOPROXY', { exact: true }).inputValue()).toBe(`${app.url}/goproxy/0`);
    expect(await page.getByLabel('GONOSUMDB', { exact: true }).inputValue()).toBe('');
    await openSettings(page);
    await shot('settings');
  });

  it('plans pasted go.mod and go.sum, downloads, verifies and inspects every line', async () => {
    await page.getByLabel('go.mod', { exact: true }).fill(fx.goMod);
    await page.getByLabel('go.sum', { exact: true }).fill(fx.goSum);
    await page.getByRole('button', { name: 'Make the plan' }).click();
    const planned = page.getByRole('region', { name: 'Planned modules' });
    await planned.waitFor();
    for (const m of fx.modules) await expect.poll(() => planned.getByText(m.path, { exact: true }).count()).toBe(1);
    await shot('plan');

    await page.getByRole('button', { name: 'Download', exact: true }).click();
    await page.getByText(`All ${fx.modules.length} module versions verified`).waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByRole('button', { name: 'Pause', exact: true }).isDisabled()).toBe(true);
    await page.getByRole('img', { name: /Bundle size by module/ }).waitFor();
    await page.getByRole('img', { name: /Download time line/ }).waitFor();
    await shot('progress');

    await page.getByRole('button', { name: 'Inspect go.sum' }).click();
    const verdict = page.getByText(/No security finding in 6 lines of go\.sum/);
    await verdict.waitFor({ timeout: 30_000 });
    const rows = page.getByRole('region', { name: 'go.sum lines' }).locator('tbody tr');
    expect(await rows.count()).toBe(6);
    expect(await page.getByRole('region', { name: 'go.sum lines' }).getByText(/matches sum\.app\.test/).count()).toBe(6);
    expect(await page.getByRole('region', { name: 'go.sum lines' }).getByText('matches the downloaded bytes').count()).toBe(6);
    await page.getByLabel(/Security findings/).check();
    expect(await rows.count()).toBe(0);
    await page.getByLabel(/All lines/).check();

    await page.getByLabel('Search the change log').fill('verified');
    await expect.poll(() => page.getByRole('region', { name: 'Change log entries' }).locator('tbody tr').count()).toBeGreaterThanOrEqual(fx.modules.length);
    await shot('inspector');
  });

  it('exports a bundle as a browser download that modcarry verify accepts', async () => {
    const exportButton = page.getByRole('button', { name: 'Export bundle', exact: true });
    expect(await exportButton.isEnabled()).toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), exportButton.click()]);
    expect(download.suggestedFilename()).toMatch(/^modcarry-carryme-\d{8}-\d{6}\.tar\.gz$/);
    bundlePath = join(work, download.suggestedFilename());
    await download.saveAs(bundlePath);
    await page.getByText(/Bundle modcarry-carryme-.*: 3 module versions/).waitFor();
    await shot('export');

    let out = '';
    const gopath = join(work, 'gopath');
    mkdirSync(gopath);
    const code = await verifyCommand([bundlePath, '--sumdb-key', log(db)], { write: (s: string) => ((out += s), true) }, { GOPATH: gopath });
    expect(out).toContain('verified 3 module version(s)');
    expect(code).toBe(0);
  });

  it('verifies a bundle in the page and reports per module', async () => {
    await page.getByLabel('Bundle file (.tar or .tar.gz)').setInputFiles(bundlePath);
    await page.getByLabel('Trusted checksum database key (optional)').fill(log(db));
    await page.getByRole('button', { name: 'Verify bundle', exact: true }).click();
    await page.getByText(/Bundle verified: 3 module versions, every check passed/).waitFor({ timeout: 60_000 });
    const table = page.getByRole('region', { name: 'Verification by module' });
    for (const m of fx.modules) await table.getByText(`${m.path}@${m.version}`).waitFor();

    // A damaged bundle fails, and says so.
    const bytes = readFileSync(bundlePath);
    await page.getByLabel('Bundle file (.tar or .tar.gz)').setInputFiles({ name: 'damaged.tar.gz', mimeType: 'application/gzip', buffer: bytes.subarray(0, bytes.length - 200) });
    await page.getByRole('button', { name: 'Verify bundle', exact: true }).click();
    await page.getByText(/Verification FAILED/).waitFor({ timeout: 60_000 });
    await shot('verify');
  });

  it('explains errors a person can act on: a bad go.mod line, an unknown module', async () => {
    await page.getByLabel('go.mod', { exact: true }).fill('module example.com/broken\n\ngo 1.21\n\nfrobnicate everything\n');
    await page.getByLabel('go.sum', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Make the plan' }).click();
    const alert = page.getByRole('alert');
    await alert.getByText('go.mod has an error on line 5').waitFor();
    await page.getByRole('button', { name: 'Show line 5 of go.mod' }).click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('gomod');
    await shot('error');

    await page.getByLabel('go.mod', { exact: true }).fill('');
    await page.getByLabel(/Modules \(module@version/).fill('example.com/does-not-exist@v1.0.0');
    await page.getByRole('button', { name: 'Make the plan' }).click();
    await page.getByRole('alert').getByText(/does not have this module or version \(404\)|gone \(410\)/).waitFor();
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page.getByLabel(/Modules \(module@version/).fill('');
  });

  it('has no serious or critical accessibility violation', async () => {
    expect(await axeViolations(page)).toEqual([]);
  });

  it('works by keyboard alone: plan and download a module@version item', async () => {
    await page.goto(`${app.url}/`);
    await page.getByText('Ready to work offline.').waitFor();
    await tabTo(page, 'Modules (module@version or module@query, one per line)');
    await page.keyboard.type(`${fx.extra.path}@${fx.extra.version}`);
    await tabTo(page, 'Make the plan');
    await page.keyboard.press('Enter');
    await page.getByRole('region', { name: 'Planned modules' }).getByText(fx.extra.path, { exact: true }).waitFor();
    await tabTo(page, 'Download');
    await page.keyboard.press('Enter');
    await page.getByText('All 1 module versions verified').waitFor({ timeout: 60_000 });
    await tabTo(page, 'Export bundle');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.keyboard.press('Enter')]);
    expect(download.suggestedFilename()).toMatch(/\.tar\.gz$/);
  });

  it('starts offline, shows stored jobs, inspects from stored proofs and verifies a bundle', async () => {
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await browser.context.setOffline(true);
    try {
      await page.goto(`${app.url}/`);
      await page.getByText('You are offline.').waitFor();
      const jobs = page.getByRole('region', { name: 'Stored jobs' });
      await expect.poll(() => jobs.locator('tbody tr').count(), { timeout: 20_000 }).toBe(2);
      await jobs.getByRole('button', { name: 'Open job example.com/carryme' }).click();
      await page.getByText(`All ${fx.modules.length} module versions verified`).waitFor({ timeout: 20_000 });
      await page.getByRole('button', { name: 'Inspect go.sum' }).click();
      await page.getByText(/No security finding in 6 lines of go\.sum · checked against sum\.app\.test from stored proofs/).waitFor({ timeout: 30_000 });
      expect(await page.getByRole('region', { name: 'go.sum lines' }).getByText(/matches sum\.app\.test/).count()).toBe(6);

      await page.getByLabel('Bundle file (.tar or .tar.gz)').setInputFiles(bundlePath);
      await page.getByLabel('Trusted checksum database key (optional)').fill(log(db));
      await page.getByRole('button', { name: 'Verify bundle', exact: true }).click();
      await page.getByText(/Bundle verified: 3 module versions, every check passed · consistent with \d+ tree head\(s\) seen before/).waitFor({ timeout: 60_000 });
      await shot('offline');
    } finally {
      await browser.context.setOffline(false);
    }
  });

  it('cleans up: deleting a stored job frees its files', async () => {
    await page.goto(`${app.url}/`);
    const jobs = page.getByRole('region', { name: 'Stored jobs' });
    await expect.poll(() => jobs.locator('tbody tr').count()).toBe(2);
    const name = `${fx.extra.path}@${fx.extra.version}`;
    await jobs.getByRole('button', { name: `Delete job ${name}` }).click();
    await jobs.getByRole('button', { name: `Confirm deleting job ${name}` }).click();
    await page.getByText(/Deleted the job; .* freed\./).waitFor();
    await expect.poll(() => jobs.locator('tbody tr').count()).toBe(1);
    await shot('storage');
  });

  it('saw no console errors or uncaught page errors', () => {
    expect(problems).toEqual([]);
  });
});

/** The test database's verifier key. */
function log(server: RunningSumdbServer): string {
  return server.log.vkey;
}
