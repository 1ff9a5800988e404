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
  // Filtered, the count is of what the filters show, and nothing more is said (the kinds are
  // among the filters, folded until opened).
  await page.getByRole('button', { name: /^Filters\b/ }).click();
  await page.getByRole('button', { name: /^Visits \d/ }).click();
  await expect(count).toHaveText(`${expected.byCategory.visits} records`);
});

test('a person is edited, then removed after the question says what goes with them', async ({
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
  const { total } = await statsFor(vaultPath, passphrase, person);
  const records = `${total.toLocaleString('en-US')} records`;
  await unlock(page, passphrase);
  await page.getByRole('button', { name: new RegExp(person) }).click();

  const edit = page.getByRole('button', { name: 'Edit details' });
  await expect(edit).toHaveAccessibleDescription(person);
  await edit.click();
  const dialog = page.getByRole('dialog', { name: `Edit ${person}` });
  await expect(dialog.getByLabel('Name')).toBeFocused();
  await expect(dialog.getByLabel('Name')).toHaveValue(person);
  await checkScreen('edit-person');
  await dialog.getByLabel('Name').fill('');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByRole('alert')).toHaveText(/Type the name/);
  await dialog.getByLabel('Name').fill('Geoff Abbott');
  await dialog.getByLabel('Birth date').fill('1950-01-02');
  await dialog.getByLabel('Relationship to you').selectOption('parent');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(edit).toBeFocused();
  await expect(page.getByRole('heading', { level: 2, name: 'Geoff Abbott' })).toBeVisible();
  await expect(page.getByText('Parent · Born January 2, 1950')).toBeVisible();
  const geoff = page
    .getByRole('list', { name: 'People in this vault' })
    .getByRole('button', { name: /Geoff Abbott/ });
  await expect(geoff).toContainText('Parent');
  await expect(geoff).toContainText(records);

  const removeButton = page.getByRole('button', { name: 'Remove…' });
  await expect(removeButton).toHaveAccessibleDescription('Geoff Abbott');
  await removeButton.click();
  const question = page.getByRole('dialog', { name: 'Remove Geoff Abbott?' });
  await expect(question).toHaveAccessibleDescription(
    `Geoff Abbott’s ${records} and 1 source will be removed from this vault. This cannot be undone. Nobody else’s records are touched.`,
  );
  await expect(question.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await checkScreen('remove-person');
  const wide = page.viewportSize()!;
  await page.setViewportSize({ width: 390, height: 800 });
  await checkScreen('remove-person-narrow');
  await page.setViewportSize(wide);

  await page.keyboard.press('Escape');
  await expect(question).toBeHidden();
  await expect(removeButton).toBeFocused();
  await expect(page.getByRole('heading', { level: 2, name: 'Geoff Abbott' })).toBeVisible();

  await removeButton.click();
  await question.getByRole('button', { name: 'Remove Geoff Abbott' }).click();
  await expect(question).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: 'Geoff Abbott was removed' })).toHaveText(
    `Geoff Abbott was removed, with ${records}.`,
  );
  await expect(page.getByRole('heading', { level: 2, name: 'People' })).toBeFocused();
  await expect(page.getByRole('list', { name: 'People in this vault' }).getByRole('listitem')).toHaveCount(1);
  await expect(page.getByRole('heading', { level: 2, name: 'Sam Lee' })).toBeVisible();
  await checkScreen('person-removed');
  const narrow = { width: 390, height: 800 };
  await page.setViewportSize(narrow);
  await checkScreen('person-removed-narrow');
  await page.setViewportSize(wide);

  // The last person stays, and the question says why instead of removing them.
  await removeButton.click();
  const last = page.getByRole('dialog', { name: 'Remove Sam Lee?' });
  await expect(last).toHaveAccessibleDescription(
    'Sam Lee will be removed from this vault. They have no records or sources. This cannot be undone. Nobody else’s records are touched.',
  );
  await last.getByRole('button', { name: 'Remove Sam Lee' }).click();
  await expect(last.getByRole('alert')).toHaveText(
    'A vault keeps the records of at least one person. Add someone else before removing this person; nothing was removed.',
  );
  await last.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Sam Lee' })).toBeVisible();
});
