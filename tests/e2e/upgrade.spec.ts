import { join } from 'node:path';
import { expect, screenshotDir, test } from './fixtures.js';

const passphrase = 'quiet harbour morning tea';

for (const colorScheme of ['light', 'dark'] as const) {
  test(`the first unlock after an update says the vault is being updated, then opens it (${colorScheme})`, async ({
    page,
    openVault,
  }) => {
    // Enough records that bringing the file up to date takes a moment to watch.
    await openVault({ passphrase, older: { version: 5, observations: 20_000 } });
    await page.emulateMedia({ colorScheme });
    await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
    await page.getByRole('button', { name: 'Unlock', exact: true }).click();

    const notice = page.getByRole('status').filter({ hasText: 'Updating your vault for this version' });
    await expect(notice).toBeVisible();
    await expect(notice.getByRole('progressbar', { name: 'Updating your vault' })).toBeVisible();
    await page.screenshot({ path: join(screenshotDir, `unlock-updating-${colorScheme}.png`), caret: 'hide' });

    await expect(page.getByRole('heading', { level: 2, name: 'People' })).toBeVisible({ timeout: 60_000 });
    await expect(page.getByRole('button', { name: /Ada/ })).toBeVisible();
    await expect(notice).toHaveCount(0);
  });
}
