import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-results/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/engine/**/*.ts'],
    rules: {
      // Core is isomorphic: the runtime reaches it only through ports and core/internal/webstd.ts.
      'no-restricted-globals': [
        'error',
        ...['window', 'document', 'indexedDB', 'localStorage', 'navigator', 'fetch', 'process', 'Buffer', 'self', 'location', 'caches', 'XMLHttpRequest', 'setTimeout', 'setInterval'].map((name) => ({
          name,
          message: 'core and engine are isomorphic: reach the runtime through a port (storage, network, clock) or core/internal/webstd.ts',
        })),
      ],
    },
  },
  {
    files: ['scripts/**/*.{js,mjs}', 'bin/**/*.{mjs,cjs}', 'bench/**/*.cjs', '*.config.{js,ts}', 'test/**/*.{ts,mjs}', 'src/cli/**', 'src/server/**', 'src/platform/node/**'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // The launchers are CommonJS so they can size libuv's threadpool before any ES module loads.
    files: ['bin/**/*.cjs', 'bench/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/app/**', 'src/ui/**', 'src/platform/browser/**', 'src/worker/**', 'sw/**'],
    languageOptions: { globals: { ...globals.browser, ...globals.serviceworker } },
  },
);
