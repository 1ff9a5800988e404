import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCcda } from '../../electron/core/exchange/ccda/ccda-document.js';
import { attachmentsOfResource } from '../../electron/core/records/attachments.js';
import { readRecord } from '../../electron/core/records/record-detail.js';
import type { RecordFact } from '../../shared/ipc/areas/records.js';
import { factWords } from '../../renderer/src/lib/record-facts.js';
import {
  GEOFFREY,
  IRMGARD_DSTU2,
  IRMGARD_STU3,
  SMART_2502813,
  US_CORE_85,
  US_CORE_355,
  fixtures,
} from '../../testkit/fixture-paths.js';

type Json = Record<string, unknown>;

function recordsOf(path: string): Json[] {
  const bundle = JSON.parse(readFileSync(path, 'utf8')) as { entry: { resource: Json }[] };
  return bundle.entry.map((e) => e.resource);
}

function record(path: string, id: string): Json {
  const found = recordsOf(path).find((r) => r.id === id);
  if (!found) throw new Error(`no record ${id} in ${path}`);
  return found;
}

/** The facts as label → what the core said (dates as written, periods as "start – end"). */
function said(facts: RecordFact[]): Record<string, string> {
  return Object.fromEntries(
    facts.map((f) => [
      f.label,
      f.kind === 'words' ? f.words : f.kind === 'date' ? f.date : `${f.start ?? ''} – ${f.end ?? ''}`,
    ]),
  );
}

describe('a record’s detail, read in the core', () => {
  it('reads an R4 blood pressure: its parts, its kind in words, its code, and its flag', () => {
    const detail = readRecord(record(GEOFFREY, '5e464b62-2985-41ba-90bc-125d89b2fa68'));
    expect(said(detail.facts)).toEqual({
      Date: '2011-05-27T09:51:38+00:00',
      'Diastolic Blood Pressure': '113.9 mmHg',
      'Systolic Blood Pressure': '177.8 mmHg',
      Kind: 'vital signs',
      Recorded: '2011-05-27T09:51:38.447+00:00',
      Codes: 'LOINC 55284-4',
    });
    expect(detail.result).toMatchObject({ flag: 'high', trendCode: '55284-4' });
    expect(detail.attachments).toEqual([]);
  });

  it('reads an R4 visit’s period once, not its first day twice', () => {
    const visit = recordsOf(GEOFFREY).find((r) => r.id === 'ffbebef5-2bc6-42ed-9e45-5913752d72c4')!;
    const facts = readRecord(visit).facts;
    expect(facts).toContainEqual({
      kind: 'period',
      label: 'When',
      start: '2011-05-27T09:51:38+00:00',
      end: '2011-05-27T10:06:38+00:00',
    });
    // A result's "When" is its date: said once, under Date.
    const lab = readRecord(record(GEOFFREY, '13764086-ef5a-4f62-90ad-a59ef7551aba')).facts;
    expect(lab.map((f) => f.label)).toEqual(['Date', 'Kind', 'Recorded', 'Codes']);
  });

  it('reads US Core records: an allergy’s reaction and severity, a stopped prescription, a report’s file', () => {
    expect(said(readRecord(record(US_CORE_355, '4518502e-6062-790a-8583-3c9cf2ee288b')).facts)).toMatchObject(
      {
        Severity: 'low',
        Reaction: 'skin rash',
        'Clinical status': 'inactive',
        Verification: 'confirmed',
        Codes: 'SNOMED CT 300916003',
      },
    );
    const prescription = said(readRecord(record(US_CORE_85, '3b2213dc-bab5-fe66-63c2-db1e83a75c1b')).facts);
    expect(prescription).toMatchObject({
      'How to take it': 'Take as needed.',
      Status: 'stopped',
      By: 'Dr. Willena258 Oberbrunner298',
      Codes: 'RxNorm 243670',
    });
    const report = record(US_CORE_85, 'acc9d16d-da9b-9dc9-fbb4-9e6f950b11e6');
    const { attachments } = readRecord(report);
    expect(attachments).toEqual([{ index: 0, title: 'Attached document', contentType: 'text/plain' }]);
    // Numbered as records.attachment takes them.
    expect(attachments).toHaveLength(attachmentsOfResource(report).length);
  });

  it('reads STU3 records: a lab against its range, a dosage, a date given as a year', () => {
    const lab = readRecord(record(SMART_2502813, 'smart-132-lab'));
    expect(said(lab.facts)).toMatchObject({ Date: '2010-08-09', 'Usual range': '4.2 to 5.4 ×10⁶/µL' });
    expect(lab.result).toEqual({
      flag: 'low',
      value: 3.67,
      low: 4.2,
      high: 5.4,
      unit: '×10⁶/µL',
      trendCode: '789-8',
    });
    expect(said(readRecord(record(SMART_2502813, 'smart-MedicationRequest-249')).facts)).toMatchObject({
      'How to take it': '1 daily',
      Codes: 'RxNorm 197379',
    });
    // "2000" stays a year: the detail does not invent January the first.
    expect(readRecord(record(SMART_2502813, 'smart-AllergyIntolerance-54')).facts[0]).toEqual({
      kind: 'date',
      label: 'Date',
      date: '2000',
    });
    const condition = recordsOf(IRMGARD_STU3).find(
      (r) => r.resourceType === 'Condition' && r.abatementDateTime,
    )!;
    expect(said(readRecord(condition).facts)).toMatchObject({
      Started: condition.onsetDateTime,
      Ended: condition.abatementDateTime,
    });
  });

  it('reads DSTU2 records, whose statuses are plain codes', () => {
    const condition = record(IRMGARD_DSTU2, '09c232c1-e9ab-42f5-beec-4bfdf414d254');
    expect(said(readRecord(condition).facts)).toMatchObject({
      'Clinical status': 'active',
      Verification: 'confirmed',
      Started: '2003-05-07T10:20:35+00:00',
      Codes: 'SNOMED CT 38341003',
    });
    const order = recordsOf(IRMGARD_DSTU2).find((r) => r.resourceType === 'MedicationOrder')!;
    expect(said(readRecord(order).facts)).toMatchObject({
      Date: order.dateWritten,
      Codes: expect.stringMatching(/^RxNorm \d+$/),
    });
  });

  it('reads records made from a C-CDA document: the document’s file, an allergy, a month-only date', () => {
    const { records } = readCcda('ccd.xml', readFileSync(`${fixtures}cda-documents/C-CDA_R2-1_CCD.xml`));
    const byType = (type: string) => records.find((r) => r.resourceType === type)!;
    const document = readRecord(byType('DocumentReference'));
    expect(document.attachments).toEqual([
      { index: 0, title: 'Patient Chart Summary', contentType: 'application/xml' },
    ]);
    expect(said(document.facts)).toMatchObject({ By: 'Good Health HIE', Codes: 'LOINC 34133-9' });
    expect(said(readRecord(byType('AllergyIntolerance')).facts)).toMatchObject({
      Date: '1998-05-01',
      Reaction: 'Nausea',
      Codes: 'RxNorm 70618',
    });
    expect(said(readRecord(byType('Immunization')).facts)).toMatchObject({
      Date: '1999-11',
      Codes: 'CVX 88',
    });
  });

  it('reads a SMART Health Card’s vaccination: who gave it and its lot', () => {
    const card = recordsOf(`${fixtures}shc/spec-examples/example-00-a-fhirBundle.json`);
    const dose = card.find((r) => r.resourceType === 'Immunization')!;
    expect(said(readRecord(dose).facts)).toEqual({
      Date: '2021-01-01',
      By: 'ABC General Hospital',
      'Lot number': '0000001',
      Codes: 'CVX 207',
    });
  });

  it('says an interpretation code in words, and a status only where it tells something', () => {
    const facts = said(
      readRecord({
        resourceType: 'Observation',
        status: 'final',
        valueQuantity: { value: 6.4, unit: '%' },
        referenceRange: [{ low: { value: 4, unit: '%' }, high: { value: 5.6, unit: '%' } }],
        interpretation: [{ coding: [{ code: 'H' }] }],
        performer: [{ display: 'Dr. Ada Example' }],
      }).facts,
    );
    expect(facts).toMatchObject({
      'Usual range': '4 to 5.6 %',
      Interpretation: 'High',
      By: 'Dr. Ada Example',
    });
    expect(Object.keys(facts)).not.toContain('Status');
    expect(said(readRecord({ resourceType: 'MedicationRequest', status: 'stopped' }).facts)).toEqual({
      Status: 'stopped',
    });
    expect(said(readRecord({ resourceType: 'Immunization', status: 'not-done' }).facts)).toEqual({
      Status: 'not given',
    });
  });

  it('gives the record as indented JSON text for "View FHIR JSON"', () => {
    const condition = record(IRMGARD_DSTU2, '09c232c1-e9ab-42f5-beec-4bfdf414d254');
    const { json } = readRecord(condition);
    expect(JSON.parse(json)).toEqual(condition);
    expect(json).toContain('\n  "resourceType": "Condition"');
  });

  it('leaves out what is not there or not of its type, and never throws', () => {
    for (const odd of [
      null,
      7,
      'x',
      [],
      { resourceType: 'Observation', code: [1], valueQuantity: { value: '7' } },
    ]) {
      expect(() => readRecord(odd)).not.toThrow();
    }
    expect(
      readRecord({ resourceType: 'Observation', note: 'not a list of notes', effectiveDateTime: 'soon' })
        .facts,
    ).toEqual([]);
  });
});

describe('a record’s detail, in the reader’s words', () => {
  it('says words as they are, dates without an invented time, and periods from and to', () => {
    expect(factWords({ kind: 'words', label: 'Status', words: 'stopped' })).toBe('stopped');
    expect(factWords({ kind: 'date', label: 'Date', date: '2000' })).toBe('2000');
    expect(factWords({ kind: 'date', label: 'Date', date: '2019-05-17' })).not.toMatch(/\d:\d\d/);
    const day = factWords({ kind: 'date', label: 'Date', date: '2019-05-17' });
    expect(factWords({ kind: 'period', label: 'When', start: '2019-05-17', end: '2019-05-18' })).toMatch(
      new RegExp(`^${day} to .+18`),
    );
    expect(factWords({ kind: 'period', label: 'When', start: null, end: '2019-05-17' })).toBe(`until ${day}`);
  });
});
