import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFhirFiles } from '../../electron/core/exchange/import-fhir.js';
import type { Json } from '../../electron/core/records/fhir-values.js';
import { resultReading } from '../../electron/core/records/result-flags.js';
import { patientSummary, type PatientSummary } from '../../electron/core/records/summary.js';
import { getRecord } from '../../electron/core/vault/timeline.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { labResult } from '../support/fhir-builders.js';
import {
  FAST_SCRYPT,
  IRMGARD_DSTU2,
  SMART_2502813,
  SMART_2502813_VITALS,
  STU3,
  SYNTHEA,
  US_CORE_355,
  tempDir,
} from '../support/temp-dir.js';

/**
 * What the Summary must list for each fixture patient, written from reading their raw records
 * (the FHIR specification's status meanings; see electron/core/records/summary.ts for the rules).
 */

let vault: VaultFile;
const people = new Map<string, number>();

async function person(name: string, files: string[], label = 'Example Clinic'): Promise<number> {
  const id = people.get(name) ?? addPerson(vault.db, { name, relationship: 'parent' }).id;
  people.set(name, id);
  await importFhirFiles(vault.db, files, { personId: id, sourceLabel: label });
  return id;
}

const titles = (entries: { title: string }[]) => entries.map((e) => e.title).sort();
const summaryOf = (name: string): PatientSummary => patientSummary(vault.db, people.get(name)!);

function ndjson(name: string, records: Json[]): string {
  const file = join(tempDir(), name);
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n'));
  return file;
}

const rxnorm = (code: string, text: string) => ({
  coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code, display: text }],
  text,
});
const snomed = (code: string, text: string) => ({
  coding: [{ system: 'http://snomed.info/sct', code, display: text }],
  text,
});
const concept = (system: string, code: string) => ({ coding: [{ system, code }] });
const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';

beforeAll(async () => {
  vault = new VaultFile(join(tempDir(), 'vault.phrvault'), { scrypt: FAST_SCRYPT });
  await vault.create('correct horse battery');
  await person('Smart', [SMART_2502813, SMART_2502813_VITALS]);
  await person('Fletcher', [`${SYNTHEA}Fletcher_Hyatt_fe0562b5-f517-4951-8366-32fdab088930.json`]);
  await person('Breana', [`${STU3}synthea/Schneider_Breana_27.json`]);
  await person('Irmgard', [IRMGARD_DSTU2]);
  await person('Amy', [US_CORE_355]);
});
afterAll(() => vault.lock());

describe('the Summary of the SMART sample patient (STU3, with pharmacy fills)', () => {
  it('lists the nine active prescriptions as current, each with its last fill, whatever the fills say', () => {
    const { medications } = summaryOf('Smart');
    expect(titles(medications)).toEqual([
      '120 ACTUAT Budesonide 0.08 MG/ACTUAT / formoterol 0.0045 MG/ACTUAT Metered Dose Inhaler [Symbicort 80/4.5]',
      '200 ACTUAT Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler [Ventolin HFA]',
      '24 HR Nisoldipine 8.5 MG Extended Release Tablet [Sular]',
      'Acetaminophen 500 MG / Hydrocodone 5 MG Oral Tablet',
      'Atenolol 100 MG Oral Tablet',
      'Doxycycline 100 MG Oral Tablet',
      'Hydrochlorothiazide 25 MG / Triamterene 37.5 MG Oral Tablet',
      'Potassium Chloride 10 MEQ Extended Release Capsule',
      'tiotropium 0.018 MG/ACTUAT Inhalant Powder [Spiriva]',
    ]);
    expect(medications.every((m) => m.resourceType === 'MedicationRequest')).toBe(true);
    const atenolol = medications.find((m) => m.title.startsWith('Atenolol'))!;
    // Four fills (2012-05-08 … 2013-02-16): the newest is its last fill.
    expect(atenolol.lastFilled?.slice(0, 10)).toBe('2013-02-16');
    const spiriva = medications.find((m) => m.title.includes('Spiriva'))!;
    expect(spiriva.lastFilled?.slice(0, 10)).toBe('2012-08-03');
  });

  it('lists its nine active, confirmed conditions, and says no known allergies instead of listing one', () => {
    const s = summaryOf('Smart');
    expect(titles(s.problems)).toEqual([
      'Acute upper respiratory infection',
      'Arthralgia of the ankle and/or foot',
      'Chronic obstructive lung disease',
      'Essential hypertension',
      'Family history of malignant neoplasm of gastrointestinal tract',
      'Female stress incontinence',
      'History of polyp of colon',
      'Open wound of forearm without complication',
      'Tobacco dependence syndrome',
    ]);
    expect(s.allergies).toEqual([]);
    expect(s.noKnownAllergies?.title).toBe('No known allergies');
    // Asserted in "2000": said as the year, not as January 1.
    expect(s.noKnownAllergies?.dateText).toBe('2000');
    expect(s.problems.every((p) => p.dateText === undefined)).toBe(true);
  });

  it('flags results out of their reference range, high or low, and a blood pressure above 130/80', () => {
    const flagged = new Map(summaryOf('Smart').flagged.map((f) => [f.value, f.flag]));
    // The latest potassium (3.4 mmol/L, normal range 3.6–5.5) is low; the latest creatinine in
    // blood (1.6 mg/dL) above its range; the latest blood pressure (134/70) is stage 1 hypertension.
    expect(flagged.get('3.4 mmol/L')).toBe('low');
    expect(flagged.get('1.6 mg/dL')).toBe('high');
    expect(flagged.get('134/70 mmHg')).toBe('high');
    // The latest sodium (138 mmol/L, range 135–145) is within range.
    expect(flagged.has('138 mmol/L')).toBe(false);
  });

  it('gives a result’s detail its flag, its value against the source’s range, and its trend code', () => {
    const potassium = summaryOf('Smart').flagged.find((f) => f.value === '3.4 mmol/L')!;
    const record = getRecord(vault.db, potassium.id);
    expect(resultReading(record.resource)).toEqual({
      flag: 'low',
      value: 3.4,
      low: 3.6,
      high: 5.5,
      unit: 'mmol/L',
      trendCode: '2823-3',
    });
    const problem = getRecord(vault.db, summaryOf('Smart').problems[0]!.id);
    expect(resultReading(problem.resource)).toBeNull();
  });
});

describe('the Summary of Synthea patients', () => {
  it('takes a medicine renewed many times as current when its newest prescription is active (R4)', () => {
    const { medications } = summaryOf('Fletcher');
    // 33 simvastatin prescriptions, the newest active; 36 cisplatin ones, all stopped.
    expect(titles(medications)).toEqual([
      '0.25 ML Leuprolide Acetate 30 MG/ML Prefilled Syringe',
      '1 ML DOCEtaxel 20 MG/ML Injection',
      '10 ML Furosemide 10 MG/ML Injection',
      '24 HR metoprolol succinate 100 MG Extended Release Oral Tablet [Toprol]',
      'Hydrochlorothiazide 25 MG',
      'Lasix 40mg',
      'Naproxen sodium 220 MG Oral Tablet',
      'Simvistatin 10 MG',
    ]);
  });

  it('names a prescription by the Medication it points to (STU3 medicationReference)', () => {
    const s = summaryOf('Breana');
    expect(titles(s.medications)).toEqual([
      '0.3 ML EPINEPHrine 0.5 MG/ML Auto-Injector',
      '120 ACTUAT Fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler',
      '200 ACTUAT Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler',
      'Mirena 52 MG Intrauterine System',
      'diphenhydrAMINE Hydrochloride 25 MG Oral Tablet',
    ]);
    expect(titles(s.allergies)).toEqual(['Dander (animal) allergy']);
    expect(s.noKnownAllergies).toBeNull();
  });

  it('reads DSTU2 medication orders and conditions by their own status fields', () => {
    const s = summaryOf('Irmgard');
    expect(titles(s.medications)).toEqual([
      '24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet',
      'Penicillin V Potassium 500 MG',
      'insulin human, isophane 70 UNT/ML / Regular Insulin, Human 30 UNT/ML Injectable Suspension [Humulin]',
    ]);
    expect(s.medications.every((m) => m.resourceType === 'MedicationOrder')).toBe(true);
    expect(s.problems).toHaveLength(7);
    expect(titles(s.problems)).toContain('Hypertension');
  });

  it('leaves out resolved conditions and stopped prescriptions (US Core)', () => {
    const s = summaryOf('Amy');
    // Every one of the 20 prescriptions is stopped; 8 of 31 conditions are still active.
    expect(s.medications).toEqual([]);
    expect(titles(s.problems)).toEqual([
      "Alzheimer's disease",
      'Anemia',
      'Cardiac Arrest',
      'Fear of becoming fat',
      'Osteoarthritis of knee',
      'Polyp of colon',
      'Prediabetes',
      'Recurrent rectal polyp',
    ]);
    expect(s.allergies).toHaveLength(8);
  });
});

describe('the rules a fixture does not reach', () => {
  let summary: PatientSummary;

  beforeAll(async () => {
    const clinic = ndjson('clinic.ndjson', [
      // Held, not stopped: still current.
      {
        resourceType: 'MedicationRequest',
        id: 'm1',
        status: 'on-hold',
        intent: 'order',
        authoredOn: '2024-01-02',
        medicationCodeableConcept: rxnorm('197361', 'Amlodipine 5 MG Oral Tablet'),
      },
      // Active, but recorded in error: as if never sent.
      {
        resourceType: 'MedicationRequest',
        id: 'm2',
        status: 'entered-in-error',
        intent: 'order',
        authoredOn: '2024-02-01',
        medicationCodeableConcept: rxnorm('310798', 'Hydrochlorothiazide 25 MG Oral Tablet'),
      },
      // A statement whose period has ended is not current, whatever its status.
      {
        resourceType: 'MedicationStatement',
        id: 'm3',
        status: 'active',
        effectivePeriod: { start: '2019-01-01', end: '2019-03-01' },
        medicationCodeableConcept: rxnorm('198211', 'Simvastatin 40 MG Oral Tablet'),
      },
      // A "do not give" order names a medicine not to take.
      {
        resourceType: 'MedicationRequest',
        id: 'm4',
        status: 'active',
        intent: 'order',
        doNotPerform: true,
        authoredOn: '2024-01-03',
        medicationCodeableConcept: rxnorm('1191', 'Aspirin'),
      },
      // Only fills, no prescription: filled, not decided current.
      {
        resourceType: 'MedicationDispense',
        id: 'd1',
        status: 'completed',
        whenHandedOver: '2024-03-01',
        medicationCodeableConcept: rxnorm('314076', 'Lisinopril 10 MG Oral Tablet'),
      },
      // Refuted, entered in error, abated: none is an active problem.
      {
        resourceType: 'Condition',
        id: 'c1',
        clinicalStatus: concept(CLINICAL, 'active'),
        verificationStatus: concept(VERIFICATION, 'refuted'),
        code: snomed('44054006', 'Diabetes mellitus type 2'),
        onsetDateTime: '2020-01-01',
      },
      {
        resourceType: 'Condition',
        id: 'c2',
        clinicalStatus: concept(CLINICAL, 'active'),
        verificationStatus: concept(VERIFICATION, 'entered-in-error'),
        code: snomed('195967001', 'Asthma'),
        onsetDateTime: '2021-01-01',
      },
      {
        resourceType: 'Condition',
        id: 'c3',
        clinicalStatus: concept(CLINICAL, 'active'),
        abatementDateTime: '2022-05-01',
        code: snomed('233604007', 'Pneumonia'),
        onsetDateTime: '2022-04-01',
      },
      {
        resourceType: 'Condition',
        id: 'c4',
        clinicalStatus: concept(CLINICAL, 'active'),
        verificationStatus: concept(VERIFICATION, 'confirmed'),
        code: snomed('38341003', 'Hypertension'),
        onsetDateTime: '2015-01-01',
      },
      // A vaccine not given does not hide the dose that was.
      {
        resourceType: 'Immunization',
        id: 'i1',
        status: 'not-done',
        vaccineCode: { text: 'Influenza vaccine' },
        occurrenceDateTime: '2024-10-01',
      },
      {
        resourceType: 'Immunization',
        id: 'i2',
        status: 'completed',
        vaccineCode: { text: 'Influenza vaccine' },
        occurrenceDateTime: '2023-10-01',
      },
      // A refuted allergy is not listed.
      {
        resourceType: 'AllergyIntolerance',
        id: 'a1',
        clinicalStatus: concept(
          'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
          'active',
        ),
        verificationStatus: concept(
          'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
          'refuted',
        ),
        code: rxnorm('7980', 'Penicillin G'),
      },
      // Results: the lab's own interpretation wins over the range; vitals by their usual categories.
      {
        ...labResult({
          id: 'l1',
          date: '2024-05-01',
          value: 6.9,
          loinc: '2823-3',
          display: 'Potassium',
          unit: 'mmol/L',
          range: { low: 3.5, high: 5.1 },
        }),
        interpretation: [concept('http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', 'HH')],
      },
      labResult({
        id: 'l2',
        date: '2024-05-01',
        value: 110,
        loinc: '2345-7',
        unit: 'mg/dL',
        range: { low: 70, high: 99 },
      }),
      {
        ...labResult({
          id: 'l3',
          date: '2024-05-01',
          value: 150,
          loinc: '2093-3',
          display: 'Cholesterol',
          unit: 'mg/dL',
          range: { low: 0, high: 100 },
        }),
        interpretation: [concept('http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', 'N')],
      },
      vital('v1', '85354-9', 'Blood pressure panel', { component: [bp('8480-6', 185), bp('8462-4', 115)] }),
      vital('v2', '2708-6', 'Oxygen saturation', {
        valueQuantity: { value: 88, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
      }),
      vital('v3', '8310-5', 'Body temperature', {
        valueQuantity: { value: 101.2, unit: 'degF', system: 'http://unitsofmeasure.org', code: '[degF]' },
      }),
      vital('v4', '8867-4', 'Heart rate', {
        valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
      }),
    ]);
    // The same hypertension and amlodipine from a second source show once, naming it.
    const hospital = ndjson('hospital.ndjson', [
      {
        resourceType: 'Condition',
        id: 'h1',
        clinicalStatus: concept(CLINICAL, 'active'),
        code: snomed('38341003', 'Essential hypertension'),
        onsetDateTime: '2016-01-01',
      },
      {
        resourceType: 'MedicationRequest',
        id: 'h2',
        status: 'active',
        intent: 'order',
        authoredOn: '2023-06-01',
        medicationCodeableConcept: rxnorm('197361', 'amlodipine 5 mg tablet'),
      },
    ]);
    const id = await person('Rules', [clinic], 'Example Clinic');
    await person('Rules', [hospital], 'Example Hospital');
    summary = patientSummary(vault.db, id);
  });

  it('decides medications from prescriptions and statements only, once per medicine', () => {
    expect(summary.medications.map((m) => [m.title, m.status, m.alsoFrom])).toEqual([
      ['Amlodipine 5 MG Oral Tablet', 'on-hold', ['Example Hospital']],
    ]);
  });

  it('keeps refuted, mistaken and abated problems and refuted allergies off', () => {
    expect(summary.problems.map((p) => [p.title, p.alsoFrom])).toEqual([
      ['Essential hypertension', ['Example Clinic']],
    ]);
    expect(summary.allergies).toEqual([]);
    expect(summary.noKnownAllergies).toBeNull();
  });

  it('lists the latest vaccine dose given, not the one that was not', () => {
    expect(summary.immunizations.map((i) => [i.title, i.date?.slice(0, 10)])).toEqual([
      ['Influenza vaccine', '2023-10-01'],
    ]);
  });

  it('flags results by the source’s interpretation, else the range, else the vital sign’s categories', () => {
    const flags = Object.fromEntries(summary.flagged.map((f) => [f.title, f.flag]));
    expect(flags).toEqual({
      'Blood pressure panel': 'critical-high',
      Potassium: 'critical-high',
      'Oxygen saturation': 'critical-low',
      'Body temperature': 'high',
      Glucose: 'high',
    });
    // Critical ones come first.
    expect(summary.flagged.slice(0, 3).every((f) => f.flag?.startsWith('critical'))).toBe(true);
  });
});

function vital(id: string, loinc: string, display: string, value: Json): Json {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
        ],
      },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: loinc, display }] },
    effectiveDateTime: '2024-05-02',
    ...value,
  };
}

function bp(loinc: string, value: number): Json {
  return {
    code: { coding: [{ system: 'http://loinc.org', code: loinc }] },
    valueQuantity: { value, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
  };
}
