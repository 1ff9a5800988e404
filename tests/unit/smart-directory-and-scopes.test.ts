import { describe, expect, it } from 'vitest';
import { isVaultError } from '../../electron/core/errors.js';
import { checkedAddress, normalFhirBase } from '../../electron/core/smart/addresses.js';
import { registrationFor, vendorOf } from '../../electron/core/smart/client-registration.js';
import { searchInstitutions } from '../../electron/core/smart/directory/institution-directory.js';
import { patientScopes } from '../../electron/core/smart/discovery.js';
import { compareIdentity, patientIdentity } from '../../electron/core/smart/patient-match.js';

describe('the institution directory', () => {
  it('finds institutions by words of name and place, in any order, ignoring case', () => {
    const found = searchInstitutions('health uw', 50);
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((i) => i.fhirBase.startsWith('https://'))).toBe(true);
    expect(searchInstitutions('smart sandbox')[0]).toMatchObject({ vendor: 'smart-sandbox' });
    expect(searchInstitutions('   ')).toEqual([]);
  });
});

describe('SMART scopes', () => {
  it('asks in v2 form where the server speaks v2, else v1', () => {
    expect(patientScopes({ scopesSupported: ['patient/*.rs'], capabilities: [] })).toBe(
      'launch/patient openid fhirUser offline_access patient/*.rs',
    );
    expect(patientScopes({ scopesSupported: ['patient/*.read'], capabilities: [] })).toBe(
      'launch/patient openid fhirUser offline_access patient/*.read',
    );
    expect(patientScopes({ scopesSupported: [], capabilities: ['permission-v2'] })).toMatch(
      /patient\/\*\.rs$/,
    );
  });
});

describe('addresses', () => {
  it('accepts https anywhere and http only on loopback', () => {
    expect(normalFhirBase('https://fhir.example.org/r4')).toBe('https://fhir.example.org/r4/');
    expect(checkedAddress('http://127.0.0.1:8080/fhir').port).toBe('8080');
    for (const bad of [
      'http://fhir.example.org/',
      'https://user:pw@fhir.example.org/',
      'file:///etc/passwd',
    ]) {
      expect(() => checkedAddress(bad)).toSatisfy(() => {
        try {
          checkedAddress(bad);
          return false;
        } catch (e) {
          return isVaultError(e, 'insecure-address');
        }
      });
    }
  });
});

describe('client registrations', () => {
  it('prefer an endpoint’s own id, then its vendor’s', () => {
    const registry = {
      vendors: { epic: { clientId: 'epic-id', auth: 'public' as const } },
      endpoints: {
        'https://fhir.hospital.org/r4/': { clientId: 'own-id', auth: 'private_key_jwt' as const },
      },
    };
    expect(vendorOf('https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4/')).toBe('epic');
    expect(vendorOf('https://fhir-myrecord.cerner.com/r4/abc/')).toBe('oracle-health');
    expect(registrationFor(registry, 'https://fhir.hospital.org/r4', 'epic')?.clientId).toBe('own-id');
    expect(registrationFor(registry, 'https://other.org/r4', 'epic')?.clientId).toBe('epic-id');
    expect(registrationFor(registry, 'https://other.org/r4', 'other')).toBeNull();
  });
});

describe('who signed in', () => {
  it('compares name and birth date with the chosen person', () => {
    const who = patientIdentity({
      name: [{ use: 'official', given: ['Geoffrey'], family: 'Abbott' }],
      birthDate: '1992-07-03',
    });
    expect(who).toEqual({ name: 'Geoffrey Abbott', birthDate: '1992-07-03' });
    expect(compareIdentity({ id: 1, name: 'geoffrey abbott', birthDate: '1992-07-03' }, who).matches).toBe(
      true,
    );
    expect(compareIdentity({ id: 1, name: 'Geoffrey', birthDate: null }, who)).toMatchObject({
      birthDate: 'unknown',
      matches: true,
    });
    expect(compareIdentity({ id: 2, name: 'Sam Abbott', birthDate: '2015-02-01' }, who)).toMatchObject({
      name: 'different',
      birthDate: 'different',
      matches: false,
    });
  });
});
