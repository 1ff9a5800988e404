import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixtures } from '../../testkit/fixture-paths.js';
import { expect, fhirBundle, test, toChoose, unlock } from './fixtures.js';

const passphrase = 'meadow kettle harbor nine';
const geoffrey = 'Geoffrey Abbott';
const CCD = `${fixtures}cda-documents/CCD_1.xml`;
const REFERRAL = `${fixtures}cda-documents/Referral_Note.xml`;

/**
 * An NDJSON export larger than the 45 MB a window could once send: Observations of about 20 KB (a
 * long note each, as a clinician's comment can be), made at test time rather than kept.
 */
async function bigExport(path: string, records: number): Promise<number> {
  const note = 'Reviewed with the patient; '.repeat(720);
  const lines = Array.from({ length: records }, (_, i) =>
    JSON.stringify({
      resourceType: 'Observation',
      id: `weight-${i}`,
      status: 'final',
      category: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
          ],
        },
      ],
      code: {
        coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body weight' }],
        text: 'Weight',
      },
      effectiveDateTime: new Date(Date.UTC(2000, 0, 1) + i * 3_600_000).toISOString(),
      valueQuantity: {
        value: 70 + (i % 20) / 10,
        unit: 'kg',
        system: 'http://unitsofmeasure.org',
        code: 'kg',
      },
      note: [{ text: note }],
    }),
  );
  const text = lines.join('\n') + '\n';
  await writeFile(path, text);
  return Buffer.byteLength(text);
}

test('files chosen in the window are previewed before anything is stored: what each is, and whose against the person', async ({
  page,
  openVault,
  checkScreen,
}, testInfo) => {
  const { imports } = await openVault({ passphrase, ownerName: geoffrey, ownerBirthDate: '1992-07-03' });
  const letter = testInfo.outputPath('letter.json');
  await writeFile(letter, 'Dear patient, ');
  await toChoose(imports, [await fhirBundle('Geoffrey_Abbott'), CCD, letter]);

  await unlock(page, passphrase);
  await page.getByRole('tab', { name: 'Connections' }).click();
  await page.getByRole('button', { name: 'Import files…' }).click();

  const files = page.getByRole('list', { name: 'Files to import' }).getByRole('listitem');
  // In the order a dialog lists them: by name.
  await expect(files).toHaveCount(3);
  const ccd = files.nth(0);
  await expect(ccd).toContainText(
    'CCD_1.xml (172 KB) C-CDA Continuity of Care Document from Good Health HIE, 2013-08-15, 48 entries',
  );
  await expect(ccd).toContainText('It is about Eve Betterhalf, born May 1, 1975, not Geoffrey Abbott.');
  // Someone else's document is left out unless the person says otherwise.
  await expect(ccd.getByRole('radio')).toHaveCount(3);
  await expect(ccd.getByRole('radio', { name: 'Leave it out' })).toBeChecked();
  await expect(ccd.getByRole('group', { name: 'Import CCD_1.xml' })).toHaveAccessibleDescription(
    /C-CDA Continuity of Care Document.*It is about Eve Betterhalf/,
  );
  const his = files.nth(1);
  await expect(his).toContainText('FHIR R4, 109 records');
  await expect(his).toContainText('It is about Geoffrey Abbott, born July 3, 1992.');
  await expect(his.getByRole('radio', { name: `For ${geoffrey}` })).toBeChecked();
  await expect(files.nth(2)).toContainText(
    'Cannot be imported: letter.json is not valid JSON. That file could not be read as health records.',
  );
  await expect(files.nth(2).getByRole('radio')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Import 1 file' })).toBeFocused();
  // Nothing is stored before the person says so.
  await expect(page.getByRole('button', { name: new RegExp(geoffrey) })).toContainText('No records yet');
  await checkScreen('import-preview');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(files).toHaveCount(0);
});

test('files are imported as chosen: for the person, and as a new person made from the name and birth date the file gives', async ({
  page,
  openVault,
  checkScreen,
}) => {
  const { imports } = await openVault({ passphrase, ownerName: geoffrey, ownerBirthDate: '1992-07-03' });
  await toChoose(imports, [await fhirBundle('Geoffrey_Abbott'), CCD]);
  await page.setViewportSize({ width: 760, height: 700 });
  await unlock(page, passphrase);
  await page.getByRole('tab', { name: 'Connections' }).click();
  const button = page.getByRole('button', { name: 'Import files…' });
  await button.click();
  const ccd = page.getByRole('list', { name: 'Files to import' }).getByRole('listitem').first();
  await ccd.getByRole('radio', { name: 'Add as a new person (Eve Betterhalf, born May 1, 1975)' }).check();
  await checkScreen('import-preview-narrow');

  await page.getByRole('button', { name: 'Import 2 files' }).click();
  const done = page.getByRole('list', { name: 'Files imported' }).getByRole('listitem');
  await expect(done.nth(1)).toContainText('109 new records.');
  await expect(done.nth(0)).toContainText(/Added Eve Betterhalf as a new person: \d+ new records\./);
  await expect(page.getByRole('status').filter({ hasText: /files? imported/ })).toHaveText(
    '2 of 2 files imported.',
  );
  await expect(button).toBeFocused();
  const eve = page.getByRole('button', { name: /Eve Betterhalf/ });
  await expect(eve).toBeVisible();
  // The person list counts what the vault holds for each: Eve's are the document's, Geoffrey's his.
  const added = Number(/(\d+) new records/.exec((await done.nth(0).textContent()) ?? '')?.[1]);
  expect(added).toBeGreaterThan(48);
  await expect(eve).toContainText(`${added} records`);
  await expect(page.getByRole('button', { name: new RegExp(geoffrey) })).toContainText('109 records');
});

test('the same file again adds nothing, a file left out stores nothing, and a dropped file is previewed like a chosen one', async ({
  page,
  openVault,
  statsFor,
}) => {
  const bundle = await fhirBundle('Geoffrey_Abbott');
  const { vaultPath, imports } = await openVault({
    passphrase,
    ownerName: geoffrey,
    ownerBirthDate: '1992-07-03',
    imports: [{ person: geoffrey, files: [bundle] }],
  });
  await unlock(page, passphrase);
  await page.getByRole('tab', { name: 'Connections' }).click();
  const button = page.getByRole('button', { name: 'Import files…' });
  const done = page.getByRole('list', { name: 'Files imported' }).getByRole('listitem');

  // The same file again adds nothing.
  await toChoose(imports, [bundle]);
  await button.click();
  await page.getByRole('button', { name: 'Import 1 file' }).click();
  await expect(done.first()).toContainText('0 new records, 109 already in the vault.');
  expect((await statsFor(vaultPath, passphrase, geoffrey)).total).toBe(109);

  // Left out: nothing of it is stored, and no one is added.
  await toChoose(imports, [await fhirBundle('Catalina_')]);
  await button.click();
  const catalina = page.getByRole('list', { name: 'Files to import' }).getByRole('listitem');
  await expect(catalina).toContainText('It is about Catalina Cantú, born May 8, 1940, not Geoffrey Abbott.');
  await catalina.getByRole('radio', { name: 'Leave it out' }).check();
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(done.first()).toContainText('Left out: nothing of it was stored.');
  expect((await statsFor(vaultPath, passphrase, geoffrey)).total).toBe(109);
  await expect(page.getByRole('button', { name: /Catalina/ })).toHaveCount(0);

  // Dropped onto the person: the host finds it by name in its folder of files to import.
  await toChoose(imports, [REFERRAL]);
  await page.getByRole('tab', { name: 'Summary' }).click();
  const dropped = await page.evaluateHandle(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(['<ClinicalDocument/>'], 'Referral_Note.xml', { type: 'text/xml' }));
    return transfer;
  });
  const panel = page.getByRole('region', { name: geoffrey });
  await panel.dispatchEvent('dragover', { dataTransfer: dropped });
  await panel.dispatchEvent('drop', { dataTransfer: dropped });
  await expect(page.getByRole('tab', { name: 'Connections' })).toHaveAttribute('aria-selected', 'true');
  const referral = page.getByRole('list', { name: 'Files to import' }).getByRole('listitem');
  await expect(referral).toContainText('C-CDA Referral Note from Good Health HIE, 2013-09-21, 50 entries');
  await expect(referral).toContainText('It is about Eve Betterhalf, born May 1, 1975, not Geoffrey Abbott.');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(referral).toHaveCount(0);
  expect((await statsFor(vaultPath, passphrase, geoffrey)).total).toBe(109);
});

test('a file larger than 45 MB is read by the core from disk, with a progress bar', async ({
  page,
  openVault,
  statsFor,
  checkScreen,
}) => {
  const { vaultPath, imports } = await openVault({ passphrase, ownerName: geoffrey });
  await toChoose(imports, []);
  const bytes = await bigExport(join(imports, 'weights.ndjson'), 2_500);
  expect(bytes).toBeGreaterThan(46 * 1024 * 1024);

  await unlock(page, passphrase);
  await page.getByRole('tab', { name: 'Connections' }).click();
  // What the bar says as it goes, recorded in the page.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { barSaid: string[] }).barSaid = seen;
    new MutationObserver(() => {
      const bar = document.querySelector('[role="progressbar"]');
      const now = bar ? `${bar.getAttribute('aria-valuenow')}|${bar.getAttribute('aria-valuetext')}` : null;
      if (now && seen.at(-1) !== now) seen.push(now);
    }).observe(document.body, { childList: true, subtree: true, attributes: true });
  });
  await page.getByRole('button', { name: 'Import files…' }).click();
  const file = page.getByRole('list', { name: 'Files to import' }).getByRole('listitem');
  await expect(file).toContainText('weights.ndjson (');
  await expect(file).toContainText('FHIR R4, 2,500 records');
  await expect(file).toContainText('It does not say whose records it holds.');
  await page.getByRole('button', { name: 'Import 1 file' }).click();
  const bar = page.getByRole('progressbar', { name: 'Reading weights.ndjson' });
  await expect(bar).toBeVisible();
  await expect(bar).toHaveAttribute('aria-valuemax', '100');
  await checkScreen('import-progress');
  const done = page.getByRole('list', { name: 'Files imported' }).getByRole('listitem');
  await expect(done).toContainText('2,500 new records.');
  const said = await page.evaluate(() => (window as unknown as { barSaid: string[] }).barSaid);
  expect(said[0]).toMatch(/^0\|0 KB of \d+\.\d MB read$/);
  // Seen part way, not only empty: the core told how far it had read.
  expect(said.some((s) => /^([1-9]\d?)\|/.test(s))).toBe(true);
  expect((await statsFor(vaultPath, passphrase, geoffrey)).total).toBe(2_500);
});
