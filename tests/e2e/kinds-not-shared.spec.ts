import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { approveInBrowser } from '../support/smart-server.js';
import { resourcesFromBundle, type SyncEhr } from '../support/sync-ehr.js';
import { startEpicEhr } from '../support/vendor-ehrs.js';
import { expect, fhirBundle, test, unlock } from './fixtures.js';

/**
 * A portal that grants less than the app asked for, as Epic does: some kinds of record left out
 * of the sign-in (its server answers those 403) and no lasting access (no offline_access, so no
 * refresh token). The card says which kinds the institution did not share and when a new sign-in
 * will be needed; the sync log names what was refused.
 */

const passphrase = 'lantern pebble orchard four';
const geoffrey = { ownerName: 'Geoffrey Abbott', ownerBirthDate: '1992-07-03' };

const ehrs: SyncEhr[] = [];
test.afterAll(async () => {
  await Promise.all(ehrs.splice(0).map((ehr) => ehr.close()));
});

test('a sign-in that shared less says what was not shared and when to sign in again', async ({
  page,
  openVault,
  checkScreen,
}, testInfo) => {
  test.setTimeout(120_000);
  const granted = [
    'Patient',
    'Observation',
    'Condition',
    'Encounter',
    'MedicationRequest',
    'Practitioner',
    'Organization',
  ];
  const ehr = await startEpicEhr({
    fhirVersion: 'R4',
    resources: resourcesFromBundle(await fhirBundle('Geoffrey_Abbott')),
    grantedScope: ['launch/patient openid fhirUser', ...granted.map((type) => `patient/${type}.read`)].join(
      ' ',
    ),
  });
  ehrs.push(ehr);
  await mkdir(testInfo.outputDir, { recursive: true });
  const clients = join(testInfo.outputDir, 'smart-clients.json');
  await writeFile(
    clients,
    JSON.stringify({ endpoints: { [ehr.fhir.base]: { clientId: 'phr-vault-test', auth: 'public' } } }),
  );
  await openVault({ passphrase, ...geoffrey }, { env: { PHR_VAULT_SMART_CLIENTS: clients } });

  await unlock(page, passphrase);
  await page.getByRole('tab', { name: 'Connections' }).click();
  await page.getByLabel('Or add by FHIR address').fill(ehr.fhir.base);
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const link = page.getByRole('link', { name: 'Open the sign-in page' });
  await expect(link).toBeVisible();
  expect(await approveInBrowser((await link.getAttribute('href'))!)).toBe(200);
  const card = page.getByRole('list', { name: 'Connections' }).getByRole('listitem').first();
  await expect(card).toContainText('Connected');

  // No refresh token was given: the card says a new sign-in will be needed, and when.
  const ends = card.getByTestId('access-ends');
  await expect(ends).toContainText(
    'This sign-in gave no lasting access: you will need to sign in again after',
  );
  await expect(ends.locator('time')).toHaveAttribute('datetime', /^\d{4}-\d\d-\d\dT/);

  // The first sync runs by itself; what was not granted is never asked for, and is listed.
  await expect(card.getByTestId('last-sync')).toContainText(/Finished/, { timeout: 60_000 });
  const notShared = card.getByRole('list', { name: /^Not shared by / });
  await expect(
    notShared.getByRole('listitem').filter({ hasText: 'Immunizations (Immunization)' }),
  ).toBeVisible();
  await expect(notShared.getByRole('listitem').filter({ hasText: 'Procedures (Procedure)' })).toBeVisible();
  await expect(notShared).not.toContainText('Conditions');
  expect(ehr.fhir.requests.filter((r) => r.status === 403)).toEqual([]);
  await expect(card.getByTestId('record-count')).toHaveText(/[1-9][\d,]* records?/);
  await checkScreen('connection-not-shared');

  // The log names each kind the institution did not share.
  await card.getByText('Sync log', { exact: true }).click();
  const log = card.getByRole('list', { name: /^Sync log of / });
  await expect(
    log
      .getByRole('listitem')
      .filter({ hasText: 'Immunizations (Immunization)' })
      .filter({ hasText: 'did not share' }),
  ).toBeVisible();
  await checkScreen('connection-not-shared-log');

  // Narrow: the notes wrap, nothing runs off the side.
  const wide = page.viewportSize()!;
  await page.setViewportSize({ width: 360, height: wide.height });
  const disconnect = card.getByRole('button', { name: /^Disconnect/ });
  await disconnect.scrollIntoViewIfNeeded();
  await expect(disconnect).toBeInViewport({ ratio: 1 });
  await ends.scrollIntoViewIfNeeded();
  await expect(ends).toBeInViewport({ ratio: 1 });
  expect(
    await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
  ).toBeLessThanOrEqual(0);
  await checkScreen('connection-not-shared-narrow');
  await page.setViewportSize(wide);
});
