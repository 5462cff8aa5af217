import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startForwarder } from '../support/forwarder.ts';
import type { Forwarder } from '../support/forwarder.ts';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import type { Page } from 'playwright-core';
import { chromiumAvailability, chromiumBrowserPid, launchChromium } from '../support/browser.ts';
import type { LaunchedChromium } from '../support/browser.ts';
import { startFixtureProxy } from '../support/fixtureProxy.ts';
import type { FixtureProxy } from '../support/fixtureProxy.ts';
import { watchWorkers } from '../support/workerTargets.ts';
import { writeZip } from '../support/zipWriter.ts';
import { createServer as createAppServer } from '../../src/server/createServer.ts';
import type { RunningServer } from '../../src/server/createServer.ts';
import { hashGoMod, hashZip } from '../../src/core/dirhash/hash.ts';
import { openZip } from '../../src/core/zip/reader.ts';
import { bytesSource } from '../../src/core/zip/source.ts';
import type { Plan, PlannedModule } from '../../src/core/plan/types.ts';
import type { EngineBridge } from '../../src/app/engineBridge.ts';
import type { JobProgress } from '../../src/engine/engine.ts';

// The durable download engine in Chromium, driven through the page's bridge
// (window.modcarry, present in the 'e2e' build mode only) against the loopback
// fixture proxy, reached same-origin through a test relay at /goproxy/ (the
// app's CSP allows connect-src 'self' only, as production does). Zips are sent
// slowly so each scenario can interrupt a download in the middle: network
// cut, page reload, browser killed. The service worker's metadata cache is
// checked at the end. (Quota exhaustion is covered by the store's unit tests:
// CDP Storage.overrideQuotaForOrigin did not change navigator.storage.estimate()
// in a persistent Chromium 156 profile.)
const ROOT = resolve(import.meta.dirname, '../..');
const ZIP_SIZE = 3 << 20;
const CHUNK = 64 << 10;
const chromium = chromiumAvailability();

interface Fixture {
  path: string;
  version: string;
  zip: Uint8Array;
  mod: Uint8Array;
  zipSha256: string;
  module: PlannedModule;
}

/** One module whose zip is ZIP_SIZE bytes of incompressible data (stored, so it stays that big). */
async function writeModule(dir: string, path: string, seed: number): Promise<Fixture> {
  const version = 'v1.0.0';
  const mod = new TextEncoder().encode(`module ${path}\n\ngo 1.21\n`);
  const data = new Uint8Array(ZIP_SIZE);
  let x = seed * 2654435761;
  for (let i = 0; i < data.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  const zip = writeZip([
    { name: `${path}@${version}/go.mod`, data: mod },
    { name: `${path}@${version}/data.bin`, data, method: 0 },
  ]);
  const vdir = join(dir, path, '@v');
  mkdirSync(vdir, { recursive: true });
  writeFileSync(join(vdir, 'list'), `${version}\n`);
  writeFileSync(join(vdir, `${version}.info`), JSON.stringify({ Version: version, Time: '2024-01-01T00:00:00Z' }));
  writeFileSync(join(vdir, `${version}.mod`), mod);
  writeFileSync(join(vdir, `${version}.zip`), zip);
  const h1zip = await hashZip(await openZip(bytesSource(zip)));
  const h1mod = await hashGoMod(mod);
  return {
    path,
    version,
    zip,
    mod,
    zipSha256: createHash('sha256').update(zip).digest('hex'),
    module: { path, version, fetchPath: path, fetchVersion: version, files: ['info', 'mod', 'zip'], reasons: ['query'], goSum: { zip: [h1zip], mod: [h1mod] } },
  };
}

function planOf(f: Fixture): Plan {
  return { formatVersion: 1, modules: [f.module], goSumNotNeeded: [], goSumMissing: [], notCarried: [], warnings: [] };
}

/**
 * A front server on one origin: /goproxy/* to the fixture proxy (the relay the
 * app's server will provide), everything else to the built app; cut() is the
 * network cut.
 */
function startFront(app: RunningServer, proxy: FixtureProxy): Promise<Forwarder> {
  return startForwarder((url, headers) => {
    const toProxy = url.startsWith('/goproxy/');
    const target = new URL(toProxy ? url.slice('/goproxy'.length) : url, toProxy ? proxy.url : app.url);
    return { target, headers: { ...headers, host: target.host } };
  });
}

type Hooked = { modcarry?: EngineBridge };

async function bridgeReady(page: Page): Promise<string> {
  await page.waitForFunction(() => (window as Hooked).modcarry !== undefined);
  return page.evaluate(() => (window as Hooked).modcarry!.ready);
}

async function progress(page: Page, jobId: string): Promise<JobProgress> {
  return page.evaluate((id) => (window as Hooked).modcarry!.call('progress', id), jobId);
}

/** Creates a job for f and starts it without waiting for the end. */
async function startJob(page: Page, f: Fixture, goproxy: string): Promise<string> {
  return page.evaluate(
    async ({ plan, goproxy, chunk }) => {
      const m = (window as Hooked).modcarry!;
      const job = await m.call(
        'createJob',
        { env: { GOPROXY: goproxy, GONOPROXY: '', GOSUMDB: 'off', GONOSUMDB: '' }, sources: [{ kind: 'e2e', name: 'downloads.test.ts' }] },
        plan,
        { chunkSize: chunk, retry: { baseDelayMs: 200, maxDelayMs: 1000 }, probeIntervalMs: 500 },
      );
      void m.call('start', job.id).catch(() => undefined);
      return job.id;
    },
    { plan: planOf(f), goproxy, chunk: CHUNK },
  );
}

async function waitBytes(page: Page, jobId: string, atLeast: number): Promise<number> {
  let bytes = 0;
  await expect
    .poll(async () => (bytes = (await progress(page, jobId)).bytes), { timeout: 60_000, interval: 100 })
    .toBeGreaterThanOrEqual(atLeast);
  return bytes;
}

async function waitDone(page: Page, jobId: string): Promise<JobProgress> {
  await expect.poll(async () => (await progress(page, jobId)).status, { timeout: 90_000, interval: 200 }).toBe('done');
  return progress(page, jobId);
}

/**
 * SHA-256 of the verified zip as the page's IndexedDB holds it, read through
 * Blob bytes: its own Blob, or the download chunks it keeps (idbStore.ts);
 * kept tells which.
 */
async function storedZip(page: Page, f: Fixture): Promise<{ sha256: string; kept: boolean } | null> {
  return page.evaluate(async (path) => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open('modcarry');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const request = <T,>(r: IDBRequest): Promise<T> =>
      new Promise<T>((res, rej) => {
        r.onsuccess = () => res(r.result as T);
        r.onerror = () => rej(r.error);
      });
    const key = `cache/download/${path}/@v/v1.0.0.zip`;
    const tx = db.transaction(['files', 'chunks']);
    const value = await request<{ record: { verified: boolean }; data?: Blob; chunks?: number } | undefined>(tx.objectStore('files').get(key));
    const parts =
      value?.chunks === undefined ? [] : await request<{ data: Blob }[]>(tx.objectStore('chunks').getAll(IDBKeyRange.bound([key, 0], [key, value.chunks], false, true)));
    db.close();
    if (value === undefined || !value.record.verified) return null;
    const blob = value.data ?? new Blob(parts.map((p) => p.data));
    const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
    return { sha256: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join(''), kept: value.data === undefined };
  }, f.path);
}

/** SHA-256 of the verified zip as the page's IndexedDB holds it (storedZip). */
async function storedZipSha256(page: Page, f: Fixture): Promise<string | null> {
  return (await storedZip(page, f))?.sha256 ?? null;
}

async function readEvents(page: Page, jobId: string): Promise<string[]> {
  const log = await page.evaluate((id) => (window as Hooked).modcarry!.call('readLog', id), jobId);
  return log.map((e) => (e.module === '' ? e.event : `${e.event}:${e.detail ?? ''}`));
}

describe.skipIf(!chromium.ok)('durable downloads in Chromium', () => {
  let work: string;
  let appDir: string;
  let app: RunningServer;
  let proxy: FixtureProxy;
  let front: Forwarder;
  let browser: LaunchedChromium | undefined;
  let profile: string;
  let page: Page;
  let goproxy: string;
  const fixtures: Fixture[] = [];
  const pageErrors: string[] = [];

  async function launch(): Promise<void> {
    browser = await launchChromium({ userDataDir: profile });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(front.url + '/');
    expect(await bridgeReady(page)).toBe('leader');
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'modcarry-e2e-downloads-'));
    appDir = join(work, 'app');
    // The app as production builds it, plus window.modcarry (mode 'e2e').
    // Vitest sets NODE_ENV=test, which would make Vite build a development
    // bundle (import.meta.env.DEV, no service worker registration).
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    await build({
      configFile: join(ROOT, 'vite.config.ts'),
      root: ROOT,
      mode: 'e2e',
      logLevel: 'warn',
      build: { outDir: appDir, emptyOutDir: true },
      plugins: [
        {
          name: 'modcarry-e2e-engine-hook',
          transform(code, id) {
            if (resolve(id) !== join(ROOT, 'src/app/main.tsx')) return null;
            return { code: `${code}\nimport { installEngineHook } from './engineBridge.ts';\ninstallEngineHook();\n`, map: null };
          },
        },
      ],
    }).finally(() => {
      process.env.NODE_ENV = nodeEnv;
    });
    const tree = join(work, 'proxy');
    for (let i = 0; i < 4; i++) fixtures.push(await writeModule(tree, `example.com/big${i}`, i + 1));
    proxy = await startFixtureProxy({ root: tree, faults: [{ path: '**/*.zip', fault: { kind: 'slow', bytesPerSecond: 1_500_000 } }] });
    app = await createAppServer({ root: appDir, port: 0, host: '127.0.0.1' });
    front = await startFront(app, proxy);
    goproxy = `${front.url}/goproxy`;
    profile = join(work, 'profile');
    await launch();
    // Let the service worker take control, so the worker's metadata fetches go through it.
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await page.reload();
    expect(await bridgeReady(page)).toBe('leader');
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  }, 180_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await front?.close();
    await app?.close();
    await proxy?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('finishes with identical bytes after the network is cut mid-download and restored, then ends its zip hashing workers', async () => {
    const f = fixtures[0]!;
    const workers = await watchWorkers(page);
    const zipHashing = (urls: string[]): string[] => urls.filter((u) => /\/zipHash\.worker[^/]*\.js$/.test(u));
    const jobId = await startJob(page, f, goproxy);
    await waitBytes(page, jobId, 4 * CHUNK);
    await browser!.context.setOffline(true);
    front.cut();
    const cutAt = (await progress(page, jobId)).bytes;
    expect(cutAt).toBeLessThan(f.zip.length);
    // While offline nothing completes.
    await page.waitForTimeout(1500);
    expect((await progress(page, jobId)).status).not.toBe('done');
    await browser!.context.setOffline(false);
    const done = await waitDone(page, jobId);
    expect(done.counts.verified).toBe(1);
    expect(done.bytes).toBe(f.zip.length);
    // Stored as the very chunks it was downloaded in, not copied into a Blob of its own.
    expect(await storedZip(page, f)).toEqual({ sha256: f.zipSha256, kept: true });
    // The change log tells the story: created, started, lost the network, got it back, verified, done.
    const events = await readEvents(page, jobId);
    expect(events[0]).toBe('job-created');
    expect(events).toContain('job-start');
    expect(events).toContain('offline');
    expect(events).toContain('online');
    expect(events.indexOf('offline')).toBeLessThan(events.indexOf('online'));
    expect(events.at(-1)).toBe('job-done');
    // The zip was fetched with Range requests resuming after the committed bytes, not from 0 again.
    const zipRequests = proxy.log.requests(`/${f.path}/@v/v1.0.0.zip`);
    expect(zipRequests.some((r) => r.range !== undefined && r.range !== 'bytes=0-')).toBe(true);
    // The zip was hashed in a worker of the engine's, which the job's end
    // terminated: an idle worker would keep its last buffers indefinitely.
    expect(zipHashing(workers.seen()).length).toBeGreaterThan(0);
    await expect.poll(() => zipHashing(workers.live().map((w) => w.url)), { timeout: 10_000, interval: 100 }).toEqual([]);
    expect(workers.live().some((w) => /\/engine\.worker[^/]*\.js$/.test(w.url))).toBe(true);
    await workers.detach();
  });

  it('resumes after the page is reloaded mid-download', async () => {
    const f = fixtures[1]!;
    const jobId = await startJob(page, f, goproxy);
    const before = await waitBytes(page, jobId, 4 * CHUNK);
    await page.reload();
    expect(await bridgeReady(page)).toBe('leader');
    // Bytes committed before the reload are still counted.
    expect((await progress(page, jobId)).bytes).toBeGreaterThanOrEqual(before);
    const done = await waitDone(page, jobId);
    expect(done.counts.verified).toBe(1);
    expect(await storedZipSha256(page, f)).toBe(f.zipSha256);
    const zipBytes = proxy.log.bytesServed(`/${f.path}/@v/v1.0.0.zip`);
    expect(zipBytes).toBeLessThan(2 * f.zip.length);
  });

  it('finishes after the browser process is killed and relaunched on the same profile', async () => {
    const f = fixtures[2]!;
    const jobId = await startJob(page, f, goproxy);
    const before = await waitBytes(page, jobId, 4 * CHUNK);
    const main = chromiumBrowserPid(profile);
    expect(main).toBeDefined();
    process.kill(main!, 'SIGKILL');
    await browser!.close().catch(() => undefined);
    browser = undefined;
    await launch();
    expect((await progress(page, jobId)).bytes).toBeGreaterThanOrEqual(before - CHUNK);
    const done = await waitDone(page, jobId);
    expect(done.counts.verified).toBe(1);
    expect(await storedZipSha256(page, f)).toBe(f.zipSha256);
  });

  it('serves .mod and .info from the service worker cache offline, and never caches zips', async () => {
    const f = fixtures[0]!;
    const names = await page.evaluate(async () => {
      const out: string[] = [];
      for (const name of await caches.keys()) {
        for (const req of await (await caches.open(name)).keys()) out.push(new URL(req.url).pathname);
      }
      return out;
    });
    expect(names).toContain(`/goproxy/${f.path}/@v/v1.0.0.mod`);
    expect(names).toContain(`/goproxy/${f.path}/@v/v1.0.0.info`);
    expect(names.filter((n) => n.endsWith('.zip'))).toEqual([]);

    await browser!.context.setOffline(true);
    try {
      const got = await page.evaluate(async (path) => {
        const mod = await fetch(`/goproxy/${path}/@v/v1.0.0.mod`);
        const info = await fetch(`/goproxy/${path}/@v/v1.0.0.info`);
        const zip = await fetch(`/goproxy/${path}/@v/v1.0.0.zip`, { headers: { Range: 'bytes=0-9' } }).then(
          (r) => `status ${r.status}`,
          () => 'failed',
        );
        return { mod: await mod.text(), info: (await info.json()) as { Version: string }, zip };
      }, f.path);
      expect(got.mod).toBe(new TextDecoder().decode(f.mod));
      expect(got.info.Version).toBe('v1.0.0');
      expect(got.zip).toBe('failed');
    } finally {
      await browser!.context.setOffline(false);
    }
  });

  it('pauses with the numbers when the storage quota is smaller than the plan needs, and loses nothing', async () => {
    const f = fixtures[3]!;
    // An 'e2e' build hands the worker a 100000-byte quota from the URL; the job needs
    // room for one chunk per concurrent zip (4 x 64 KiB) before it starts.
    await page.goto(front.url + '/?e2eQuota=100000');
    expect(await bridgeReady(page)).toBe('leader');
    const jobId = await startJob(page, f, goproxy);
    await expect.poll(async () => (await progress(page, jobId)).status, { timeout: 30_000, interval: 100 }).toBe('paused');
    const paused = await progress(page, jobId);
    expect(paused.pauseReason).toBe('storage is full: 262144 more bytes are needed, 100000 are available');
    expect(await readEvents(page, jobId)).toContain('quota');
    // With the real quota back the same job resumes and finishes.
    await page.goto(front.url + '/');
    expect(await bridgeReady(page)).toBe('leader');
    void page.evaluate((id) => (window as Hooked).modcarry!.call('resume', id), jobId).catch(() => undefined);
    const done = await waitDone(page, jobId);
    expect(done.counts.verified).toBe(1);
    expect(await storedZipSha256(page, f)).toBe(f.zipSha256);
  });

  it('keeps the bytes of a Blob joined from stored chunks whose records the same commit deletes (the store\'s copy path)', async () => {
    // What idbStore does when a verified zip's chunks do not match its record:
    // the Blob assembled from the chunk Blobs (read in earlier transactions)
    // is put as the file while the chunk records are deleted in the same
    // transaction. Chromium must keep the chunks' bytes for the live handles.
    const r = await page.evaluate(async () => {
      const name = 'modcarry-copy-path-test';
      await new Promise((res) => {
        const d = indexedDB.deleteDatabase(name);
        d.onsuccess = d.onerror = () => res(undefined);
      });
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const o = indexedDB.open(name, 1);
        o.onupgradeneeded = () => {
          o.result.createObjectStore('chunks');
          o.result.createObjectStore('files');
        };
        o.onsuccess = () => res(o.result);
        o.onerror = () => rej(o.error);
      });
      const request = <T,>(q: IDBRequest): Promise<T> =>
        new Promise<T>((res, rej) => {
          q.onsuccess = () => res(q.result as T);
          q.onerror = () => rej(q.error);
        });
      const done = (tx: IDBTransaction): Promise<void> =>
        new Promise((res, rej) => {
          tx.oncomplete = () => res();
          tx.onerror = tx.onabort = () => rej(tx.error);
        });
      const sha = async (b: Blob): Promise<string> => [...new Uint8Array(await crypto.subtle.digest('SHA-256', await b.arrayBuffer()))].map((x) => x.toString(16).padStart(2, '0')).join('');
      // Three chunks of distinct bytes, 3 MiB in all (over any inline threshold).
      const parts = [0, 1, 2].map((i) => {
        const b = new Uint8Array(1 << 20);
        for (let j = 0; j < b.length; j += 4096) b[j] = (i * 7 + j / 4096) & 0xff;
        return b;
      });
      const want = await sha(new Blob(parts));
      let tx = db.transaction('chunks', 'readwrite');
      parts.forEach((p, i) => tx.objectStore('chunks').put(new Blob([p]), i));
      await done(tx);
      // Read in a transaction of their own, as the engine assembles a zip.
      tx = db.transaction('chunks');
      const chunks = await request<Blob[]>(tx.objectStore('chunks').getAll());
      await done(tx);
      const joined = new Blob(chunks);
      tx = db.transaction(['chunks', 'files'], 'readwrite');
      tx.objectStore('chunks').delete(IDBKeyRange.lowerBound(0));
      tx.objectStore('files').put(joined, 'zip');
      await done(tx);
      tx = db.transaction(['chunks', 'files']);
      const [left, file] = await Promise.all([request<number>(tx.objectStore('chunks').count()), request<Blob | undefined>(tx.objectStore('files').get('zip'))]);
      await done(tx);
      db.close();
      const got = file === undefined ? null : await sha(file);
      await new Promise((res) => {
        const d = indexedDB.deleteDatabase(name);
        d.onsuccess = d.onerror = () => res(undefined);
      });
      return { left, got, want, size: file?.size ?? 0 };
    });
    expect(r.left).toBe(0);
    expect(r.size).toBe(3 << 20);
    expect(r.got).toBe(r.want);
  });

  it('gives each piece a DecompressionStream or a Blob read hands out memory of its own, which transfer(0) frees (what freeBuffer relies on)', async () => {
    // The zip reader frees those pieces as soon as it has copied or hashed
    // them (src/core/internal/webstd.ts freeBuffer): that is safe only if no
    // piece shares its ArrayBuffer with another or with the stream.
    const r = await page.evaluate(async () => {
      const text = new TextEncoder().encode('package m\n\nfunc F() int { return 42 }\n'.repeat(20_000));
      const compressed = new Uint8Array(await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer());
      const ds = new DecompressionStream('deflate-raw');
      const writer = ds.writable.getWriter();
      void writer.write(compressed).then(() => writer.close());
      const reader = ds.readable.getReader();
      const buffers = new Set<ArrayBuffer>();
      let pieces = 0;
      let own = 0;
      let out = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        pieces++;
        if (value.byteOffset === 0 && value.byteLength === value.buffer.byteLength && !buffers.has(value.buffer as ArrayBuffer)) own++;
        buffers.add(value.buffer as ArrayBuffer);
        out += value.length;
        (value.buffer as ArrayBuffer & { transfer(n: number): ArrayBuffer }).transfer(0);
        if (value.buffer.byteLength !== 0 || value.length !== 0) return { error: 'transfer(0) left the piece readable' };
      }
      const blob = new Blob([text]);
      const a = await blob.slice(0, 300_000).arrayBuffer();
      const b = await blob.slice(0, 300_000).arrayBuffer();
      return { pieces, own, out, want: text.length, blobDistinct: a !== b && a.byteLength === 300_000 };
    });
    expect(r).toEqual({ pieces: r.pieces, own: r.pieces, out: r.want, want: r.want, blobDistinct: true });
    expect(r.pieces).toBeGreaterThan(1);
  });

  it('saw no uncaught page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
