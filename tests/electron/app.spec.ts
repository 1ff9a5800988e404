import { _electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SKIP_MESSAGE =
  'Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD); skipping Electron end-to-end tests';

/**
 * Where `require('electron')` would find the binary, worked out the way node_modules/electron
 * does it but without calling it: its index.js starts a download when path.txt is missing, which
 * on a machine without internet hangs or fails instead of answering "not installed".
 */
function installedElectron(): string | null {
  const electronPackage = join(root, 'node_modules', 'electron');
  const pathFile = join(electronPackage, 'path.txt');
  const executable = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override)
    return existsSync(join(override, executable ?? 'electron'))
      ? join(override, executable ?? 'electron')
      : null;
  if (!executable) return null;
  const binary = join(electronPackage, 'dist', executable);
  return existsSync(binary) ? binary : null;
}

const electronBinary = installedElectron();
if (!electronBinary) console.log(SKIP_MESSAGE);
test.skip(!electronBinary, SKIP_MESSAGE);

let app: ElectronApplication;
let page: Page;
let userData: string;

test.beforeEach(async () => {
  for (const built of ['dist/electron/main.js', 'dist/electron/preload.cjs', 'dist/renderer/index.html']) {
    if (!existsSync(join(root, built))) throw new Error(`${built} is missing: run \`npm run build\` first`);
  }
  userData = await mkdtemp(join(tmpdir(), 'phr-electron-'));
  // Playwright resolves the binary with require('electron'), now known to be installed, and adds its
  // loader so it is attached before the first window opens.
  app = await _electron.launch({
    args: ['.'],
    cwd: root,
    env: { ...process.env, PHR_VAULT_USER_DATA: userData } as Record<string, string>,
  });
  page = await app.firstWindow();
});

test.afterEach(async () => {
  await app?.close();
  await rm(userData, { recursive: true, force: true });
});

/** What the page's global object offers, typed without the DOM library the Node tsconfig lacks. */
type PageGlobal = {
  vault: { invoke(channel: string, request: unknown): Promise<unknown> };
  location: { href: string };
  open(url: string, target: string): unknown;
  require?: unknown;
  process?: unknown;
  module?: unknown;
};

test('opens on the first screen, served from app://vault', async () => {
  expect(page.url()).toMatch(/^app:\/\/vault\//);
  await expect(page.getByRole('heading', { level: 1, name: 'Create your vault' })).toBeVisible();
  const ownPage = await page.evaluate(async () => {
    const here = (globalThis as unknown as PageGlobal).location.href;
    return fetch(here).then(
      () => 'fetched',
      () => 'refused',
    );
  });
  // connect-src 'none' forbids even fetching our own page, which is the point.
  expect(ownPage).toBe('refused');
});

test('the page gets window.vault with invoke and on, and no Node', async () => {
  const surface = await page.evaluate(() => {
    const page = globalThis as unknown as PageGlobal;
    return {
      vault: Object.keys(page.vault).sort(),
      require: typeof page.require,
      process: typeof page.process,
      module: typeof page.module,
      electronGlobals: Object.keys(globalThis).filter((key) => /electron|ipc/i.test(key)),
    };
  });
  expect(surface).toEqual({
    vault: ['invoke', 'on'],
    require: 'undefined',
    process: 'undefined',
    module: 'undefined',
    electronGlobals: [],
  });

  const refused = await page.evaluate(() =>
    (globalThis as unknown as PageGlobal).vault.invoke('vault.delete', {}),
  );
  expect(refused).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });

  const info = await page.evaluate(() => (globalThis as unknown as PageGlobal).vault.invoke('app.info', {}));
  expect(info).toMatchObject({ ok: true, value: { transport: 'electron' } });
});

test('creates a vault in the profile folder', async () => {
  await page.getByLabel('Your name').fill('Ana Díaz');
  await page.getByLabel('Passphrase', { exact: true }).fill('river maple lantern cloud');
  await page.getByLabel('Type the passphrase again').fill('river maple lantern cloud');
  await page.getByRole('button', { name: 'Create vault' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Save your recovery code' })).toBeVisible();
  expect(existsSync(join(userData, 'vault.phrvault'))).toBe(true);
});

test('refuses to navigate away or open windows', async () => {
  const home = page.url();
  await page.evaluate(() => {
    (globalThis as unknown as PageGlobal).location.href = 'https://example.com/';
  });
  await page.waitForTimeout(1500);
  expect(page.url()).toBe(home);

  const refusedWindow = await page.evaluate(
    () => (globalThis as unknown as PageGlobal).open('https://example.com/', '_blank') === null,
  );
  expect(refusedWindow).toBe(true);
  expect(app.windows()).toHaveLength(1);
});
