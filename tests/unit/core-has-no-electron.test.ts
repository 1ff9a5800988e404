import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The core, the test host, the CLI and the shared contract must run in plain Node (a worker
 * thread, the browser-test host, a terminal), where 'electron' is only a path to a binary. The
 * lint rule says the same; this test holds even if the lint config changes.
 */

const repo = fileURLToPath(new URL('../..', import.meta.url));
const ELECTRON_FREE = ['electron/core', 'electron/host', 'electron/cli', 'shared'];
const SOURCE = /\.(c|m)?(t|j)sx?$/;

// `import x from 'electron'`, `import 'electron'`, `export … from 'electron'`, `import('electron')`,
// `require('electron')`, and the 'electron/main' style subpaths. Type-only imports count too:
// they would make the file depend on Electron's types, a sign the code leans on the shell.
const ELECTRON_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"`]electron(?:\/[^'"`]*)?['"`]/;

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && SOURCE.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('the core has no Electron', () => {
  it('recognises every way of importing electron (so the scan below means something)', () => {
    for (const line of [
      "import { app } from 'electron';",
      'import type { SafeStorage } from "electron";',
      "import 'electron';",
      "export { app } from 'electron';",
      "const e = await import('electron');",
      "const { ipcMain } = require('electron');",
      "const m = require( 'electron/main' );",
      'import x from `electron`;',
    ]) {
      expect(line).toMatch(ELECTRON_IMPORT);
    }
    for (const line of [
      "import { x } from './electron-ish.js';",
      "import builder from 'electron-builder';",
      "const path = '../electron/core/api.js';",
      '// electron apps run a main process',
    ]) {
      expect(line).not.toMatch(ELECTRON_IMPORT);
    }
  });

  it.each(ELECTRON_FREE)('%s imports nothing from electron', (folder) => {
    const files = sourceFiles(join(repo, folder));
    const offenders = files
      .filter((file) => ELECTRON_IMPORT.test(readFileSync(file, 'utf8')))
      .map((file) => relative(repo, file));
    expect(offenders).toEqual([]);
  });

  it('actually scanned the core and the contract', () => {
    expect(sourceFiles(join(repo, 'electron/core')).length).toBeGreaterThan(0);
    expect(sourceFiles(join(repo, 'shared')).length).toBeGreaterThan(0);
  });
});
