import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from '@playwright/test';
import { expect, fhirBundle, test, unlock } from './fixtures.js';
import { catalina, catalinasRecords, importWhileLocked, showPerson } from './sample-people.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const passphrase = 'meadow copper lantern nine';

/** The timeline's record rows wholly inside the window as it is now. */
async function rowsInView(page: Page, timeline: Locator): Promise<number> {
  const height = page.viewportSize()!.height;
  const boxes = await timeline.locator('li.entry').evaluateAll((rows) =>
    rows.map((row) => {
      const r = row.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom };
    }),
  );
  return boxes.filter((b) => b.top >= 0 && b.bottom <= height).length;
}

test('with what is new shown, the timeline gives the records the room: one line of filters, and new only', async ({
  page,
  openVault,
  checkScreen,
}) => {
  const { vaultPath, url } = await openVault(await catalinasRecords(passphrase));
  await page.setViewportSize({ width: 1280, height: 800 });
  await unlock(page, passphrase);
  await showPerson(page, catalina, 'Timeline');
  const timeline = page.getByRole('list', { name: `Timeline of ${catalina}` });
  await expect(timeline.getByRole('button').first()).toBeVisible();

  // Another hospital's records arrive while the vault is locked: the banner says so.
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
  const banner = page.getByTestId('whats-new');
  await expect(banner).toBeVisible();
  await expect(timeline.getByRole('button').first()).toBeVisible();
  // The people list marks who has something new, in words.
  await expect(
    page
      .getByRole('list', { name: 'People in this vault' })
      .getByRole('button', { name: /Catalina Cantú.*\bNew$/ }),
  ).toBeVisible();

  // The filters are one line until opened; at 1280×800, with the banner, 8 records or more show.
  const filters = page.getByRole('button', { name: /^Filters\b/ });
  await expect(filters).toHaveAttribute('aria-expanded', 'false');
  await expect(page.getByRole('group', { name: 'Kinds of record' })).toBeHidden();
  expect(await rowsInView(page, timeline)).toBeGreaterThanOrEqual(8);
  await checkScreen('timeline-room-wide');

  await filters.click();
  await expect(filters).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByRole('group', { name: 'Kinds of record' })).toBeVisible();
  await expect(page.getByLabel('From', { exact: true })).toBeVisible();
  await filters.click();
  await expect(page.getByRole('group', { name: 'Kinds of record' })).toBeHidden();

  // New only: just what arrived, every row tagged "New", from the hospital it came from.
  const newOnly = page.getByRole('button', { name: 'New only' });
  await newOnly.click();
  await expect(newOnly).toHaveAttribute('aria-pressed', 'true');
  const rows = timeline.getByRole('button');
  await expect(rows.first()).toContainText('Example Hospital');
  await expect
    .poll(async () => (await rows.allTextContents()).filter((t) => !/Example Hospital.*\bNew\b/.test(t)))
    .toEqual([]);
  await expect(page.getByRole('button', { name: 'Clear filters' })).toBeVisible();
  await newOnly.click();
  await expect(newOnly).toHaveAttribute('aria-pressed', 'false');
  await expect(timeline.getByRole('button', { name: /Riverside Clinic/ }).first()).toBeVisible();
});

test('the page scrolls as a whole with the month held in view; a narrow window shows the records before the people', async ({
  page,
  openVault,
  checkScreen,
}) => {
  await openVault(await catalinasRecords(passphrase));
  await page.setViewportSize({ width: 1280, height: 800 });
  await unlock(page, passphrase);
  await showPerson(page, catalina, 'Timeline');
  const timeline = page.getByRole('list', { name: `Timeline of ${catalina}` });
  await expect(timeline.getByRole('button').first()).toBeVisible();

  // The page scrolls as a whole; the month being read stays named at the top of the window.
  const sticky = page.locator('.sticky-month');
  await expect(sticky).toBeHidden();
  // Down the page to a month whose heading is in the window.
  const headingInView = () =>
    timeline.locator('li.month').evaluateAll((months) => {
      const li = months.find((m) => {
        const top = m.getBoundingClientRect().top;
        return top > 100 && top < 600;
      });
      return li ? Number(li.dataset.index) : null;
    });
  await page.mouse.move(700, 600);
  await page.mouse.wheel(0, 800);
  await expect(sticky).toBeVisible();
  let index = await headingInView();
  for (let i = 0; i < 30 && index === null; i++) {
    await page.mouse.wheel(0, 400);
    index = await headingInView();
  }
  const next = timeline.locator(`li.month[data-index="${index}"]`);
  await expect.poll(async () => (await sticky.boundingBox())?.y).toBe(0);
  const earlier = ((await sticky.textContent()) ?? '').trim();
  expect(earlier).toMatch(/^[A-Z][a-z]+ \d{4}$/);
  const month = ((await next.textContent()) ?? '').trim();
  expect(month).not.toBe(earlier);
  // Just past that month's own heading: the heading has left the window, its name has not.
  await next.evaluate((li) => window.scrollTo(0, li.getBoundingClientRect().top + window.scrollY + 10));
  await expect(sticky).toHaveText(month);
  await expect.poll(async () => (await sticky.boundingBox())?.y).toBe(0);
  expect((await next.boundingBox())!.y).toBeLessThan(0);
  await checkScreen('timeline-scrolled');
  await page.mouse.wheel(0, -100_000);
  await expect(sticky).toBeHidden();

  // A narrow window: the person's records come before the list of people.
  await page.setViewportSize({ width: 760, height: 700 });
  const peopleHeading = page.getByRole('heading', { level: 2, name: 'People' });
  await expect
    .poll(async () => {
      const records = await timeline.boundingBox();
      const people = await peopleHeading.boundingBox();
      return records && people ? records.y < people.y : false;
    })
    .toBe(true);
  // In the page as on screen: Tab and a screen reader meet the records first, then the people.
  const recordsBeforePeople = () =>
    page.evaluate(() => {
      const records = document.querySelector('[aria-labelledby="person-heading"]')!;
      const people = document.getElementById('people-heading')!;
      return Boolean(records.compareDocumentPosition(people) & Node.DOCUMENT_POSITION_FOLLOWING);
    });
  expect(await recordsBeforePeople()).toBe(true);
  await checkScreen('timeline-room-narrow');
  // Wide again: the people list is the first column, and comes first in the page too.
  await page.setViewportSize({ width: 1280, height: 800 });
  await expect.poll(recordsBeforePeople).toBe(false);
});

test('a weight reads in the units the person chooses, kept with the vault', async ({
  page,
  openVault,
  checkScreen,
}) => {
  await openVault({
    passphrase,
    ownerName: 'Sam Lee',
    imports: [
      {
        person: 'Sam Lee',
        source: 'Community Hospital',
        files: [join(root, 'tests/fixtures/cda-documents/Discharge_Summary.xml')],
      },
    ],
  });
  await unlock(page, passphrase);
  await page.getByRole('tab', { name: 'Timeline' }).click();
  const timeline = page.getByRole('list', { name: 'Timeline of Sam Lee' });
  const weight = timeline.getByRole('button', { name: /Patient Body Weight/ }).first();
  const units = page.getByLabel('Units', { exact: true });

  await units.selectOption('us');
  await expect(weight).toContainText('189.6 lb');
  // The blood pressure its source called low says so, in words and with a mark.
  await expect(timeline.getByRole('button', { name: /Systolic blood pressure/ }).first()).toContainText(
    '▼ Low',
  );
  await checkScreen('units-us');
  // Its detail reads in pounds as well, and says what the source sent.
  await weight.click();
  const detail = page.getByRole('dialog');
  await expect(detail).toContainText('189.6 lb');
  await expect(detail.locator('dt', { hasText: 'As sent' }).locator('+ dd')).toHaveText('86 kg');
  await checkScreen('units-us-detail');
  await page.keyboard.press('Escape');
  await expect(detail).toBeHidden();

  await units.selectOption('metric');
  await expect(weight).toContainText('86 kg');
  await expect(units).toHaveValue('metric');

  // The choice is the vault's: it is there again after locking.
  await page.getByRole('button', { name: 'Lock' }).click();
  await unlock(page, passphrase);
  await expect(page.getByLabel('Units', { exact: true })).toHaveValue('metric');
  await units.selectOption('us');
  await page.getByRole('tab', { name: 'Summary' }).click();
  await expect(page.getByRole('button', { name: /Patient Body Weight/ }).first()).toContainText('189.6 lb');
});
