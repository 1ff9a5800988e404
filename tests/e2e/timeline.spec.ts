import { writeFile } from 'node:fs/promises';
import type { Locator, Page } from '@playwright/test';
import { hba1cResult } from '../support/fhir-builders.js';
import { IRMGARD_DSTU2 } from '../../testkit/fixture-paths.js';
import { expect, fhirBundle, test, unlock, type Seed } from './fixtures.js';

const passphrase = 'orchard lamp violin seven';
const catalina = 'Catalina Cantú';
const geoffrey = 'Geoffrey Abbott';

// Two institutions for one person (a Synthea patient and a US Core one), and a second person.
// A DSTU2 portal's records have a test of their own below.
async function seed(): Promise<Seed> {
  return {
    passphrase,
    ownerName: 'Sam Lee',
    imports: [
      {
        person: catalina,
        relationship: 'parent',
        source: 'Riverside Clinic',
        files: [await fhirBundle('Catalina_')],
      },
      {
        person: catalina,
        source: 'Example Hospital',
        files: [await fhirBundle('uscore_bundle_patient_355')],
      },
      {
        person: geoffrey,
        relationship: 'child',
        source: 'Lakeside Pediatrics',
        files: [await fhirBundle('Geoffrey_Abbott')],
      },
    ],
  };
}

async function openPerson(page: Page, name: string, view: 'Summary' | 'Timeline' | 'Trends') {
  await page.getByRole('button', { name: new RegExp(name) }).click();
  await expect(page.getByRole('heading', { level: 2, name })).toBeVisible();
  await page.getByRole('tab', { name: view }).click();
}

function timelineOf(page: Page, name: string) {
  return page.getByRole('list', { name: `Timeline of ${name}` });
}

/** The source, date and kind filters fold into one line until opened. */
async function showFilters(page: Page) {
  const filters = page.getByRole('button', { name: /^Filters\b/ });
  if ((await filters.getAttribute('aria-expanded')) === 'false') await filters.click();
  await expect(filters).toHaveAttribute('aria-expanded', 'true');
}

function chip(page: Page, words: string) {
  return page
    .getByRole('group', { name: 'Kinds of record' })
    .getByRole('button', { name: new RegExp(`^${words} `) });
}

/** Picks the option of a select whose text starts with `start` (options carry counts after the name). */
async function pickOption(page: Page, label: string, start: string) {
  const select = page.getByLabel(label, { exact: true });
  const text = await select.locator('option', { hasText: start }).first().textContent();
  await select.selectOption({ label: text! });
}

/**
 * Every row on screen matches, once the list is the one asked for: rows and counts arrive apart,
 * so the check waits for the new rows rather than reading the old ones.
 */
async function everyRow(rows: Locator, pattern: RegExp) {
  await expect
    .poll(async () => {
      const texts = await rows.allTextContents();
      return texts.length === 0 ? ['(no rows yet)'] : texts.filter((text) => !pattern.test(text));
    })
    .toEqual([]);
}

async function chipCount(page: Page, words: string): Promise<number> {
  const text = (await chip(page, words).textContent()) ?? '';
  return Number(text.replace(/[^\d]/g, ''));
}

test('the timeline shows every institution newest first, and its filters combine', async ({
  page,
  openVault,
  statsFor,
  checkScreen,
}) => {
  const { vaultPath } = await openVault(await seed());
  const stats = await statsFor(vaultPath, passphrase, catalina);
  await unlock(page, passphrase);
  await openPerson(page, catalina, 'Timeline');

  const list = timelineOf(page, catalina);
  const rows = list.getByRole('button');
  await expect(rows.first()).toBeVisible();
  // Grouped by month: a heading per month, newest first.
  const months = list.getByRole('heading', { level: 3 });
  const firstMonth = new Date(`${(await months.first().textContent())!} 1 UTC`);
  const secondMonth = new Date(`${(await months.nth(1).textContent())!} 1 UTC`);
  expect(firstMonth.getTime()).toBeGreaterThan(secondMonth.getTime());
  await showFilters(page);
  await expect(chip(page, 'Lab results')).toContainText(String(stats.byCategory.labs));
  await checkScreen('timeline');

  // A category chip: only lab results, as many as the chip said.
  await chip(page, 'Lab results').click();
  await expect(chip(page, 'Lab results')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('status').filter({ hasText: /records?$/ })).toHaveText(
    `${stats.byCategory.labs!.toLocaleString('en-US')} records`,
  );
  await everyRow(rows.locator('.meta'), /^Lab results/);

  // An institution: the counts follow.
  await pickOption(page, 'From', 'Example Hospital');
  await expect(rows.first()).toContainText('Example Hospital');
  await everyRow(rows, /Example Hospital/);
  // The counts arrive just after the records.
  await expect.poll(() => chipCount(page, 'Lab results')).toBeLessThan(stats.byCategory.labs!);
  const hospitalLabs = await chipCount(page, 'Lab results');

  // A date range: nothing before it.
  await page.getByLabel('Since', { exact: true }).fill('2015-01-01');
  await page.getByLabel('Since', { exact: true }).dispatchEvent('change');
  await expect.poll(() => chipCount(page, 'Lab results')).toBeLessThanOrEqual(hospitalLabs);

  await page.getByRole('button', { name: 'Clear filters' }).first().click();
  await expect(chip(page, 'All')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByLabel('From', { exact: true })).toHaveValue('');
  await expect(page.getByLabel('Since', { exact: true })).toHaveValue('');
});

test('search answers as the person types, with the matches marked', async ({
  page,
  openVault,
  checkScreen,
}) => {
  await openVault(await seed());
  await unlock(page, passphrase);
  await openPerson(page, catalina, 'Timeline');

  const search = page.getByLabel('Search records');
  await search.pressSequentially('hemoglobin a1c', { delay: 20 });
  const rows = timelineOf(page, catalina).getByRole('button');
  await expect(rows.first().locator('mark').first()).toHaveText(/hemoglobin/i);
  await expect(page.getByRole('status').filter({ hasText: /match/ })).toHaveText(/^\d+ records match/);
  // Highlight markers arrive as control characters and are shown as <mark>, never as HTML.
  const html = await rows.first().locator('.title').innerHTML();
  expect(html.includes('\u0002') || html.includes('\u0003')).toBe(false);
  await checkScreen('timeline-search');

  // Search combines with a chip; a chip with no matches disappears and the counts follow.
  await showFilters(page);
  await chip(page, 'Lab results').click();
  await everyRow(rows.locator('.meta'), /^Lab results/);

  await search.fill('zzzzqqq');
  await expect(page.getByText('No records match these filters.')).toBeVisible();
  await page.getByRole('button', { name: 'Clear filters' }).last().click();
  await expect(search).toHaveValue('');
  await expect(rows.first()).toBeVisible();
});

test('the timeline is fully usable from the keyboard, and a record opens in detail', async ({
  page,
  openVault,
  checkScreen,
}) => {
  await openVault(await seed());
  await unlock(page, passphrase);
  await openPerson(page, catalina, 'Timeline');

  const rows = timelineOf(page, catalina).getByRole('button');
  await expect(rows.first()).toBeVisible();
  await rows.first().focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  const third = await page.evaluate(() => document.activeElement?.textContent ?? '');
  expect(third).not.toBe(await rows.first().textContent());
  await page.keyboard.press('End');
  await page.keyboard.press('Home');
  await expect(rows.first()).toBeFocused();

  // Enter opens the record; Escape closes it and gives focus back to the row.
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('heading', { level: 2 })).toBeFocused();
  await expect(dialog.getByText('Came from')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(rows.first()).toBeFocused();

  // A clinical note: its text attachment is readable, and the FHIR JSON is one click away.
  await page.getByLabel('Search records').fill('history physical');
  await showFilters(page);
  await chip(page, 'Documents').click();
  await expect(rows.first()).toContainText('History and physical note');
  await rows.first().click();
  await expect(dialog.locator('pre.document').first()).not.toBeEmpty();
  await expect(dialog.getByText('Example Hospital')).toBeVisible();
  await dialog.getByText('View FHIR JSON').click();
  await expect(dialog.locator('.json pre')).toContainText('"resourceType": "DocumentReference"');
  // Long lines scroll in their own box: the sheet stays as wide as the dialog, Close in sight.
  expect(await dialog.evaluate((d) => d.scrollWidth - d.clientWidth)).toBeLessThanOrEqual(0);
  const [sheet, close] = await Promise.all([
    dialog.boundingBox(),
    dialog.getByRole('button', { name: 'Close' }).boundingBox(),
  ]);
  expect(close!.x + close!.width).toBeLessThanOrEqual(sheet!.x + sheet!.width);
  await checkScreen('record-detail');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();

  // Tabs move with the arrow keys.
  await page.getByRole('tab', { name: 'Timeline' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'Trends' })).toHaveAttribute('aria-selected', 'true');
});

test('the summary shows what is going on now, and switching persons is remembered per window', async ({
  page,
  openVault,
  checkScreen,
}) => {
  const opened = await openVault(await seed());
  await unlock(page, passphrase);
  await openPerson(page, catalina, 'Summary');

  for (const title of [
    'Active problems',
    'Current medications',
    'Allergies',
    'Immunizations',
    'Recent vital signs',
    'Recent lab results',
  ]) {
    await expect(page.getByRole('region', { name: title })).toBeVisible();
  }
  await expect(
    page.getByRole('region', { name: 'Recent vital signs' }).getByRole('button').first(),
  ).toBeVisible();
  await checkScreen('summary');

  await page.getByRole('region', { name: 'Recent lab results' }).getByRole('button').first().click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await page.keyboard.press('Escape');

  // Another person: their own records, none of Catalina's.
  await openPerson(page, geoffrey, 'Timeline');
  const rows = timelineOf(page, geoffrey).getByRole('button');
  await expect(rows.first()).toContainText('Lakeside Pediatrics');

  // A reload of this window keeps the person and the view.
  await page.goto(opened.url);
  await expect(page.getByRole('heading', { level: 2, name: geoffrey })).toBeVisible();
  await expect(page.getByRole('tab', { name: 'Timeline' })).toHaveAttribute('aria-selected', 'true');
  await expect(timelineOf(page, geoffrey).getByRole('button').first()).toBeVisible();
});

test('trends chart a lab or vital over time, blood pressure with both numbers', async ({
  page,
  openVault,
  checkScreen,
}) => {
  await openVault(await seed());
  await unlock(page, passphrase);
  await openPerson(page, catalina, 'Trends');

  const picks = page.getByRole('group', { name: 'Common measurements' });
  await picks.getByRole('button', { name: 'HbA1c' }).click();
  await expect(page.getByRole('heading', { level: 3, name: 'HbA1c' })).toBeVisible();
  const chart = page.getByRole('img', { name: /^HbA1c over time: 10 readings/ });
  await expect(chart).toBeVisible();
  await expect(chart.locator('canvas')).toBeVisible();
  await expect(page.getByRole('table').locator('tbody tr')).toHaveCount(10);
  await checkScreen('trends');

  await picks.getByRole('button', { name: 'Blood pressure' }).click();
  const table = page.getByRole('table');
  await expect(table.getByRole('columnheader', { name: 'Systolic' })).toBeVisible();
  await expect(table.getByRole('columnheader', { name: 'Diastolic' })).toBeVisible();
  await expect(
    page.getByRole('img', {
      name: /^Blood pressure over time: \d+ readings, (\d+ outside the usual range \(marked\), )?shaded below the target of 120 systolic and 80 diastolic, latest \d+ mmHg \/ \d+ mmHg/,
    }),
  ).toBeVisible();

  // Any other numeric measurement from the menu.
  await pickOption(page, 'Any measurement', 'Body Height');
  await expect(page.getByRole('img', { name: /over time: \d+ reading/ })).toBeVisible();
  // In the units of the computer's region until the person chooses (en-US here): inches.
  await expect(page.getByRole('table').locator('tbody tr').first()).toContainText(' in');
});

test('a person without records sees what to do next on every view', async ({
  page,
  openVault,
  checkScreen,
}) => {
  await openVault({ passphrase, ownerName: 'Sam Lee' });
  await unlock(page, passphrase);
  await page.getByRole('tab', { name: 'Timeline' }).click();
  await expect(
    page.getByText(/^No records for Sam Lee yet\. Connect a hospital or import files to see them here/),
  ).toBeVisible();
  await checkScreen('timeline-empty');
  await page.getByRole('tab', { name: 'Trends' }).click();
  await expect(page.getByText(/No measurements to chart yet/)).toBeVisible();
  await checkScreen('trends-empty');
});

test('a usual range shows as a band on the chart, and a result outside it is flagged', async ({
  page,
  openVault,
  checkScreen,
}, testInfo) => {
  // No fixture carries a numeric reference range, so a lab's HbA1c results bring theirs.
  const hba1c = (id: string, date: string, value: number) =>
    hba1cResult(id, date, value, { low: 4, high: 5.6 });
  const file = testInfo.outputPath('hba1c.ndjson');
  await writeFile(
    file,
    [
      hba1c('a1', '2021-03-02', 5.2),
      hba1c('a2', '2022-03-09', 5.5),
      hba1c('a3', '2023-02-27', 5.9),
      hba1c('a4', '2024-03-04', 6.4),
    ]
      .map((r) => JSON.stringify(r))
      .join('\n'),
  );
  await openVault({
    passphrase,
    ownerName: 'Sam Lee',
    imports: [{ person: 'Sam Lee', source: 'City Lab', files: [file] }],
  });
  await unlock(page, passphrase);

  await page.getByRole('tab', { name: 'Timeline' }).click();
  const newest = timelineOf(page, 'Sam Lee').getByRole('button').first();
  await expect(newest).toContainText('6.4 %');
  // Which way it is out, in words beside the mark: above the range its lab sent is "High".
  await expect(newest).toContainText('▲ High');

  await page.getByRole('tab', { name: 'Trends' }).click();
  await expect(
    page.getByRole('img', {
      name: /^HbA1c over time: 4 readings, 2 outside the usual range \(marked\), latest 6\.4 % ▲ High on Mar 4, 2024/,
    }),
  ).toBeVisible();
  await expect(page.getByRole('table').locator('tbody tr').first()).toContainText('4 to 5.6');
  await checkScreen('trends-range');
});

test('records from a DSTU2 portal read like any others: prescriptions among the medications', async ({
  page,
  openVault,
  statsFor,
}) => {
  const irmgard = 'Irmgard Schumm';
  const { vaultPath } = await openVault({
    passphrase,
    imports: [{ person: irmgard, relationship: 'parent', source: 'Old Portal', files: [IRMGARD_DSTU2] }],
  });
  const stats = await statsFor(vaultPath, passphrase, irmgard);
  expect(stats.byCategory.medications).toBeGreaterThan(0);
  await unlock(page, passphrase);
  await openPerson(page, irmgard, 'Timeline');
  await showFilters(page);
  await expect(chip(page, 'Medications')).toContainText(String(stats.byCategory.medications));
  await chip(page, 'Medications').click();
  const rows = timelineOf(page, irmgard).getByRole('button');
  await expect(rows.first()).toContainText('Old Portal');
  await everyRow(rows.locator('.meta'), /^Medications/);
});

test('narrow windows show every view without anything cut off at the side', async ({ page, openVault }) => {
  await openVault(await seed());
  await unlock(page, passphrase);
  await openPerson(page, catalina, 'Summary');
  // 720 px is the shell's minimum window width; at 860 px the views once ran past the window's edge.
  for (const width of [860, 720]) {
    await page.setViewportSize({ width, height: 700 });
    for (const view of ['Summary', 'Timeline', 'Trends', 'Connections', 'Export']) {
      await page.getByRole('tab', { name: view }).click();
      await expect(page.getByRole('tab', { name: view })).toHaveAttribute('aria-selected', 'true');
      const panel = (await page.getByRole('tabpanel').boundingBox())!;
      expect(panel.x + panel.width, `${view} at ${width} px`).toBeLessThanOrEqual(width);
      const scrolls = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(scrolls, `${view} at ${width} px scrolls sideways`).toBeLessThanOrEqual(0);
    }
  }
});
