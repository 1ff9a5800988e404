import { beforeAll, describe, expect, it } from 'vitest';
import { toR4 } from '../../electron/core/records/to-r4.js';
import type { Json } from '../../electron/core/records/fhir-values.js';
import { compileFhirSchema, type FhirSchema } from '../support/export-validation.js';

let schema: FhirSchema;
beforeAll(() => {
  schema = compileFhirSchema();
}, 60_000);

/** Converts, and checks the result against R4's definition of its type. */
function converted(resource: Json, version: 'STU3' | 'DSTU2'): Json {
  const result = toR4(resource, version);
  if (!result.ok) throw new Error(result.reason);
  expect(schema.resourceErrors(result.resource)).toEqual([]);
  return result.resource;
}

describe('converting older FHIR to R4', () => {
  it('turns a DSTU2 MedicationOrder into an R4 MedicationRequest order', () => {
    const r4 = converted(
      {
        resourceType: 'MedicationOrder',
        id: 'lisinopril',
        meta: { profile: ['http://hl7.org/fhir/DSTU2/StructureDefinition/MedicationOrder'] },
        status: 'active',
        dateWritten: '2015-02-01',
        patient: { reference: 'Patient/sam' },
        prescriber: { display: 'Dr. Okafor' },
        medicationCodeableConcept: { text: 'Lisinopril 10 MG Oral Tablet' },
        reasonCodeableConcept: { text: 'High blood pressure' },
        note: 'Take in the morning',
        dosageInstruction: [
          {
            text: 'One tablet daily',
            doseQuantity: { value: 1, unit: 'tablet' },
            timing: { repeat: { frequency: 1, period: 1, periodUnits: 'd' } },
          },
        ],
      },
      'DSTU2',
    );
    expect(r4).toEqual({
      resourceType: 'MedicationRequest',
      id: 'lisinopril',
      status: 'active',
      intent: 'order',
      authoredOn: '2015-02-01',
      subject: { reference: 'Patient/sam' },
      requester: { display: 'Dr. Okafor' },
      medicationCodeableConcept: { text: 'Lisinopril 10 MG Oral Tablet' },
      reasonCode: [{ text: 'High blood pressure' }],
      note: [{ text: 'Take in the morning' }],
      dosageInstruction: [
        {
          text: 'One tablet daily',
          doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }],
          timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } },
        },
      ],
    });
  });

  it('splits a DSTU2 allergy status into R4 clinical and verification statuses', () => {
    const r4 = converted(
      {
        resourceType: 'AllergyIntolerance',
        patient: { reference: 'Patient/sam' },
        substance: { text: 'Penicillin' },
        status: 'confirmed',
        criticality: 'CRITH',
        category: 'medication',
        onset: '2009-04-01',
        reaction: [{ manifestation: [{ text: 'Hives' }], note: { text: 'Within an hour' } }],
      },
      'DSTU2',
    );
    expect(r4).toMatchObject({
      code: { text: 'Penicillin' },
      clinicalStatus: { coding: [{ code: 'active' }] },
      verificationStatus: { coding: [{ code: 'confirmed' }] },
      criticality: 'high',
      category: ['medication'],
      onsetDateTime: '2009-04-01',
      reaction: [{ note: [{ text: 'Within an hour' }] }],
    });
  });

  it('writes STU3 condition statuses as R4 concepts and keeps assertedDate as its R4 extension', () => {
    const r4 = converted(
      {
        resourceType: 'Condition',
        clinicalStatus: 'active',
        verificationStatus: 'confirmed',
        code: { text: 'Asthma' },
        subject: { reference: 'Patient/sam' },
        context: { reference: 'Encounter/1' },
        assertedDate: '2010-03-04',
      },
      'STU3',
    );
    expect(r4).toMatchObject({
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      },
      encounter: { reference: 'Encounter/1' },
      extension: [
        {
          url: 'http://hl7.org/fhir/StructureDefinition/condition-assertedDate',
          valueDateTime: '2010-03-04',
        },
      ],
    });
    expect(r4).not.toHaveProperty('context');
  });

  it('dates an immunization by occurrence, and says not-done for one not given', () => {
    const r4 = converted(
      {
        resourceType: 'Immunization',
        status: 'completed',
        notGiven: true,
        date: '2018-10-01T10:00:00-04:00',
        primarySource: true,
        vaccineCode: { text: 'Influenza' },
        patient: { reference: 'Patient/sam' },
        explanation: { reasonNotGiven: [{ text: 'Patient declined' }] },
      },
      'STU3',
    );
    expect(r4).toMatchObject({
      status: 'not-done',
      occurrenceDateTime: '2018-10-01T10:00:00-04:00',
      statusReason: { text: 'Patient declined' },
    });
  });

  it('converts a DSTU2 patient and encounter with their renamed elements', () => {
    expect(
      converted(
        {
          resourceType: 'Patient',
          name: [{ family: ['García', 'Márquez'], given: ['Ana'] }],
          careProvider: [{ reference: 'Practitioner/1' }],
        },
        'DSTU2',
      ),
    ).toMatchObject({
      name: [{ family: 'García Márquez' }],
      generalPractitioner: [{ reference: 'Practitioner/1' }],
    });
    expect(
      converted(
        {
          resourceType: 'Encounter',
          status: 'finished',
          class: 'ambulatory',
          patient: { reference: 'Patient/1' },
          reason: { text: 'Check-up' },
          period: { start: '2012-01-01' },
        },
        'DSTU2',
      ),
    ).toMatchObject({
      class: { code: 'AMB' },
      subject: { reference: 'Patient/1' },
      reasonCode: [{ text: 'Check-up' }],
    });
  });

  it('says why when there is no faithful R4 form', () => {
    const reason = (resource: Json, version: 'STU3' | 'DSTU2') => {
      const result = toR4(resource, version);
      return result.ok ? 'converted' : result.reason;
    };
    expect(reason({ resourceType: 'Observation', status: 'final', related: [{}] }, 'STU3')).toMatch(
      /element “related” has no R4 equivalent/,
    );
    expect(reason({ resourceType: 'Immunization', status: 'completed', vaccineCode: {} }, 'STU3')).toMatch(
      /no date/,
    );
    expect(reason({ resourceType: 'Immunization', status: 'in-progress', date: '2010' }, 'DSTU2')).toMatch(
      /status “in-progress”/,
    );
    expect(reason({ resourceType: 'Encounter', status: 'finished', class: 'daytime' }, 'DSTU2')).toMatch(
      /class/,
    );
    expect(
      reason(
        { resourceType: 'Observation', status: 'final', effectiveDateTime: '2016-01-04T08:12:00' },
        'DSTU2',
      ),
    ).toMatch(/time zone/);
    expect(
      reason({ resourceType: 'Condition', patient: {}, _dateRecorded: { extension: [] } }, 'DSTU2'),
    ).toMatch(/“_dateRecorded” has no R4 equivalent/);
    expect(reason({ resourceType: 'Condition', code: {}, _onsetDateTime: { id: 'x' } }, 'STU3')).toBe(
      'converted',
    );
    expect(reason({ resourceType: 'Goal' }, 'STU3')).toMatch(/STU3 goal records to R4 is not built/);
    expect(toR4({ resourceType: 'Goal' }, 'R4')).toEqual({ ok: true, resource: { resourceType: 'Goal' } });
  });
});
