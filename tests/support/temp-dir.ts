import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { ScryptParams } from '../../electron/core/vault/key-wrapping.js';

/** Cheap scrypt for tests that unlock many times; the app and the CLI always use the default. */
export const FAST_SCRYPT: Omit<ScryptParams, 'salt'> = { name: 'scrypt', N: 2 ** 12, r: 8, p: 1 };

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder, removed when the test file is done. */
export function tempDir(prefix = 'phr-vault-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

// The fixture paths live apart so code outside vitest (the Playwright tests' servers) can use them.
export * from './fixture-paths.js';
