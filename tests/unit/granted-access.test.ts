import { describe, expect, it } from 'vitest';
import { grantedAccess } from '../../electron/core/sync/granted-access.js';

describe('what a sign-in granted, from the token response’s scope', () => {
  it('everything when the server did not name its scopes (RFC 6749 §5.1)', () => {
    for (const response of [{}, { scope: '' }, null]) {
      const access = grantedAccess(response);
      expect([access.allows('Observation'), access.reads('Binary'), access.offline]).toEqual([
        true,
        true,
        true,
      ]);
    }
  });

  it('SMART v1: wildcards and per-type read, no lasting access without offline_access', () => {
    const access = grantedAccess({
      scope: 'launch/patient openid fhirUser patient/Observation.read patient/Patient.read',
    });
    expect(access.allows('Observation')).toBe(true);
    expect(access.allows('Patient')).toBe(true);
    expect(access.allows('Condition')).toBe(false);
    expect(access.offline).toBe(false);
    expect(grantedAccess({ scope: 'offline_access patient/*.read' }).allows('Condition')).toBe(true);
    expect(grantedAccess({ scope: 'user/*.*' }).reads('Binary')).toBe(true);
  });

  it('SMART v2: search needs s, a read r; categories narrow a type', () => {
    const access = grantedAccess({
      scope:
        'patient/Patient.r patient/Condition.rs patient/Binary.r patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory patient/Observation.rs?category=vital-signs patient/Goal.rs?code=x',
    });
    expect(access.allows('Patient')).toBe(true);
    expect(access.allows('Binary')).toBe(false);
    expect(access.reads('Binary')).toBe(true);
    expect(access.allows('Condition')).toBe(true);
    expect(access.categoriesOf('Condition')).toBeNull();
    expect(access.allows('Observation')).toBe(true);
    expect(access.categoriesOf('Observation')).toEqual(['laboratory', 'vital-signs']);
    // A restriction sync cannot ask within is not taken for a grant.
    expect(access.allows('Goal')).toBe(false);
    expect(grantedAccess({ scope: 'patient/Observation.c' }).allows('Observation')).toBe(false);
  });
});
