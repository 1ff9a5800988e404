import { expect, test, unlock } from './fixtures.js';
import { ruth, ruthsRecords, showPerson } from './sample-people.js';

// The SMART sample patient (FHIR STU3) with years of blood pressure readings, some of them high.
const passphrase = 'quiet harbour maple nine';

test('blood pressure is charted against its target band, with the high readings marked in shape and words', async ({
  page,
  openVault,
  checkScreen,
}) => {
  test.slow();
  await page.setViewportSize({ width: 1280, height: 800 });
  await openVault(ruthsRecords(passphrase));
  await unlock(page, passphrase);
  await showPerson(page, ruth, 'Trends');

  await page.getByRole('button', { name: 'Blood pressure', exact: true }).click();
  const panel = page.getByRole('tabpanel');
  await expect(panel.getByRole('heading', { name: 'Blood pressure' })).toBeVisible();
  await expect(
    panel.getByText('Shaded: the target, systolic under 120 and diastolic under 80 mmHg'),
  ).toBeVisible();
  await expect(panel.getByText(/readings outside the usual range/)).toBeVisible();
  const chart = panel.getByRole('img', { name: /^Blood pressure over time/ });
  await expect(chart).toHaveAccessibleName(/outside the usual range \(marked\)/);
  await expect(chart).toHaveAccessibleName(/shaded below the target of 120 systolic and 80 diastolic/);
  // The 134/70 reading the Summary flags is marked in the table too, in words and with a mark.
  const high = panel.getByRole('row').filter({ hasText: '134 mmHg' });
  await expect(high.first()).toContainText('▲ High');
  await checkScreen('trends-blood-pressure-wide');

  await page.setViewportSize({ width: 760, height: 700 });
  await expect(chart).toBeVisible();
  await checkScreen('trends-blood-pressure-narrow');
});

test('the picker groups measurements by kind, finds them by name, and offers glucose from blood and serum as one', async ({
  page,
  openVault,
  checkScreen,
}) => {
  test.slow();
  await page.setViewportSize({ width: 1280, height: 800 });
  await openVault(ruthsRecords(passphrase));
  await unlock(page, passphrase);
  await showPerson(page, ruth, 'Trends');

  const picker = page.getByLabel('Any measurement');
  await expect(picker.locator('optgroup[label="Vital signs"] option')).not.toHaveCount(0);
  await expect(picker.locator('optgroup[label="Blood tests and labs"] option')).not.toHaveCount(0);
  await expect(picker.locator('optgroup[label="Vital signs"]')).not.toContainText('Glucose');

  await page.getByLabel('Find a measurement').fill('gluc');
  await expect(page.getByRole('status').filter({ hasText: /match/ })).toHaveText('1 measurement matches.');
  await expect(picker.locator('optgroup')).toHaveCount(1);
  const glucose = picker.locator('optgroup[label="Blood tests and labs"] option', {
    hasText: 'Glucose (blood, serum or plasma)',
  });
  await expect(glucose).toHaveCount(1);
  await picker.selectOption({ label: (await glucose.textContent())! });
  const panel = page.getByRole('tabpanel');
  await expect(panel.getByRole('heading', { name: 'Glucose (blood, serum or plasma)' })).toBeVisible();
  await expect(panel.getByRole('cell', { name: /\(blood\)/ }).first()).toBeVisible();
  await expect(panel.getByRole('cell', { name: /\(serum or plasma\)/ }).first()).toBeVisible();
  await checkScreen('trends-glucose-wide');

  await page.getByLabel('Find a measurement').fill('no such thing');
  await expect(page.getByText('No measurement has that name.')).toBeVisible();
  await page.setViewportSize({ width: 760, height: 700 });
  await page.getByLabel('Find a measurement').fill('');
  // The chart, drawn wide first, narrows with the window: nothing scrolls sideways.
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(760);
  await checkScreen('trends-glucose-narrow');
});

test("each of the Summary's latest vital signs has a small trend that leads to its chart", async ({
  page,
  openVault,
  checkScreen,
}) => {
  test.slow();
  await page.setViewportSize({ width: 1280, height: 800 });
  await openVault(ruthsRecords(passphrase));
  await unlock(page, passphrase);
  await showPerson(page, ruth, 'Summary');

  const vitals = page.getByRole('region', { name: 'Recent vital signs' });
  const spark = vitals.getByRole('button', {
    name: /^Blood pressure: (rising|falling|steady) over the last \d+ readings\. Show its trend$/,
  });
  await expect(spark).toBeVisible();
  await checkScreen('summary-sparklines-wide');
  await page.setViewportSize({ width: 760, height: 700 });
  await expect(spark).toBeVisible();
  await checkScreen('summary-sparklines-narrow');

  await spark.click();
  await expect(page.getByRole('tab', { name: 'Trends' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tabpanel').getByRole('heading', { name: 'Blood pressure' })).toBeVisible();
});
