import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { importFhirFiles } from '../../electron/core/exchange/import-fhir.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { DSTU2, FAST_SCRYPT, STU3, tempDir } from '../support/temp-dir.js';

/**
 * Every STU3 and DSTU2 JSON fixture, imported without saying its version: the version detected,
 * how many records of each type, which kind of record each becomes, and that a clinical record
 * whose source has a date is on the timeline with one. (The DSTU2 XML bundles are not read.)
 */

type Expected = {
  version: 'R4' | 'STU3' | 'DSTU2';
  /** type → category → count */
  kinds: Record<string, Record<string, number>>;
};

const admin = (n: number) => ({ administrative: n });

const FIXTURES: Record<string, Expected> = {
  'stu3/synthea/Schneider_Breana_27.json': {
    version: 'STU3',
    kinds: {
      Patient: admin(1),
      Organization: admin(1),
      Medication: admin(9),
      Encounter: { visits: 19 },
      Condition: { conditions: 9 },
      AllergyIntolerance: { allergies: 1 },
      Observation: { vitals: 20 },
      Procedure: { procedures: 7 },
      Immunization: { immunizations: 6 },
      CarePlan: { 'care-plans': 6 },
      MedicationRequest: { medications: 10 },
    },
  },
  'stu3/synthea/Schumm_Irmgard_61.json': {
    version: 'STU3',
    kinds: {
      Patient: admin(1),
      Organization: admin(1),
      Medication: admin(6),
      Encounter: { visits: 49 },
      Condition: { conditions: 12 },
      Observation: { labs: 160, vitals: 42, other: 1 },
      DiagnosticReport: { documents: 21 },
      Immunization: { immunizations: 10 },
      Goal: { 'care-plans': 5 },
      CarePlan: { 'care-plans': 5 },
      MedicationRequest: { medications: 61 },
      Procedure: { procedures: 41 },
    },
  },
  'stu3/smart/patient-2502813.fhir-bundle.json': {
    version: 'STU3',
    kinds: {
      Observation: { labs: 75, 'social-history': 1 },
      MedicationRequest: { medications: 9 },
      MedicationDispense: { medications: 24 },
      Condition: { conditions: 9 },
      Procedure: { procedures: 2 },
      AllergyIntolerance: { allergies: 1 },
    },
  },
  'stu3/smart/patient-2502813.fhir-bundle.01.json': {
    version: 'STU3',
    kinds: { Patient: admin(1), Encounter: { visits: 20 }, Observation: { vitals: 160, labs: 19 } },
  },
  'stu3/smart/patient-99912345.fhir-bundle.json': {
    version: 'STU3',
    kinds: {
      Binary: { other: 2 },
      DocumentReference: { documents: 4 },
      Patient: admin(1),
      Encounter: { visits: 1 },
      Observation: { vitals: 8, labs: 2 },
      MedicationRequest: { medications: 2 },
      Condition: { conditions: 2 },
      Procedure: { procedures: 1 },
      Immunization: { immunizations: 1 },
      AllergyIntolerance: { allergies: 1 },
    },
  },
  // A lone Binary reads the same in every version, so nothing says STU3: it stays R4.
  'stu3/smart/patient-99912345-document-2.fhir-bundle.json': {
    version: 'R4',
    kinds: { Binary: { other: 1 } },
  },
  'dstu2/synthea/Schumm_Irmgard_61.json': {
    version: 'DSTU2',
    kinds: {
      Patient: admin(1),
      Organization: admin(1),
      Encounter: { visits: 49 },
      Condition: { conditions: 12 },
      Observation: { labs: 160, vitals: 42, other: 1 },
      DiagnosticReport: { documents: 21 },
      Immunization: { immunizations: 10 },
      Goal: { 'care-plans': 5 },
      CarePlan: { 'care-plans': 5 },
      MedicationOrder: { medications: 61 },
      Procedure: { procedures: 41 },
    },
  },
  'dstu2/synthea/Macejkovic_Mathilda_12.json': {
    version: 'DSTU2',
    kinds: {
      Patient: admin(1),
      Organization: admin(1),
      Encounter: { visits: 13 },
      Observation: { vitals: 44 },
      Procedure: { procedures: 5 },
      Immunization: { immunizations: 17 },
      Condition: { conditions: 2 },
    },
  },
  // The source files these bilirubin results as observation-category "procedure".
  'dstu2/custom/hspc-bilirubin-chart.json': {
    version: 'DSTU2',
    kinds: { Patient: admin(4), Observation: { procedures: 21 } },
  },
};

/** Any date-like value in the record itself (not its meta or narrative). */
function sourceHasDate(raw: string): boolean {
  const { meta: _meta, text: _text, ...rest } = JSON.parse(raw) as Record<string, unknown>;
  return /"\d{4}-\d{2}(-\d{2})?(T[^"]*)?"/.test(JSON.stringify(rest));
}

type Row = { resource_type: string; category: string; sort_date: string; fhir_version: string; raw: string };

describe('importing STU3 and DSTU2 files', () => {
  let vault: VaultFile;

  beforeAll(async () => {
    vault = new VaultFile(join(tempDir(), 'vault.phrvault'), { scrypt: FAST_SCRYPT });
    await vault.create('correct horse battery');
    return () => vault.lock();
  });

  for (const [file, expected] of Object.entries(FIXTURES)) {
    it(`${file}: ${expected.version}, every record counted, sorted and dated`, async () => {
      const personId = addPerson(vault.db, { name: file, relationship: 'other' }).id;
      const path = `${file.startsWith('stu3/') ? STU3 : DSTU2}${file.replace(/^[a-z0-9]+\//, '')}`;
      const [report] = await importFhirFiles(vault.db, [path], { personId, sourceLabel: 'Old Portal' });
      expect(report?.fhirVersion).toBe(expected.version);
      expect(report?.problems).toEqual([]);
      const rows = vault.db
        .prepare(
          'SELECT resource_type, category, sort_date, fhir_version, raw FROM resources WHERE person_id = ?',
        )
        .all(personId) as Row[];
      const kinds: Record<string, Record<string, number>> = {};
      for (const row of rows) {
        const byCategory = (kinds[row.resource_type] ??= {});
        byCategory[row.category] = (byCategory[row.category] ?? 0) + 1;
      }
      expect(kinds).toEqual(expected.kinds);
      expect(new Set(rows.map((r) => r.fhir_version))).toEqual(new Set([expected.version]));
      const undated = rows
        .filter((r) => r.category !== 'administrative' && r.sort_date === '' && sourceHasDate(r.raw))
        .map((r) => r.resource_type);
      expect(undated).toEqual([]);
    });
  }

  it('takes the version it is given over the one it would detect', async () => {
    const personId = addPerson(vault.db, { name: 'Given', relationship: 'other' }).id;
    const [report] = await importFhirFiles(
      vault.db,
      [`${STU3}smart/patient-99912345-document-2.fhir-bundle.json`],
      {
        personId,
        fhirVersion: 'STU3',
      },
    );
    expect(report?.fhirVersion).toBe('STU3');
  });
});
