/**
 * Real-browser support for the e2e layer: the system Chromium driven by
 * playwright-core (which never downloads browsers), and the built app served
 * by our own server on loopback.
 */
import { existsSync, accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext } from 'playwright-core';
import { createServer } from '../../src/server/createServer.ts';
import type { RunningServer } from '../../src/server/createServer.ts';
import { procPids } from './procPids.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags for a quiet, hermetic headless run: no sandbox (containers), no GPU, no
 * QUIC, and none of the background traffic (component updates, sync, field
 * trials) that would reach beyond loopback.
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ChromiumAvailability {
  ok: boolean;
  /** Why Chromium cannot be used, for the skip message. */
  reason: string;
}

/** Whether the system Chromium exists, so e2e suites can skip with a reason. */
export function chromiumAvailability(): ChromiumAvailability {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return { ok: true, reason: '' };
  } catch {
    const reason = `no executable Chromium at ${CHROMIUM_PATH}`;
    console.warn(`modcarry e2e: SKIPPED: ${reason}`);
    return { ok: false, reason };
  }
}

export interface LaunchOptions {
  /** A profile directory: the context persists there (IndexedDB on disk, SW registrations). */
  userDataDir?: string;
}

export interface LaunchedChromium {
  context: BrowserContext;
  /** The browser, for a non-persistent launch; a persistent context has none. */
  browser: Browser | null;
  close(): Promise<void>;
}

/**
 * Launches the system Chromium with service workers allowed: one ephemeral
 * context, or a persistent one when userDataDir is given.
 */
export async function launchChromium(options: LaunchOptions = {}): Promise<LaunchedChromium> {
  const common = { executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_FLAGS] };
  if (options.userDataDir !== undefined) {
    const context = await chromium.launchPersistentContext(options.userDataDir, { ...common, serviceWorkers: 'allow' });
    return { context, browser: null, close: () => context.close() };
  }
  const browser = await chromium.launch(common);
  const context = await browser.newContext({ serviceWorkers: 'allow' });
  return {
    context,
    browser,
    close: async () => {
      await context.close();
      await browser.close();
    },
  };
}

/** dist/app, where `npm run build:app` writes the production build. */
export const BUILT_APP = join(import.meta.dirname, '../../dist/app');

/**
 * Serves a built app on 127.0.0.1 at a free port. The e2e layer tests the
 * production build (service workers behave differently under the dev server),
 * so a missing build is an error, not a skip.
 */
export async function serveApp(root: string = BUILT_APP): Promise<RunningServer> {
  if (!existsSync(join(root, 'index.html')) || !existsSync(join(root, 'sw.js'))) {
    throw new Error(`modcarry e2e: no built app in ${root}; run \`npm run build\` first`);
  }
  return createServer({ root, port: 0, host: '127.0.0.1' });
}

/** The pid of the Chromium browser process running on profile (the one of its processes without --type=), from /proc. */
export function chromiumBrowserPid(profile: string): number | undefined {
  for (const pid of procPids()) {
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (args.includes(`--user-data-dir=${profile}`) && !args.some((a) => a.startsWith('--type='))) return pid;
  }
  return undefined;
}
