/**
 * Builds a CLI command module (src/cli/<name>.ts) into a fresh directory with
 * Vite, as the CLI bundle is built, so tests can run it in a child process
 * (with its own memory limits, or killed mid-run) next to a driver script of
 * their own. Returns nothing: the module is `<outDir>/<name>.mjs`, with the
 * zip hashing thread's entry beside it as in the CLI bundle (so a download
 * command can hash on worker threads with --hash-threads, as the CLI can).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'vite';
import { ZIP_HASH_THREAD_ENTRY } from '../../src/platform/node/nodeZipHasher.ts';

export async function buildCommandModule(name: string, outDir: string): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    configFile: false,
    logLevel: 'silent',
    publicDir: false,
    build: {
      ssr: true,
      outDir,
      emptyOutDir: false,
      target: 'node20',
      minify: false,
      rolldownOptions: { input: { [name]: resolve(`src/cli/${name}.ts`), [ZIP_HASH_THREAD_ENTRY]: resolve('src/platform/node/zipHashThread.ts') }, output: { entryFileNames: '[name].mjs', chunkFileNames: '[name]-[hash].mjs' } },
    },
  });
}
