import { defineConfig } from 'vite';

// The Node CLI: one ESM bundle for Node >= 20.19, with npm dependencies left
// as imports so they resolve from node_modules.
export default defineConfig({
  build: {
    ssr: 'src/cli/main.ts',
    outDir: 'dist/cli',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: true,
    rollupOptions: { output: { entryFileNames: 'modcarry.mjs' } },
  },
});
