import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Page } from '@playwright/test';
import { approveInBrowser } from '../support/smart-server.js';
import { startEhr, type Ehr } from '../support/smart-server-ehr.js';
import { expect, test, unlock } from './fixtures.js';

/**
 * Setting up an institution from the window: the directory says which entries PHR Vault has no
 * client id for before any sign-in starts, the App registrations place saves one (beside the
 * vault, no file edited by hand), and a real SMART server then accepts the sign-in with it.
 */

const passphrase = 'harbour kettle maple nine';
const geoffrey = { ownerName: 'Geoffrey Abbott', ownerBirthDate: '1992-07-03' };

const ehrs: Ehr[] = [];
test.afterAll(async () => {
  await Promise.all(ehrs.splice(0).map((ehr) => ehr.close()));
});

async function openConnections(page: Page): Promise<void> {
  await unlock(page, passphrase);
  await expect(page.getByRole('heading', { level: 2, name: geoffrey.ownerName })).toBeVisible();
  await page.getByRole('tab', { name: 'Connections' }).click();
  await expect(page.getByRole('heading', { name: 'Hospitals and clinics' })).toBeVisible();
}

test('an institution without a client id says so before any sign-in, and one is set up in the window', async ({
  page,
  openVault,
  checkScreen,
}) => {
  // A long walk through one screen, with three light-and-dark screenshots each checked by axe.
  test.setTimeout(180_000);
  const opened = await openVault({ passphrase, ...geoffrey });
  await openConnections(page);
  const search = page.getByLabel('Find your hospital or clinic');
  const results = page.getByRole('list', { name: 'Institutions found' }).getByRole('listitem');

  await search.fill('Mayo Rochester');
  const mayo = results.first().getByRole('button').first();
  await expect(mayo).toContainText('Mayo Clinic');
  await expect(mayo).toContainText('No client id for Epic yet');

  // By keyboard: down from the search into the results, Enter picks.
  await search.focus();
  await page.keyboard.press('ArrowDown');
  await expect(mayo).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(results.nth(1).getByRole('button').first()).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(mayo).toBeFocused();
  await page.keyboard.press('Enter');
  const notice = page.getByRole('alert');
  await expect(notice).toContainText('PHR Vault is not registered with Epic yet');
  await expect(notice).toContainText('the sign-in to Mayo Clinic cannot open');
  // Nothing was started: no sign-in step, no address to open in a browser.
  await expect(page.getByTestId('sign-in-link')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Cancel sign-in' })).toHaveCount(0);
  const setUp = page.getByRole('button', { name: 'Set up Epic…' });
  await expect(setUp).toBeFocused();
  await checkScreen('institution-no-client-id');

  // A later search does not keep the notice about Mayo Clinic.
  await search.fill('Boston Children’s');
  await expect(results.first()).toContainText('Boston Children');
  await expect(page.getByRole('alert')).toHaveCount(0);
  // Nor an error about a server checked by address.
  await page.getByLabel('Or add by FHIR address').fill('http://127.0.0.1:9/fhir/');
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('could not be reached');
  await search.fill('Chicago');
  await expect(results.first()).toContainText('Chicago');
  await expect(page.getByRole('alert')).toHaveCount(0);

  // A search that finds nothing says so, once its answer is in.
  await search.fill('Qqxyzzy');
  await expect(page.getByRole('status').filter({ hasText: 'Nothing found for “Qqxyzzy”' })).toBeVisible();
  await expect(results).toHaveCount(0);

  // Back to Mayo Clinic, and on to its vendor's registration.
  await search.fill('Mayo Rochester');
  await results.first().getByRole('button').first().click();
  await page.getByRole('button', { name: 'Set up Epic…' }).click();
  const clientId = page.getByLabel('Client id', { exact: true });
  await expect(clientId).toBeFocused();
  await expect(page.getByLabel('Vendor', { exact: true })).toHaveValue('epic');
  await expect(page.getByText('Epic has no client id yet')).toBeVisible();
  await expect(page.getByText('Sign in at fhir.epic.com and choose Build Apps')).toBeVisible();
  await expect(page.getByText('http://127.0.0.1/callback', { exact: true })).toBeVisible();

  // A paste gone wrong is refused in words, and nothing is saved.
  await clientId.fill('abc def');
  await page.getByRole('button', { name: 'Save client id' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'does not look like a client id' })).toBeVisible();

  await clientId.fill('0f7d1c2e-epic-production-id');
  await page.getByRole('button', { name: 'Save client id' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved: Epic now signs in' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Client ids in use' })).toContainText(
    '0f7d1c2e-epic-production-id',
  );
  // The result can be signed in to now, and says so no longer.
  await expect(results.first()).not.toContainText('No client id');
  await expect(page.getByRole('alert')).toHaveCount(0);
  const saved = JSON.parse(await readFile(join(dirname(opened.vaultPath), 'smart-clients.json'), 'utf8')) as {
    vendors: Record<string, unknown>;
  };
  expect(saved.vendors.epic).toEqual({ clientId: '0f7d1c2e-epic-production-id', auth: 'public' });

  // A confidential client: the vault's public key set, to paste into the developer site.
  await page.getByLabel('Private key JWT').check();
  await expect(page.getByTestId('public-keys')).toContainText('"kty": "EC"');
  // Both keys, ES384 and RS384, so either algorithm a server accepts is registered.
  await expect(page.getByTestId('public-keys')).toContainText('"alg": "RS384"');
  for (const secret of ['"d"', '"p"', '"q"']) {
    await expect(page.getByTestId('public-keys')).not.toContainText(secret);
  }
  await checkScreen('app-registrations');
  await page.setViewportSize({ width: 400, height: 900 });
  await checkScreen('app-registrations-narrow');
});

test('a health system’s own client id, entered in the window, signs in to its server', async ({
  page,
  openVault,
}) => {
  const hospital = await startEhr({ clientId: 'riverside-app' });
  ehrs.push(hospital);
  await openVault({ passphrase, ...geoffrey });
  await openConnections(page);

  await page.getByLabel('Or add by FHIR address').fill(hospital.fhir.base);
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await expect(
    page.getByText('PHR Vault has no app registration (client id) for this server yet.'),
  ).toBeVisible();
  await page.getByRole('button', { name: 'Set up a client id…' }).click();

  await page.getByLabel('One FHIR address').check();
  await page.getByLabel('FHIR address', { exact: true }).fill(hospital.fhir.base);
  await page.getByLabel('Client id', { exact: true }).fill('riverside-app');
  await page.getByRole('button', { name: 'Save client id' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'now signs in with client id riverside-app' }),
  ).toBeVisible();

  // The server checked by address is checked again, and now offers the sign-in.
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const link = page.getByRole('link', { name: 'Open the sign-in page' });
  await expect(link).toBeVisible();
  const signInUrl = (await link.getAttribute('href'))!;
  expect(new URL(signInUrl).searchParams.get('client_id')).toBe('riverside-app');
  expect(await approveInBrowser(signInUrl)).toBe(200);
  const connection = page.getByRole('list', { name: 'Connections' }).getByRole('listitem');
  await expect(connection).toContainText('Connected');
});
