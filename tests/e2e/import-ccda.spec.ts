import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, test, toChoose, unlock } from './fixtures.js';

const passphrase = 'meadow kettle harbor nine';
const ccd = fileURLToPath(new URL('../fixtures/cda-documents/CCD_2.xml', import.meta.url));
const referral = fileURLToPath(new URL('../fixtures/cda-documents/Referral_Note.xml', import.meta.url));
const person = 'Isabella Jones';

test('a C-CDA chosen in the window becomes records from its author, with the document itself readable behind them', async ({
  page,
  openVault,
  statsFor,
  checkScreen,
}) => {
  const { vaultPath, imports } = await openVault({
    passphrase,
    ownerName: person,
    ownerBirthDate: '1950-12-19',
  });
  await toChoose(imports, [ccd]);
  await unlock(page, passphrase);
  await page.getByRole('tab', { name: 'Connections' }).click();
  const button = page.getByRole('button', { name: 'Import files…' });
  await expect(button).toHaveAccessibleDescription(/or a C-CDA document \(XML\)/);
  await button.click();
  const preview = page.getByRole('list', { name: 'Files to import' }).getByRole('listitem');
  await expect(preview).toContainText('It is about Isabella Jones, born December 19, 1950.');
  await page.getByRole('button', { name: 'Import 1 file' }).click();

  const outcomes = page.getByRole('list', { name: 'Files imported' }).getByRole('listitem');
  await expect(outcomes).toHaveCount(1);
  const stats = await statsFor(vaultPath, passphrase, person);
  await expect(outcomes.first()).toHaveText(
    `CCD_2.xml (47 KB) C-CDA Continuity of Care Document from The Doctors Together Physician Group, 2014-10-15, 16 entries It is about Isabella Jones, born December 19, 1950. ${stats.total} new records.`,
  );
  // Its own source, named after who wrote it, of the kind "From files".
  const source = page.getByRole('list', { name: 'Connections' }).getByRole('listitem');
  await expect(source).toHaveCount(1);
  await expect(source).toContainText('The Doctors Together Physician Group');
  await expect(source).toContainText('From files');
  await expect(source.getByTestId('record-count')).toHaveText(`· ${stats.total} records`);
  await checkScreen('import-ccda');

  // The same file again adds nothing.
  await button.click();
  await page.getByRole('button', { name: 'Import 1 file' }).click();
  await expect(outcomes.first()).toContainText(`0 new records, ${stats.total} already in the vault.`);
});

test('the records of an imported C-CDA are on the timeline, and the document they came from reads as a document', async ({
  page,
  openVault,
  checkScreen,
}) => {
  await openVault({
    passphrase,
    ownerName: person,
    ownerBirthDate: '1950-12-19',
    imports: [{ person, files: [ccd] }],
  });
  await unlock(page, passphrase);
  await page.getByRole('tab', { name: 'Timeline' }).click();
  const timeline = page.getByRole('list', { name: `Timeline of ${person}` });
  await expect(timeline.getByRole('button').first()).toBeVisible();
  await expect(timeline).toContainText('Laparoscopic appendectomy');
  await checkScreen('import-ccda-timeline');
  await page.getByLabel('Search records').fill('Summary of Patient Chart');
  const row = page
    .getByRole('list', { name: `Timeline of ${person}` })
    .getByRole('button')
    .first();
  await expect(row).toContainText('Summary of Patient Chart');
  await row.click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('heading', { level: 2, name: 'Summary of Patient Chart' })).toBeFocused();
  await expect(
    dialog.getByRole('heading', { level: 5, name: 'ALLERGIES AND ADVERSE REACTIONS' }),
  ).toBeVisible();
  await checkScreen('import-ccda-document');
});

test('a document dropped onto the person, about someone else, can be added as a new person from the name and birth date it gives', async ({
  page,
  openVault,
  checkScreen,
}) => {
  const { imports } = await openVault({
    passphrase,
    ownerName: person,
    ownerBirthDate: '1950-12-19',
  });
  await toChoose(imports, [referral]);
  await unlock(page, passphrase);
  // Dropped onto the person, from the Summary: the Connections view opens with the file's preview.
  await expect(page.getByRole('tab', { name: 'Summary' })).toHaveAttribute('aria-selected', 'true');
  const files = await page.evaluateHandle(
    ({ name, text }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], name, { type: 'text/xml' }));
      return transfer;
    },
    { name: 'Referral_Note.xml', text: await readFile(referral, 'utf8') },
  );
  const panel = page.getByRole('region', { name: person });
  await panel.dispatchEvent('dragover', { dataTransfer: files });
  await panel.dispatchEvent('drop', { dataTransfer: files });
  await expect(page.getByRole('tab', { name: 'Connections' })).toHaveAttribute('aria-selected', 'true');
  const button = page.getByRole('button', { name: 'Import files…' });

  const asked = page.getByRole('list', { name: 'Files to import' }).getByRole('listitem').first();
  await expect(asked).toContainText('It is about Eve Betterhalf, born May 1, 1975, not Isabella Jones.');
  const addNew = asked.getByRole('radio', { name: /^Add as a new person/ });
  await expect(asked.getByRole('radio')).toHaveCount(3);
  await expect(asked.getByRole('group')).toHaveAccessibleDescription(/It is about Eve Betterhalf/);
  await checkScreen('import-ccda-ask');
  await page.setViewportSize({ width: 390, height: 844 });
  await checkScreen('import-ccda-ask-narrow');
  await page.setViewportSize({ width: 1280, height: 800 });

  await addNew.check();
  await page.getByRole('button', { name: 'Import 1 file' }).click();
  const eve = page.getByRole('button', { name: /Eve Betterhalf/ });
  await expect(eve).toBeVisible();
  const done = page.getByRole('list', { name: 'Files imported' }).getByRole('listitem').first();
  await expect(done).toContainText('C-CDA Referral Note from Good Health HIE, 2013-09-21, 50 entries');
  await expect(done).toContainText(/Added Eve Betterhalf as a new person: \d+ new records\./);
  // The person list counts what the vault holds for her: what the document brought.
  const added = Number(/(\d+) new records/.exec((await done.textContent()) ?? '')?.[1]);
  expect(added).toBeGreaterThan(50);
  await expect(eve).toContainText(`${added} records`);
  await expect(page.getByRole('button', { name: new RegExp(person) })).toContainText('No records yet');
  await expect(button).toBeFocused();
});
