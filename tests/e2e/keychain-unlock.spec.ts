import { readFile } from 'node:fs/promises';
import { expect, test, unlock } from './fixtures.js';

/**
 * "Unlock with this computer's keychain", turned on in Settings with the passphrase, offered on
 * the locked screen, and turned off again. The test host stands in for the OS keychain
 * (`--keychain`), encrypting for real with a key of its own.
 */

const passphrase = 'lantern quiet river four';

test('turns keychain unlock on with the passphrase, unlocks with it after a lock, and turns it off', async ({
  page,
  openVault,
  checkScreen,
}) => {
  const { vaultPath } = await openVault(
    { passphrase, ownerName: 'Sam Lee' },
    { keychain: 'gnome_libsecret' },
  );
  // Off until asked for: the locked screen offers only the passphrase.
  await expect(page.getByLabel('Passphrase', { exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Unlock with this computer’s keychain' })).toHaveCount(0);
  await unlock(page, passphrase);

  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  const section = dialog.getByRole('region', { name: 'Unlock with this computer’s keychain' });
  await expect(section).toContainText('Off.');
  await expect(section).toContainText('your desktop’s keyring');
  await section.getByLabel('Your passphrase, to turn it on').fill('not my passphrase');
  await section.getByRole('button', { name: 'Turn on' }).click();
  await expect(section.getByRole('alert')).toHaveText(/That passphrase is not right/);
  await section.getByLabel('Your passphrase, to turn it on').fill(passphrase);
  await section.getByRole('button', { name: 'Turn on' }).click();
  await expect(section.getByRole('status')).toHaveText(/Turned on/);
  await expect(section).toContainText('On.');
  await checkScreen('settings-keychain-on');
  const wide = page.viewportSize()!;
  await page.setViewportSize({ width: 380, height: wide.height });
  await checkScreen('settings-keychain-on-narrow');
  await page.setViewportSize(wide);
  const keyFile = JSON.parse(await readFile(`${vaultPath}.keys.json`, 'utf8')) as {
    wraps: { keychain: { backend: string } | null };
  };
  expect(keyFile.wraps.keychain?.backend).toBe('gnome_libsecret');
  await dialog.getByRole('button', { name: 'Close' }).click();

  await page.getByRole('button', { name: 'Lock', exact: true }).click();
  const withKeychain = page.getByRole('button', { name: 'Unlock with this computer’s keychain' });
  await expect(withKeychain).toBeVisible();
  await checkScreen('unlock-with-keychain');
  await withKeychain.click();
  await expect(page.getByRole('heading', { level: 2, name: 'People' })).toBeVisible();
  await expect(page.getByRole('button', { name: /Sam Lee/ })).toBeVisible();

  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await section.getByRole('button', { name: 'Turn off' }).click();
  await expect(section.getByRole('status')).toHaveText(/Turned off/);
  await expect(section).toContainText('Off.');
  const after = JSON.parse(await readFile(`${vaultPath}.keys.json`, 'utf8')) as {
    wraps: { keychain: unknown };
  };
  expect(after.wraps.keychain).toBeNull();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('button', { name: 'Lock', exact: true }).click();
  await expect(page.getByLabel('Passphrase', { exact: true })).toBeVisible();
  await expect(withKeychain).toHaveCount(0);
  await unlock(page, passphrase);
});

test('says why it is not offered where the only store is Linux’s plain-text one', async ({
  page,
  openVault,
  checkScreen,
}) => {
  await openVault({ passphrase, ownerName: 'Sam Lee' }, { keychain: 'basic_text' });
  await unlock(page, passphrase);
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const section = page
    .getByRole('dialog', { name: 'Settings' })
    .getByRole('region', { name: 'Unlock with this computer’s keychain' });
  await expect(section).toContainText('no secure password store');
  await expect(section.getByRole('button', { name: 'Turn on' })).toHaveCount(0);
  await checkScreen('settings-keychain-weak');
});
