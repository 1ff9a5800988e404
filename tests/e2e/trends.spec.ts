import type { Page } from '@playwright/test';
import { SMART_2502813, SMART_2502813_VITALS } from '../../testkit/fixture-paths.js';
import { expect, test, unlock, type Seed } from './fixtures.js';

const passphrase = 'quiet harbour maple nine';
const mum = 'Ruth Parker';

// The SMART sample patient (FHIR STU3) with years of blood pressure readings, some of them high.
const seed = (): Seed => ({
  passphrase,
  ownerName: 'Sam Lee',
  imports: [
    {
      person: mum,
      relationship: 'parent',
      source: 'Pharmacy and clinic',
      files: [SMART_2502813, SMART_2502813_VITALS],
    },
  ],
});

async function openTrends(page: Page) {
  await page.getByRole('button', { name: new RegExp(mum) }).click();
  await expect(page.getByRole('heading', { level: 2, name: mum })).toBeVisible();
  await page.getByRole('tab', { name: 'Trends' }).click();
}

test('blood pressure is charted against its target band, with the high readings marked in shape and words', async ({
  page,
  openVault,
  checkScreen,
}) => {
  test.slow();
  await page.setViewportSize({ width: 1280, height: 800 });
  await openVault(seed());
  await unlock(page, passphrase);
  await openTrends(page);

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
