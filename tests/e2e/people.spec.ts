import { expect, fhirBundle, test, unlock } from './fixtures.js';
import { categoryWords } from '../../renderer/src/lib/words.js';

const passphrase = 'orchard lamp violin seven';

test('a person added to the vault is listed with no records yet', async ({
  page,
  openVault,
  checkScreen,
}) => {
  await openVault({ passphrase, ownerName: 'Sam Lee' });
  await unlock(page, passphrase);

  const opener = page.getByRole('button', { name: 'Add a person' });
  await opener.click();
  const dialog = page.getByRole('dialog', { name: 'Add a person' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Name')).toBeFocused();
  await checkScreen('add-person');

  await dialog.getByRole('button', { name: 'Add person' }).click();
  await expect(dialog.getByRole('alert')).toHaveText(/Type the name/);

  await dialog.getByLabel('Name').fill('Mia Lee');
  await dialog.getByLabel('Birth date').fill('2019-03-14');
  await dialog.getByLabel('Relationship to you').selectOption('child');
  await dialog.getByLabel('Name').press('Enter');

  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();
  const mia = page.getByRole('button', { name: /Mia Lee/ });
  await expect(mia).toContainText('Child');
  await expect(mia).toContainText('No records yet');
  await expect(mia).toHaveAttribute('aria-current', 'true');
  await expect(page.getByRole('heading', { level: 2, name: 'Mia Lee' })).toBeVisible();
  await expect(page.getByText('Child · Born March 14, 2019')).toBeVisible();
  await expect(page.getByText('No records yet. Connect a hospital or import files.')).toBeVisible();
  await checkScreen('home-person-added');

  await page.getByRole('button', { name: /Sam Lee/ }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Sam Lee' })).toBeVisible();
});

test('imported records are counted for their person, by kind', async ({
  page,
  openVault,
  statsFor,
  checkScreen,
}) => {
  const person = 'Geoffrey Abbott';
  const { vaultPath } = await openVault({
    passphrase,
    ownerName: 'Sam Lee',
    imports: [{ person, files: [await fhirBundle('Geoffrey_Abbott')] }],
  });
  const expected = await statsFor(vaultPath, passphrase, person);
  expect(expected.total).toBeGreaterThan(0);

  await unlock(page, passphrase);
  await expect(page.getByRole('button', { name: /Sam Lee/ })).toContainText('No records yet');
  const geoffrey = page.getByRole('button', { name: new RegExp(person) });
  await expect(geoffrey).toContainText(`${expected.total.toLocaleString('en-US')} records`);

  await geoffrey.click();
  await expect(page.getByRole('heading', { level: 2, name: person })).toBeVisible();
  const kinds = page.getByRole('list', { name: 'Records by kind' });
  for (const [category, n] of Object.entries(expected.byCategory)) {
    const words = categoryWords[category as keyof typeof categoryWords];
    await expect(kinds.getByRole('listitem').filter({ hasText: words })).toHaveText(`${words} ${n}`);
  }
  await expect(page.getByText('No records yet. Connect a hospital or import files.')).toHaveCount(0);
  await checkScreen('home-person-records');

  // The timeline lists fewer: claims and care-team records are kept, not listed, and it says so,
  // so its count and the people list's add up.
  const { billing = 0, administrative = 0 } = expected.byCategory as Record<string, number>;
  expect(billing + administrative).toBeGreaterThan(0);
  await page.getByRole('tab', { name: 'Timeline' }).click();
  const count = page.getByRole('status').filter({ hasText: /^\d[\d,]* records/ });
  await expect(count).toHaveText(
    `${(expected.total - billing - administrative).toLocaleString('en-US')} records · not listed here: ${(billing + administrative).toLocaleString('en-US')} claim and care-team records (counted on the Summary)`,
  );
  // Filtered, the count is of what the filters show, and nothing more is said.
  await page.getByRole('button', { name: /^Visits \d/ }).click();
  await expect(count).toHaveText(`${expected.byCategory.visits} records`);
});
