import { expect, test, unlock } from './fixtures.js';

const forgotten = 'the passphrase nobody remembers';
const fresh = 'new kettle on the stove';

test('the recovery code sets a new passphrase and opens the vault', async ({
  page,
  openVault,
  checkScreen,
}) => {
  const { recoveryCode } = await openVault({ passphrase: forgotten, ownerName: 'Noor Haddad' });
  expect(recoveryCode).toBeTruthy();

  await page.getByRole('button', { name: 'Use your recovery code' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Use your recovery code' })).toBeVisible();
  const codeField = page.getByLabel('Recovery code', { exact: true });
  await expect(codeField).toBeFocused();
  await checkScreen('recover');

  await codeField.fill('AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH');
  await page.getByLabel('New passphrase', { exact: true }).fill(fresh);
  await page.getByLabel('Type the new passphrase again').fill(fresh);
  await page.getByRole('button', { name: 'Set new passphrase and unlock' }).click();
  await expect(page.getByRole('alert')).toHaveText(/That recovery code is not right/);
  await expect(codeField).toBeFocused();
  await checkScreen('recover-wrong-code');

  // People copy codes by hand: case and dashes must not matter.
  await codeField.fill(recoveryCode!.toLowerCase().replaceAll('-', ' '));
  await codeField.press('Enter');
  await expect(page.getByRole('heading', { level: 2, name: 'People' })).toBeVisible();
  await expect(page.getByRole('button', { name: /Noor Haddad/ })).toBeVisible();

  await page.getByRole('button', { name: 'Lock' }).click();
  const field = page.getByLabel('Passphrase', { exact: true });
  await field.fill(forgotten);
  await field.press('Enter');
  await expect(page.getByRole('alert')).toHaveText(/That passphrase is not right/);

  await unlock(page, fresh);
  await expect(page.getByRole('button', { name: /Noor Haddad/ })).toBeVisible();
});
