import { expect, fhirBundle, test, unlock } from './fixtures.js';

/** A backup whose passphrase is forgotten opens with its recovery code, and a new passphrase is chosen. */

const passphrase = 'lantern quiet river four';
const next = 'copper meadow seven lamps';

test('restores a backup with its recovery code and a new passphrase, which then unlocks the vault', async ({
  page,
  openVault,
  checkScreen,
}) => {
  const { recoveryCode } = await openVault({
    passphrase,
    ownerName: 'Geoffrey Abbott',
    imports: [{ person: 'Geoffrey Abbott', files: [await fhirBundle('Geoffrey_Abbott')] }],
  });
  await unlock(page, passphrase);
  await page.getByRole('button', { name: 'Backups', exact: true }).click();
  const backups = page.getByRole('dialog', { name: 'Backups' });
  await backups.getByRole('button', { name: 'Choose a folder…' }).click();
  await backups.getByRole('button', { name: 'Back up now' }).click();
  await expect(backups.getByRole('status').filter({ hasText: 'Backed up and checked.' })).toBeAttached();
  await backups.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('button', { name: 'Lock', exact: true }).click();

  await page.getByRole('button', { name: 'Restore from a backup…' }).click();
  await page.getByRole('button', { name: 'Choose a backup file…' }).click();
  await expect(page.getByText('109 records of 1 person.')).toBeVisible();
  await page.getByRole('button', { name: 'Forgot it? Use the recovery code' }).click();
  const codeField = page.getByLabel('The backup’s recovery code');
  await expect(codeField).toBeFocused();
  await page.getByRole('button', { name: 'Open the backup' }).click();
  await expect(page.getByRole('alert')).toHaveText(/Type the recovery code/);

  await codeField.fill('AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH');
  await page.getByLabel('New passphrase for the restored vault').fill(next);
  await page.getByLabel('Type the new passphrase again').fill(next);
  await page.getByRole('button', { name: 'Open the backup' }).click();
  await expect(page.getByRole('alert')).toHaveText(/That recovery code is not right/);
  await expect(codeField).toBeFocused();
  await checkScreen('restore-recovery-code-wrong');
  const wide = page.viewportSize()!;
  await page.setViewportSize({ width: 380, height: wide.height });
  await checkScreen('restore-recovery-code-wrong-narrow');
  await page.setViewportSize(wide);

  await codeField.fill(recoveryCode!);
  await page.getByRole('button', { name: 'Open the backup' }).click();
  await expect(page.getByRole('heading', { name: 'This backup holds' })).toBeVisible();
  await expect(page.getByRole('listitem')).toHaveText(['Geoffrey Abbott: 109 records']);
  await page.getByRole('button', { name: 'Replace with this backup and open it' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'People' })).toBeVisible();

  await page.getByRole('button', { name: 'Lock', exact: true }).click();
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText(/That passphrase is not right/);
  await unlock(page, next);
});
