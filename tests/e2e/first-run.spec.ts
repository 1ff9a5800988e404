import { expect, test } from './fixtures.js';

const RECOVERY_CODE = /^[0-9A-Z]{4}(-[0-9A-Z]{4}){7}$/;

test('a new vault shows its recovery code once, then opens on its owner', async ({
  page,
  context,
  openVault,
  checkScreen,
}) => {
  await openVault();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
    origin: new URL(page.url()).origin,
  });
  await expect(page.getByRole('heading', { level: 1, name: 'Create your vault' })).toBeVisible();
  expect(page.url(), 'the token leaves the address bar').not.toContain('token');
  await checkScreen('create-vault');

  const passphrase = page.getByLabel('Passphrase', { exact: true });
  const confirmation = page.getByLabel('Type the passphrase again');
  const alert = page.locator('#create-error');

  await page.getByLabel('Your name').fill('Ana Díaz');
  await page.getByLabel('Your birth date').fill('1984-07-09');
  await passphrase.fill('short');
  await expect(page.getByText('3 more characters needed.')).toBeVisible();
  await passphrase.press('Enter');
  await expect(alert).toHaveText(/at least 8 characters/);
  await expect(passphrase).toBeFocused();

  await passphrase.fill('river maple lantern cloud');
  await expect(page.getByText('Strong.')).toBeVisible();
  await confirmation.fill('river maple lantern clouds');
  await confirmation.press('Enter');
  await expect(alert).toHaveText(/not the same/);
  await expect(confirmation).toBeFocused();
  await checkScreen('create-vault-mismatch');

  await confirmation.fill('river maple lantern cloud');
  await page.getByRole('button', { name: 'Create vault' }).click();

  await expect(page.getByRole('heading', { level: 1, name: 'Save your recovery code' })).toBeFocused();
  // Shown as two lines of four groups; the lines join with a dash like the groups do.
  const code = (await page.getByTestId('recovery-code').innerText()).trim().split(/\s+/).join('-');
  expect(code).toMatch(RECOVERY_CODE);

  const proceed = page.getByRole('button', { name: 'Continue to my vault' });
  await expect(proceed).toBeDisabled();
  await page.getByRole('button', { name: 'Copy code' }).click();
  await expect(page.getByRole('status')).toHaveText(/Copied/);
  // A string, not a function: the tests type-check without the DOM library.
  expect(await page.evaluate('navigator.clipboard.readText()')).toBe(code);
  await checkScreen('recovery-code');

  await page.getByLabel('I have saved my recovery code').check();
  await proceed.click();

  await expect(page.getByRole('heading', { level: 2, name: 'People' })).toBeVisible();
  await expect(page.getByTestId('recovery-code')).toHaveCount(0);
  await expect(page.locator('body')).not.toContainText(code.slice(0, 9));
  const owner = page.getByRole('button', { name: /Ana Díaz/ });
  await expect(owner).toContainText('You');
  await expect(owner).toContainText('No records yet');
  await expect(page.getByRole('heading', { level: 2, name: 'Ana Díaz' })).toBeVisible();
  await expect(page.getByText('You · Born July 9, 1984')).toBeVisible();
  await expect(page.getByText('No records yet. Connect a hospital or import files.')).toBeVisible();
  await checkScreen('home-new-vault');
});
