import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import PDFDocument from 'pdfkit';
import { expect, test, unlock } from './fixtures.js';

/**
 * Documents inside records, opened in the record detail: a C-CDA shown as a readable document,
 * an HTML note shown formatted with nothing in it run or loaded, a PDF drawn page by page, and a
 * document not downloaded yet explained.
 */
const passphrase = 'harbor kettle maple nine';
const person = 'Sam Lee';
const progressNote = fileURLToPath(new URL('../fixtures/cda-documents/Progress_Note.xml', import.meta.url));

/** A two-page PDF, made here so the test says what it holds. */
function makePdf(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A5', info: { Title: 'Discharge letter' } });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.fontSize(20).text('Discharge letter', { underline: true });
    doc.moveDown().fontSize(12).text('Sam Lee went home on 3 March 2024 feeling well.');
    doc.addPage().fontSize(14).text('Page two: follow-up in six weeks.');
    doc.end();
  });
}

/** A small solid-colour PNG, made here: width × height pixels of one RGB colour. */
function makePng(width: number, height: number, rgb: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(Array.from({ length: height }, () => row)))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function documentReference(id: string, description: string, date: string, attachment: object) {
  return {
    resourceType: 'DocumentReference',
    id,
    status: 'current',
    type: { text: description },
    description,
    date,
    content: [{ attachment }],
  };
}

const hostileHtml = `<!doctype html><html><head><title>Visit summary</title>
<script>window.__ran = true;</script>
<style>body { display: none }</style></head>
<body onload="window.__ran = true">
<h1>Visit summary</h1>
<p>Blood pressure was <b>normal</b> today.<img src="http://tracker.example/pixel.png" onerror="window.__ran = true"></p>
<ul><li>Keep walking daily</li><li>Return in a year</li></ul>
<table><tr><th>Test</th><th>Result</th></tr><tr><td>Glucose</td><td>92 mg/dL</td></tr></table>
<iframe src="http://tracker.example/frame"></iframe>
<form action="http://tracker.example/post"><input name="x" value="steal"></form>
</body></html>`;

async function openDocument(page: Page, title: string) {
  await page.getByLabel('Search records').fill(title);
  const row = page
    .getByRole('list', { name: `Timeline of ${person}` })
    .getByRole('button')
    .first();
  await expect(row).toContainText(title);
  await row.click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('heading', { level: 2, name: title })).toBeFocused();
  return dialog;
}

async function closeDocument(page: Page) {
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();
}

test('documents in records are readable: C-CDA, HTML without its scripts, PDF page by page', async ({
  page,
  openVault,
  checkScreen,
}) => {
  const pdf = await makePdf();
  // Not in Playwright's output folder: another run of the suite may empty that one meanwhile.
  const folder = await mkdtemp(join(tmpdir(), 'phr-vault-documents-'));
  const file = join(folder, 'documents.ndjson');
  await writeFile(
    file,
    [
      documentReference('ccda', 'Progress note from Lantana', '2024-03-04T10:00:00Z', {
        contentType: 'application/xml',
        title: 'Progress note',
        data: (await readFile(progressNote)).toString('base64'),
      }),
      documentReference('html', 'Visit summary web page', '2024-03-03T10:00:00Z', {
        contentType: 'text/html',
        title: 'Visit summary',
        data: Buffer.from(hostileHtml).toString('base64'),
      }),
      documentReference('pdf', 'Discharge letter scan', '2024-03-02T10:00:00Z', {
        contentType: 'application/pdf',
        title: 'Discharge letter',
        data: pdf.toString('base64'),
      }),
      documentReference('photo', 'Photo of the rash', '2024-03-01T12:00:00Z', {
        contentType: 'image/png',
        title: 'Rash on the left arm',
        data: makePng(40, 24, [200, 60, 60]).toString('base64'),
      }),
      documentReference('remote', 'Radiology report elsewhere', '2024-03-01T10:00:00Z', {
        contentType: 'application/pdf',
        title: 'Chest X-ray report',
        url: 'https://ehr.example/Binary/xray',
      }),
    ]
      .map((r) => JSON.stringify(r))
      .join('\n'),
  );

  // Nothing outside the app's own origin may be asked for, whatever a document says.
  const outside: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (!['127.0.0.1', 'localhost'].includes(url.hostname) && !['data:', 'blob:'].includes(url.protocol)) {
      outside.push(request.url());
    }
  });

  const { downloads } = await openVault({
    passphrase,
    ownerName: person,
    imports: [{ person, source: 'Riverside Clinic', files: [file] }],
  });
  await rm(folder, { recursive: true, force: true });
  await unlock(page, passphrase);
  await page.getByRole('tab', { name: 'Timeline' }).click();

  // C-CDA: the header and each section's narrative, tables as tables.
  let dialog = await openDocument(page, 'Progress note from Lantana');
  const ccda = dialog.getByRole('article', { name: 'Document Progress note' });
  await expect(ccda.getByRole('heading', { level: 4, name: 'Progress Note' })).toBeVisible();
  await expect(ccda).toContainText('Mr. Adam Frankie Everyman');
  await expect(ccda.getByRole('heading', { level: 5, name: 'CHIEF COMPLAINT' })).toBeVisible();
  await expect(ccda).toContainText('Dark stools.');
  await expect(ccda.getByRole('columnheader', { name: 'Medication' })).toBeVisible();
  await expect(dialog).toContainText('C-CDA clinical document');
  await checkScreen('attachment-ccda');
  // A copy saved is the XML exactly as received (the test host saves into its downloads folder).
  await dialog.getByRole('button', { name: 'Save a copy of Progress note' }).click();
  await expect(dialog.getByText('Saved as Progress note.xml.')).toBeVisible();
  expect(await readFile(join(downloads, 'Progress note.xml'))).toEqual(await readFile(progressNote));
  await closeDocument(page);

  // HTML: formatted as headings, lists and tables; its script, styles, image, frame and form are gone.
  dialog = await openDocument(page, 'Visit summary web page');
  const html = dialog.getByRole('article', { name: 'Document Visit summary' });
  await expect(html.getByRole('heading', { name: 'Visit summary' }).first()).toBeVisible();
  await expect(html).toContainText('Blood pressure was normal today.');
  await expect(html.getByRole('listitem')).toHaveText(['Keep walking daily', 'Return in a year']);
  await expect(html.getByRole('cell', { name: '92 mg/dL' })).toBeVisible();
  await expect(html.locator('img, iframe, form, input, script, style')).toHaveCount(0);
  expect(await page.evaluate(() => (window as { __ran?: boolean }).__ran)).toBeUndefined();
  await checkScreen('attachment-html');
  await closeDocument(page);

  // PDF: drawn on a canvas, with page count, next/previous and zoom from the keyboard.
  dialog = await openDocument(page, 'Discharge letter scan');
  const status = dialog.getByText(/^Page \d of \d, \d+%$/);
  await expect(status).toHaveText('Page 1 of 2, 100%');
  const canvas = dialog.locator('canvas');
  await expect(canvas).toBeVisible();
  // Something is drawn: the canvas holds dark pixels (the text), not only white paper.
  await expect
    .poll(() =>
      canvas.evaluate((c: HTMLCanvasElement) => {
        const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
        let dark = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i]! < 100) dark++;
        return dark;
      }),
    )
    .toBeGreaterThan(100);
  await dialog.getByText('Text of page 1').click();
  await expect(dialog.locator('.page-text')).toContainText('Sam Lee went home on 3 March 2024');
  await dialog.getByRole('button', { name: 'Next page' }).focus();
  await page.keyboard.press('Enter');
  await expect(status).toHaveText('Page 2 of 2, 100%');
  await expect(dialog.getByRole('button', { name: 'Next page' })).toBeDisabled();
  await dialog.getByRole('button', { name: 'Zoom in' }).focus();
  await page.keyboard.press('Enter');
  await expect(status).toHaveText('Page 2 of 2, 125%');
  await checkScreen('attachment-pdf');
  await closeDocument(page);

  // A picture: shown from a blob: URL, which the CSP's img-src allows (nothing remote).
  dialog = await openDocument(page, 'Photo of the rash');
  const picture = dialog.getByRole('img', { name: 'Rash on the left arm' });
  await expect(picture).toBeVisible();
  expect(await picture.evaluate((img: HTMLImageElement) => [img.src.slice(0, 5), img.naturalWidth])).toEqual([
    'blob:',
    40,
  ]);
  await closeDocument(page);

  // A document only at its source, not downloaded yet: said plainly.
  dialog = await openDocument(page, 'Radiology report elsewhere');
  await expect(dialog.getByRole('heading', { level: 3, name: 'Chest X-ray report' })).toBeVisible();
  await expect(dialog).toContainText('It has not been downloaded yet');
  await closeDocument(page);

  expect(outside, 'requests outside the app').toEqual([]);
});
