import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVaultError } from '../../electron/core/errors.js';
import { exportRecords } from '../../electron/core/exchange/export/export-document.js';
import { importFile } from '../../electron/core/exchange/import-files.js';
import { importFhirFiles } from '../../electron/core/exchange/import-fhir.js';
import { readAttachment } from '../../electron/core/records/attachments.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { countCcdaEntries } from '../support/ccda-entries-count.js';
import { compileFhirSchema, type FhirSchema } from '../support/export-validation.js';
import { FAST_SCRYPT, SYNTHEA, US_CORE, fixtures, tempDir } from '../support/temp-dir.js';

const PASS = 'correct horse battery';
const DOCUMENTS = `${fixtures}cda-documents/`;
const examples = readdirSync(DOCUMENTS)
  .filter((f) => f.endsWith('.xml'))
  .sort();

type Row = { id: number; resource_type: string; category: string; raw: string; connection_id: number };
type Resource = Record<string, unknown> & { resourceType: string; id: string };

/** Records read from entries: not the document, its notes, the patient or the Provenance. */
const ENTRY_TYPES = new Set([
  'AllergyIntolerance',
  'Condition',
  'Observation',
  'DiagnosticReport',
  'Immunization',
  'MedicationStatement',
  'MedicationRequest',
  'Procedure',
  'Encounter',
  'ServiceRequest',
  'Goal',
  'FamilyMemberHistory',
  'Coverage',
]);

/** Codes of a concept; "data absent" is not a code of anything, and no C-CDA code system has it. */
const conceptCodes = (concept: unknown): string[] =>
  ((concept as { coding?: { code?: string; system?: string }[] } | undefined)?.coding ?? [])
    .filter((c) => c.system !== 'http://terminology.hl7.org/CodeSystem/data-absent-reason')
    .map((c) => c.code ?? '')
    .filter(Boolean);

/** The codes of what a record is about, wherever its type keeps them. */
function recordCodes(r: Resource): string[] {
  switch (r.resourceType) {
    case 'Immunization':
      return conceptCodes(r.vaccineCode);
    case 'MedicationStatement':
    case 'MedicationRequest':
      return conceptCodes(r.medicationCodeableConcept);
    case 'Encounter':
      return conceptCodes((r.type as unknown[] | undefined)?.[0]);
    case 'Goal':
      return conceptCodes(r.description);
    case 'FamilyMemberHistory':
      return ((r.condition as { code: unknown }[] | undefined) ?? []).flatMap((c) => conceptCodes(c.code));
    case 'Coverage':
      return conceptCodes(r.type);
    default:
      return conceptCodes(r.code);
  }
}

const sorted = (codes: string[]) => [...codes].sort();

describe('C-CDA documents come in as FHIR R4 records', () => {
  let dir: string;
  let vault: VaultFile;
  let fhir: FhirSchema;
  const rows = (personId: number) =>
    vault.db
      .prepare('SELECT id, resource_type, category, raw, connection_id FROM resources WHERE person_id = ?')
      .all(personId) as Row[];

  beforeAll(async () => {
    dir = tempDir('phr-vault-ccda-');
    vault = new VaultFile(join(dir, 'family.phrvault'), { scrypt: FAST_SCRYPT });
    await vault.create(PASS);
    fhir = compileFhirSchema();
  }, 60_000);
  afterAll(() => vault?.lock());

  it('imports every HL7 example: the entries of each section, with the same codes, each citing its document', async () => {
    expect(examples.length).toBe(13);
    for (const name of examples) {
      const bytes = readFileSync(`${DOCUMENTS}${name}`);
      const person = addPerson(vault.db, { name: name, relationship: 'other' });
      const report = await importFile(vault.db, `${DOCUMENTS}${name}`, { personId: person.id });
      expect(report?.format, name).toBe('ccda');
      const stored = rows(person.id).map((r) => JSON.parse(r.raw) as Resource);
      const entries = stored.filter((r) => ENTRY_TYPES.has(r.resourceType));
      const sections = countCcdaEntries(bytes.toString('utf8'));
      const expected = sections.reduce((n, s) => n + s.entries, 0);
      expect(expected, name).toBeGreaterThan(0);
      expect(entries.length, name).toBe(expected);
      expect(sorted(entries.flatMap(recordCodes)), name).toEqual(sorted(sections.flatMap((s) => s.codes)));
      expect(report?.about, name).toMatch(/^C-CDA [A-Za-z ]+ from .+, \d{4}-\d{2}-\d{2}, \d+ entries$/);
      expect(report?.about, name).toContain(`, ${expected} entries`);

      // Every record is FHIR R4 as its schema says.
      for (const r of stored) expect(fhir.resourceErrors(r), `${name} ${r.resourceType} ${r.id}`).toEqual([]);

      // The document itself is kept, byte for byte, and reads as a document.
      const documents = stored.filter(
        (r) => r.resourceType === 'DocumentReference' && !String(r.id).includes('-note-'),
      );
      expect(documents, name).toHaveLength(1);
      const documentRow = rows(person.id).find((r) => JSON.parse(r.raw).id === documents[0]!.id)!;
      const shown = readAttachment(vault.db, documentRow.id, 0);
      expect(shown.kind, name).toBe('ccda');
      const attachment = (documents[0]!.content as { attachment: { data: string } }[])[0]!.attachment;
      expect(Buffer.from(attachment.data, 'base64').equals(bytes), name).toBe(true);

      // One Provenance names the document as the source of every record read from it.
      const provenance = stored.filter((r) => r.resourceType === 'Provenance');
      expect(provenance, name).toHaveLength(1);
      const targets = new Set((provenance[0]!.target as { reference: string }[]).map((t) => t.reference));
      for (const r of stored.filter((x) => x.resourceType !== 'Provenance'))
        expect(targets.has(`${r.resourceType}/${r.id}`), `${name} ${r.resourceType}`).toBe(true);
      expect((provenance[0]!.entity as { what: { reference: string } }[])[0]!.what.reference).toBe(
        `DocumentReference/${documents[0]!.id}`,
      );

      // Sections without entries keep their words as notes.
      const notes = stored.filter((r) => String(r.id).includes('-note-'));
      const wordy = sections.filter((s) => s.entries === 0);
      expect(notes.length, name).toBeLessThanOrEqual(wordy.length);
      expect(notes.length, name).toBeGreaterThanOrEqual(wordy.length - 1);

      // The source says who wrote the document.
      const label = vault.db
        .prepare('SELECT label, kind FROM connections WHERE id = ?')
        .get(report!.connectionId) as { label: string; kind: string };
      expect(label.kind).toBe('import');
      expect(label.label, name).toBe(report!.about.replace(/^C-CDA .+? from (.+), \d{4}-.*$/, '$1'));
    }
  });

  it('reads values, units, reference ranges, interpretations and statuses of results', async () => {
    const person = addPerson(vault.db, { name: 'Results reader', relationship: 'other' });
    await importFile(vault.db, `${DOCUMENTS}CCD_1.xml`, { personId: person.id });
    const stored = rows(person.id).map((r) => ({ ...r, resource: JSON.parse(r.raw) as Resource }));
    const labs = stored.filter((r) => r.resource.resourceType === 'Observation' && r.category === 'labs');
    expect(labs.length).toBeGreaterThan(0);
    const withRange = labs.map((r) => r.resource).filter((r) => r.referenceRange);
    expect(withRange.length).toBeGreaterThan(0);
    const quantity = labs.map((r) => r.resource).find((r) => r.valueQuantity) as
      | { valueQuantity: { value: number; unit: string }; interpretation?: unknown[]; status: string }
      | undefined;
    expect(typeof quantity?.valueQuantity.value).toBe('number');
    expect(quantity?.status).toBe('final');
    expect(labs.some((r) => Array.isArray(r.resource.interpretation))).toBe(true);
    expect(stored.some((r) => r.category === 'vitals')).toBe(true);
    expect(stored.some((r) => r.category === 'social-history')).toBe(true);
    const smoking = stored.find((r) => recordCodes(r.resource).includes('72166-2'))?.resource as
      { valueCodeableConcept?: { coding: { code: string }[] } } | undefined;
    expect(smoking?.valueCodeableConcept?.coding[0]?.code).toMatch(/^\d+$/);
    const problem = stored.find((r) => r.resource.resourceType === 'Condition')?.resource as
      { clinicalStatus: { coding: { code: string }[] } } | undefined;
    expect(['active', 'inactive', 'resolved']).toContain(problem?.clinicalStatus.coding[0]?.code);
  });

  it('adds nothing when the same document comes in again', async () => {
    const person = addPerson(vault.db, { name: 'Twice', relationship: 'other' });
    const first = await importFile(vault.db, `${DOCUMENTS}Referral_Note.xml`, { personId: person.id });
    const count = rows(person.id).length;
    const again = await importFile(
      vault.db,
      {
        name: 'copy.xml',
        bytes: readFileSync(`${DOCUMENTS}Referral_Note.xml`),
      },
      { personId: person.id },
    );
    expect(first!.added).toBe(count);
    expect(again!.added).toBe(0);
    expect(again!.unchanged).toBe(count);
    expect(rows(person.id).length).toBe(count);
  });

  it('refuses bad and unsafe documents in plain words, storing nothing', async () => {
    const person = addPerson(vault.db, { name: 'Refusals', relationship: 'other' });
    const progress = readFileSync(`${DOCUMENTS}Progress_Note.xml`, 'utf8');
    const cases: [string, string, RegExp][] = [
      [
        'laughs.xml',
        `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><ClinicalDocument xmlns="urn:hl7-org:v3">&lol2;</ClinicalDocument>`,
        /laughs\.xml declares a DTD or entities/,
      ],
      [
        'xxe.xml',
        progress
          .replace(
            '<ClinicalDocument',
            '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n<ClinicalDocument',
          )
          .replace('<title>', '<title>&secret;'),
        /xxe\.xml declares a DTD or entities/,
      ],
      ['cut.xml', progress.slice(0, 5000), /cut\.xml is not well-formed XML/],
      [
        'namespace.xml',
        progress.replace('xmlns="urn:hl7-org:v3"', 'xmlns="urn:example:not-hl7"'),
        /namespace\.xml is not a C-CDA document: its ClinicalDocument is not in the HL7 v3 namespace/,
      ],
      [
        'other.xml',
        '<?xml version="1.0"?><note><to>Sam</to></note>',
        /other\.xml is XML but not a C-CDA document/,
      ],
      [
        'empty-body.xml',
        progress.replace(/<component>\s*<structuredBody>[\s\S]*<\/structuredBody>\s*<\/component>/, ''),
        /empty-body\.xml is a C-CDA document without sections/,
      ],
      ['picture.png', '\u0089PNG\r\n\u001a\n', /picture\.png is not a kind of file PHR Vault reads/],
    ];
    for (const [name, text, message] of cases) {
      const before = vault.db.prepare('SELECT count(*) AS n FROM resources').get() as { n: number };
      const sources = vault.db.prepare('SELECT count(*) AS n FROM connections').get() as { n: number };
      const failure = await importFile(
        vault.db,
        { name, bytes: Buffer.from(text, 'utf8') },
        {
          personId: person.id,
        },
      ).catch((e: unknown) => e);
      expect(isVaultError(failure, 'bad-input'), name).toBe(true);
      expect((failure as Error).message, name).toMatch(message);
      expect(vault.db.prepare('SELECT count(*) AS n FROM resources').get(), name).toEqual(before);
      expect(vault.db.prepare('SELECT count(*) AS n FROM connections').get(), name).toEqual(sources);
    }
  });

  it('round trip: our own CCD of every fixture patient, imported into a new person, gives the same records per category and codes', async () => {
    const files = [
      ...readdirSync(SYNTHEA).map((f) => `${SYNTHEA}${f}`),
      ...readdirSync(US_CORE).map((f) => `${US_CORE}${f}`),
    ].filter((f) => f.endsWith('.json'));
    const CATEGORIES = [
      'allergies',
      'conditions',
      'immunizations',
      'medications',
      'procedures',
      'visits',
      'vitals',
    ];
    for (const file of files) {
      const original = addPerson(vault.db, { name: `Original ${file}`, relationship: 'other' });
      await importFhirFiles(vault.db, [file], { personId: original.id, sourceLabel: 'Example Hospital' });
      const outcome = await exportRecords(vault.db, 'ccda', { personId: original.id });
      const ccd = join(dir, 'ccd.xml');
      writeFileSync(ccd, outcome.bytes);
      const copy = addPerson(vault.db, { name: `Copy ${file}`, relationship: 'other' });
      const report = await importFile(vault.db, ccd, { personId: copy.id });
      expect(report?.format).toBe('ccda');
      const leftOut = new Set(outcome.issues.filter((i) => i.kind === 'left-out').map((i) => i.recordId));
      // A blood pressure is one FHIR record and two CDA observations (systolic, diastolic): the
      // original is counted as the document can carry it.
      const asCarried = (row: Row, r: Resource): { count: number; codes: string[] } => {
        const components = (r.component as { code: unknown; valueQuantity?: unknown }[] | undefined) ?? [];
        if (row.category === 'vitals' && !r.valueQuantity && components.length > 0) {
          const measured = components.filter((c) => c.valueQuantity);
          return { count: measured.length, codes: measured.flatMap((c) => conceptCodes(c.code)) };
        }
        return { count: 1, codes: recordCodes(r) };
      };
      const byCategory = (personId: number) => {
        const out = new Map<string, { count: number; codes: string[] }>();
        for (const row of rows(personId)) {
          if (leftOut.has(row.id)) continue;
          const r = JSON.parse(row.raw) as Resource;
          const key = row.category === 'labs' ? `labs:${r.resourceType}` : row.category;
          const entry = out.get(key) ?? { count: 0, codes: [] };
          const carried = asCarried(row, r);
          entry.count += carried.count;
          entry.codes.push(...carried.codes);
          out.set(key, entry);
        }
        return out;
      };
      const before = byCategory(original.id);
      const after = byCategory(copy.id);
      for (const category of [...CATEGORIES, 'labs:Observation']) {
        const a = before.get(category) ?? { count: 0, codes: [] };
        const b = after.get(category) ?? { count: 0, codes: [] };
        expect(b.count, `${file} ${category}`).toBe(a.count);
        expect(new Set(b.codes), `${file} ${category}`).toEqual(new Set(a.codes));
      }
    }
  }, 120_000);
});
