import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRecords } from '../../electron/core/exchange/export/export-document.js';
import type { ExportOutcome } from '../../electron/core/exchange/export/export-request.js';
import { detectFhirVersion } from '../../electron/core/exchange/fhir-version.js';
import { importFhirFiles } from '../../electron/core/exchange/import-fhir.js';
import type { Json } from '../../electron/core/records/fhir-values.js';
import { CONVERTIBLE_TYPES, toR4 } from '../../electron/core/records/to-r4.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import {
  cdaSchemaErrors,
  compileFhirSchema,
  compileSchematron,
  hasTool,
  NEEDS_VALUE_SETS,
  readBackCcd,
  schematronErrors,
  type FhirSchema,
} from '../support/export-validation.js';
import {
  DSTU2,
  FAST_SCRYPT,
  IRMGARD_DSTU2,
  IRMGARD_STU3,
  MATHILDA_DSTU2,
  STU3,
  tempDir,
} from '../support/temp-dir.js';

const OLDER_FIXTURES = [
  `${STU3}synthea/Schneider_Breana_27.json`,
  IRMGARD_STU3,
  `${STU3}smart/patient-2502813.fhir-bundle.json`,
  `${STU3}smart/patient-2502813.fhir-bundle.01.json`,
  `${STU3}smart/patient-99912345.fhir-bundle.json`,
  IRMGARD_DSTU2,
  MATHILDA_DSTU2,
  `${DSTU2}custom/hspc-bilirubin-chart.json`,
];

type Bundle = { entry: { resource: Json }[] };
const resourcesOf = (file: string) =>
  (JSON.parse(readFileSync(file, 'utf8')) as Bundle).entry.map((e) => e.resource);

describe('older FHIR records in exports, converted to R4', () => {
  let dir: string;
  let vault: VaultFile;
  let schema: FhirSchema;
  const person: Record<'stu3' | 'dstu2' | 'bilirubin', number> = { stu3: 0, dstu2: 0, bilirubin: 0 };

  beforeAll(async () => {
    dir = tempDir('phr-vault-export-older-');
    vault = new VaultFile(join(dir, 'family.phrvault'), { scrypt: FAST_SCRYPT });
    await vault.create('correct horse battery');
    const files = {
      stu3: IRMGARD_STU3,
      dstu2: IRMGARD_DSTU2,
      bilirubin: `${DSTU2}custom/hspc-bilirubin-chart.json`,
    };
    for (const key of Object.keys(files) as (keyof typeof files)[]) {
      person[key] = addPerson(vault.db, { name: `Irmgard ${key}`, relationship: 'other' }).id;
      await importFhirFiles(vault.db, [files[key]], { personId: person[key], sourceLabel: 'Old Portal' });
    }
    schema = compileFhirSchema();
  }, 120_000);

  afterAll(() => vault?.lock());

  it('converts every clinical record of the fixtures it can, each valid against its R4 definition', () => {
    const notConverted: Record<string, number> = {};
    for (const file of OLDER_FIXTURES) {
      const resources = resourcesOf(file);
      const version = detectFhirVersion(resources);
      for (const resource of resources) {
        const result = toR4(resource, version);
        if (!result.ok) {
          if (CONVERTIBLE_TYPES.includes(String(resource.resourceType))) {
            const key = `${String(resource.resourceType)}: ${result.reason}`;
            notConverted[key] = (notConverted[key] ?? 0) + 1;
          }
          continue;
        }
        expect(schema.resourceErrors(result.resource), `${file} ${String(resource.id)}`).toEqual([]);
      }
    }
    // What the sources themselves got wrong, in every version of FHIR: times without a zone
    // (the bilirubin chart) and an extension holding a list (one SMART patient's labs).
    expect(notConverted).toEqual({
      'Observation: a time in it has no time zone (or no seconds), so the moment it names is not known': 18,
      'Patient: a time in it has no time zone (or no seconds), so the moment it names is not known': 4,
      'Observation: one of its extensions holds a list where FHIR allows one value': 5,
    });
  });

  async function exported(format: 'fhir' | 'ips' | 'ccda', personId: number): Promise<ExportOutcome> {
    return exportRecords(vault.db, format, { personId });
  }

  function countTypes(bundle: Bundle): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const e of bundle.entry)
      counts[String(e.resource.resourceType)] = (counts[String(e.resource.resourceType)] ?? 0) + 1;
    return counts;
  }

  function notConvertedTypes(outcome: ExportOutcome): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const issue of outcome.issues.filter((i) => /has no faithful R4 form/.test(i.reason)))
      counts[issue.resourceType] = (counts[issue.resourceType] ?? 0) + 1;
    return counts;
  }

  it('writes a valid FHIR R4 bundle of an STU3 patient, naming only what was not converted', async () => {
    const outcome = await exported('fhir', person.stu3);
    const bundle = JSON.parse(outcome.bytes.toString('utf8')) as Bundle;
    expect(schema.validate(bundle), JSON.stringify(schema.errors().slice(0, 3))).toBe(true);
    expect(countTypes(bundle)).toMatchObject({
      Patient: 1,
      Encounter: 49,
      Condition: 12,
      Observation: 203,
      DiagnosticReport: 21,
      Immunization: 10,
      MedicationRequest: 61,
      Procedure: 41,
    });
    expect(notConvertedTypes(outcome)).toEqual({ Goal: 5, CarePlan: 5 });
    expect(outcome.issues.find((i) => i.resourceType === 'Goal')?.reason).toMatch(
      /arrived as FHIR STU3 and has no faithful R4 form: converting STU3 goal records to R4 is not built/,
    );
  });

  it('writes a valid FHIR R4 bundle of a DSTU2 patient, prescriptions as MedicationRequest', async () => {
    const outcome = await exported('fhir', person.dstu2);
    const bundle = JSON.parse(outcome.bytes.toString('utf8')) as Bundle;
    expect(schema.validate(bundle), JSON.stringify(schema.errors().slice(0, 3))).toBe(true);
    expect(countTypes(bundle)).toMatchObject({
      Patient: 1,
      MedicationRequest: 61,
      Condition: 12,
      Encounter: 49,
    });
    expect(countTypes(bundle)).not.toHaveProperty('MedicationOrder');
    expect(notConvertedTypes(outcome)).toEqual({ Goal: 5, CarePlan: 5 });
  });

  it('writes a valid IPS of an STU3 patient', async () => {
    const outcome = await exported('ips', person.stu3);
    const bundle = JSON.parse(outcome.bytes.toString('utf8')) as Bundle;
    expect(schema.validate(bundle), JSON.stringify(schema.errors().slice(0, 3))).toBe(true);
    expect(countTypes(bundle).Condition).toBe(12);
  });

  it('writes a C-CDA of a DSTU2 patient that validates against the CDA schema, with their history in it', async () => {
    if (!hasTool('xmllint') || !hasTool('xsltproc'))
      throw new Error('xmllint and xsltproc are needed: bash .ci/run installs them.');
    const outcome = await exported('ccda', person.dstu2);
    const file = join(dir, 'irmgard-dstu2.xml');
    writeFileSync(file, outcome.bytes);
    expect(await cdaSchemaErrors(file)).toEqual([]);
    const sections = await readBackCcd(dir, file);
    // Problems, medications, immunizations, encounters, procedures: each from converted records.
    for (const loinc of ['11450-4', '10160-0', '11369-6', '46240-8', '47519-4'])
      expect(sections.get(loinc)?.entries ?? 0, loinc).toBeGreaterThan(0);
    expect(notConvertedTypes(outcome)).toEqual({ Goal: 5, CarePlan: 5 });
  });

  it('writes C-CDA of the STU3 and DSTU2 patients with no schematron errors but those that need the absent value-set file', async () => {
    const compiled = await compileSchematron(dir);
    for (const key of ['stu3', 'dstu2'] as const) {
      const file = join(dir, `irmgard-${key}-schematron.xml`);
      writeFileSync(file, (await exported('ccda', person[key])).bytes);
      expect(await cdaSchemaErrors(file), key).toEqual([]);
      const failed = await schematronErrors(compiled, file);
      const unexpected = failed.filter((f) => !(f.needsValueSets && NEEDS_VALUE_SETS.has(f.conf)));
      expect(
        unexpected.map((f) => `${f.conf} ${f.text.slice(0, 160)}`),
        key,
      ).toEqual([]);
    }
  }, 180_000);

  it('leaves out the records whose times have no zone, and says so', async () => {
    const outcome = await exported('fhir', person.bilirubin);
    const bundle = JSON.parse(outcome.bytes.toString('utf8')) as Bundle;
    expect(schema.validate(bundle), JSON.stringify(schema.errors().slice(0, 3))).toBe(true);
    expect(notConvertedTypes(outcome)).toEqual({ Observation: 18 });
    expect(countTypes(bundle).Observation).toBe(3);
    expect(outcome.issues.find((i) => i.resourceType === 'Observation')?.reason).toMatch(/no time zone/);
  });
});
