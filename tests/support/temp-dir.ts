import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export { FAST_SCRYPT } from './fast-scrypt.js';

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
export * from '../../testkit/fixture-paths.js';
