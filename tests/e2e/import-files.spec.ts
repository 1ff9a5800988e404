import { writeFile } from 'node:fs/promises';
import { expect, fhirBundle, test, toChoose, unlock } from './fixtures.js';

const passphrase = 'meadow kettle harbor nine';

test('imports FHIR files chosen in the window into the person’s records, and says which file could not be read', async ({
  page,
  openVault,
  statsFor,
  checkScreen,
}, testInfo) => {
  const geoffrey = 'Geoffrey Abbott';
  const { vaultPath, imports } = await openVault({
    passphrase,
    ownerName: geoffrey,
    ownerBirthDate: '1992-07-03',
  });
  const bundle = await fhirBundle('Geoffrey_Abbott');
  const notes = testInfo.outputPath('visit notes.json');
  await writeFile(notes, 'Seen on Tuesday; next visit in May.');
  await toChoose(imports, [bundle, notes]);

  await unlock(page, passphrase);
  const person = page.getByRole('button', { name: new RegExp(geoffrey) });
  await expect(person).toContainText('No records yet');
  await page.getByRole('tab', { name: 'Connections' }).click();
  await expect(page.getByText('No connections yet.')).toBeVisible();

  // The button opens the system's file dialog; the person picks a portal download and a note.
  const button = page.getByRole('button', { name: 'Import files…' });
  await expect(button).toHaveAccessibleDescription(/FHIR JSON: a bundle, a single record, or NDJSON/);
  await button.focus();
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Import 1 file' }).press('Enter');

  const outcomes = page.getByRole('list', { name: 'Files imported' }).getByRole('listitem');
  await expect(outcomes).toHaveCount(2);
  const stats = await statsFor(vaultPath, passphrase, geoffrey);
  expect(stats.total).toBeGreaterThan(50);
  await expect(outcomes.first()).toContainText(`FHIR R4, ${stats.total} records`);
  await expect(outcomes.first()).toContainText(`${stats.total} new records.`);
  await expect(outcomes.nth(1)).toHaveText(
    'visit notes.json (1 KB) Cannot be imported: visit notes.json is not valid JSON. That file could not be read as health records. Nothing was stored from it.',
  );
  await expect(page.getByRole('status').filter({ hasText: /files? imported/ })).toHaveText(
    '1 of 2 files imported.',
  );
  // Focus goes back to where choosing starts, for the next choice.
  await expect(button).toBeFocused();

  // The records have a source, counted, and the person's count follows at once.
  const source = page.getByRole('list', { name: 'Connections' }).getByRole('listitem');
  await expect(source).toHaveCount(1);
  await expect(source).toContainText('Imported files');
  await expect(source).toContainText('From files');
  await expect(source.getByTestId('record-count')).toHaveText(`· ${stats.total} records`);
  await expect(person).toContainText(`${stats.total} records`);
  await checkScreen('import-files');

  await page.getByRole('tab', { name: 'Timeline' }).click();
  await expect(
    page
      .getByRole('list', { name: `Timeline of ${geoffrey}` })
      .getByRole('button')
      .first(),
  ).toBeVisible();
});
