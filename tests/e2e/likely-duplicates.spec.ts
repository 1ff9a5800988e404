import { expect, fhirBundle, test, unlock } from './fixtures.js';

const passphrase = 'harbour quilt meadow nine';
const catalina = 'Catalina Cantú';

test('a record two sources sent shows once, "from 2 sources", and its detail lists both', async ({
  page,
  openVault,
  statsFor,
  checkScreen,
}) => {
  // The same patient's file, imported as if it had come from a hospital and from a portal.
  const file = await fhirBundle('Catalina_');
  const { vaultPath } = await openVault({
    passphrase,
    ownerName: 'Sam Lee',
    imports: [
      { person: catalina, relationship: 'parent', source: 'Riverside Clinic', files: [file] },
      { person: catalina, source: 'Example Hospital', files: [file] },
    ],
  });
  await unlock(page, passphrase);
  await page.getByRole('button', { name: new RegExp(catalina) }).click();
  await expect(page.getByRole('heading', { level: 2, name: catalina })).toBeVisible();
  await page.getByRole('tab', { name: 'Timeline' }).click();

  const timeline = page.getByRole('list', { name: `Timeline of ${catalina}` });
  const grouped = timeline.getByRole('button', { name: /from 2 sources/ });
  await expect(grouped.first()).toBeVisible();
  // Shown once: the group's leader, from the source stored first. (Records with no code, such as
  // these visits, are never taken for copies and show from each source.)
  await expect(grouped.first()).toContainText('Riverside Clinic');
  await expect(timeline.getByRole('button', { name: /Example Hospital.*from 2 sources/ })).toHaveCount(0);

  // Everything is kept: the vault holds both copies, the timeline counts each group once.
  const stats = await statsFor(vaultPath, passphrase, catalina);
  // The kinds of record, with their counts, are among the filters: folded until opened.
  await page.getByRole('button', { name: /^Filters\b/ }).click();
  const all = page.getByRole('group', { name: 'Kinds of record' }).getByRole('button', { name: /^All / });
  const shown = Number(((await all.textContent()) ?? '').replace(/[^\d]/g, ''));
  expect(shown).toBeGreaterThan(0);
  expect(shown).toBeLessThan(stats.total / 2 + 1);
  await checkScreen('timeline-from-2-sources');

  const title = ((await grouped.first().locator('.title').textContent()) ?? '').trim();
  await grouped.first().click();
  const dialog = page.getByRole('dialog', { name: title });
  await expect(dialog).toBeVisible();
  const sources = dialog.getByRole('region', { name: 'From 2 sources' });
  await expect(sources).toBeVisible();
  await expect(sources.getByRole('listitem')).toHaveCount(2);
  await expect(sources.getByRole('listitem').nth(0)).toContainText('Riverside Clinic');
  await expect(sources.getByRole('listitem').nth(0)).toContainText('Shown here');
  await expect(sources.getByRole('listitem').nth(1)).toContainText('Example Hospital');
  await checkScreen('record-from-2-sources');

  // The other source's version opens in its place.
  await sources.getByRole('button', { name: 'Read the version from Example Hospital' }).click();
  await expect(dialog.getByRole('heading', { level: 2, name: title })).toBeFocused();
  await expect(dialog.getByText('Example Hospital', { exact: true }).first()).toBeVisible();
  await expect(sources.getByRole('listitem').nth(1)).toContainText('Shown here');
  await expect(sources.getByRole('button', { name: 'Read the version from Riverside Clinic' })).toBeVisible();
});
