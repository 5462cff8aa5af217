import { defineConfig } from 'vite';

// The Node side, for Node >= 20.19 without a TypeScript loader: the CLI
// (dist/cli/modcarry.mjs, run by bin/modcarry.cjs) and the app server
// (dist/cli/server.mjs, imported by scripts/start.mjs) and the fixture proxy
// (dist/cli/fixture-proxy.mjs, run by scripts/fixture-proxy.mjs). npm dependencies stay
// imports that resolve from node_modules; code the two share goes to chunks/.
export default defineConfig({
  publicDir: false,
  build: {
    ssr: true,
    outDir: 'dist/cli',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: true,
    rolldownOptions: {
      input: {
        modcarry: 'src/cli/main.ts',
        // The CLI's zip hashing threads (src/platform/node/nodeZipHasher.ts finds it beside the bundle).
        'zip-hash-thread': 'src/platform/node/zipHashThread.ts',
        server: 'src/server/createServer.ts',
        // `npm run fixture-proxy`: the loopback GOPROXY with faults that tests and benchmarks use.
        'fixture-proxy': 'test/support/fixtureProxyMain.ts',
      },
      output: {
        entryFileNames: '[name].mjs',
        chunkFileNames: 'chunks/[name]-[hash].mjs',
      },
    },
  },
});
