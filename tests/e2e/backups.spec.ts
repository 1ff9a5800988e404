import { readdir, stat } from 'node:fs/promises';
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
