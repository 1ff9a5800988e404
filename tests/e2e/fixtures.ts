import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export { expect };
export { screenshotDir };

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'bin/phr-vault.js');
const hostMain = join(root, 'dist/electron/host/main.js');
const rendererDir = join(root, 'dist/renderer');
const screenshotDir = join(root, 'tests/artifacts/screenshots');
const fhirR4Dir = join(root, 'tests/fixtures/fhir/r4');

/** A patient bundle from the R4 test fixtures (any sub-folder), by the start of its file name. */
export async function fhirBundle(prefix: string): Promise<string> {
  const files = await readdir(fhirR4Dir, { recursive: true });
  const file = files.find((f) => basename(f).startsWith(prefix) && f.endsWith('.json'));
  if (!file) throw new Error(`No FHIR fixture starting with ${prefix} under ${fhirR4Dir}`);
  return join(fhirR4Dir, file);
}

export type Seed = {
  passphrase: string;
  ownerName?: string;
  ownerBirthDate?: string;
  /** FHIR files to import, each for the person named (created by the import when missing). */
  imports?: { person: string; files: string[]; source?: string; relationship?: string; args?: string[] }[];
  /**
   * Instead of a vault from the CLI: one as an earlier version of the app left it (schema
   * `version`, one person, `observations` results), which the first unlock brings up to date.
   */
  older?: { version: number; observations: number };
};

export type OpenedVault = {
  /** The page address, token included, for opening a second window on the same vault. */
  url: string;
  vaultPath: string;
  /** Only for a vault seeded here: the code the CLI printed when it made the vault. */
  recoveryCode: string | null;
  /** The host's --downloads folder: where "Save document…" puts files in these tests. */
  downloads: string;
  /** The host's --backups folder: what "Choose a folder…" for backups answers with here. */
  backups: string;
  /** The host's --imports folder: "Import files…" chooses every file in it (see `toChoose`). */
  imports: string;
};

export type HostOptions = {
  /** Extra environment for the host (and so its core), e.g. PHR_VAULT_SMART_CLIENTS. */
  env?: Record<string, string>;
  /** A stand-in OS keychain in the host under this store name (`--keychain`); none without it. */
  keychain?: string;
};

type RecordStats = { total: number; byCategory: Record<string, number> };

type Fixtures = {
  /** Makes a vault in a fresh folder (empty, or seeded with the CLI), serves it, and opens the page. */
  openVault: (seed?: Seed, options?: HostOptions) => Promise<OpenedVault>;
  /** Record counts for one person, as the CLI reads them from the vault file (not through the UI). */
  statsFor: (vaultPath: string, passphrase: string, person: string) => Promise<RecordStats>;
  /** Screenshots the page in light and dark and fails on serious or critical axe violations in either. */
  checkScreen: (name: string) => Promise<void>;
  /** Fails a test whose page logged an error (a CSP violation, a failed request, an exception). */
  pageProblems: string[];
};

function run(args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`phr-vault ${args[0]} exited with ${code}: ${err}`)),
    );
  });
}

/** tests/support/older-vault.ts, run by tsx in a process of its own (see older-vault-cli.ts). */
function makeOlderVault(
  vaultPath: string,
  passphrase: string,
  older: { version: number; observations: number },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      join(root, 'node_modules/.bin/tsx'),
      [
        '--tsconfig',
        join(root, 'bench/tsconfig.json'),
        join(root, 'tests/support/older-vault-cli.ts'),
        vaultPath,
        String(older.version),
        String(older.observations),
      ],
      { env: { ...process.env, PHR_VAULT_PASSPHRASE: passphrase }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`older vault: ${code}: ${err}`))));
  });
}

/**
 * What the next "Import files…" chooses, as a person would pick them in the system's dialog: the
 * host's --imports folder is emptied and these files copied into it, under their own names.
 */
export async function toChoose(imports: string, files: string[]): Promise<void> {
  await rm(imports, { recursive: true, force: true });
  await mkdir(imports, { recursive: true });
  for (const file of files) await copyFile(file, join(imports, basename(file)));
}

/** Starts the host and resolves with the address it prints once ready. */
function startHost(
  vaultPath: string,
  downloads: string,
  backups: string,
  imports: string,
  env: Record<string, string> = {},
  extraArgs: string[] = [],
): Promise<{ child: ChildProcess; url: string; log: () => string }> {
  const child = spawn(
    process.execPath,
    [
      hostMain,
      '--vault',
      vaultPath,
      '--renderer',
      rendererDir,
      '--port',
      '0',
      '--downloads',
      downloads,
      '--backups',
      backups,
      '--imports',
      imports,
      ...extraArgs,
    ],
    {
      // The core reads weight, height and temperature in its computer's units until the person
      // chooses: the same region as the window's (en-US, playwright.config.ts), whatever this
      // machine's is.
      env: { ...process.env, LC_ALL: 'en_US.UTF-8', LANG: 'en_US.UTF-8', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`The host did not start within 20 s: ${stderr}`)),
      20_000,
    );
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The host exited with ${code} before it was ready: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      const { url } = JSON.parse(line) as { url: string };
      resolve({ child, url, log: () => stderr });
    });
  });
}

async function stopHost(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function expectNoSeriousViolations(page: Page, where: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious, `axe on ${where}`).toEqual([]);
}

/** Types the passphrase on the unlock screen and waits for the vault to open. */
export async function unlock(page: Page, passphrase: string): Promise<void> {
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'People' })).toBeVisible();
}

export const test = base.extend<Fixtures>({
  pageProblems: [
    async ({ page }, use) => {
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      await use(problems);
      expect(problems, 'errors logged by the page').toEqual([]);
    },
    { auto: true },
  ],

  openVault: async ({ page }, use, testInfo) => {
    if (!existsSync(join(rendererDir, 'index.html')) || !existsSync(hostMain) || !existsSync(cli)) {
      throw new Error('The app is not built: run `npm run build` before the end-to-end tests.');
    }
    const folders: string[] = [];
    const hosts: { child: ChildProcess; log: () => string }[] = [];

    await use(async (seed, options = {}) => {
      const folder = await mkdtemp(join(tmpdir(), 'phr-vault-e2e-'));
      folders.push(folder);
      const vaultPath = join(folder, 'vault.db');
      let recoveryCode: string | null = null;
      if (seed?.older) {
        await makeOlderVault(vaultPath, seed.passphrase, seed.older);
      } else if (seed) {
        const env = { PHR_VAULT_PASSPHRASE: seed.passphrase };
        const created = JSON.parse(
          await run(
            [
              'create',
              '--vault',
              vaultPath,
              '--json',
              ...(seed.ownerName ? ['--name', seed.ownerName] : []),
              ...(seed.ownerBirthDate ? ['--birth-date', seed.ownerBirthDate] : []),
            ],
            env,
          ),
        ) as { recoveryCode: string };
        recoveryCode = created.recoveryCode;
        for (const { person, files, source, relationship, args } of seed.imports ?? []) {
          const options = [
            ...(source ? ['--source', source] : []),
            ...(relationship ? ['--relationship', relationship] : []),
            ...(args ?? []),
          ];
          await run(['import', '--vault', vaultPath, '--person', person, ...options, ...files], env);
        }
      }
      const downloads = join(folder, 'downloads');
      const backups = join(folder, 'Dropbox', 'PHR Vault backups');
      const imports = join(folder, 'imports');
      await mkdir(imports);
      const host = await startHost(
        vaultPath,
        downloads,
        backups,
        imports,
        options.env,
        options.keychain ? ['--keychain', options.keychain] : [],
      );
      hosts.push(host);
      await page.goto(host.url);
      return { url: host.url, vaultPath, recoveryCode, downloads, backups, imports };
    });

    // Leave the app before its host stops: a page still fetching a chunk or an icon when the host
    // goes would log a refused connection that says nothing about the test.
    await page.goto('about:blank').catch(() => undefined);
    await Promise.all(hosts.map((host) => stopHost(host.child)));
    const logs = hosts.map((host) => host.log()).join('');
    if (logs) await testInfo.attach('host stderr', { body: logs, contentType: 'text/plain' });
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  },

  // Playwright reads fixture dependencies from the destructuring pattern, so it must be there, empty.
  // eslint-disable-next-line no-empty-pattern
  statsFor: async ({}, use) => {
    await use(async (vaultPath, passphrase, person) => {
      const out = await run(['stats', '--vault', vaultPath, '--person', person, '--json'], {
        PHR_VAULT_PASSPHRASE: passphrase,
      });
      return JSON.parse(out) as RecordStats;
    });
  },

  checkScreen: async ({ page }, use) => {
    await mkdir(screenshotDir, { recursive: true });
    await use(async (name) => {
      // A timeline scrolls with the page and is thousands of rows tall: the whole page would make
      // the virtual list draw every row for the picture (and axe check them all), so a page that
      // tall is shown as the window shows it.
      const tall = await page.evaluate(() => document.documentElement.scrollHeight > 4000);
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        await page.screenshot({
          path: join(screenshotDir, `${name}-${colorScheme}.png`),
          fullPage: !tall,
          animations: 'disabled',
          caret: 'hide',
        });
        await expectNoSeriousViolations(page, `${name} (${colorScheme})`);
      }
      await page.emulateMedia({ colorScheme: 'light' });
    });
  },
});
