import { readFileSync } from 'node:fs';
import { signCard, specPayload, specPrivateKeys, startIssuer } from '../../testkit/health-card-issuer.js';
import { startShlServer } from '../support/shl-server.js';
import { fixtures } from '../../testkit/fixture-paths.js';
import { expect, test, unlock } from './fixtures.js';

const passphrase = 'lantern orchard copper five';
const person = 'Martha DeLarosa';

/**
 * A health link pasted in the person's import area, opened against the local sharing server: the
 * passcode asked for, a wrong one said with the attempts left, the right one importing its
 * International Patient Summary and a health card; then a link that has been withdrawn.
 */
test('a pasted health link asks for its passcode and brings in what it shares', async ({
  page,
  openVault,
  checkScreen,
}) => {
  const server = await startShlServer();
  // The spec's example card, issued now by an issuer on 127.0.0.1 that no directory lists.
  const issuer = await startIssuer();
  const card = await signCard(
    specPayload('00', { iss: issuer.iss, nbf: Math.floor(Date.now() / 1000) - 60, exp: undefined }),
    specPrivateKeys()[0]!,
  );
  try {
    const { link } = await server.share(
      [
        {
          contentType: 'application/fhir+json',
          content: readFileSync(`${fixtures}fhir/ips/bundle-minimal.json`),
        },
        {
          contentType: 'application/smart-health-card',
          content: JSON.stringify({ verifiableCredential: [card] }),
        },
      ],
      { passcode: '4417', attempts: 5, label: 'Summary for my new doctor' },
    );
    await openVault({ passphrase, ownerName: person, ownerBirthDate: '1972-05-01' });
    await unlock(page, passphrase);
    await page.getByRole('button', { name: new RegExp(person) }).click();
    await page.getByRole('tab', { name: 'Connections' }).click();

    const field = page.getByRole('textbox', { name: 'Paste a health link' });
    await expect(field).toHaveAccessibleDescription(/A SMART Health Link someone shared with you/);
    await field.fill(link);
    await page.getByRole('button', { name: 'Open link' }).click();
    const outcome = page.locator('#health-link-outcome');
    await expect(outcome).toHaveText(
      'This health link is protected by a passcode. Type the passcode whoever shared it gave you.',
    );
    const passcode = page.getByLabel('Passcode', { exact: true });
    await expect(passcode).toBeFocused();
    await passcode.fill('4471');
    await page.keyboard.press('Enter');
    await expect(outcome).toContainText(
      '4 attempts are left before the link stops working. That passcode is not right',
    );
    await checkScreen('health-link-passcode');

    await passcode.fill('4417');
    await page.getByRole('button', { name: 'Open link' }).click();
    // The card the SDK made is about someone else: asked before anything is stored.
    await expect(outcome).toContainText(
      `Its records are about John B. Anyperson, born January 20, 1951, not ${person}. Nothing was stored yet`,
    );
    await page.getByRole('button', { name: `Import it for ${person}` }).click();
    await expect(outcome).toContainText('“Summary for my new doctor”:');
    await expect(outcome).toContainText('12 new records, from 2 files.');
    const files = page.getByRole('list', { name: 'Files the link shared' }).getByRole('listitem');
    await expect(files).toHaveCount(2);
    await expect(files.first()).toHaveText('8 new records: FHIR document R4 file, 8 records');
    await expect(files.nth(1)).toContainText(
      '4 new records: SMART Health Card, not verified: It is signed by an issuer we do not know',
    );
    // The link is not kept, and neither is its passcode.
    await expect(field).toHaveValue('');
    await expect(passcode).toHaveCount(0);
    await expect(page.getByText('Health link: Summary for my new doctor')).toBeVisible();
    await checkScreen('health-link-imported');

    const withdrawn = await server.share([{ contentType: 'application/fhir+json', content: '{}' }]);
    server.withdraw(withdrawn.id);
    await field.fill(withdrawn.link);
    await page.getByRole('button', { name: 'Open link' }).click();
    await expect(outcome).toHaveText(/^Not imported: This health link is no longer available/);
    await page.setViewportSize({ width: 560, height: 900 });
    await outcome.scrollIntoViewIfNeeded();
    await checkScreen('health-link-refused-narrow');
  } finally {
    await server.close();
    await issuer.close();
  }
});
