import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../electron/core/sync/capabilities.js';
import {
  declinesSearch,
  nextPage,
  readPage,
  refusalOf,
  sinceFrom,
  typeNotes,
} from '../../electron/core/sync/page-rules.js';
import { refusalResting } from '../../electron/core/sync/sync-run.js';

/** The sync's rules, one by one, as the pure functions the pipeline calls (connection-sync.ts). */
const BASE = 'https://ehr.example/fhir/';
const search = { type: 'Observation', patientId: 'p1', fhirBase: BASE, version: 'R4' as const };

describe('a page of search results', () => {
  const page = {
    resourceType: 'Bundle',
    link: [{ relation: 'next', url: 'Observation?page=2' }],
    entry: [
      { resource: { resourceType: 'Observation', id: 'o1', subject: { reference: 'Patient/p1' } } },
      { resource: { resourceType: 'Observation', id: 'o2', subject: { reference: 'Patient/someone-else' } } },
      { resource: { resourceType: 'Observation', id: 'bad id!' } },
      { resource: { resourceType: 'Observation' } },
      { notAResource: true },
      { resource: { resourceType: 'Patient', id: 'p1' }, search: { mode: 'include' } },
      {
        resource: {
          resourceType: 'OperationOutcome',
          issue: [
            { severity: 'warning', code: 'processing', details: { text: 'Some results were  withheld.' } },
            { severity: 'information', code: 'informational', diagnostics: 'fine' },
          ],
        },
        search: { mode: 'outcome' },
      },
      {
        resource: {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'warning', code: 'processing', details: { coding: [{ code: '4101' }] } }],
        },
        search: { mode: 'outcome' },
      },
    ],
  };

  it('keeps this patient’s records of the type asked for, as the server wrote them', () => {
    const text = JSON.stringify(page, null, 1);
    const warnings = new Set<string>();
    const reading = readPage(page, text, search, warnings);
    expect(reading.records.map((r) => r.resource.id)).toEqual(['o1']);
    // The raw text is the entry's own, not a re-serialisation.
    expect(reading.records[0]!.raw).toContain('\n');
    expect(JSON.parse(reading.records[0]!.raw!)).toEqual(page.entry[0]!.resource);
    expect(reading.otherPatient).toBe(1);
    expect(reading.invalid).toBe(3);
    // Notes are warnings in the server's words, never records; Epic's "no results" is left out.
    expect([...warnings]).toEqual(['Some results were withheld.']);
    expect(reading.next).toEqual({ kind: 'next', url: `${BASE}Observation?page=2` });
  });

  it('lists the documents whose files are to be fetched', () => {
    const documents = readPage(
      {
        resourceType: 'Bundle',
        entry: [
          {
            resource: {
              resourceType: 'DocumentReference',
              id: 'd1',
              content: [{ attachment: { url: 'Binary/b1', contentType: 'application/pdf' } }],
            },
          },
          { resource: { resourceType: 'DocumentReference', id: 'd2', content: [] } },
        ],
      },
      '',
      { ...search, type: 'DocumentReference' },
      new Set(),
    );
    expect(documents.documents).toEqual(['DocumentReference/d1']);
    expect(documents.next).toEqual({ kind: 'last' });
  });
});

describe('the next page', () => {
  const next = (url: unknown) => nextPage({ link: [{ relation: 'next', url }] }, BASE);
  it('is asked for only on the FHIR base’s own origin, where the token may go', () => {
    expect(next('https://ehr.example/fhir/Observation?_getpages=x')).toEqual({
      kind: 'next',
      url: 'https://ehr.example/fhir/Observation?_getpages=x',
    });
    expect(next('?page=3')).toEqual({ kind: 'next', url: 'https://ehr.example/fhir/?page=3' });
    expect(next('https://elsewhere.example/fhir/Observation?page=2')).toEqual({ kind: 'foreign' });
    expect(next('http://ehr.example/fhir/Observation?page=2')).toEqual({ kind: 'foreign' });
    expect(next('https://ehr.example:8443/fhir/Observation')).toEqual({ kind: 'foreign' });
    expect(next('http://[bad')).toEqual({ kind: 'foreign' });
    expect(next('')).toEqual({ kind: 'last' });
    expect(next(42)).toEqual({ kind: 'last' });
    expect(nextPage({}, BASE)).toEqual({ kind: 'last' });
  });
});

describe('refusals', () => {
  it('tells a search the server declines from a failure, and a kind not shared from a narrower search', () => {
    expect([400, 403, 404, 422].every(declinesSearch)).toBe(true);
    expect([401, 429, 500, 503, '404', undefined].some(declinesSearch)).toBe(false);
    expect(refusalOf(403)).toBe('forbidden');
    expect(refusalOf(404)).toBe('not-found');
    expect(refusalOf(400)).toBeNull();
  });

  it('rests a refusal for a week under the same scopes; a new sign-in or the grant itself asks again', () => {
    const at = '2026-11-01T00:00:00.000Z';
    const now = Date.parse(at);
    const day = 24 * 3600_000;
    const refused = { refused: 'forbidden', at, scope: 'patient/*.read' };
    expect(refusalResting(refused, 'patient/*.read', now + 6 * day)).toBe(true);
    expect(refusalResting(refused, 'patient/*.read', now + 8 * day)).toBe(false);
    expect(refusalResting(refused, 'patient/*.read launch', now + day)).toBe(false);
    expect(refusalResting({ ...refused, refused: 'not-granted' }, 'patient/*.read', now)).toBe(false);
    expect(refusalResting(null, 'patient/*.read', now)).toBe(false);
  });
});

describe('where the next incremental pull asks from', () => {
  it('is the server’s own time less five minutes, or ours when it gives none', () => {
    expect(sinceFrom({ meta: { lastUpdated: '2026-11-01T12:00:00Z' } }, null)).toBe(
      '2026-11-01T11:55:00.000Z',
    );
    expect(sinceFrom({}, 'Sun, 01 Nov 2026 12:00:00 GMT')).toBe('2026-11-01T11:55:00.000Z');
    expect(sinceFrom({ meta: { lastUpdated: 'yesterday' } }, null, Date.parse('2026-11-01T12:00:00Z'))).toBe(
      '2026-11-01T11:55:00.000Z',
    );
  });
});

describe('a type’s line in the sync log', () => {
  it('says what was left out and what the server noted, or nothing', () => {
    expect(typeNotes({ problems: 0, otherPatient: 0, warnings: new Set() })).toBeNull();
    expect(typeNotes({ problems: 1, otherPatient: 2, warnings: new Set(['Partial results.']) })).toBe(
      '1 record was not valid FHIR and was skipped. 2 records were about another patient and were not stored. The server noted: Partial results.',
    );
  });
});

describe('what a server offers', () => {
  const fallback = { version: 'STU3' as const, types: null };
  it('reads the CapabilityStatement’s types, and where _lastUpdated works', () => {
    const capabilities = capabilitiesOf(
      {
        resourceType: 'CapabilityStatement',
        fhirVersion: '4.0.1',
        rest: [
          {
            mode: 'server',
            resource: [
              { type: 'Observation', searchParam: [{ name: '_lastUpdated' }] },
              { type: 'Condition', searchParam: [{ name: 'patient' }] },
            ],
          },
        ],
      },
      fallback,
    );
    expect(capabilities.version).toBe('R4');
    expect([...capabilities.types!]).toEqual([
      ['Observation', { lastUpdated: true }],
      ['Condition', { lastUpdated: false }],
    ]);
  });
  it('falls back to trying every type when the answer is not a CapabilityStatement', () => {
    expect(capabilitiesOf({ resourceType: 'Bundle' }, fallback)).toBe(fallback);
    expect(capabilitiesOf('<html>', fallback)).toBe(fallback);
    expect(capabilitiesOf({ resourceType: 'Conformance', fhirVersion: '1.0.2', rest: [] }, fallback)).toEqual(
      {
        version: 'DSTU2',
        types: null,
      },
    );
  });
});
