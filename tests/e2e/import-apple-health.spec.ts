import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appleExport, clinicalFiles, R4_BASE, record } from '../../testkit/apple-export.js';
import { expect, test, toChoose, unlock } from './fixtures.js';

const passphrase = 'meadow kettle harbor nine';
const person = 'Jane Appleseed';

test('an Apple Health export chosen in the window brings its measurements as Apple Health and its clinical records as their institution', async ({
  page,
  openVault,
  checkScreen,
}) => {
  const heartRates = Array.from({ length: 60 }, (_, i) =>
    record(
      'HeartRate',
      'count/min',
      58 + (i % 30),
      `2024-02-10 ${String(6 + Math.floor(i / 6)).padStart(2, '0')}:${String((i % 6) * 10).padStart(2, '0')}:00 -0800`,
    ),
  );
  const body = [...heartRates, record('BodyMass', 'lb', 165.3, '2024-02-10 07:10:00 -0800')].join('\n');
  // Geoffrey Abbott's records without his Patient: the export is the person's own.
  const clinical = clinicalFiles(
    'fhir/r4/synthea/Geoffrey_Abbott_73a7d6b7-0310-4fff-9b0b-7891a5e390f5.json',
    9,
    R4_BASE,
    '4.0.1',
  ).filter((c) => !c.path.includes('/Patient-'));
  const dir = await mkdtemp(join(tmpdir(), 'phr-vault-apple-e2e-'));
  const zip = join(dir, 'export.zip');
  await writeFile(zip, await appleExport(body, clinical));

  const { imports } = await openVault({ passphrase, ownerName: person });
  await toChoose(imports, [zip]);
  await unlock(page, passphrase);
  await page.getByRole('tab', { name: 'Connections' }).click();
  const button = page.getByRole('button', { name: 'Import files…' });
  await expect(button).toHaveAccessibleDescription(/or an Apple Health export \(export\.zip\)/);
  await button.click();
  const preview = page.getByRole('list', { name: 'Files to import' }).getByRole('listitem');
  await expect(preview).toContainText(
    `Apple Health export, ${clinical.length} clinical records, 61 samples It does not say whose records it holds.`,
  );
  await page.getByRole('button', { name: 'Import 1 file' }).click();

  const outcomes = page.getByRole('list', { name: 'Files imported' }).getByRole('listitem');
  await expect(outcomes).toHaveCount(1);
  await expect(outcomes.first()).toContainText(
    `2 vital signs from 61 samples, ${clinical.length} clinical records from fhir.lakeside-clinic.example: ${2 + clinical.length} new records.`,
  );
  const sources = page.getByRole('list', { name: 'Connections' }).getByRole('listitem');
  await expect(sources).toHaveCount(2);
  await expect(sources.filter({ hasText: 'Apple Health' })).toContainText('· 2 records');
  await expect(sources.filter({ hasText: 'fhir.lakeside-clinic.example' })).toContainText(
    `· ${clinical.length} records`,
  );
  await checkScreen('import-apple-health');

  await page.getByRole('tab', { name: 'Timeline' }).click();
  const timeline = page.getByRole('list', { name: `Timeline of ${person}` });
  await expect(timeline).toContainText("Heart rate, day's mean of 60 samples, 58–87");
  await checkScreen('import-apple-health-timeline');
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(timeline).toContainText("Heart rate, day's mean of 60 samples");
  await checkScreen('import-apple-health-timeline-narrow');
});
