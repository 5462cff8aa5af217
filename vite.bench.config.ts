import { defineConfig } from 'vite';

// `npm run bench` (scripts/bench.mjs) builds two things with this file:
// - mode "node" (the default): the runner and a copy of the CLI, for Node >= 20.19
//   without a TypeScript loader, into dist/bench (never dist/cli, which other
//   tools use while the benchmarks run);
// - mode "web": the page that hashes zips with our core in Chromium, into dist/bench-web.
export default defineConfig(({ mode }) =>
  mode === 'web'
    ? {
        root: 'bench/browser',
        base: './',
        publicDir: false,
        build: { outDir: '../../dist/bench-web', emptyOutDir: true, target: 'es2023', minify: false, sourcemap: false },
      }
    : {
        publicDir: false,
        build: {
          ssr: true,
          outDir: 'dist/bench',
          emptyOutDir: true,
          target: 'node20',
          minify: false,
          sourcemap: true,
          rolldownOptions: {
            input: { run: 'bench/run.ts', modcarry: 'bench/cliEntry.ts', 'zip-hash-thread': 'src/platform/node/zipHashThread.ts' },
            output: { entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' },
          },
        },
      },
);
