import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportRecords } from '../../electron/core/exchange/export/export-document.js';
import { importFhirFiles } from '../../electron/core/exchange/import-fhir.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import {
  cdaSchemaErrors,
  compileFhirSchema,
  compileSchematron,
  pdfText,
  schematronErrors,
} from '../support/export-validation.js';
import { FAST_SCRYPT, tempDir } from '../support/temp-dir.js';

/** Records as careless servers send them: no dates, no codes, codes from unknown systems, no values. */
const sparse = {
  resourceType: 'Bundle',
  type: 'collection',
  entry: [
    { resource: { resourceType: 'Patient', id: 'p1', name: [{ text: 'Robin' }] } },
    {
      resource: {
        resourceType: 'Condition',
        id: 'c1',
        subject: { reference: 'Patient/p1' },
        code: { text: 'Back pain' },
      },
    },
    {
      resource: {
        resourceType: 'Condition',
        id: 'c2',
        subject: { reference: 'Patient/p1' },
        code: {
          coding: [{ system: 'http://example.org/local-codes', code: 'LOCAL 42', display: 'Local thing' }],
        },
        onsetDateTime: '2020-03-04',
      },
    },
    {
      resource: {
        resourceType: 'Immunization',
        id: 'i1',
        status: 'completed',
        patient: { reference: 'Patient/p1' },
        vaccineCode: { text: 'Flu shot' },
        occurrenceString: 'last autumn',
      },
    },
    {
      resource: {
        resourceType: 'Observation',
        id: 'o1',
        status: 'final',
        category: [
          {
            coding: [
              { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
            ],
          },
        ],
        code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body weight' }] },
        subject: { reference: 'Patient/p1' },
        effectiveDateTime: '2021-05-06T07:08:09+02:00',
        dataAbsentReason: { text: 'Scale broken' },
      },
    },
    {
      resource: {
        resourceType: 'Observation',
        id: 'o2',
        status: 'final',
        category: [
          {
            coding: [
              { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' },
            ],
          },
        ],
        code: { text: 'Mystery test' },
        subject: { reference: 'Patient/p1' },
      },
    },
    {
      resource: {
        resourceType: 'MedicationRequest',
        id: 'm1',
        status: 'active',
        intent: 'order',
        subject: { reference: 'Patient/p1' },
      },
    },
    {
      resource: {
        resourceType: 'Goal',
        id: 'g1',
        lifecycleStatus: 'active',
        description: { text: 'Walk daily' },
        subject: { reference: 'Patient/p1' },
      },
    },
  ],
};

const stu3 = {
  resourceType: 'Bundle',
  type: 'collection',
  entry: [
    {
      resource: {
        resourceType: 'AllergyIntolerance',
        id: 'a-stu3',
        patient: { reference: 'Patient/p1' },
        code: { text: 'Peanuts' },
        assertedDate: '2001-01-01',
      },
    },
    {
      // R4 requires an immunization's date; with none, there is no faithful R4 form.
      resource: {
        resourceType: 'Immunization',
        id: 'i-stu3',
        status: 'completed',
        notGiven: false,
        patient: { reference: 'Patient/p1' },
        vaccineCode: { text: 'Tetanus booster' },
      },
    },
  ],
};

describe('export of records with missing dates, codes and values', () => {
  let vault: VaultFile;
  let personId: number;
  let dir: string;

  beforeAll(async () => {
    dir = tempDir('phr-vault-export-bad-');
    vault = new VaultFile(join(dir, 'v.phrvault'), { scrypt: FAST_SCRYPT });
    await vault.create('correct horse battery');
    personId = addPerson(vault.db, { name: 'Robin', relationship: 'other' }).id;
    writeFileSync(join(dir, 'sparse.json'), JSON.stringify(sparse));
    writeFileSync(join(dir, 'stu3.json'), JSON.stringify(stu3));
    await importFhirFiles(vault.db, [join(dir, 'sparse.json')], { personId, sourceLabel: 'Careless Clinic' });
    await importFhirFiles(vault.db, [join(dir, 'stu3.json')], {
      personId,
      sourceLabel: 'Old Portal',
      fhirVersion: 'STU3',
    });
  });

  it('still writes a valid C-CDA, saying unknown with nullFlavor, and reports every gap', async () => {
    const outcome = await exportRecords(vault.db, 'ccda', { personId, categories: undefined });
    const file = join(dir, 'sparse.xml');
    writeFileSync(file, outcome.bytes);
    const xml = outcome.bytes.toString('utf8');
    expect(await cdaSchemaErrors(file)).toEqual([]);
    const compiled = await compileSchematron(dir);
    const failed = await schematronErrors(compiled, file);
    expect(failed.filter((f) => !f.needsValueSets).map((f) => `${f.conf} ${f.text.slice(0, 120)}`)).toEqual(
      [],
    );

    expect(xml).toContain('nullFlavor="UNK"');
    expect(xml).toContain('nullFlavor="OTH"');
    const reasons = (title: string) => outcome.issues.filter((i) => i.title === title).map((i) => i.reason);
    expect(reasons('Back pain').join(' ')).toMatch(/no date/);
    expect(reasons('Back pain').join(' ')).toMatch(/no standard code/);
    expect(reasons('Local thing').join(' ')).toMatch(/no standard code/);
    expect(reasons('Flu shot').join(' ')).toMatch(/no date/);
    expect(reasons('Body weight').join(' ')).toMatch(/measured value/);
    expect(reasons('Walk daily').join(' ')).toMatch(/no section/);
    // The STU3 allergy converts to R4 and is in the document; the dateless immunization cannot.
    expect(reasons('Peanuts').join(' ')).not.toMatch(/STU3/);
    expect(xml).toContain('Peanuts');
    expect(reasons('Tetanus booster').join(' ')).toMatch(/STU3 .*no date/);
    expect(outcome.issues.find((i) => i.title === 'Tetanus booster')?.kind).toBe('left-out');
  });

  it('writes FHIR and IPS bundles that stay valid, with the STU3 allergy converted and the unconvertible record named', async () => {
    const schema = compileFhirSchema();
    for (const format of ['fhir', 'ips'] as const) {
      const outcome = await exportRecords(vault.db, format, { personId });
      const bundle = JSON.parse(outcome.bytes.toString('utf8')) as {
        entry: { resource: { resourceType: string } }[];
      };
      expect(schema.validate(bundle), JSON.stringify(schema.errors().slice(0, 3))).toBe(true);
      expect(outcome.issues.some((i) => i.title === 'Tetanus booster' && /STU3/.test(i.reason))).toBe(true);
      expect(outcome.issues.some((i) => /STU3/.test(i.reason) && i.title !== 'Tetanus booster')).toBe(false);
      expect(bundle.entry.some((e) => e.resource.resourceType === 'AllergyIntolerance')).toBe(true);
    }
  });

  it('puts the person’s Patient record in a FHIR bundle once, even when administrative records are asked for', async () => {
    const outcome = await exportRecords(vault.db, 'fhir', {
      personId,
      categories: ['administrative', 'conditions'],
    });
    const bundle = JSON.parse(outcome.bytes.toString('utf8')) as {
      entry: { resource: { resourceType: string } }[];
    };
    expect(bundle.entry.filter((e) => e.resource.resourceType === 'Patient')).toHaveLength(1);
    expect(bundle.entry.filter((e) => e.resource.resourceType === 'Condition')).toHaveLength(2);
  });

  it('writes the same printable summary byte for byte for the same records and moment (app and CLI share it)', async () => {
    const now = new Date('2026-03-04T05:06:07Z');
    const a = await exportRecords(vault.db, 'pdf', { personId }, { now });
    const b = await exportRecords(vault.db, 'pdf', { personId }, { now });
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.fileName).toBe('Robin-summary-2026-03-04.pdf');
  });

  it('prints names in Greek, Cyrillic and accented Latin as written', async () => {
    const id = addPerson(vault.db, { name: 'Σοφία Ørsted-Людмила', relationship: 'relative' }).id;
    await importFhirFiles(vault.db, [join(dir, 'sparse.json')], {
      personId: id,
      sourceLabel: 'Κλινική Αθηνών',
    });
    const pdf = await exportRecords(
      vault.db,
      'pdf',
      { personId: id },
      { now: new Date('2026-03-04T05:06:07Z') },
    );
    const file = join(dir, 'greek.pdf');
    writeFileSync(file, pdf.bytes);
    const text = await pdfText(file);
    expect(text).toContain('Σοφία Ørsted-Людмила');
    expect(text).toContain('Κλινική Αθηνών');
  });
});
