import { describe, expect, it } from 'vitest';
import {
  declaredVersion,
  detectFhirVersion,
  FhirVersionTally,
  versionFromNumber,
  versionsAllowedBy,
} from '../../electron/core/exchange/fhir-version.js';

const allowed = (resource: Record<string, unknown>) => [...versionsAllowedBy(resource)].sort();

describe('FHIR version of a file', () => {
  it('reads declared version numbers and profile addresses', () => {
    expect(versionFromNumber('4.0.1')).toBe('R4');
    expect(versionFromNumber('4.3.0')).toBe('R4');
    expect(versionFromNumber('3.0.2')).toBe('STU3');
    expect(versionFromNumber('1.0.2')).toBe('DSTU2');
    expect(versionFromNumber('5.0.0')).toBeUndefined();
    expect(declaredVersion({ resourceType: 'Patient', meta: { fhirVersion: '3.0.1' } })).toBe('STU3');
    expect(
      declaredVersion({
        resourceType: 'Condition',
        meta: { profile: ['http://hl7.org/fhir/DSTU2/StructureDefinition/Condition'] },
      }),
    ).toBe('DSTU2');
    expect(declaredVersion({ resourceType: 'Patient' })).toBeUndefined();
  });

  it('rules versions out by type and by shape', () => {
    expect(allowed({ resourceType: 'MedicationOrder' })).toEqual(['DSTU2']);
    expect(allowed({ resourceType: 'MedicationRequest' })).toEqual(['R4', 'STU3']);
    expect(allowed({ resourceType: 'ProcedureRequest' })).toEqual(['DSTU2', 'STU3']);
    expect(allowed({ resourceType: 'Condition', clinicalStatus: 'active' })).toEqual(['DSTU2', 'STU3']);
    expect(allowed({ resourceType: 'Condition', clinicalStatus: 'active', dateRecorded: '2010' })).toEqual([
      'DSTU2',
    ]);
    expect(allowed({ resourceType: 'Condition', clinicalStatus: 'active', assertedDate: '2010' })).toEqual([
      'STU3',
    ]);
    expect(allowed({ resourceType: 'AllergyIntolerance', substance: { text: 'Peanut' } })).toEqual(['DSTU2']);
    expect(allowed({ resourceType: 'AllergyIntolerance', assertedDate: '2010' })).toEqual(['STU3']);
    expect(allowed({ resourceType: 'Immunization', notGiven: false, date: '2010' })).toEqual(['STU3']);
    expect(allowed({ resourceType: 'Immunization', wasNotGiven: false, date: '2010' })).toEqual(['DSTU2']);
    expect(allowed({ resourceType: 'Immunization', occurrenceDateTime: '2010' })).toEqual(['R4']);
    expect(allowed({ resourceType: 'Observation', category: { text: 'Vital Signs' } })).toEqual(['DSTU2']);
    expect(allowed({ resourceType: 'Observation', category: [{ text: 'Vital Signs' }] })).toEqual([
      'R4',
      'STU3',
    ]);
    expect(allowed({ resourceType: 'Encounter', class: 'ambulatory' })).toEqual(['DSTU2']);
    expect(allowed({ resourceType: 'Patient', name: [{ family: 'Nguyen' }] })).toEqual([
      'DSTU2',
      'R4',
      'STU3',
    ]);
  });

  it('picks the version the fewest records rule out, the newest on a tie', () => {
    expect(detectFhirVersion([{ resourceType: 'Patient' }, { resourceType: 'Binary' }])).toBe('R4');
    // Both pre-R4 hints; the MedicationOrder settles it.
    expect(
      detectFhirVersion([
        { resourceType: 'Patient' },
        { resourceType: 'Condition', clinicalStatus: 'active' },
        { resourceType: 'MedicationOrder' },
      ]),
    ).toBe('DSTU2');
    // Only pre-R4 hints that STU3 and DSTU2 share: the newer of the two.
    expect(detectFhirVersion([{ resourceType: 'Condition', clinicalStatus: 'active' }])).toBe('STU3');
    // One odd record does not outvote the rest of the file.
    expect(
      detectFhirVersion([
        { resourceType: 'Immunization', occurrenceDateTime: '2020-01-01' },
        { resourceType: 'Immunization', occurrenceDateTime: '2021-01-01' },
        { resourceType: 'Immunization', date: '2021-01-01', notGiven: false },
      ]),
    ).toBe('R4');
  });

  it('lets a declaration, on the Bundle or a record, win over shapes', () => {
    const tally = new FhirVersionTally();
    tally.declare({ resourceType: 'Bundle', meta: { fhirVersion: '1.0.2' } });
    tally.add({ resourceType: 'Immunization', occurrenceDateTime: '2020-01-01' });
    expect(tally.version).toBe('DSTU2');
    expect(
      detectFhirVersion([
        { resourceType: 'Condition', clinicalStatus: 'active', meta: { fhirVersion: '3.0.2' } },
        { resourceType: 'MedicationOrder' },
      ]),
    ).toBe('STU3');
  });
});
