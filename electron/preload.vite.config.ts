import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * Bundles electron/preload.ts into dist/electron/preload.cjs. A sandboxed preload runs as a
 * classic script whose `require` knows only 'electron' and a few built-ins: no ESM, no relative
 * imports, no node_modules. So the contract (and zod with it) is inlined and 'electron' is left
 * as the one external require.
 */
const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist/electron',
    // tsc writes main and the core into the same folder first; only this one file is ours.
    emptyOutDir: false,
    // Chromium 140 (Electron 45) runs it; nothing needs lowering.
    target: 'es2023',
    minify: false,
    sourcemap: false,
    reportCompressedSize: false,
    lib: {
      entry: fileURLToPath(new URL('./preload.ts', import.meta.url)),
      formats: ['cjs'],
      fileName: () => 'preload.cjs',
    },
    rolldownOptions: {
      external: ['electron'],
    },
  },
});
