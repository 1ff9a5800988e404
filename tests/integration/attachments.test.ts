import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFhirFiles } from '../../electron/core/exchange/import-fhir.js';
import { listAttachments, readAttachment } from '../../electron/core/records/attachments.js';
import { hl7Time, parseXml, readClinicalDocument } from '../../electron/core/records/clinical-document.js';
import { isVaultError } from '../../electron/core/errors.js';
import { readHtmlDocument } from '../../electron/core/records/html-document.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { ATTACHMENT_LIMIT_BYTES, type DocumentBlock } from '../../shared/attachments.js';
import { FAST_SCRYPT, tempDir } from '../support/temp-dir.js';

const progressNotePath = fileURLToPath(
  new URL('../fixtures/cda-documents/Progress_Note.xml', import.meta.url),
);
const progressNote = readFileSync(progressNotePath, 'utf8');
const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');

function words(blocks: DocumentBlock[]): string {
  return blocks
    .map((b) =>
      b.type === 'list'
        ? b.items.map((item) => words(item)).join('\n')
        : b.type === 'table'
          ? [...b.head, ...b.body].map((row) => row.join(' | ')).join('\n')
          : b.text,
    )
    .join('\n');
}

describe('reading a C-CDA', () => {
  it('gives the header and each section’s narrative as plain blocks', () => {
    const doc = readClinicalDocument(parseXml(progressNote));
    expect(doc.title).toBe('Progress Note');
    expect(doc.date).toBe('2005-03-29T17:15:04-05:00');
    expect(doc.facts).toContainEqual({ label: 'Patient', value: 'Mr. Adam Frankie Everyman' });
    expect(doc.facts).toContainEqual({ label: 'Born', value: '1954-11-25', isDate: true });
    expect(doc.facts).toContainEqual({ label: 'From', value: 'Good Health Clinic' });
    expect(doc.facts.find((f) => f.label === 'Written by')?.value).toMatch(/\w/);
    const titles = doc.sections.map((s) => s.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'ALLERGIES AND ADVERSE REACTIONS',
        'ASSESSMENT',
        'CHIEF COMPLAINT',
        'PROBLEMS',
      ]),
    );
    const chief = doc.sections.find((s) => s.title === 'CHIEF COMPLAINT')!;
    expect(chief.blocks).toEqual([{ type: 'paragraph', text: 'Dark stools.' }]);

    const allergies = doc.sections.find((s) => s.title === 'ALLERGIES AND ADVERSE REACTIONS')!;
    const table = allergies.blocks.find((b) => b.type === 'table');
    expect(table).toBeDefined();
    if (table?.type !== 'table') throw new Error('no table');
    expect(table.head[0]!.length).toBeGreaterThan(1);
    expect(table.body.length).toBeGreaterThan(0);

    const assessment = doc.sections.find((s) => s.title === 'ASSESSMENT')!;
    expect(assessment.blocks[0]).toMatchObject({ type: 'list', ordered: true });

    // Nested lists stay nested, and no markup or indentation whitespace survives.
    const problems = doc.sections.find((s) => s.title === 'PROBLEMS')!;
    const list = problems.blocks.find((b) => b.type === 'list');
    if (list?.type !== 'list') throw new Error('no list');
    expect(list.items[0]!.some((b) => b.type === 'list')).toBe(true);
    const all = doc.sections.map((s) => words(s.blocks)).join('\n');
    expect(all).not.toMatch(/[<>]|\t|[^|] {2}[^|]/);
  });

  it('turns narrative markup into text: content, br, linkHtml, captions; drops renderMultiMedia', () => {
    const xml = `<ClinicalDocument xmlns="urn:hl7-org:v3"><title>Note</title>
      <component><structuredBody><component><section><title>Plan</title><text>
        <paragraph><caption>Goal</caption>Walk <content styleCode="Bold">daily</content></paragraph>
        Line one<br/>line <linkHtml href="https://example.org">two</linkHtml>
        <renderMultiMedia referencedObject="x"/>
        <table><caption>Doses</caption><thead><tr><th>Drug</th><th>Dose</th></tr></thead>
          <tbody><tr><td>Aspirin</td><td>81 <sub>mg</sub></td></tr></tbody></table>
      </text><component><section><title>Inner</title><text>Nested</text></section></component>
      </section></component></structuredBody></component></ClinicalDocument>`;
    const doc = readClinicalDocument(parseXml(xml));
    expect(doc.sections).toEqual([
      {
        title: 'Plan',
        depth: 1,
        blocks: [
          { type: 'paragraph', text: 'Goal: Walk daily' },
          { type: 'paragraph', text: 'Line one\nline two' },
          { type: 'table', caption: 'Doses', head: [['Drug', 'Dose']], body: [['Aspirin', '81 mg']] },
        ],
      },
      { title: 'Inner', depth: 2, blocks: [{ type: 'paragraph', text: 'Nested' }] },
    ]);
  });

  it('reads HL7 times at any precision', () => {
    expect(hl7Time('2005')).toBe('2005');
    expect(hl7Time('200503')).toBe('2005-03');
    expect(hl7Time('20050329')).toBe('2005-03-29');
    expect(hl7Time('200503291715+0100')).toBe('2005-03-29T17:15:00+01:00');
    expect(hl7Time('not a time')).toBeNull();
  });

  it('refuses XXE and entity expansion without reading a file or expanding anything', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE ClinicalDocument [<!ENTITY e SYSTEM "file:///etc/passwd">]>
      <ClinicalDocument xmlns="urn:hl7-org:v3"><title>&e;</title></ClinicalDocument>`;
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
      <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
      <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
      <ClinicalDocument xmlns="urn:hl7-org:v3"><title>&lol3;</title></ClinicalDocument>`;
    expect(() => parseXml(xxe)).toThrow(/DTD/);
    expect(() => parseXml(laughs)).toThrow(/DTD/);
    // An entity used without a DTD is not invented either: the parser stops.
    expect(() => parseXml('<ClinicalDocument xmlns="urn:hl7-org:v3">&e;</ClinicalDocument>')).toThrow();
  });
});

describe('reading an HTML page', () => {
  it('keeps headings, paragraphs, lists and tables as text, and nothing that runs or loads', () => {
    const doc = readHtmlDocument(`<!doctype html><html><head><title>Visit  summary</title>
      <script>alert(1)</script><style>body{display:none}</style><link rel="stylesheet" href="http://x.example/a.css"></head>
      <body onload="alert(2)"><h1>Visit <i>summary</i></h1>
      <p>Blood pressure was <b>normal</b>.<img src="http://x.example/p.png" alt="pixel"><br>Next line</p>
      <ol><li>Walk</li><li>Rest<ul><li>8 hours</li></ul></li></ol>
      <table><tr><th>Test</th><th>Result</th></tr><tr><td>Glucose</td><td>92 <sup>mg</sup></td></tr></table>
      <iframe src="http://x.example/f"></iframe><form action="http://x.example"><input value="v"></form>
      <svg><script>alert(3)</script></svg><noscript>no script</noscript>Trailing words</body></html>`);
    expect(doc.title).toBe('Visit summary');
    expect(doc.sections).toEqual([
      {
        title: null,
        depth: 1,
        blocks: [
          { type: 'heading', text: 'Visit summary' },
          { type: 'paragraph', text: 'Blood pressure was normal.\nNext line' },
          {
            type: 'list',
            ordered: true,
            caption: null,
            items: [
              [{ type: 'paragraph', text: 'Walk' }],
              [
                { type: 'paragraph', text: 'Rest' },
                {
                  type: 'list',
                  ordered: false,
                  caption: null,
                  items: [[{ type: 'paragraph', text: '8 hours' }]],
                },
              ],
            ],
          },
          { type: 'table', caption: null, head: [['Test', 'Result']], body: [['Glucose', '92 mg']] },
          { type: 'paragraph', text: 'Trailing words' },
        ],
      },
    ]);
    expect(JSON.stringify(doc)).not.toMatch(/alert|http|display|no script/);
  });
});

describe('attachments of a record', () => {
  let vault: VaultFile;
  const ids: Record<string, number> = {};
  const pdf = Buffer.from('%PDF-1.4\n% a tiny fake\n%%EOF\n');
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

  beforeAll(async () => {
    vault = new VaultFile(join(tempDir(), 'vault.phrvault'), { scrypt: FAST_SCRYPT });
    await vault.create('correct horse battery');
    const personId = addPerson(vault.db, { name: 'Pat', relationship: 'self' }).id;
    const doc = (id: string, attachments: object[], extra: object = {}) => ({
      resourceType: 'DocumentReference',
      id,
      status: 'current',
      type: { text: id },
      date: '2024-01-02T10:00:00Z',
      content: attachments.map((attachment) => ({ attachment })),
      ...extra,
    });
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        doc('ccda', [{ contentType: 'application/xml', title: 'Progress note', data: b64(progressNote) }]),
        doc(
          'mixed',
          [
            { contentType: 'text/plain', title: 'Plain', data: b64('Hello there') },
            { contentType: 'text/html', data: b64('<p>Hi <b>there</b></p>') },
            { contentType: 'application/pdf', title: 'Scan', url: 'https://ehr.example/Binary/1' },
            { contentType: 'application/pdf', title: 'Huge', url: 'https://ehr.example/Binary/2' },
            { contentType: 'application/pdf', title: 'Later', url: 'https://ehr.example/Binary/3' },
            { contentType: 'image/png', title: 'Photo', data: png.toString('base64') },
            { contentType: 'image/png', title: 'Not a PNG', data: b64('<svg onload="x()"/>') },
            { contentType: 'application/rtf', title: 'RTF', data: b64('{\\rtf1 hi}') },
            { contentType: 'text/plain', title: 'Contained', url: '#bin' },
          ],
          {
            contained: [
              { resourceType: 'Binary', id: 'bin', contentType: 'text/plain', data: b64('From inside') },
            ],
          },
        ),
        doc('hostile', [
          {
            contentType: 'text/xml',
            data: b64(
              '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><ClinicalDocument xmlns="urn:hl7-org:v3"><title>&e;</title></ClinicalDocument>',
            ),
          },
        ]),
        {
          resourceType: 'DiagnosticReport',
          id: 'report',
          status: 'final',
          code: { text: 'Report' },
          effectiveDateTime: '2024-01-03',
          presentedForm: [{ contentType: 'text/plain', data: b64('Report text'), size: 11 }],
        },
      ].map((resource) => ({ resource })),
    };
    const file = join(tempDir(), 'bundle.json');
    writeFileSync(file, JSON.stringify(bundle));
    await importFhirFiles(vault.db, [file], { personId, sourceLabel: 'Example Clinic' });
    for (const row of vault.db.prepare('SELECT id, server_id FROM resources').all() as {
      id: number;
      server_id: string;
    }[]) {
      ids[row.server_id] = row.id;
    }
    // What sync stores: one fetched, one too large to fetch (no data, its size), none for Binary/3.
    const insert = vault.db.prepare(
      `INSERT INTO attachments (resource_id, url, content_type, title, size, sha256, data, fetched_at)
       VALUES (?, ?, ?, ?, ?, NULL, ?, ?)`,
    );
    insert.run(
      ids.mixed,
      'https://ehr.example/Binary/1',
      'application/pdf',
      null,
      pdf.length,
      pdf,
      '2024-02-01',
    );
    insert.run(
      ids.mixed,
      'https://ehr.example/Binary/2',
      'application/pdf',
      null,
      ATTACHMENT_LIMIT_BYTES + 1,
      null,
      '2024-02-01',
    );
  });
  afterAll(() => vault.lock());

  it('lists inline data, contained Binaries and fetched rows, in the renderer’s order', () => {
    const listed = listAttachments(vault.db, ids.mixed!);
    expect(listed.map((a) => [a.title, a.where.kind])).toEqual([
      ['Plain', 'inline'],
      ['Attached document', 'inline'],
      ['Scan', 'stored'],
      ['Huge', 'missing'],
      ['Later', 'missing'],
      ['Photo', 'inline'],
      ['Not a PNG', 'inline'],
      ['RTF', 'inline'],
      ['Contained', 'inline'],
    ]);
    expect(listed[0]!.size).toBe(11);
    expect(listed[2]!.size).toBe(pdf.length);
    expect(listAttachments(vault.db, ids.report!)).toHaveLength(1);
  });

  it('gives each kind in the form the renderer shows it', () => {
    const read = (i: number) => readAttachment(vault.db, ids.mixed!, i);
    expect(read(0)).toMatchObject({ kind: 'text', text: 'Hello there', size: 11 });
    expect(read(1)).toMatchObject({
      kind: 'html',
      title: 'Attached document',
      document: { sections: [{ blocks: [{ type: 'paragraph', text: 'Hi there' }] }] },
    });
    expect(read(2)).toMatchObject({
      kind: 'pdf',
      dataBase64: pdf.toString('base64'),
      contentType: 'application/pdf',
    });
    expect(read(3)).toMatchObject({
      kind: 'unavailable',
      reason: expect.stringMatching(/larger than the limit/),
    });
    expect(read(4)).toMatchObject({
      kind: 'unavailable',
      reason: expect.stringMatching(/not been downloaded yet/),
    });
    expect(read(5)).toMatchObject({ kind: 'image', mediaType: 'image/png' });
    // A "PNG" whose bytes are SVG markup is not handed to an <img>.
    expect(read(6)).toMatchObject({ kind: 'unavailable' });
    expect(read(7)).toMatchObject({ kind: 'unavailable', reason: expect.stringMatching(/cannot show/) });
    expect(read(8)).toMatchObject({ kind: 'text', text: 'From inside' });
    expect(readAttachment(vault.db, ids.report!, 0)).toMatchObject({ kind: 'text', text: 'Report text' });
  });

  it('reads an inline C-CDA as a document tree, and refuses a hostile one', () => {
    const ccda = readAttachment(vault.db, ids.ccda!, 0);
    expect(ccda.kind).toBe('ccda');
    if (ccda.kind !== 'ccda') return;
    expect(ccda.document.title).toBe('Progress Note');
    expect(JSON.stringify(ccda.document)).not.toContain('<');
    const hostile = readAttachment(vault.db, ids.hostile!, 0);
    expect(hostile).toMatchObject({
      kind: 'unavailable',
      reason: expect.stringMatching(/could not be read safely/),
    });
    expect(JSON.stringify(hostile)).not.toContain('root:');
  });

  it('never sends more than the limit, and says why', () => {
    const big = Buffer.alloc(ATTACHMENT_LIMIT_BYTES + 10, 0x20);
    big.write('%PDF-1.4');
    vault.db
      .prepare(
        `INSERT INTO attachments (resource_id, url, content_type, size, data, fetched_at)
         VALUES (?, 'https://ehr.example/Binary/3', 'application/pdf', ?, ?, '2024-03-01')`,
      )
      .run(ids.mixed, big.length, big);
    const read = readAttachment(vault.db, ids.mixed!, 4);
    expect(read).toMatchObject({ kind: 'unavailable', reason: expect.stringMatching(/larger than/) });
    expect(JSON.stringify(read).length).toBeLessThan(1000);
  });

  it('answers not-found for a record or an index that does not exist', () => {
    expect(() => readAttachment(vault.db, 999_999, 0)).toThrow(
      expect.objectContaining({ kind: 'not-found' }),
    );
    try {
      readAttachment(vault.db, ids.report!, 5);
      expect.unreachable();
    } catch (failure) {
      expect(isVaultError(failure, 'not-found')).toBe(true);
    }
  });
});
