import { expect, test, unlock } from './fixtures.js';

const passphrase = 'quiet harbour morning tea';

test('a locked vault opens with its passphrase and locks again', async ({ page, openVault, checkScreen }) => {
  await openVault({ passphrase, ownerName: 'Sam Lee' });
  await expect(page.getByRole('heading', { level: 1, name: 'Unlock your vault' })).toBeVisible();
  await expect(page.getByLabel('Passphrase', { exact: true })).toBeFocused();
  await checkScreen('unlock');

  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: /Sam Lee/ })).toContainText('You');

  await page.getByRole('button', { name: 'Lock' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Unlock your vault' })).toBeVisible();
  await expect(page.getByText('Sam Lee')).toHaveCount(0);

  await unlock(page, passphrase);
  await expect(page.getByRole('button', { name: /Sam Lee/ })).toBeVisible();
});

test('a wrong passphrase says so, keeps focus in the field and changes nothing', async ({
  page,
  openVault,
  checkScreen,
}) => {
  await openVault({ passphrase, ownerName: 'Sam Lee' });
  const field = page.getByLabel('Passphrase', { exact: true });
  await field.fill('quiet harbour evening tea');
  await field.press('Enter');

  const alert = page.getByRole('alert');
  await expect(alert).toHaveText('That passphrase is not right. Nothing was changed; try again.');
  await expect(field).toBeFocused();
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await expect(field).toHaveAttribute('aria-describedby', 'unlock-error');
  await expect(page.getByRole('heading', { level: 1, name: 'Unlock your vault' })).toBeVisible();
  await checkScreen('unlock-wrong-passphrase');

  // The attempt is selected, so typing the right one replaces it.
  await page.keyboard.type(passphrase);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 2, name: 'People' })).toBeVisible();
  await expect(page.getByRole('button', { name: /Sam Lee/ })).toBeVisible();
});

test('locking in one window locks every window', async ({ page, context, openVault }) => {
  const { url } = await openVault({ passphrase, ownerName: 'Sam Lee' });
  await unlock(page, passphrase);

  const other = await context.newPage();
  await other.goto(url);
  await expect(other.getByRole('heading', { level: 2, name: 'People' })).toBeVisible();

  await other.getByRole('button', { name: 'Lock' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Unlock your vault' })).toBeVisible();
  await expect(page.getByText('Sam Lee')).toHaveCount(0);
  await other.close();
});

test('a page opened without its key says so instead of failing silently', async ({
  page,
  openVault,
  checkScreen,
}) => {
  const { url } = await openVault({ passphrase });
  await page.goto(new URL(url).origin);
  await expect(
    page.getByRole('heading', { level: 1, name: 'PHR Vault cannot reach your vault' }),
  ).toBeVisible();
  await expect(page.getByRole('alert')).toHaveText(/opened without its key/);
  await checkScreen('unreachable');
});
