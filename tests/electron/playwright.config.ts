import { defineConfig } from '@playwright/test';

/**
 * The real Electron app driven by Playwright's `_electron`. Where no Electron binary is installed
 * (the build machines here: ELECTRON_SKIP_BINARY_DOWNLOAD=1, no network) app.spec.ts skips every
 * test with a message saying so, and the run still succeeds. Run `npm run build` first.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../../test-results/electron',
  // One Electron at a time: each launch is a whole browser plus the core worker.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
