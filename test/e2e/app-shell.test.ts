import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumAvailability, launchChromium, serveApp } from '../support/browser.ts';
import type { LaunchedChromium } from '../support/browser.ts';
import type { RunningServer } from '../../src/server/createServer.ts';

// The production build in the system Chromium: first screen, service worker,
// offline start from the precache, installability, and the server's headers.
// The steps share one page and run in order: each builds on the state the
// previous one left (SW installed, then controlling, then offline). The profile
// is a fresh persistent one: Chromium reports an ephemeral (incognito) context
// as not installable.
const SCREENSHOTS = join(import.meta.dirname, '../../test-results/screenshots');
const OFFLINE_PROBE = 'offline-probe';
const chromium = chromiumAvailability();

describe.skipIf(!chromium.ok)('app shell in Chromium', () => {
  let server: RunningServer;
  let browser: LaunchedChromium;
  let profile: string;
  let page: Page;
  /** Console errors and CSP violations seen on the page, asserted empty at the end. */
  const problems: string[] = [];

  beforeAll(async () => {
    server = await serveApp();
    profile = mkdtempSync(join(tmpdir(), 'modcarry-e2e-profile-'));
    browser = await launchChromium({ userDataDir: profile });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('console', (m) => {
      // The offline probe below fails on purpose; Chromium logs that as an error.
      if (m.type() === 'error' && !m.location().url.includes(OFFLINE_PROBE)) problems.push(`console: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    // Blink reports CSP violations as DOM events; forward them.
    await page.exposeFunction('reportCspViolation', (text: string) => problems.push(`csp: ${text}`));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window as unknown as { reportCspViolation(t: string): void }).reportCspViolation(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('renders the first screen with its security and cache headers', async () => {
    const response = await page.goto(server.url + '/');
    expect(response?.status()).toBe(200);
    const headers = response?.headers() ?? {};
    expect(headers['cache-control']).toBe('no-cache');
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');

    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('modcarry');
    // Every script of the built page is a file (the CSP allows nothing inline).
    const inline = await page.$$eval('script', (ss) => ss.filter((s) => !s.src).length);
    expect(inline).toBe(0);

    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.getByRole('status').filter({ hasText: 'Ready to work offline.' }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'first-screen.png') });
  });

  it('serves hashed assets immutable and the SW and manifest no-cache', async () => {
    const assets = await page.$$eval('script[src], link[rel=stylesheet]', (els) =>
      els.map((e) => (e instanceof HTMLScriptElement ? e.src : (e as HTMLLinkElement).href)),
    );
    expect(assets.length).toBeGreaterThanOrEqual(1);
    for (const url of [...assets]) {
      expect(new URL(url).pathname).toMatch(/^\/assets\/.+-[\w-]{8,}\.(js|css)$/);
      const r = await page.request.get(url);
      expect(r.headers()['cache-control'], url).toBe('public, max-age=31536000, immutable');
    }
    for (const path of ['/sw.js', '/manifest.webmanifest']) {
      const r = await page.request.get(server.url + path);
      expect(r.status(), path).toBe(200);
      expect(r.headers()['cache-control'], path).toBe('no-cache');
    }
  });

  it('registers a service worker that controls the page after a reload', async () => {
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    expect(scope).toBe(server.url + '/');
    await page.reload();
    const controller = await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null);
    expect(controller).toBe(server.url + '/sw.js');
  });

  it('starts offline from the precached shell, deep links included', async () => {
    await browser.context.setOffline(true);
    try {
      // Proves the emulation is in force: the network is unreachable from the page.
      const direct = await page.evaluate(async (probe) => {
        try {
          await fetch(`/manifest.webmanifest?${probe}`, { cache: 'no-store' });
          return 'fetched';
        } catch {
          return 'failed';
        }
      }, OFFLINE_PROBE);
      expect(direct).toBe('failed');

      for (const path of ['/', '/plan/golang.org/x/mod']) {
        const response = await page.goto(server.url + path);
        expect(response?.fromServiceWorker(), path).toBe(true);
        await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('modcarry');
        await page.getByRole('status').filter({ hasText: 'Ready to work offline.' }).waitFor();
      }
    } finally {
      await browser.context.setOffline(false);
    }
  });

  it('is installable: Page.getInstallabilityErrors reports none', async () => {
    await page.goto(server.url + '/');
    const cdp = await browser.context.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: { errorId: string }[];
    };
    expect(installabilityErrors).toEqual([]);
    const { url, errors } = (await cdp.send('Page.getAppManifest')) as { url: string; errors: unknown[] };
    expect(url).toBe(server.url + '/manifest.webmanifest');
    expect(errors).toEqual([]);
    await cdp.detach();
  });

  it('saw no console errors and no CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
