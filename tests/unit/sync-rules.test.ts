import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  DEFAULT_RETRY_POLICY,
  isTransientStatus,
  retryAfterMs,
} from '../../electron/core/sync/retry-policy.js';
import { patientSearches, searchAddress } from '../../electron/core/sync/pull-plan.js';
import { referenceTarget } from '../../electron/core/sync/referenced-records.js';
import { whatIsNew } from '../../electron/core/sync/what-is-new.js';
import { aboutPatient } from '../../electron/core/sync/page-rules.js';

describe('Retry-After', () => {
  const now = Date.parse('2026-11-21T12:00:00Z');
  it('reads delay-seconds and HTTP dates; a past date means now; anything else is unknown', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Sat, 21 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Sat, 21 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs('-5', now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });
});

describe('backoff', () => {
  it('doubles its ceiling each try up to the bound, with full jitter', () => {
    const top = () => 0.999_999;
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => backoffMs(a, DEFAULT_RETRY_POLICY, top))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
    expect(backoffMs(3, DEFAULT_RETRY_POLICY, () => 0)).toBe(0);
    const spread = new Set(Array.from({ length: 50 }, () => backoffMs(4, DEFAULT_RETRY_POLICY)));
    expect(spread.size).toBeGreaterThan(10);
  });
  it('retries what a busy or briefly broken server answers, not a refusal', () => {
    expect([408, 429, 500, 502, 503, 504].every(isTransientStatus)).toBe(true);
    expect([400, 401, 403, 404, 410, 422].some(isTransientStatus)).toBe(false);
  });
});

describe('what each version is asked for', () => {
  it('asks DSTU2 for MedicationOrder, later versions for MedicationRequest and CareTeam', () => {
    const types = (v: 'R4' | 'STU3' | 'DSTU2') => patientSearches(v).map((s) => s.resourceType);
    expect(types('DSTU2')).toContain('MedicationOrder');
    expect(types('DSTU2')).not.toContain('MedicationRequest');
    expect(types('DSTU2')).not.toContain('CareTeam');
    for (const v of ['R4', 'STU3'] as const) {
      expect(types(v)).toEqual(expect.arrayContaining(['MedicationRequest', 'CareTeam', 'Coverage']));
      expect(new Set(types(v)).size).toBe(types(v).length);
    }
    const coverage = patientSearches('R4').find((s) => s.resourceType === 'Coverage')!;
    expect(searchAddress(coverage, 'p 1', 50)).toBe('Coverage?beneficiary=p+1&_count=50');
  });
  it('follows only references to who, where and which drug on the same server', () => {
    const base = 'https://ehr.example/fhir/';
    expect(referenceTarget('Practitioner/12', base)).toBe('Practitioner/12');
    expect(referenceTarget(`${base}Organization/o-1/_history/3`, base)).toBe('Organization/o-1');
    expect(referenceTarget('https://elsewhere.example/fhir/Practitioner/12', base)).toBeNull();
    expect(referenceTarget('#med1', base)).toBeNull();
    expect(referenceTarget('Patient/1', base)).toBeNull();
    expect(referenceTarget('Practitioner?identifier=x|1', base)).toBeNull();
  });
});

describe('what is new, in a sentence', () => {
  it('names the two largest kinds and counts the rest, never who or where', () => {
    expect(whatIsNew({ labs: 3 }, 'Example Hospital')).toBe('3 new lab results from Example Hospital');
    expect(whatIsNew({ labs: 1 }, 'Clinic')).toBe('1 new lab result from Clinic');
    expect(whatIsNew({ labs: 3, conditions: 2, medications: 1, visits: 4 }, 'X')).toBe(
      '4 new visits, 3 new lab results and 3 other new records from X',
    );
    expect(whatIsNew({ administrative: 7 }, 'X')).toBeNull();
    expect(whatIsNew({}, 'X')).toBeNull();
    expect(whatIsNew({ vitals: 1200 }, 'X')).toBe('1,200 new vital signs from X');
  });
});

describe('records about another patient', () => {
  it('are recognised by subject, patient or beneficiary; records naming no patient are kept', () => {
    const mine = '6daf3d7c-1620';
    expect(
      aboutPatient({ resourceType: 'Observation', subject: { reference: `Patient/${mine}` } }, mine),
    ).toBe(true);
    expect(
      aboutPatient(
        { resourceType: 'Observation', subject: { reference: `https://ehr.example/fhir/Patient/${mine}` } },
        mine,
      ),
    ).toBe(true);
    expect(
      aboutPatient({ resourceType: 'Observation', subject: { reference: 'Patient/someone-else' } }, mine),
    ).toBe(false);
    expect(
      aboutPatient({ resourceType: 'AllergyIntolerance', patient: { reference: 'Patient/x' } }, mine),
    ).toBe(false);
    expect(
      aboutPatient({ resourceType: 'Coverage', beneficiary: { reference: 'Patient/x/_history/2' } }, mine),
    ).toBe(false);
    expect(aboutPatient({ resourceType: 'Observation', subject: { reference: 'Group/1' } }, mine)).toBe(true);
    expect(aboutPatient({ resourceType: 'Device' }, mine)).toBe(true);
  });
});
