// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'release/**',
      'node_modules/**',
      'tests/fixtures/**',
      'test-results/**',
      'tests/artifacts/**',
      'bench/out/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
    },
  },
  {
    // The core must run without Electron (in the test host, the CLI and a worker thread):
    // only electron/main.ts, electron/preload.cts and electron/shell/** may import it.
    files: ['electron/core/**', 'electron/host/**', 'electron/cli/**', 'shared/**', 'renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'Only the shell may import electron.' }] },
      ],
    },
  },
  {
    // The renderer is sandboxed: it reaches the vault only through renderer/src/lib/api.ts.
    files: ['renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', '**/electron/**'], message: 'The renderer has no Node and no core.' },
          ],
          paths: ['electron'],
        },
      ],
    },
  },
  {
    // The benchmarks and the generators they share with the tests stand alone: they never reach
    // into tests/ (tests/unit/bench-stands-alone.test.ts also checks dynamic imports).
    files: ['bench/**', 'testkit/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/tests/**'], message: 'Shared generators live in testkit/.' }] },
      ],
    },
  },
);
