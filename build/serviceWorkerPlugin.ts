/**
 * Builds sw/sw.ts into <outDir>/sw.js after the app build, with the app's
 * precache manifest injected where the source says `self.__WB_MANIFEST`
 * (the workbox injectManifest convention, so sw.ts reads as any workbox SW).
 *
 * Why not vite-plugin-pwa: it needs workbox-build, which pulls rollup 4 and
 * its per-platform optional packages; the registry this project installs from
 * serves only the Linux ones, and `npm ci` then refuses the lock file. This
 * plugin does the one thing we used from it.
 *
 * Manifest entries: every emitted file but sw.js and source maps. Files under
 * assets/ carry a content hash in their names (revision null); the others get
 * the SHA-256 of their bytes as revision, so a changed index.html is re-fetched.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { build } from 'vite';
import type { Plugin, ResolvedConfig } from 'vite';

interface PrecacheEntry {
  url: string;
  revision: string | null;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** The precache manifest of a built app directory. */
export function precacheManifest(outDir: string): PrecacheEntry[] {
  return walk(outDir)
    .map((file) => relative(outDir, file).split(sep).join('/'))
    .filter((rel) => rel !== 'sw.js' && !rel.endsWith('.map'))
    .sort()
    .map((rel) => ({
      url: `/${rel}`,
      revision: rel.startsWith('assets/') ? null : createHash('sha256').update(readFileSync(join(outDir, rel))).digest('hex').slice(0, 32),
    }));
}

export function serviceWorkerPlugin(opts: { src: string }): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'modcarry-service-worker',
    apply: 'build',
    configResolved(c) {
      config = c;
    },
    async closeBundle() {
      const outDir = resolve(config.root, config.build.outDir);
      const manifest = JSON.stringify(precacheManifest(outDir));
      await build({
        configFile: false,
        logLevel: 'warn',
        publicDir: false,
        plugins: [
          {
            name: 'modcarry-inject-precache-manifest',
            transform(code, id) {
              if (resolve(id) !== resolve(config.root, opts.src)) return null;
              if (!code.includes('self.__WB_MANIFEST')) this.error(`${opts.src} must reference self.__WB_MANIFEST`);
              return { code: code.replaceAll('self.__WB_MANIFEST', manifest), map: null };
            },
          },
        ],
        build: {
          outDir,
          emptyOutDir: false,
          target: 'es2022',
          minify: config.build.minify,
          sourcemap: false,
          copyPublicDir: false,
          rolldownOptions: {
            input: resolve(config.root, opts.src),
            // A classic (non-module) worker: module service workers are too new
            // in some browsers people still use on offline machines.
            output: { format: 'iife', entryFileNames: 'sw.js' },
          },
        },
      });
    },
  };
}
