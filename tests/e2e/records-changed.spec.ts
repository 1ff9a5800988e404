import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { approveInBrowser } from '../support/smart-server.js';
import { resourcesFromBundle, startSyncEhr, type SyncEhr } from '../support/sync-ehr.js';
import { expect, fhirBundle, test, unlock } from './fixtures.js';

/**
 * The window hears from the core when records are stored (records.changed) and looks again then,
 * never on a timer: a first sync fills the empty timeline while it runs, and its end brings the
 * rest. A record's detail shows what the core read of it.
 */

const passphrase = 'meadow copper lantern nine';
const geoffrey = { ownerName: 'Geoffrey Abbott', ownerBirthDate: '1992-07-03' };

const ehrs: SyncEhr[] = [];
test.afterAll(async () => {
  await Promise.all(ehrs.splice(0).map((ehr) => ehr.close()));
});

test('the timeline fills as a sync stores its pages, with no timer, and a record’s detail reads plainly', async ({
  page,
  openVault,
  checkScreen,
}, testInfo) => {
  test.setTimeout(120_000);
  const ehr = await startSyncEhr({
    fhirVersion: 'R4',
    resources: resourcesFromBundle(await fhirBundle('Geoffrey_Abbott')),
    clientId: 'phr-vault-test',
    pageSize: 10,
  });
  ehrs.push(ehr);
  // The observations wait until the test has looked at the timeline, so the sync is still running then.
  let letObservationsOn = () => {};
  const held = new Promise<void>((resolve) => (letObservationsOn = resolve));
  const hold = { resourceType: 'Observation', page: 1, fault: { kind: 'held' as const, until: held } };
  ehr.fhir.faults.push(hold);
  await mkdir(testInfo.outputDir, { recursive: true });
  const clients = join(testInfo.outputDir, 'smart-clients.json');
  await writeFile(
    clients,
    JSON.stringify({ endpoints: { [ehr.fhir.base]: { clientId: 'phr-vault-test', auth: 'public' } } }),
  );
  // Every timer of a second or more the page sets is noted and never fires: the timeline may not
  // look again on one.
  await page.addInitScript(() => {
    const slow: number[] = [];
    (window as unknown as { slowTimers: number[] }).slowTimers = slow;
    const setInterval = window.setInterval.bind(window);
    window.setInterval = ((handler: TimerHandler, ms?: number, ...rest: unknown[]) => {
      if ((ms ?? 0) < 1000) return setInterval(handler, ms, ...rest);
      slow.push(ms!);
      return setInterval(() => undefined, ms);
    }) as typeof window.setInterval;
  });
  await openVault({ passphrase, ...geoffrey }, { env: { PHR_VAULT_SMART_CLIENTS: clients } });

  await unlock(page, passphrase);
  await page.getByRole('tab', { name: 'Timeline' }).click();
  const timeline = page.getByRole('list', { name: `Timeline of ${geoffrey.ownerName}` });
  await expect(page.getByText(`No records for ${geoffrey.ownerName} yet.`, { exact: false })).toBeVisible();
  await page.getByRole('tab', { name: 'Connections' }).click();
  await page.getByLabel('Or add by FHIR address').fill(ehr.fhir.base);
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const link = page.getByRole('link', { name: 'Open the sign-in page' });
  await expect(link).toBeVisible();
  expect(await approveInBrowser((await link.getAttribute('href'))!)).toBe(200);

  // The first sync runs; the empty timeline shows what is stored while the observations wait.
  await page.getByRole('tab', { name: 'Timeline' }).click();
  const underWay = page.getByRole('banner').getByRole('button', { name: /^Syncing / });
  await expect(underWay).toBeVisible();
  await expect(timeline.getByRole('button').first()).toBeVisible();
  await expect(underWay).toBeVisible();
  await expect(timeline).not.toContainText('Blood Pressure');
  expect(await page.evaluate(() => (window as unknown as { slowTimers: number[] }).slowTimers)).toEqual([]);

  // The sync's end brings the rest, the held observations among them.
  letObservationsOn();
  await expect(underWay).toHaveCount(0, { timeout: 60_000 });
  await expect(timeline).toContainText('Blood Pressure');
  expect(hold).toHaveProperty('times', 0);

  // A blood pressure's detail: its parts, its kind in words, its code; dates in words.
  await timeline.getByRole('button').filter({ hasText: 'Blood Pressure' }).first().click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('heading', { level: 2 })).toHaveText('Blood Pressure');
  const facts = dialog.locator('dl.facts');
  const line = (label: string) =>
    facts.locator('div').filter({ has: page.getByText(label, { exact: true }) });
  await expect(line('Systolic Blood Pressure')).toContainText(/\d mmHg$/);
  await expect(line('Kind')).toContainText('vital signs');
  await expect(line('Codes')).toContainText('LOINC 55284-4');
  await expect(line('Date')).toContainText(/\d{4}/);
  await expect(facts).not.toContainText('T09:');
  await checkScreen('record-detail-facts');
  const wide = page.viewportSize()!;
  await page.setViewportSize({ width: 380, height: 760 });
  await checkScreen('record-detail-facts-narrow');
  await page.setViewportSize(wide);
  await dialog.getByText('View FHIR JSON').click();
  await expect(dialog.locator('.json pre')).toContainText('"resourceType": "Observation"');
  await page.keyboard.press('Escape');
  expect(await page.evaluate(() => (window as unknown as { slowTimers: number[] }).slowTimers)).toEqual([]);
});
