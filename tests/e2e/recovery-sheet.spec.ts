import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, screenshotDir, test, unlock } from './fixtures.js';

/**
 * The recovery code after the vault was made: in Settings, once the passphrase is typed, as a
 * one-page sheet to print or save as a file; and changing the passphrase with it.
 */

const passphrase = 'lantern quiet river four';
const next = 'copper meadow seven lamps';
const joined = (text: string) => text.trim().split(/\s+/).join('-');

test('shows the recovery code again after the passphrase, as a sheet that prints on one page and saves as a file', async ({
  page,
  openVault,
  checkScreen,
}) => {
  const { recoveryCode, downloads, vaultPath } = await openVault({ passphrase, ownerName: 'Sam Lee' });
  // window.print() opens the system's dialog; here it only records that it was asked for.
  await page.evaluate('window.__printed = 0; window.print = () => { window.__printed += 1; };');
  await unlock(page, passphrase);
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  await expect(dialog.getByRole('heading', { name: 'Recovery code' })).toBeVisible();
  await expect(dialog.getByTestId('recovery-code')).toHaveCount(0);

  await dialog.getByLabel('Your passphrase', { exact: true }).fill('not my passphrase');
  await dialog.getByRole('button', { name: 'Show recovery code' }).click();
  await expect(dialog.locator('#recovery-error')).toHaveText(/That passphrase is not right/);
  await expect(dialog.getByTestId('recovery-code')).toHaveCount(0);
  await checkScreen('settings-recovery-wrong');

  await dialog.getByLabel('Your passphrase', { exact: true }).fill(passphrase);
  await dialog.getByRole('button', { name: 'Show recovery code' }).click();
  const code = dialog.getByTestId('recovery-code');
  await expect(code).toBeVisible();
  expect(joined(await code.innerText())).toBe(recoveryCode);
  await checkScreen('settings-recovery-code');
  const wide = page.viewportSize()!;
  await page.setViewportSize({ width: 380, height: wide.height });
  await checkScreen('settings-recovery-code-narrow');
  await page.setViewportSize(wide);

  await dialog.getByRole('button', { name: 'Print…' }).click();
  expect(await page.evaluate('window.__printed')).toBe(1);
  // What the printer gets, at the width of an A4 page: the sheet alone, with its own title and
  // words, shorter than one page (A4 at 96 dpi, less Chromium's default margins, is 1,047 px).
  await page.evaluate("document.documentElement.classList.add('printing-recovery-sheet')");
  await page.setViewportSize({ width: 718, height: 1047 });
  await page.emulateMedia({ media: 'print' });
  await page.screenshot({ path: join(screenshotDir, 'recovery-sheet-print.png'), fullPage: true });
  const printed = page.locator('.recovery-sheet');
  await expect(printed.getByText('PHR Vault: your recovery code')).toBeVisible();
  await expect(printed.getByText(/If you forget your passphrase/)).toBeVisible();
  await expect(printed.getByRole('button')).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeHidden();
  await expect(page.getByRole('button', { name: 'Lock', exact: true })).toBeHidden();
  expect(await page.evaluate('document.documentElement.scrollHeight')).toBeLessThanOrEqual(1047);
  await page.emulateMedia({ media: 'screen' });
  await page.evaluate("document.documentElement.classList.remove('printing-recovery-sheet')");
  await page.setViewportSize(wide);

  await dialog.getByRole('button', { name: 'Save as a file…' }).click();
  await expect(dialog.getByRole('status').filter({ hasText: 'Saved as' })).toHaveText(
    /Saved as PHR Vault recovery code\.txt/,
  );
  const saved = await readFile(join(downloads, 'PHR Vault recovery code.txt'), 'utf8');
  const groups = recoveryCode!.split('-');
  expect(saved).toContain(`    ${groups.slice(0, 4).join('-')}\n    ${groups.slice(4).join('-')}\n`);
  expect(saved).toContain(`Vault: ${vaultPath}`);
  expect(saved).toMatch(/Use your recovery code/);

  // Closed, the code is gone: it is asked for again with the passphrase.
  await dialog.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await expect(dialog.getByTestId('recovery-code')).toHaveCount(0);
  await expect(dialog.getByLabel('Your passphrase', { exact: true })).toHaveValue('');
  expect(await readdir(downloads)).toEqual(['PHR Vault recovery code.txt']);
});

test('changes the passphrase with the recovery code when the one in use is forgotten', async ({
  page,
  openVault,
  checkScreen,
}) => {
  const { recoveryCode } = await openVault({ passphrase, ownerName: 'Sam Lee' });
  await unlock(page, passphrase);
  await page.getByRole('button', { name: 'Passphrase', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Change passphrase' });
  await dialog.getByRole('button', { name: 'Forgot it? Use your recovery code' }).click();
  const codeField = dialog.getByLabel('Recovery code');
  await expect(codeField).toBeFocused();
  await expect(dialog.getByLabel('Passphrase you use now')).toHaveCount(0);
  await codeField.fill('AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH');
  await dialog.getByLabel('New passphrase', { exact: true }).fill(next);
  await dialog.getByLabel('Type the new passphrase again').fill(next);
  await dialog.getByRole('button', { name: 'Change passphrase' }).click();
  await expect(dialog.getByRole('alert')).toHaveText(/That recovery code is not right/);
  await expect(codeField).toBeFocused();
  await checkScreen('change-passphrase-recovery-wrong');

  // As someone copies it from paper: lower case, spaces for dashes.
  await codeField.fill(recoveryCode!.toLowerCase().replaceAll('-', ' '));
  await dialog.getByRole('button', { name: 'Change passphrase' }).click();
  await expect(dialog.getByRole('status')).toHaveText(/Your passphrase was changed/);
  await checkScreen('change-passphrase-recovery-done');
  const wide = page.viewportSize()!;
  await page.setViewportSize({ width: 380, height: wide.height });
  await checkScreen('change-passphrase-recovery-done-narrow');
  await page.setViewportSize(wide);
  await dialog.getByRole('button', { name: 'Close' }).click();

  await page.getByRole('button', { name: 'Lock', exact: true }).click();
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText(/That passphrase is not right/);
  await unlock(page, next);
});
