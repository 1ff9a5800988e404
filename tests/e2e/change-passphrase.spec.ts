import { expect, test, unlock } from './fixtures.js';

/** Changing the passphrase from the window: the one in use now is asked first; the new one opens the vault. */

const passphrase = 'lantern quiet river four';
const next = 'copper meadow seven lamps';

test('changes the passphrase after the current one is typed; the old one no longer opens the vault', async ({
  page,
  openVault,
  checkScreen,
}) => {
  await openVault({ passphrase, ownerName: 'Sam Lee' });
  await unlock(page, passphrase);
  await page.getByRole('button', { name: 'Passphrase', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Change passphrase' });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Passphrase you use now').fill('not my passphrase');
  await dialog.getByLabel('New passphrase', { exact: true }).fill(next);
  await dialog.getByLabel('Type the new passphrase again').fill(next);
  await dialog.getByRole('button', { name: 'Change passphrase' }).click();
  await expect(dialog.getByRole('alert')).toHaveText(/That passphrase is not right/);
  await checkScreen('change-passphrase-wrong');

  await dialog.getByLabel('Passphrase you use now').fill(passphrase);
  await dialog.getByRole('button', { name: 'Change passphrase' }).click();
  await expect(dialog.getByRole('status')).toHaveText(/Your passphrase was changed/);
  await checkScreen('change-passphrase-done');
  const wide = page.viewportSize()!;
  await page.setViewportSize({ width: 380, height: wide.height });
  await checkScreen('change-passphrase-done-narrow');
  await page.setViewportSize(wide);
  await dialog.getByRole('button', { name: 'Close' }).click();

  await page.getByRole('button', { name: 'Lock', exact: true }).click();
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText(/That passphrase is not right/);
  await unlock(page, next);
});
