import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, fhirBundle, test, unlock } from './fixtures.js';

/**
 * Keeping the vault safe from the window: choose a folder (in the test host, the folder it was
 * started with; in Electron, the system's folder dialog), a schedule and how many to keep, back up
 * now, and see when the last good backup was made, after a reload too.
 */

const passphrase = 'lantern quiet river four';

test('backs up the vault into the chosen folder and says when the last good backup was made', async ({
  page,
  openVault,
  checkScreen,
}) => {
  const { backups } = await openVault({
    passphrase,
    ownerName: 'Geoffrey Abbott',
    imports: [{ person: 'Geoffrey Abbott', files: [await fhirBundle('Geoffrey_Abbott')] }],
  });
  await unlock(page, passphrase);
  const opener = page.getByRole('button', { name: 'Backups', exact: true });
  await opener.click();
  const dialog = page.getByRole('dialog', { name: 'Backups' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByText('No backup yet.')).toBeVisible();
  await expect(dialog.getByText('No folder chosen yet.')).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Back up now' })).toBeDisabled();
  await expect(dialog.getByText(/synced folder such as iCloud Drive, OneDrive or Dropbox/)).toBeVisible();
  await checkScreen('backups-none-yet');

  await dialog.getByRole('button', { name: 'Choose a folder…' }).click();
  await expect(dialog.getByText(backups, { exact: true })).toBeVisible();
  await dialog.getByLabel('Back up automatically').selectOption({ label: 'Every week' });
  await dialog.getByLabel('Backups to keep').fill('3');
  await dialog.getByLabel('Backups to keep').blur();

  await dialog.getByRole('button', { name: 'Back up now' }).click();
  await expect(dialog.getByRole('status').filter({ hasText: 'Backed up and checked.' })).toBeAttached();
  const files = (await readdir(backups)).filter((n) => n.endsWith('.phrvault-backup'));
  expect(files).toHaveLength(1);
  expect((await stat(join(backups, files[0]!))).size).toBeGreaterThan(100_000);
  await expect(dialog.getByText(files[0]!, { exact: true })).toBeVisible();
  await expect(dialog.getByText('No backup yet.')).toHaveCount(0);
  await checkScreen('backups-done');

  const wide = page.viewportSize()!;
  await page.setViewportSize({ width: 380, height: wide.height });
  await checkScreen('backups-done-narrow');
  await page.setViewportSize(wide);

  // Escape closes the dialog and focus goes back to the button that opened it.
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();

  // Kept in the vault: locked and unlocked again, the same backup, folder and schedule.
  await page.getByRole('button', { name: 'Lock', exact: true }).click();
  await unlock(page, passphrase);
  await page.getByRole('button', { name: 'Backups', exact: true }).click();
  await expect(dialog.getByText(files[0]!, { exact: true })).toBeVisible();
  await expect(dialog.getByText(backups, { exact: true })).toBeVisible();
  await expect(dialog.getByLabel('Back up automatically')).toHaveValue('weekly');
  await expect(dialog.getByLabel('Backups to keep')).toHaveValue('3');
});

test('restores a backup from the unlock screen, showing whose records and from when before replacing, and on a new computer', async ({
  page,
  openVault,
  checkScreen,
}) => {
  const { backups, vaultPath } = await openVault({
    passphrase,
    ownerName: 'Geoffrey Abbott',
    imports: [{ person: 'Geoffrey Abbott', files: [await fhirBundle('Geoffrey_Abbott')] }],
  });
  await unlock(page, passphrase);
  await page.getByRole('button', { name: 'Backups', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Backups' });
  await dialog.getByRole('button', { name: 'Choose a folder…' }).click();
  await dialog.getByRole('button', { name: 'Back up now' }).click();
  await expect(dialog.getByRole('status').filter({ hasText: 'Backed up and checked.' })).toBeAttached();
  await dialog.getByRole('button', { name: 'Close' }).click();
  // Added after the backup: the restore takes the vault back to before it.
  await page.getByRole('button', { name: /Add a person/ }).click();
  const adding = page.getByRole('dialog', { name: 'Add a person' });
  await adding.getByLabel('Name').fill('Ada Lovelace');
  await adding.getByRole('button', { name: 'Add person' }).click();
  await expect(page.getByRole('button', { name: /Ada Lovelace/ })).toBeVisible();
  await page.getByRole('button', { name: 'Lock', exact: true }).click();

  await page.getByRole('button', { name: 'Restore from a backup…' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Restore from a backup' })).toBeVisible();
  await page.getByRole('button', { name: 'Choose a backup file…' }).click();
  await expect(page.getByText('109 records of 1 person.')).toBeVisible();
  await page.getByLabel('The backup’s passphrase').fill('not the passphrase');
  await page.getByRole('button', { name: 'Open the backup' }).click();
  await expect(page.getByRole('alert')).toHaveText(/That passphrase is not right/);
  await checkScreen('restore-passphrase');
  await page.getByLabel('The backup’s passphrase').fill(passphrase);
  await page.getByRole('button', { name: 'Open the backup' }).click();
  await expect(page.getByRole('heading', { name: 'This backup holds' })).toBeVisible();
  await expect(page.getByRole('listitem')).toHaveText(['Geoffrey Abbott: 109 records']);
  await expect(page.getByText('Records from May 27, 2011')).toBeVisible();
  await expect(page.getByText('That vault is kept aside, beside it, not deleted')).toBeVisible();
  // Nothing was replaced before the person says so.
  expect((await readdir(join(vaultPath, '..'))).filter((n) => n.includes('before-restore'))).toEqual([]);
  await checkScreen('restore-preview');
  const wide = page.viewportSize()!;
  await page.setViewportSize({ width: 380, height: wide.height });
  await checkScreen('restore-preview-narrow');
  await page.setViewportSize(wide);

  await page.getByRole('button', { name: 'Replace with this backup and open it' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'People' })).toBeVisible();
  await expect(page.getByRole('button', { name: /Geoffrey Abbott/ })).toBeVisible();
  await expect(page.getByRole('button', { name: /Ada Lovelace/ })).toHaveCount(0);
  const kept = (await readdir(join(vaultPath, '..'))).filter((n) => n.includes('before-restore'));
  expect(kept.length).toBeGreaterThanOrEqual(2);

  // A new computer: no vault yet, and the backup copied from the synced folder.
  const backupFile = (await readdir(backups)).find((n) => n.endsWith('.phrvault-backup'))!;
  const fresh = await openVault();
  await mkdir(fresh.backups, { recursive: true });
  await copyFile(join(backups, backupFile), join(fresh.backups, backupFile));
  await expect(page.getByRole('heading', { level: 1, name: 'Create your vault' })).toBeVisible();
  await page.getByRole('button', { name: 'Restore from a backup…' }).click();
  await page.getByRole('button', { name: 'Choose a backup file…' }).click();
  await page.getByLabel('The backup’s passphrase').fill(passphrase);
  await page.getByRole('button', { name: 'Open the backup' }).click();
  await expect(page.getByText('kept aside')).toHaveCount(0);
  await page.getByRole('button', { name: 'Restore and open it' }).click();
  await expect(page.getByRole('button', { name: /Geoffrey Abbott/ })).toBeVisible();
});
