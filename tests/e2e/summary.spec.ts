import { expect, test, unlock } from './fixtures.js';
import { ruth, ruthsRecords, showPerson } from './sample-people.js';

// The SMART sample patient with pharmacy fills (FHIR STU3): 9 active prescriptions, each filled
// at a pharmacy after it was written, and results with reference ranges.
const passphrase = 'quiet harbour maple nine';

test('the Summary lists the active prescriptions a pharmacy filled, and says which results are high or low', async ({
  page,
  openVault,
  checkScreen,
}) => {
  // A vault made and filled through the command line, then looked at in two sizes and two themes.
  test.slow();
  await page.setViewportSize({ width: 1280, height: 800 });
  await openVault(ruthsRecords(passphrase));
  await unlock(page, passphrase);
  await showPerson(page, ruth, 'Summary');

  const medications = page.getByRole('region', { name: 'Current medications' });
  await expect(medications.getByRole('listitem')).toHaveCount(9);
  const atenolol = medications.getByRole('listitem').filter({ hasText: 'Atenolol 100 MG Oral Tablet' });
  await expect(atenolol).toContainText('last filled Feb 16, 2013');
  await expect(medications).not.toContainText('active');
  await expect(page.getByRole('region', { name: 'Allergies' })).toContainText(
    'No known allergies (recorded 2000).',
  );

  const flagged = page.getByRole('region', { name: 'Results to look at' });
  const potassium = flagged.getByRole('listitem').filter({ hasText: 'Potassium (serum or plasma)' });
  await expect(potassium).toContainText('3.4 mmol/L');
  await expect(potassium).toContainText('Low');
  await expect(flagged.getByRole('listitem').filter({ hasText: 'Blood pressure' })).toContainText(
    '134/70 mmHg',
  );
  await expect(flagged.getByRole('listitem').filter({ hasText: 'Blood pressure' })).toContainText('High');

  // Vital signs in words, units as people write them, and no status on every row.
  const vitals = page.getByRole('region', { name: 'Recent vital signs' });
  await expect(vitals.getByRole('listitem').filter({ hasText: 'Oxygen saturation' })).toContainText('96 %');
  await expect(vitals).not.toContainText('{');
  await expect(vitals).not.toContainText('_');
  await expect(vitals).not.toContainText('unknown');
  await expect(page.getByText(/This material contains content from LOINC/)).toBeVisible();
  await checkScreen('summary-wide');

  // A record's detail: a date without a time of day shows none.
  await atenolol.getByRole('button').click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).not.toContainText('12:00');
  await page.keyboard.press('Escape');

  // A flagged result's detail: its flag in words, its value against its range, and its trend.
  await potassium.getByRole('button').click();
  await expect(dialog.getByRole('heading', { name: 'Potassium (serum or plasma)' })).toBeVisible();
  await expect(dialog).toContainText('▼ Low');
  await expect(
    dialog.getByRole('img', { name: '3.4 mmol/L, below the usual range of 3.6 to 5.5 mmol/L' }),
  ).toBeVisible();
  await expect(dialog).toContainText('Usual range: 3.6 to 5.5 mmol/L');
  await checkScreen('summary-result-detail');
  await dialog.getByRole('button', { name: 'See how it changed over time' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('tab', { name: 'Trends' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tabpanel')).toContainText('Potassium');
  await page.getByRole('tab', { name: 'Summary' }).click();

  await page.setViewportSize({ width: 760, height: 700 });
  await expect(flagged).toBeVisible();
  await checkScreen('summary-narrow');

  // The export's check says what is left out by kind and cause, not one sentence per record.
  await page.getByRole('tab', { name: 'Export' }).click();
  await page.getByRole('radio', { name: /International Patient Summary/ }).check();
  const notIn = page.getByRole('list', { name: 'Not in the document as they are:' });
  await expect(notIn).toContainText(
    '24 pharmacy fills: an older record format that has no exact equivalent in the document',
  );
  await expect(notIn.getByRole('listitem')).toHaveCount(3);
  await checkScreen('export-left-out-narrow');
});
