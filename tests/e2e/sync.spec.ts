import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { labResult } from '../support/fhir-builders.js';
import { approveInBrowser } from '../support/smart-server.js';
import { resourcesFromBundle, startSyncEhr, type SyncEhr } from '../support/sync-ehr.js';
import { expect, fhirBundle, test, unlock } from './fixtures.js';

/**
 * Syncing a connected hospital from the app: the records server of the sync tests (Geoffrey
 * Abbott's Synthea records, R4, paged and slowed so the progress can be watched, with one "busy,
 * wait" answer) behind a real SMART authorization server, the host running the real core. The
 * test plays the person: signs in, presses Sync now, watches the progress, hears what is new.
 */

const passphrase = 'lantern pebble orchard four';
const geoffrey = { ownerName: 'Geoffrey Abbott', ownerBirthDate: '1992-07-03' };

const ehrs: SyncEhr[] = [];
test.afterAll(async () => {
  await Promise.all(ehrs.splice(0).map((ehr) => ehr.close()));
});

async function hospital(): Promise<SyncEhr> {
  const started = await startSyncEhr({
    fhirVersion: 'R4',
    resources: resourcesFromBundle(await fhirBundle('Geoffrey_Abbott')),
    clientId: 'phr-vault-test',
    // Each page waits half a second: slow enough to see the bar move, quick enough for a test.
    // (The app asks for up to 1,000 records a page, so each kind here is a page or two.)
    pageSize: 10,
    pageDelayMs: 500,
  });
  ehrs.push(started);
  return started;
}

/** A lab result the portal adds after the first sync. */
function newLabResult(patientId: string): object {
  return labResult({
    id: 'e2e-new-a1c',
    date: '2026-11-20T09:30:00Z',
    value: 5.4,
    loinc: '4548-4',
    display: 'Hemoglobin A1c',
    text: 'Hemoglobin A1c',
    unit: '%',
    ucum: true,
    patient: patientId,
  });
}

async function clientsFile(folder: string, ehr: SyncEhr): Promise<string> {
  await mkdir(folder, { recursive: true });
  const file = join(folder, 'smart-clients.json');
  await writeFile(
    file,
    JSON.stringify({ endpoints: { [ehr.fhir.base]: { clientId: 'phr-vault-test', auth: 'public' } } }),
  );
  return file;
}

/** Unlocks, opens Connections and connects to the hospital by its address; returns its card. */
async function connect(page: Page, ehr: SyncEhr): Promise<Locator> {
  await unlock(page, passphrase);
  await expect(page.getByRole('heading', { level: 2, name: geoffrey.ownerName })).toBeVisible();
  await page.getByRole('tab', { name: 'Connections' }).click();
  await page.getByLabel('Or add by FHIR address').fill(ehr.fhir.base);
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const link = page.getByRole('link', { name: 'Open the sign-in page' });
  await expect(link).toBeVisible();
  expect(await approveInBrowser((await link.getAttribute('href'))!)).toBe(200);
  const card = page.getByRole('list', { name: 'Connections' }).getByRole('listitem').first();
  await expect(card).toContainText('Connected');
  return card;
}

test('the first sync runs on connecting, shows its progress, says what is new; Sync now and the log follow', async ({
  page,
  openVault,
  checkScreen,
}, testInfo) => {
  test.setTimeout(180_000);
  const ehr = await hospital();
  // The first page of conditions answers "busy, come back in 10 s", as a loaded portal does.
  ehr.fhir.faults.push({
    resourceType: 'Condition',
    page: 1,
    fault: { kind: 'status', status: 429, retryAfter: '10' },
  });
  // A page of observations waits until the test has looked at the sync under way, so the
  // run cannot end before then on a fast machine, nor on a slow one while screenshots are taken.
  let letObservationsOn = () => {};
  const held = new Promise<void>((resolve) => (letObservationsOn = resolve));
  const hold = { resourceType: 'Observation', page: 1, fault: { kind: 'held' as const, until: held } };
  ehr.fhir.faults.push(hold);
  const clients = await clientsFile(testInfo.outputDir, ehr);
  await openVault({ passphrase, ...geoffrey }, { env: { PHR_VAULT_SMART_CLIENTS: clients } });
  const card = await connect(page, ehr);

  // Connecting starts the first sync by itself: the bar counts kinds of record, the button cancels.
  const bar = card.getByRole('progressbar', { name: /^Sync with / });
  await expect(bar).toBeVisible();
  await expect(card.getByRole('button', { name: 'Cancel sync' })).toBeVisible();
  await expect(card.getByRole('button', { name: 'Sync now' })).toHaveCount(0);
  await expect(bar).toHaveAttribute('aria-valuemax', /^[1-9]\d*$/);
  await expect(bar).toHaveAttribute('aria-valuenow', /^\d+$/);
  await expect(card.getByText(/\d+ of \d+ kinds of record · \d+ pages? · \d+ records? so far/)).toBeVisible();
  await expect(card.getByText(/Bringing in .+ \([A-Za-z]+\)/)).toBeVisible();
  const waiting = card.getByRole('status').filter({ hasText: 'asked to wait' });
  await expect(waiting).toBeVisible({ timeout: 30_000 });
  await checkScreen('sync-running');

  // Elsewhere in the app, the header says a sync is under way and leads back to its card.
  await page.getByRole('tab', { name: 'Timeline' }).click();
  const underWay = page.getByRole('banner').getByRole('button', { name: /^Syncing 127\.0\.0\.1:\d+/ });
  await expect(underWay).toBeVisible();
  await expect(underWay.getByRole('progressbar')).toHaveAttribute(
    'aria-valuetext',
    /^\d+ of \d+ kinds of record$/,
  );
  // The timeline was empty: the records already stored show while the sync goes on.
  const timeline = page.getByRole('list', { name: `Timeline of ${geoffrey.ownerName}` });
  await expect(timeline.getByRole('button').first()).toBeVisible();
  await expect(underWay).toBeVisible();
  await checkScreen('sync-under-way');
  // In a narrow window it still fits beside Lock, nothing cut off at the side.
  const wide = page.viewportSize()!;
  await page.setViewportSize({ width: 360, height: wide.height });
  await expect(page.getByRole('button', { name: 'Lock' })).toBeInViewport({ ratio: 1 });
  await expect(underWay).toBeInViewport({ ratio: 1 });
  expect(
    await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
  ).toBeLessThanOrEqual(0);
  await checkScreen('sync-under-way-narrow');
  await page.setViewportSize(wide);
  await underWay.click();
  await expect(page.getByRole('tab', { name: 'Connections' })).toBeFocused();
  await expect(page.getByRole('tab', { name: 'Connections' })).toHaveAttribute('aria-selected', 'true');
  await expect(bar).toBeVisible();
  letObservationsOn();

  // Finished: said aloud (a live region), shown as a toast, and on the card.
  const announcement = page.getByTestId('sync-announcement');
  await expect(announcement).toHaveText(/\d+ new .+ from .+/, { timeout: 60_000 });
  const sentence = (await announcement.textContent())!.trim();
  await expect(page.getByTestId('sync-toast').first()).toContainText(sentence.replace(/\.$/, ''));
  await expect(bar).toHaveCount(0);
  await expect(underWay).toHaveCount(0);
  // The held page was asked for, so the run could not have ended before the test let it go on.
  expect(hold).toHaveProperty('times', 0);
  await expect(card.getByRole('button', { name: 'Sync now' })).toBeEnabled();
  const last = card.getByTestId('last-sync');
  await expect(last).toContainText('Last sync:');
  await expect(last).toContainText(/Finished|Partly finished/);
  await expect(last).toContainText(/[1-9]\d* added/);
  await expect(card.getByTestId('record-count')).toHaveText(/[1-9][\d,]* records?/);
  await expect(card.getByText('Next sync:')).toBeVisible();
  await checkScreen('sync-finished');
  // The toast goes by itself after a few seconds, or at once with its button.
  await page
    .getByRole('button', { name: /^Dismiss: / })
    .first()
    .click();
  await expect(page.getByTestId('sync-toast')).toHaveCount(0);

  // The log: one line for the run, one per kind of record.
  await card.getByText('Sync log', { exact: true }).click();
  const log = card.getByRole('list', { name: /^Sync log of / });
  await expect(log.getByRole('listitem').filter({ hasText: 'Whole sync' }).first()).toBeVisible();
  await expect(log.getByRole('listitem').filter({ hasText: 'Conditions (Condition)' }).first()).toBeVisible();
  await checkScreen('sync-log');
  // Each kind's line says when it finished, and the lines follow that order.
  const finished = await log
    .locator('li:not(.whole) time')
    .evaluateAll((times) => times.map((t) => t.getAttribute('datetime') ?? ''));
  expect(finished.length).toBeGreaterThan(1);
  expect([...finished].sort()).toEqual(finished);

  // The records are on the timeline and in the people list's count.
  await page.getByRole('tab', { name: 'Timeline' }).click();
  await expect(timeline.getByRole('button').first()).toBeVisible();
  await expect(page.getByRole('button', { name: /Geoffrey Abbott/ })).not.toContainText('No records yet');

  // The portal gets a new lab result; Sync now brings it, and the open timeline shows it.
  ehr.fhir.put(newLabResult(ehr.fhir.patientId));
  await page.getByRole('tab', { name: 'Connections' }).click();
  await card.getByRole('button', { name: 'Sync now' }).click();
  await expect(announcement).toHaveText(/^1 new lab result from .+/, { timeout: 60_000 });
  await expect(card.getByTestId('last-sync')).toContainText('1 added');
  await page.getByRole('tab', { name: 'Timeline' }).click();
  await expect(timeline).toContainText('Hemoglobin A1c');

  // The schedule: a day, then only when asked.
  await page.getByRole('tab', { name: 'Connections' }).click();
  const schedule = card.getByLabel('Sync schedule');
  await expect(schedule).toHaveValue('360');
  await schedule.selectOption({ label: 'Every day' });
  await expect(schedule).toHaveValue('1440');
  await expect(card.getByText('Next sync:')).toBeVisible();
  await schedule.selectOption({ label: 'Only when I ask' });
  await expect(schedule).toHaveValue('0');
  await expect(card.getByText('Only when you press Sync now.')).toBeVisible();
  // Documents' files: listed only, from now on; the hint says what that means.
  const files = card.getByLabel('Document files');
  await expect(files).toHaveValue(String(20 * 1024 * 1024));
  await files.selectOption({ label: 'List them, download none' });
  await expect(files).toHaveValue('0');
  await expect(card.getByText('their files stay at the source')).toBeVisible();
  await expect(card.getByRole('alert')).toHaveCount(0);
  await checkScreen('sync-schedule');

  // Nothing new on the portal: the sync says so.
  await card.getByRole('button', { name: 'Sync now' }).click();
  await expect(announcement).toHaveText(/up to date/i, { timeout: 60_000 });

  // Locking forgets it all: after unlocking again no toast, no announcement, no open log.
  await page.getByRole('button', { name: 'Lock' }).click();
  await unlock(page, passphrase);
  await expect(page.getByTestId('sync-toast')).toHaveCount(0);
  await expect(announcement).toHaveText('');
  await page.getByRole('tab', { name: 'Connections' }).click();
  await expect(card.getByRole('list', { name: /^Sync log of / })).toHaveCount(0);
  await expect(card.getByLabel('Sync schedule')).toHaveValue('0');
  await expect(card.getByLabel('Document files')).toHaveValue('0');
  await expect(card.getByText('Last sync:')).toBeVisible();
});

test('a sync can be cancelled, and the card says so', async ({ page, openVault }, testInfo) => {
  const ehr = await hospital();
  const clients = await clientsFile(testInfo.outputDir, ehr);
  await openVault({ passphrase, ...geoffrey }, { env: { PHR_VAULT_SMART_CLIENTS: clients } });
  const card = await connect(page, ehr);
  // From here every answer is slow, so there is time to press Cancel.
  ehr.fhir.faults.push({ resourceType: '*', times: Infinity, fault: { kind: 'slow', delayMs: 400 } });

  // The first sync starts on connecting; the person stops it.
  await expect(card.getByRole('progressbar')).toBeVisible();
  await card.getByRole('button', { name: 'Cancel sync' }).click();
  await expect(page.getByTestId('sync-announcement')).toHaveText(/was cancelled/, { timeout: 30_000 });
  await expect(card.getByTestId('last-sync')).toContainText('Cancelled');
  await expect(card.getByRole('button', { name: 'Sync now' })).toBeEnabled();
});
