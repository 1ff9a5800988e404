import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { SMART_2502813, SMART_2502813_VITALS } from '../../testkit/fixture-paths.js';
import { expect, fhirBundle, type Seed } from './fixtures.js';

/**
 * The people the window's tests look after, each from public records (tests/fixtures/SOURCES.md),
 * and the steps every such test takes to reach them.
 */

/** A parent whose records are the SMART sample patient (FHIR STU3): pharmacy fills, years of readings. */
export const ruth = 'Ruth Parker';

export const ruthsRecords = (passphrase: string): Seed => ({
  passphrase,
  ownerName: 'Sam Lee',
  imports: [
    {
      person: ruth,
      relationship: 'parent',
      source: 'Pharmacy and clinic',
      files: [SMART_2502813, SMART_2502813_VITALS],
    },
  ],
});

/** A parent whose records are a Synthea patient's, from one clinic. */
export const catalina = 'Catalina Cantú';

export const catalinasRecords = async (passphrase: string): Promise<Seed> => ({
  passphrase,
  ownerName: 'Sam Lee',
  imports: [
    {
      person: catalina,
      relationship: 'parent',
      source: 'Riverside Clinic',
      files: [await fhirBundle('Catalina_')],
    },
  ],
});

/** Opens a person from the people list, then one of their views. */
export async function showPerson(page: Page, name: string, view: string): Promise<void> {
  await page.getByRole('button', { name: new RegExp(name) }).click();
  await expect(page.getByRole('heading', { level: 2, name })).toBeVisible();
  await page.getByRole('tab', { name: view }).click();
}

const cli = join(fileURLToPath(new URL('../..', import.meta.url)), 'bin/phr-vault.js');

/** Imports a file for a person with the command line, as a second app would while the window's vault is locked. */
export function importWhileLocked(
  vault: { path: string; passphrase: string },
  person: string,
  source: string,
  file: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [cli, 'import', '--vault', vault.path, '--person', person, '--source', source, file],
      {
        env: { ...process.env, PHR_VAULT_PASSPHRASE: vault.passphrase },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`import exited with ${code}: ${err}`)),
    );
  });
}
