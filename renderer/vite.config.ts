import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  // Electron loads the page from app://vault/, so every asset path must be relative.
  base: './',
  plugins: [
    svelte({
      configFile: false,
      // The CSP forbids injected <style> elements: component CSS must land in the built .css file.
      emitCss: true,
      compilerOptions: { runes: true, css: 'external' },
    }),
  ],
  build: {
    // Relative to root, so the output lands in dist/renderer wherever the build is started from.
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'chrome130',
    sourcemap: false,
    // No data: URLs: the CSP only trusts files the app serves itself.
    assetsInlineLimit: 0,
  },
});
