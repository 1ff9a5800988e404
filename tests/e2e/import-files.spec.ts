import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, fhirBundle, test, unlock } from './fixtures.js';

const passphrase = 'meadow kettle harbor nine';

test('imports FHIR files chosen in the window into the person’s records, and says which file could not be read', async ({
  page,
  openVault,
  statsFor,
  checkScreen,
}, testInfo) => {
  const geoffrey = 'Geoffrey Abbott';
  const { vaultPath } = await openVault({ passphrase, ownerName: geoffrey, ownerBirthDate: '1992-07-03' });
  const bundle = await fhirBundle('Geoffrey_Abbott');
  await mkdir(testInfo.outputDir, { recursive: true });
  const notes = join(testInfo.outputDir, 'visit notes.json');
  await writeFile(notes, 'Seen on Tuesday; next visit in May.');

  await unlock(page, passphrase);
  const person = page.getByRole('button', { name: new RegExp(geoffrey) });
  await expect(person).toContainText('No records yet');
  await page.getByRole('tab', { name: 'Connections' }).click();
  await expect(page.getByText('No connections yet.')).toBeVisible();

  // The button opens the system's file chooser; the person picks a portal download and a note.
  const button = page.getByRole('button', { name: 'Import files…' });
  await expect(button).toHaveAccessibleDescription(/FHIR JSON: a bundle, a single record, or NDJSON/);
  // What the progress line says as it goes (each file's request takes a moment): recorded in the page.
  await page.evaluate(() => {
    const said: string[] = [];
    (window as unknown as { importSaid: string[] }).importSaid = said;
    new MutationObserver(() => {
      const bar = document.querySelector('progress[aria-label="Importing files"]');
      const line = bar?.parentElement?.querySelector('[role="status"]')?.textContent?.trim();
      const now = bar && line ? `${line} [${bar.getAttribute('aria-valuetext')}]` : null;
      if (now && said.at(-1) !== now) said.push(now);
    }).observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true });
  });
  await button.focus();
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Enter')]);
  expect(chooser.isMultiple()).toBe(true);
  await chooser.setFiles([bundle, notes]);

  const outcomes = page.getByRole('list', { name: 'Files imported' }).getByRole('listitem');
  await expect(outcomes).toHaveCount(2);
  const stats = await statsFor(vaultPath, passphrase, geoffrey);
  expect(stats.total).toBeGreaterThan(50);
  await expect(outcomes.first()).toContainText(`${stats.total} new records (FHIR R4).`);
  await expect(outcomes.nth(1)).toHaveText(
    'visit notes.json Not imported: visit notes.json is not valid JSON. That file could not be read as health records. Nothing was stored from it.',
  );
  await expect(page.getByRole('status').filter({ hasText: /files? imported/ })).toHaveText(
    '1 of 2 files imported.',
  );
  expect(await page.evaluate(() => (window as unknown as { importSaid: string[] }).importSaid)).toEqual([
    'Importing Geoffrey_Abbott_73a7d6b7-0310-4fff-9b0b-7891a5e390f5.json (1 of 2)… [0 of 2 files]',
    'Importing visit notes.json (2 of 2)… [1 of 2 files]',
  ]);
  // Focus stays where the person left it, for the next choice.
  await expect(button).toBeFocused();

  // The records have a source, counted, and the person's count follows at once.
  const source = page.getByRole('list', { name: 'Connections' }).getByRole('listitem');
  await expect(source).toHaveCount(1);
  await expect(source).toContainText('Imported files');
  await expect(source).toContainText('From files');
  await expect(source.getByTestId('record-count')).toHaveText(`· ${stats.total} records`);
  await expect(person).toContainText(`${stats.total} records`);
  await checkScreen('import-files');

  // The same file again: nothing new, nothing doubled.
  const [again] = await Promise.all([page.waitForEvent('filechooser'), button.click()]);
  await again.setFiles([bundle]);
  await expect(outcomes).toHaveCount(1);
  await expect(outcomes.first()).toContainText(
    `0 new records, ${stats.total} already in the vault (FHIR R4).`,
  );
  expect((await statsFor(vaultPath, passphrase, geoffrey)).total).toBe(stats.total);

  // A file about someone else: asked about first, nothing stored until the person answers.
  const [other] = await Promise.all([page.waitForEvent('filechooser'), button.click()]);
  await other.setFiles([await fhirBundle('Catalina_')]);
  const asked = outcomes.first();
  await expect(asked).toContainText(
    'It is about Catalina Cantú, born May 8, 1940, not Geoffrey Abbott. Nothing was stored yet: is it Geoffrey Abbott’s all the same?',
  );
  await expect(page.getByRole('status').filter({ hasText: /files? imported/ })).toHaveText(
    '0 of 1 file imported; one waits for your answer.',
  );
  const leaveOut = asked.getByRole('button', { name: 'Leave it out' });
  await expect(leaveOut).toHaveAccessibleDescription(/It is about Catalina Cantú/);
  await checkScreen('import-files-ask');
  await leaveOut.click();
  await expect(asked).toContainText('Not imported: Left out, as you chose.');
  await expect(button).toBeFocused();
  expect((await statsFor(vaultPath, passphrase, geoffrey)).total).toBe(stats.total);

  // Chosen again, and this time it is theirs.
  const [otherAgain] = await Promise.all([page.waitForEvent('filechooser'), button.click()]);
  await otherAgain.setFiles([await fhirBundle('Catalina_')]);
  await asked.getByRole('button', { name: 'Import it for Geoffrey Abbott' }).click();
  await expect(asked).toContainText(/^Catalina_\S+\.json\s*[\d,]+ new records \(FHIR R4\)\./);
  await expect(button).toBeFocused();
  expect((await statsFor(vaultPath, passphrase, geoffrey)).total).toBeGreaterThan(stats.total);

  // Too large for the window (it would not fit one message to the vault): refused at once, with where to go.
  const [large] = await Promise.all([page.waitForEvent('filechooser'), button.click()]);
  await large.setFiles({
    name: 'bulk-export.ndjson',
    mimeType: 'application/fhir+ndjson',
    buffer: Buffer.alloc(46 * 1024 * 1024, 0x20),
  });
  await expect(outcomes.first()).toContainText(
    'Not imported: It is larger than 45 MB, the most the window can import at once. The command line imports files of any size (see the README).',
  );

  await page.getByRole('tab', { name: 'Timeline' }).click();
  await expect(
    page
      .getByRole('list', { name: `Timeline of ${geoffrey}` })
      .getByRole('button')
      .first(),
  ).toBeVisible();
});
