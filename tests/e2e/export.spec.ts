import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, fhirBundle, test, unlock } from './fixtures.js';

/**
 * Handing records to a new provider from the app: choose the format and the kinds of record, see
 * what the document will hold, save it. In the test host "save" writes into its --downloads
 * folder (in Electron it is the system's save dialog), so the test reads the file that landed.
 */

const passphrase = 'lantern quiet river four';
const geoffrey = 'Geoffrey Abbott';

test('exports a C-CDA of the chosen kinds of record into the downloads folder', async ({
  page,
  openVault,
  checkScreen,
}) => {
  const { downloads } = await openVault({
    passphrase,
    ownerName: 'Sam Lee',
    imports: [{ person: geoffrey, relationship: 'parent', files: [await fhirBundle('Geoffrey_Abbott')] }],
  });
  await unlock(page, passphrase);
  await page.getByRole('button', { name: new RegExp(geoffrey) }).click();
  await expect(page.getByRole('heading', { level: 2, name: geoffrey })).toBeVisible();
  await page.getByRole('tab', { name: 'Export' }).click();
  await expect(
    page.getByRole('heading', { name: `Share ${geoffrey}’s records with a new provider` }),
  ).toBeVisible();

  await page.getByRole('radio', { name: /C-CDA document/ }).check();
  const kinds = page.getByRole('group', { name: /Kinds of record/ });
  await kinds.getByRole('checkbox', { name: 'Lab results' }).check();
  await kinds.getByRole('checkbox', { name: 'Conditions' }).check();

  const chosen = page.getByText(/^\d+ records chosen\./);
  await expect(chosen).toBeVisible();
  const records = Number((await chosen.textContent())!.match(/^(\d+)/)![1]);
  expect(records).toBeGreaterThan(0);
  // The preview names the document's sections, each with its count (or "no information").
  const sections = page.getByRole('list', { name: 'What the document will hold' }).getByRole('listitem');
  await expect(sections.first()).toBeVisible();
  const counts = (await sections.allTextContents()).map((s) => Number(s.match(/: (\d+)$/)?.[1] ?? 0));
  expect(counts.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
  await checkScreen('export-preview');

  await page.getByRole('button', { name: 'Save document…' }).click();
  const saved = page.getByRole('status').filter({ hasText: 'Saved as' });
  await expect(saved).toBeVisible();
  const files = await readdir(downloads);
  expect(files).toHaveLength(1);
  const document = await readFile(join(downloads, files[0]!), 'utf8');
  // The name it has and its size, as the core wrote it: the window never held the bytes.
  await expect(saved).toHaveText(
    `Saved as ${files[0]} (${Math.round(Buffer.byteLength(document) / 1024)} KB).`,
  );
  expect(files[0]).toMatch(/^Geoffrey-Abbott-ccd-\d{4}-\d{2}-\d{2}\.xml$/);
  expect(document.startsWith('<?xml')).toBe(true);
  expect(document).toContain('<given>Geoffrey');
  expect(document).toContain('<family>Abbott');
  await checkScreen('export-saved');
  // A phone-width window: the name and size wrap under the button, nothing is cut.
  await page.setViewportSize({ width: 400, height: 900 });
  await expect(saved).toBeVisible();
  await checkScreen('export-saved-narrow');
});

test('says clearly when nothing matches the choices, and saves nothing', async ({
  page,
  openVault,
  checkScreen,
}) => {
  const { downloads } = await openVault({
    passphrase,
    ownerName: 'Sam Lee',
    imports: [{ person: geoffrey, relationship: 'parent', files: [await fhirBundle('Geoffrey_Abbott')] }],
  });
  await unlock(page, passphrase);
  await page.getByRole('button', { name: new RegExp(geoffrey) }).click();
  await page.getByRole('tab', { name: 'Export' }).click();
  await expect(page.getByText(/^\d+ records chosen\./)).toBeVisible();

  // Nothing of Geoffrey's is dated after 2099.
  await page.getByLabel('From').fill('2099-01-01');
  await expect(page.getByRole('alert')).toContainText('There is nothing to export');
  await expect(page.getByRole('button', { name: 'Save document…' })).toBeDisabled();
  await checkScreen('export-empty-selection');
  expect(await readdir(downloads).catch(() => [])).toEqual([]);
});
