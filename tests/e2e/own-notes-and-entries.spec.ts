import type { Page } from '@playwright/test';
import { expect, fhirBundle, test, unlock, type Seed } from './fixtures.js';
import { showPerson } from './sample-people.js';

const passphrase = 'orchard lamp violin seven';
const geoffrey = 'Geoffrey Abbott';

async function seed(): Promise<Seed> {
  return {
    passphrase,
    ownerName: 'Sam Lee',
    imports: [
      { person: geoffrey, source: 'Lakeside Pediatrics', files: [await fhirBundle('Geoffrey_Abbott')] },
    ],
  };
}

const timeline = (page: Page) => page.getByRole('list', { name: `Timeline of ${geoffrey}` });
const recordCount = (page: Page) => page.getByRole('status').filter({ hasText: /^\d[\d,]* records?/ });

// Each test screenshots its screens light and dark, some at two widths, with axe on each: longer
// than the usual test on a loaded two-core machine.
test.describe.configure({ timeout: 120_000 });

/** Screenshots at a phone's width too, light and dark, axe checked, then back to the usual window. */
async function narrow(page: Page, checkScreen: (name: string) => Promise<void>, name: string) {
  await page.setViewportSize({ width: 400, height: 860 });
  await checkScreen(`${name}-narrow`);
  await page.setViewportSize({ width: 1100, height: 760 });
}

test('a note and “this is wrong” on a problem a clinic sent: kept, marked, off the Summary', async ({
  page,
  openVault,
  checkScreen,
}) => {
  await openVault(await seed());
  await unlock(page, passphrase);
  await showPerson(page, geoffrey, 'Summary');

  const problems = page.getByRole('region', { name: 'Active problems' });
  const problem = problems.getByRole('button').first();
  const title = (await problem.locator('.title').textContent())!.trim();
  await problem.click();
  const detail = page.getByRole('dialog', { name: title });
  await expect(detail).toBeVisible();
  await detail.getByLabel(/^Note/).fill('Dr Lee said this was never confirmed.');
  await detail.getByRole('button', { name: 'Save note' }).click();
  await expect(detail.getByRole('status')).toHaveText('Your note was saved.');
  await detail.getByRole('checkbox', { name: 'This is wrong' }).check();
  await expect(detail.getByRole('status')).toHaveText(
    'Marked as wrong: left out of the Summary and of exports.',
  );
  // Focus stays where the person is.
  await expect(detail.getByRole('checkbox', { name: 'This is wrong' })).toBeFocused();
  await checkScreen('record-notes');
  await narrow(page, checkScreen, 'record-notes');
  await detail.getByRole('button', { name: 'Close' }).click();
  await expect(problems.getByRole('button', { name: new RegExp(title) })).toHaveCount(0);

  // On the timeline it is kept, and shown marked.
  await page.getByRole('tab', { name: 'Timeline' }).click();
  await page.getByLabel('Search records').fill(title);
  const marked = timeline(page)
    .getByRole('button', { name: new RegExp(title) })
    .first();
  await expect(marked).toContainText('Marked wrong, your note');
});

test('a hidden record leaves the timeline until hidden records are shown; exports ask for wrong ones', async ({
  page,
  openVault,
  checkScreen,
}) => {
  await openVault(await seed());
  await unlock(page, passphrase);
  await showPerson(page, geoffrey, 'Timeline');

  await expect(recordCount(page)).toHaveText(/records/);
  const before = Number(/^[\d,]+/.exec((await recordCount(page).textContent())!)![0].replace(/,/g, ''));
  const first = timeline(page).getByRole('button').first();
  const title = (await first.locator('.title').textContent())!.trim();
  await first.click();
  const detail = page.getByRole('dialog', { name: title });
  await detail.getByRole('checkbox', { name: 'This is wrong' }).check();
  await expect(detail.getByRole('status')).toHaveText(/Marked as wrong/);
  await detail.getByRole('checkbox', { name: 'Hide from the timeline' }).check();
  await expect(detail.getByRole('status')).toHaveText('Hidden from the timeline.');
  await detail.getByRole('button', { name: 'Close' }).click();
  await expect(recordCount(page)).toHaveText(
    new RegExp(`^${(before - 1).toLocaleString('en-US')} records · 1 hidden ·`),
  );
  // Showing hidden records is one of the timeline's folded filters.
  await page.getByRole('button', { name: /^Filters\b/ }).click();
  await page.getByRole('checkbox', { name: 'Show hidden records' }).check();
  await expect(recordCount(page)).toHaveText(new RegExp(`^${before.toLocaleString('en-US')} records ·`));
  await expect(timeline(page).getByRole('button').first()).toContainText('Marked wrong, hidden');
  await checkScreen('timeline-marks');

  // The export leaves the record marked wrong out unless asked.
  await page.getByRole('tab', { name: 'Export' }).click();
  await page.getByRole('radio', { name: /All records as FHIR/ }).check();
  const holds = page.locator('#export-holds');
  await expect(holds).toHaveText(/records chosen/);
  const without = Number((await holds.textContent())!.replace(/\D.*$/, ''));
  await page.getByRole('checkbox', { name: /Include records marked wrong/ }).check();
  await expect(holds).toHaveText(`${without + 1} records chosen. The document will hold:`);
  await checkScreen('export-marked-wrong');
});

test('the patient adds a blood pressure: a slip is refused in words, then it is a record of theirs', async ({
  page,
  openVault,
  checkScreen,
}) => {
  await openVault(await seed());
  await unlock(page, passphrase);
  await showPerson(page, geoffrey, 'Timeline');

  const opener = page.getByRole('button', { name: 'Add your own entry' });
  await opener.click();
  const dialog = page.getByRole('dialog', { name: 'Add your own entry' });
  await expect(dialog.getByLabel('What do you want to add?')).toBeFocused();
  await dialog.getByLabel('What do you want to add?').selectOption('blood-pressure');
  await dialog.getByLabel('Top number (systolic, mmHg)').fill('80');
  await dialog.getByLabel('Bottom number (diastolic, mmHg)').fill('120');
  await dialog.getByLabel('Measured on').fill('2026-11-30T08:15');
  await dialog.getByRole('button', { name: 'Add entry' }).click();
  // The core's check, in words; nothing is stored.
  await expect(dialog.getByRole('alert')).toContainText(
    'The top number (systolic) must be higher than the bottom number (diastolic).',
  );
  await checkScreen('own-entry-refused');
  await dialog.getByLabel('Top number (systolic, mmHg)').fill('142');
  await dialog.getByLabel('Bottom number (diastolic, mmHg)').fill('91');
  await narrow(page, checkScreen, 'own-entry-form');
  await dialog.getByRole('button', { name: 'Add entry' }).click();
  await expect(dialog).toBeHidden();

  // It opens as any record does, with its source named.
  const bp = page.getByRole('dialog', { name: 'Blood pressure' });
  await expect(bp.locator('.number')).toHaveText('142/91 mmHg');
  await expect(bp.getByText('Entered by you', { exact: true })).toBeVisible();
  await expect(bp.getByText('You entered this yourself. Only you can change it.')).toBeVisible();
  await checkScreen('own-entry-detail');
  await bp.getByRole('button', { name: 'Close' }).click();
  await expect(
    timeline(page)
      .getByRole('button', { name: /Blood pressure/ })
      .first(),
  ).toContainText('Entered by you');

  // Deleted: gone from the timeline.
  await timeline(page)
    .getByRole('button', { name: /Blood pressure/ })
    .first()
    .click();
  await bp.getByRole('button', { name: 'Delete…' }).click();
  await bp.getByRole('button', { name: 'Delete entry' }).click();
  await expect(bp).toBeHidden();
  await expect(timeline(page).getByRole('button', { name: /142\/91/ })).toHaveCount(0);
});

test('the patient adds a medicine and edits it; a clinic’s record cannot be edited', async ({
  page,
  openVault,
  checkScreen,
}) => {
  await openVault(await seed());
  await unlock(page, passphrase);
  await showPerson(page, geoffrey, 'Timeline');

  await page.getByRole('button', { name: 'Add your own entry' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add your own entry' });
  await dialog.getByLabel('What do you want to add?').selectOption('medicine');
  await dialog.getByLabel('Medicine').fill('Lisinopril');
  await dialog.getByLabel(/How much and how often/).fill('10 mg once a day');
  await dialog.getByRole('button', { name: 'Add entry' }).click();
  const medicine = page.getByRole('dialog', { name: 'Lisinopril' });
  await expect(medicine.locator('dd', { hasText: '10 mg once a day' })).toBeVisible();

  // Edited: the same record, a second version.
  await medicine.getByRole('button', { name: 'Edit entry…' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit your entry' });
  await expect(edit.getByLabel('Medicine')).toBeFocused();
  await edit.getByLabel(/How much and how often/).fill('20 mg once a day');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(medicine.locator('dd', { hasText: '20 mg once a day' })).toBeVisible();
  await expect(medicine.getByText(/\(2\s+versions\)/)).toBeVisible();
  await medicine.getByRole('button', { name: 'Close' }).click();

  const row = timeline(page).getByRole('button', { name: /Lisinopril/ });
  await expect(row).toContainText('Entered by you');
  await checkScreen('timeline-own-entries');
  await narrow(page, checkScreen, 'timeline-own-entries');

  // A clinic's record is annotated, never edited.
  await timeline(page).getByRole('button').filter({ hasText: 'Lakeside Pediatrics' }).first().click();
  const clinic = page.getByRole('dialog').filter({ hasText: 'Lakeside Pediatrics' });
  await expect(clinic.getByRole('checkbox', { name: 'This is wrong' })).toBeVisible();
  await expect(clinic.getByRole('button', { name: 'Edit entry…' })).toHaveCount(0);
  await clinic.getByRole('button', { name: 'Close' }).click();

  // The source is listed with the person's others, as theirs.
  await page.getByRole('tab', { name: 'Connections' }).click();
  await expect(page.getByRole('listitem').filter({ hasText: 'Entered by you' })).toContainText(
    'Your own entries',
  );
});
