import type { Page } from '@playwright/test';
import { expect, fhirBundle, test, unlock } from './fixtures.js';
import { catalina, catalinasRecords, importWhileLocked } from './sample-people.js';

const passphrase = 'lantern pebble autumn four';

async function pickSource(page: Page, start: string) {
  // The source, date and kind filters fold into one line until opened.
  const filters = page.getByRole('button', { name: /^Filters\b/ });
  if ((await filters.getAttribute('aria-expanded')) === 'false') await filters.click();
  const select = page.getByLabel('From', { exact: true });
  const text = await select.locator('option', { hasText: start }).first().textContent();
  await select.selectOption({ label: text! });
}

async function shownTotal(page: Page): Promise<number> {
  const filters = page.getByRole('button', { name: /^Filters\b/ });
  if ((await filters.getAttribute('aria-expanded')) === 'false') await filters.click();
  const all = page.getByRole('group', { name: 'Kinds of record' }).getByRole('button', { name: /^All / });
  await expect(all).not.toHaveText(/^All 0$/);
  return Number(((await all.textContent()) ?? '').replace(/[^\d]/g, ''));
}

test('what arrived since the person last looked shows once, on the summary and the timeline', async ({
  page,
  openVault,
  checkScreen,
}) => {
  const { vaultPath, url } = await openVault(await catalinasRecords(passphrase));
  await unlock(page, passphrase);
  await page.getByRole('button', { name: new RegExp(catalina) }).click();
  await expect(page.getByRole('heading', { level: 2, name: catalina })).toBeVisible();
  await expect(page.getByRole('heading', { level: 3, name: 'Active problems' })).toBeVisible();

  // The first look: everything would be new, so nothing is said and no record is tagged.
  const banner = page.getByTestId('whats-new');
  await expect(banner).toHaveCount(0);
  await page.getByRole('tab', { name: 'Timeline' }).click();
  const timeline = page.getByRole('list', { name: `Timeline of ${catalina}` });
  await expect(timeline.getByRole('button').first()).toBeVisible();
  const before = await shownTotal(page);
  await expect(timeline.locator('.new-tag')).toHaveCount(0);

  // Records arrive while the app is locked (here another hospital's file, through the command line).
  await page.getByRole('button', { name: 'Lock' }).click();
  await expect(page.getByLabel('Passphrase', { exact: true })).toBeVisible();
  await importWhileLocked(
    { path: vaultPath, passphrase },
    catalina,
    'Example Hospital',
    await fhirBundle('uscore_bundle_patient_355'),
  );
  await page.goto(url);
  await unlock(page, passphrase);

  // The timeline (the tab last shown) opens with the banner above it and the arrivals tagged "New".
  await expect(page.getByRole('tab', { name: 'Timeline' })).toHaveAttribute('aria-selected', 'true');
  await expect(banner).toBeVisible();
  const after = await shownTotal(page);
  const arrived = after - before;
  expect(arrived).toBeGreaterThan(0);
  await expect(banner.getByRole('heading', { level: 3 })).toHaveText(
    `${arrived} new ${arrived === 1 ? 'record' : 'records'} since you last looked earlier today`,
  );
  await expect(banner).toContainText('from Example Hospital');
  // Only what arrived is tagged (the list shows a screenful at a time, so look source by source).
  const tagged = timeline.locator('li').filter({ has: page.locator('.new-tag') });
  await pickSource(page, 'Example Hospital');
  await expect(tagged.first()).toBeVisible();
  await expect(timeline.getByRole('button', { name: /Example Hospital.*\bNew\b/ }).first()).toBeVisible();
  await checkScreen('whats-new-timeline');
  await pickSource(page, 'Riverside Clinic');
  await expect(timeline.getByRole('button').first()).toContainText('Riverside Clinic');
  await expect(tagged).toHaveCount(0);
  await page.getByRole('button', { name: 'Clear filters' }).click();

  // On the summary too; "Show them" lists the newest of them, each opening its record.
  await page.getByRole('tab', { name: 'Summary' }).click();
  await expect(banner).toBeVisible();
  await banner.getByRole('button', { name: 'Show them' }).click();
  const list = banner.getByRole('list', { name: 'New records' });
  await expect(list.getByRole('listitem')).toHaveCount(Math.min(arrived, 20));
  await expect(banner.getByRole('button', { name: 'Hide them' })).toHaveAttribute('aria-expanded', 'true');
  await checkScreen('whats-new');

  const first = list.getByRole('button').first();
  const title = ((await first.locator('.title').textContent()) ?? '').trim();
  await first.click();
  const dialog = page.getByRole('dialog', { name: title });
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // "Got it": the banner goes, focus goes to the tab, and the tags go from the timeline.
  await banner.getByRole('button', { name: 'Got it' }).click();
  await expect(banner).toHaveCount(0);
  await expect(page.getByRole('tab', { name: 'Summary' })).toBeFocused();
  await page.getByRole('tab', { name: 'Timeline' }).click();
  await expect(timeline.getByRole('button').first()).toBeVisible();
  await expect(timeline.locator('.new-tag')).toHaveCount(0);

  // And it stays gone after the app opens again.
  await page.getByRole('button', { name: 'Lock' }).click();
  await expect(page.getByLabel('Passphrase', { exact: true })).toBeVisible();
  await page.goto(url);
  await unlock(page, passphrase);
  await expect(timeline.getByRole('button').first()).toBeVisible();
  await page.getByRole('tab', { name: 'Summary' }).click();
  await expect(page.getByRole('heading', { level: 3, name: 'Active problems' })).toBeVisible();
  await expect(banner).toHaveCount(0);
});
