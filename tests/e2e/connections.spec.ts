import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { approveInBrowser } from '../support/smart-server.js';
import { startEhr, type Ehr } from '../support/smart-server-ehr.js';
import { resourcesFromBundle, startSyncEhr, type SyncEhr } from '../support/sync-ehr.js';
import { expect, fhirBundle, test, unlock } from './fixtures.js';

/**
 * Connecting to a hospital from the app: a real SMART authorization server (oidc-provider) and a
 * real FHIR server (medplum) on 127.0.0.1, the host running the real core with the test client id,
 * and the test playing the person's browser: it reads the sign-in address the page shows and
 * follows it (the test server approves at once) to the app's loopback listener.
 */

const passphrase = 'harbour kettle maple nine';
// The FHIR server serves the Synthea patient Geoffrey Abbott; the vault's person matches him.
const geoffrey = { ownerName: 'Geoffrey Abbott', ownerBirthDate: '1992-07-03' };

const ehrs: (Ehr | SyncEhr)[] = [];
test.afterAll(async () => {
  await Promise.all(ehrs.splice(0).map((ehr) => ehr.close()));
});

async function ehr(options: Parameters<typeof startEhr>[0] = {}): Promise<Ehr> {
  const started = await startEhr(options);
  ehrs.push(started);
  return started;
}

/** A client id file naming the test client for each server, as a distributor's file would. */
async function clientsFile(folder: string, servers: (Ehr | SyncEhr)[]): Promise<string> {
  await mkdir(folder, { recursive: true });
  const file = join(folder, 'smart-clients.json');
  const endpoints = Object.fromEntries(
    servers.map((s) => [s.fhir.base, { clientId: 'phr-vault-test', auth: 'public' }]),
  );
  await writeFile(file, JSON.stringify({ endpoints }));
  return file;
}

async function openConnections(page: Page): Promise<void> {
  await unlock(page, passphrase);
  await expect(page.getByRole('heading', { level: 2, name: geoffrey.ownerName })).toBeVisible();
  await page.getByRole('tab', { name: 'Connections' }).click();
  await expect(page.getByRole('heading', { name: 'Hospitals and clinics' })).toBeVisible();
}

async function checkAddress(page: Page, fhirBase: string): Promise<void> {
  await page.getByLabel('Or add by FHIR address').fill(fhirBase);
  await page.getByRole('button', { name: 'Check', exact: true }).click();
}

/** Starts the sign-in and returns the address the page offers for opening it by hand. */
async function startSignIn(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const link = page.getByRole('link', { name: 'Open the sign-in page' });
  await expect(link).toBeVisible();
  const href = (await link.getAttribute('href'))!;
  // The same address, as text to copy.
  await expect(page.getByTestId('sign-in-address')).toHaveText(href);
  return href;
}

test('connects to a hospital by its FHIR address, signing in through the address the page shows', async ({
  page,
  openVault,
  checkScreen,
}, testInfo) => {
  const hospital = await ehr();
  const clients = await clientsFile(testInfo.outputDir, [hospital]);
  await openVault({ passphrase, ...geoffrey }, { env: { PHR_VAULT_SMART_CLIENTS: clients } });
  await openConnections(page);
  await expect(page.getByText('No connections yet.')).toBeVisible();
  await checkScreen('connections-empty');

  await checkAddress(page, hospital.fhir.base);
  await expect(page.getByText('(FHIR 4.0.1)')).toBeVisible();
  // The person names it as they know it; left empty, the address's host would be used.
  const name = page.getByLabel('What to call it');
  await expect(name).toHaveAttribute('placeholder', new URL(hospital.fhir.base).host);
  await name.fill('Example Hospital');
  await checkScreen('connections-server-found');

  const signInUrl = await startSignIn(page);
  const authorize = new URL(signInUrl);
  expect(authorize.origin).toBe(hospital.auth.issuer);
  expect(authorize.searchParams.get('aud')).toBe(hospital.fhir.base);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  await expect(page.getByRole('status').filter({ hasText: 'Sign in in your browser' })).toBeVisible();
  await checkScreen('connections-waiting-for-browser');

  // The person's browser: the portal approves, then sends it to the app's loopback listener.
  expect(await approveInBrowser(signInUrl)).toBe(200);

  const connection = page.getByRole('list', { name: 'Connections' }).getByRole('listitem');
  await expect(connection).toHaveCount(1);
  await expect(connection).toContainText('Connected');
  await expect(connection).toContainText('signed in as Geoffrey Abbott');
  await expect(connection).toContainText('Example Hospital');
  await expect(page.getByTestId('sign-in-link')).toHaveCount(0);
  await checkScreen('connections-connected');

  // Renaming, by keyboard: the name becomes a field; Escape puts it back, Enter saves.
  const rename = page.getByRole('button', { name: 'Rename Example Hospital' });
  await rename.focus();
  await page.keyboard.press('Enter');
  const field = page.getByLabel('New name for Example Hospital');
  await expect(field).toBeFocused();
  await expect(field).toHaveValue('Example Hospital');
  await page.keyboard.type(' (old portal)');
  await page.keyboard.press('Escape');
  await expect(field).toHaveCount(0);
  await expect(rename).toBeFocused();
  await expect(connection).toContainText('Example Hospital');

  await page.keyboard.press('Enter');
  await field.fill('   ');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('alert')).toHaveText('Give it a name, or press Cancel to keep the one it has.');
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await field.fill('Riverside Hospital');
  // Typing again takes the problem away.
  await expect(page.getByRole('alert')).toHaveCount(0);
  await checkScreen('connections-rename');
  await page.keyboard.press('Enter');
  await expect(field).toHaveCount(0);
  await expect(connection.getByText('Riverside Hospital', { exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Rename Riverside Hospital' })).toBeFocused();
  // The name is the vault's, not the screen's: it is there after the list is read again.
  await page.getByRole('tab', { name: 'Timeline' }).click();
  await page.getByRole('tab', { name: 'Connections' }).click();
  await expect(page.getByRole('list', { name: 'Connections' })).toContainText('Riverside Hospital');
});

test('says plainly when the portal refuses, or a server lacks the secure sign-in', async ({
  page,
  openVault,
  checkScreen,
}, testInfo) => {
  const denying = await ehr({ deny: true });
  const noPkce = await ehr({ codeChallengeMethods: ['plain'] });
  const clients = await clientsFile(testInfo.outputDir, [denying, noPkce]);
  await openVault({ passphrase, ...geoffrey }, { env: { PHR_VAULT_SMART_CLIENTS: clients } });
  await openConnections(page);

  await checkAddress(page, noPkce.fhir.base);
  await expect(page.getByText('does not offer the secure sign-in PHR Vault requires')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toHaveCount(0);
  await checkScreen('connections-no-pkce');

  await checkAddress(page, denying.fhir.base);
  const signInUrl = await startSignIn(page);
  // The patient presses "Deny": the portal still sends the browser back, with access_denied.
  await approveInBrowser(signInUrl);
  await expect(page.getByRole('alert')).toHaveText(
    'Access was not granted in the sign-in page, so nothing was connected.',
  );
  await expect(page.getByText('No connections yet.')).toBeVisible();
  await checkScreen('connections-denied');
});

test('against a strict portal: connects, refreshes its two-second access, syncs; a refusal shows the portal’s own words', async ({
  page,
  openVault,
  checkScreen,
}, testInfo) => {
  test.setTimeout(120_000);
  // The authorization server of these tests is as strict as SMART's reference launcher (exact
  // aud, PKCE, rotated refresh tokens); its access tokens here last two seconds.
  const hospital = await startSyncEhr({
    fhirVersion: 'R4',
    resources: resourcesFromBundle(await fhirBundle('Geoffrey_Abbott')),
    accessTokenTtlSeconds: 2,
  });
  ehrs.push(hospital);
  // A portal that does not name itself: the slash the person types is what goes as aud.
  const unnamed = await ehr({ unnamed: true });
  const clients = await clientsFile(testInfo.outputDir, [hospital, unnamed]);
  await openVault({ passphrase, ...geoffrey }, { env: { PHR_VAULT_SMART_CLIENTS: clients } });
  await openConnections(page);

  await checkAddress(page, `${unnamed.fhir.base}/`);
  const refusedUrl = await startSignIn(page);
  expect(new URL(refusedUrl).searchParams.get('aud')).toBe(`${unnamed.fhir.base}/`);
  // The portal sends the browser back with invalid_request and its reason.
  expect(await approveInBrowser(refusedUrl)).toBe(400);
  await expect(page.getByRole('alert')).toHaveText(
    `The sign-in page said: “Bad audience value "${unnamed.fhir.base}/". Expected "${unnamed.fhir.base}"”. ` +
      'The health system did not accept the sign-in, so nothing was connected or changed. Try again; ' +
      'if it says the same again, pass its words on to the health system’s patient-portal help.',
  );
  await expect(page.getByText('No connections yet.')).toBeVisible();
  await checkScreen('connections-refused');
  const wide = page.viewportSize()!;
  await page.setViewportSize({ width: 360, height: wide.height });
  await checkScreen('connections-refused-narrow');
  await page.setViewportSize(wide);

  await checkAddress(page, hospital.fhir.base);
  const signInUrl = await startSignIn(page);
  expect(new URL(signInUrl).searchParams.get('aud')).toBe(hospital.fhir.base);
  expect(await approveInBrowser(signInUrl)).toBe(200);
  const card = page.getByRole('list', { name: 'Connections' }).getByRole('listitem');
  await expect(card).toContainText('Connected');
  // The first sync runs on connecting; then the access it began with runs out.
  const syncNow = card.getByRole('button', { name: 'Sync now' });
  await expect(syncNow).toBeVisible({ timeout: 60_000 });
  await expect(card.getByTestId('last-sync')).toHaveAttribute('data-outcome', 'ok');
  const refreshes = () => hospital.auth.tokenRequests.filter((t) => t.grantType === 'refresh_token').length;
  const before = refreshes();
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  await syncNow.click();
  await expect(syncNow).toBeVisible({ timeout: 60_000 });
  await expect(card.getByTestId('last-sync')).toHaveAttribute('data-outcome', 'ok');
  expect(refreshes()).toBeGreaterThan(before);
  await expect(card).toContainText('Connected');
  await checkScreen('connections-synced-strict');
});

test('removes an imported source with its records; the copies another source sent stay', async ({
  page,
  openVault,
  statsFor,
  checkScreen,
}) => {
  const catalina = 'Catalina Cantú';
  // The same file imported as two sources, as when a CD and a download hold the same records.
  const file = await fhirBundle('Catalina_');
  const { vaultPath } = await openVault({
    passphrase,
    ownerName: 'Sam Lee',
    imports: [
      { person: catalina, relationship: 'parent', source: 'Riverside Clinic', files: [file] },
      { person: catalina, source: 'Old CD', files: [file] },
    ],
  });
  const before = await statsFor(vaultPath, passphrase, catalina);
  const each = before.total / 2;
  const records = (n: number) => `${n.toLocaleString('en')} records`;
  await unlock(page, passphrase);
  const person = page.getByRole('button', { name: new RegExp(catalina) });
  await person.click();
  await expect(person).toContainText(records(each * 2));
  await page.getByRole('tab', { name: 'Connections' }).click();
  const list = page.getByRole('list', { name: 'Connections' });
  await expect(list.getByRole('listitem')).toHaveCount(2);

  const cd = list.getByRole('listitem').filter({ hasText: 'Old CD' });
  await cd.getByRole('button', { name: 'Remove…' }).click();
  const confirm = cd.getByRole('button', { name: `Remove ${records(each)}` });
  await expect(confirm).toHaveAccessibleDescription(
    /deletes from the vault the records that came from these files/,
  );
  await checkScreen('connections-remove-import');
  // Focus is on Cancel, the choice that deletes nothing; Enter there keeps everything.
  await expect(cd.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(confirm).toHaveCount(0);
  await expect(cd.getByRole('button', { name: 'Remove…' })).toBeFocused();
  await expect(cd).toContainText('From files');
  await page.keyboard.press('Enter');
  await confirm.click();

  await expect(list.getByRole('listitem')).toHaveCount(1);
  await expect(list).toContainText('Riverside Clinic');
  // The person's count and timeline follow at once, without reopening anything.
  await expect(person).toContainText(records(each));
  expect((await statsFor(vaultPath, passphrase, catalina)).total).toBe(each);
  await page.getByRole('tab', { name: 'Timeline' }).click();
  const timeline = page.getByRole('list', { name: `Timeline of ${catalina}` });
  await expect(timeline.getByRole('button').first()).toBeVisible();
  await expect(timeline.getByRole('button', { name: /from 2 sources/ })).toHaveCount(0);
});
