import { describe, expect, it } from 'vitest';
import { recordColumns } from '../../electron/core/records/record-columns.js';
import { toInstant } from '../../electron/core/records/fhir-values.js';

const loinc = (code: string, display: string) => ({
  coding: [{ system: 'http://loinc.org', code, display }],
});
const category = (code: string) => [
  { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code }] },
];

describe('timeline columns', () => {
  it('reads a lab result: category, UTC date, value with unit, abnormal flag, codes', () => {
    const c = recordColumns({
      resourceType: 'Observation',
      status: 'final',
      category: category('laboratory'),
      code: { ...loinc('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood'), text: 'HbA1c' },
      effectiveDateTime: '2021-03-04T09:30:00-05:00',
      valueQuantity: { value: 7.2, unit: '%' },
      referenceRange: [{ high: { value: 5.7 } }],
    });
    expect(c).toMatchObject({
      category: 'labs',
      sortDate: '2021-03-04T14:30:00.000Z',
      display: 'HbA1c',
      valueText: '7.2 %',
      valueNum: 7.2,
      valueUnit: '%',
      abnormal: true,
      status: 'final',
    });
    expect(c.codes).toContain('loinc|4548-4');
    expect(c.codes).not.toContain('http');
    expect(c.codes).toContain('Hemoglobin A1c/Hemoglobin.total in Blood');
  });

  it('flags an interpretation of high even without a range', () => {
    const c = recordColumns({
      resourceType: 'Observation',
      code: loinc('2339-0', 'Glucose'),
      valueQuantity: { value: 250, unit: 'mg/dL' },
      interpretation: [{ coding: [{ code: 'H' }] }],
    });
    expect(c.abnormal).toBe(true);
    expect(c.category).toBe('other');
    expect(c.sortDate).toBe('');
  });

  it('shows blood pressure as systolic/diastolic in mmHg', () => {
    const c = recordColumns({
      resourceType: 'Observation',
      category: category('vital-signs'),
      code: loinc('85354-9', 'Blood pressure panel'),
      effectiveDateTime: '2020-01-01',
      component: [
        { code: loinc('8462-4', 'Diastolic'), valueQuantity: { value: 81.4, unit: 'mm[Hg]' } },
        { code: loinc('8480-6', 'Systolic'), valueQuantity: { value: 128.6, unit: 'mm[Hg]' } },
      ],
    });
    expect(c).toMatchObject({
      category: 'vitals',
      valueText: '129/81 mmHg',
      sortDate: '2020-01-01T00:00:00.000Z',
    });
  });

  it('reads a DSTU2 MedicationOrder like an R4 MedicationRequest', () => {
    const dstu2 = recordColumns({
      resourceType: 'MedicationOrder',
      dateWritten: '2015-02-01',
      status: 'active',
      medicationCodeableConcept: { text: 'Lisinopril 10 MG Oral Tablet' },
      dosageInstruction: [{ text: 'Take one tablet daily' }],
    });
    const r4 = recordColumns({
      resourceType: 'MedicationRequest',
      authoredOn: '2015-02-01',
      status: 'active',
      medicationCodeableConcept: { text: 'Lisinopril 10 MG Oral Tablet' },
      dosageInstruction: [{ text: 'Take one tablet daily' }],
    });
    expect(dstu2).toEqual(r4);
    expect(r4).toMatchObject({
      category: 'medications',
      display: 'Lisinopril 10 MG Oral Tablet',
      valueText: 'Take one tablet daily',
    });
  });

  it('reads clinical status in R4 (a concept) and STU3 (a code)', () => {
    const r4 = recordColumns({
      resourceType: 'Condition',
      clinicalStatus: { coding: [{ code: 'active' }] },
      code: { text: 'Asthma' },
      onsetDateTime: '2010',
    });
    const stu3 = recordColumns({
      resourceType: 'Condition',
      clinicalStatus: 'active',
      code: { text: 'Asthma' },
      assertedDate: '2010',
    });
    expect(r4).toMatchObject({
      status: 'active',
      category: 'conditions',
      sortDate: '2010-01-01T00:00:00.000Z',
    });
    expect(stu3).toMatchObject({ status: 'active', sortDate: '2010-01-01T00:00:00.000Z' });
  });

  it('dates and files STU3 and DSTU2 shapes the fixtures do not carry', () => {
    const day = '2012-05-06T00:00:00.000Z';
    expect(
      recordColumns({ resourceType: 'Condition', clinicalStatus: 'active', dateRecorded: '2012-05-06' }),
    ).toMatchObject({ sortDate: day, category: 'conditions' });
    expect(
      recordColumns({
        resourceType: 'AllergyIntolerance',
        substance: { text: 'Penicillin' },
        onset: '2012-05-06',
        status: 'confirmed',
      }),
    ).toMatchObject({ sortDate: day, display: 'Penicillin', category: 'allergies', status: 'confirmed' });
    expect(recordColumns({ resourceType: 'AllergyIntolerance', assertedDate: '2012-05-06' }).sortDate).toBe(
      day,
    );
    expect(
      recordColumns({ resourceType: 'Immunization', date: '2012-05-06', wasNotGiven: false }).sortDate,
    ).toBe(day);
    expect(
      recordColumns({
        resourceType: 'Observation',
        category: { coding: [{ system: 'http://hl7.org/fhir/observation-category', code: 'laboratory' }] },
        effectiveDateTime: '2012-05-06',
      }),
    ).toMatchObject({ sortDate: day, category: 'labs' });
    expect(
      recordColumns({
        resourceType: 'DiagnosticReport',
        category: { coding: [{ code: 'LAB' }] },
        issued: '2012-05-06',
      }),
    ).toMatchObject({ sortDate: day, category: 'labs' });
    expect(
      recordColumns({ resourceType: 'Encounter', class: 'ambulatory', period: { start: '2012-05-06' } }),
    ).toMatchObject({
      sortDate: day,
      display: 'ambulatory',
    });
    // An order with no authoredOn or dateWritten is dated by when its dosage starts.
    expect(
      recordColumns({
        resourceType: 'MedicationRequest',
        dosageInstruction: [{ timing: { repeat: { boundsPeriod: { start: '2012-05-06' } } } }],
      }).sortDate,
    ).toBe(day);
  });

  it('gives a record without a name a readable one, and keeps directory records off the timeline', () => {
    expect(recordColumns({ resourceType: 'MedicationRequest' }).display).toBe('Medication request');
    expect(
      recordColumns({ resourceType: 'Practitioner', name: [{ given: ['Ana'], family: 'Ruiz' }] }),
    ).toMatchObject({
      display: 'Ana Ruiz',
      category: 'administrative',
    });
    expect(recordColumns({ resourceType: 'Claim' }).category).toBe('billing');
  });

  it('never throws on hostile shapes', () => {
    for (const r of [
      { resourceType: 'Observation', code: 5, valueQuantity: 'x', component: {}, referenceRange: [null] },
      { resourceType: 'Encounter', type: [null, { coding: 'x' }], period: [] },
      {
        resourceType: 'Immunization',
        vaccineCode: { coding: [{ display: 42 }] },
        occurrenceDateTime: 'yesterday',
      },
    ]) {
      expect(() => recordColumns(r as Record<string, unknown>)).not.toThrow();
    }
  });
});

describe('dates', () => {
  it('turns FHIR dates of every precision into UTC instants', () => {
    expect(toInstant('2019')).toBe('2019-01-01T00:00:00.000Z');
    expect(toInstant('2019-07')).toBe('2019-07-01T00:00:00.000Z');
    expect(toInstant('2019-07-04T23:30:00+10:00')).toBe('2019-07-04T13:30:00.000Z');
    expect(toInstant('not a date')).toBeUndefined();
    expect(toInstant('2019-13-45')).toBeUndefined();
  });
});
