import { describe, expect, it } from 'vitest';
import { migrate } from '../../electron/core/vault/migrations/index.js';
import { vaultAtVersion } from '../support/vault-at-version.js';

const loinc = (code: string) => ({ coding: [{ system: 'http://loinc.org', code }] });
const low = {
  resourceType: 'Observation',
  id: 'o1',
  code: loinc('8480-6'),
  valueQuantity: { value: 80, unit: 'mm[Hg]' },
  interpretation: [
    { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'L' }] },
  ],
};
const aboveRange = {
  resourceType: 'Observation',
  id: 'o2',
  code: loinc('4548-4'),
  valueQuantity: { value: 6.4, unit: '%' },
  referenceRange: [{ low: { value: 4 }, high: { value: 5.6 } }],
};
const inRange = { ...aboveRange, id: 'o3', valueQuantity: { value: 5.2, unit: '%' } };
const allergy = {
  resourceType: 'AllergyIntolerance',
  id: 'a1',
  criticality: 'high',
  code: { text: 'Peanut' },
};

describe('migration 12: result flags', () => {
  it('reads which way each stored result is out from its JSON; other records and unreadable ones keep none', () => {
    const db = vaultAtVersion(10);

    const insert = db.prepare(`INSERT INTO resources (id, person_id, connection_id, resource_type, server_id,
      fhir_version, category, display, abnormal, content_hash, raw, first_seen_at, updated_at, source_key)
      VALUES (?, 1, 1, ?, ?, 'R4', ?, 'x', ?, 'h', ?, 'now', 'now', ?)`);
    const old: [number, Record<string, unknown>, string, number][] = [
      [1, low, 'vitals', 1],
      [2, aboveRange, 'labs', 1],
      [3, inRange, 'labs', 0],
      [4, allergy, 'allergies', 1],
    ];
    for (const [id, r, category, abnormal] of old) {
      insert.run(id, r.resourceType, r.id, category, abnormal, JSON.stringify(r), id);
    }
    insert.run(5, 'Observation', 'bad', 'labs', 0, 'not json', 5);

    migrate(db, 12);
    expect(db.pragma('user_version', { simple: true })).toBe(12);
    expect(db.prepare('SELECT id, flag, abnormal FROM resources ORDER BY id').all()).toEqual([
      { id: 1, flag: 'low', abnormal: 1 },
      { id: 2, flag: 'high', abnormal: 1 },
      { id: 3, flag: null, abnormal: 0 },
      { id: 4, flag: null, abnormal: 1 },
      { id: 5, flag: null, abnormal: 0 },
    ]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});
