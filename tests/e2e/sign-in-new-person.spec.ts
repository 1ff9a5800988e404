import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, unlock } from './fixtures.js';
import { approveInBrowser } from '../support/smart-server.js';
import { startEhr, type Ehr } from '../support/smart-server-ehr.js';

const passphrase = 'orchard lamp violin seven';

let hospital: Ehr | undefined;
test.afterAll(async () => {
  await hospital?.close();
});

test('a sign-in about someone else can add that person on the spot, as an import can', async ({
  page,
  openVault,
  checkScreen,
}, testInfo) => {
  hospital = await startEhr();
  await mkdir(testInfo.outputDir, { recursive: true });
  const clients = join(testInfo.outputDir, 'smart-clients.json');
  await writeFile(
    clients,
    JSON.stringify({ endpoints: { [hospital.fhir.base]: { clientId: 'phr-vault-test', auth: 'public' } } }),
  );
  await openVault({ passphrase, ownerName: 'Sam Lee' }, { env: { PHR_VAULT_SMART_CLIENTS: clients } });
  await unlock(page, passphrase);
  await page.getByRole('tab', { name: 'Connections' }).click();
  await page.getByLabel('Or add by FHIR address').fill(hospital.fhir.base);
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await page.getByLabel('What to call it').fill('Example Hospital');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const link = page.getByRole('link', { name: 'Open the sign-in page' });
  expect(await approveInBrowser((await link.getAttribute('href'))!)).toBe(200);

  const question = page.getByRole('alertdialog', { name: 'Is this the right person?' });
  await expect(question).toContainText('The portal signed in Geoffrey Abbott');
  await checkScreen('sign-in-someone-else');
  const wide = page.viewportSize()!;
  await page.setViewportSize({ width: 390, height: 800 });
  await checkScreen('sign-in-someone-else-narrow');
  await page.setViewportSize(wide);

  await question.getByRole('button', { name: 'Add Geoffrey Abbott as a new person' }).click();
  await expect(question).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: 'Added Geoffrey Abbott' })).toHaveText(
    'Added Geoffrey Abbott as a new person, with this connection. Choose them under People to see it.',
  );
  // Sam's connections are as they were; Geoffrey has the hospital.
  await expect(page.getByText('No connections yet.')).toBeVisible();
  const people = page.getByRole('list', { name: 'People in this vault' });
  const geoffrey = people.getByRole('button', { name: /Geoffrey Abbott/ });
  await expect(geoffrey).toContainText('Other');
  await geoffrey.click();
  await expect(page.getByRole('heading', { level: 2, name: 'Geoffrey Abbott' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Connections' })).toContainText('Example Hospital');
});
