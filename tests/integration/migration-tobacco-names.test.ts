import { describe, expect, it } from 'vitest';
import { migrate } from '../../electron/core/vault/migrations/index.js';
import { vaultAtVersion } from '../support/vault-at-version.js';

// As HL7's example Discharge Summary sends a smoking status (C-CDA R2.1 Smoking Status Observation,
// code 72166-2 with no displayName), once made FHIR R4 by the C-CDA import.
const smoking = {
  resourceType: 'Observation',
  id: 's1',
  status: 'final',
  category: [
    {
      coding: [
        { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'social-history' },
      ],
    },
  ],
  code: { coding: [{ system: 'http://loinc.org', code: '72166-2' }] },
  effectiveDateTime: '2014-09-10',
  valueCodeableConcept: {
    coding: [{ system: 'http://snomed.info/sct', code: '266919005', display: 'Never smoked tobacco' }],
  },
};
const alcohol = {
  resourceType: 'Observation',
  id: 's2',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '74013-4' }], text: 'Alcoholic drinks per day' },
  valueQuantity: { value: 1 },
};

describe('migration 14: smoking status and tobacco use titled in words', () => {
  it('titles again the records stored under their bare code, and the search finds the words', () => {
    const db = vaultAtVersion(13, [{ kind: 'import', label: 'Clinic' }]);

    const insert = db.prepare(`INSERT INTO resources (id, person_id, connection_id, resource_type, server_id,
      fhir_version, category, display, content_hash, raw, first_seen_at, updated_at, source_key)
      VALUES (?, 1, 1, 'Observation', ?, 'R4', 'social-history', ?, 'h', ?, 'now', 'now', ?)`);
    const index = db.prepare(
      'INSERT INTO resources_fts (rowid, display, codes, value_text) VALUES (?, ?, ?, ?)',
    );
    // As the app stored them before: the code as the title where the source gave no name.
    for (const [id, r, display] of [
      [1, smoking, '72166-2'],
      [2, alcohol, 'Alcoholic drinks per day'],
    ] as const) {
      insert.run(id, r.id, display, JSON.stringify(r), id);
      index.run(id, display, '', null);
    }

    migrate(db, 14);
    expect(db.pragma('user_version', { simple: true })).toBe(14);
    expect(db.prepare('SELECT id, display FROM resources ORDER BY id').all()).toEqual([
      { id: 1, display: 'Tobacco smoking status' },
      { id: 2, display: 'Alcoholic drinks per day' },
    ]);
    const found = db
      .prepare("SELECT rowid FROM resources_fts WHERE resources_fts MATCH 'smoking'")
      .pluck()
      .all();
    expect(found).toEqual([1]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});
