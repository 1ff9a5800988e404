import { describe, expect, it } from 'vitest';
import { migrate } from '../../electron/core/vault/migrations/index.js';
import { vaultAtVersion } from '../support/vault-at-version.js';

const creatinine = {
  resourceType: 'Observation',
  id: 'o1',
  status: 'final',
  code: {
    coding: [{ system: 'http://loinc.org', code: '2160-0', display: 'Creat SerPl-mCnc' }],
    text: 'Creat SerPl-mCnc',
  },
  valueQuantity: { value: 1.25, unit: 'mg/dL' },
};
const saturation = {
  resourceType: 'Observation',
  id: 'o2',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '2710-2' }], text: 'oxygen_saturation' },
  valueQuantity: { value: 96, unit: '%{HemoglobinSaturation}' },
};
const heartFailure = {
  resourceType: 'Condition',
  id: 'c1',
  code: { text: 'Chronic congestive heart failure (disorder)' },
};
const plain = { resourceType: 'Condition', id: 'c2', code: { text: 'Asthma' } };

describe('migration 10: plain titles and units', () => {
  it('reads each stored record’s title and unit again, and the search finds the new words', () => {
    const db = vaultAtVersion(7);

    const insert = db.prepare(`INSERT INTO resources (id, person_id, connection_id, resource_type, server_id,
      fhir_version, category, display, value_text, value_unit, content_hash, raw, first_seen_at, updated_at, source_key)
      VALUES (?, 1, 1, ?, ?, 'R4', ?, ?, ?, ?, 'h', ?, 'now', 'now', ?)`);
    const index = db.prepare(
      'INSERT INTO resources_fts (rowid, display, codes, value_text) VALUES (?, ?, ?, ?)',
    );
    // As the app stored them before: the source's labels as they came.
    const old: [number, Record<string, unknown>, string, string, string | null, string | null][] = [
      [1, creatinine, 'labs', 'Creat SerPl-mCnc', '1.25 mg/dL', 'mg/dL'],
      [2, saturation, 'vitals', 'oxygen_saturation', '96 %{HemoglobinSaturation}', '%{HemoglobinSaturation}'],
      [3, heartFailure, 'conditions', 'Chronic congestive heart failure (disorder)', null, null],
      [4, plain, 'conditions', 'Asthma', null, null],
    ];
    for (const [id, r, category, display, text, unit] of old) {
      insert.run(id, r.resourceType, r.id, category, display, text, unit, JSON.stringify(r), id);
      index.run(id, display, '', text);
    }
    db.exec(
      "INSERT INTO resources (id, person_id, connection_id, resource_type, server_id, fhir_version, category, display, content_hash, raw, first_seen_at, updated_at, source_key) VALUES (5, 1, 1, 'Basic', 'b', 'R4', 'other', 'Unreadable', 'h', 'not json', 'now', 'now', 5)",
    );

    migrate(db, 10);
    expect(db.pragma('user_version', { simple: true })).toBe(10);
    expect(db.prepare('SELECT id, display, value_text, value_unit FROM resources ORDER BY id').all()).toEqual(
      [
        { id: 1, display: 'Creatinine (serum or plasma)', value_text: '1.25 mg/dL', value_unit: 'mg/dL' },
        { id: 2, display: 'Oxygen saturation', value_text: '96 %', value_unit: '%' },
        { id: 3, display: 'Chronic congestive heart failure', value_text: null, value_unit: null },
        { id: 4, display: 'Asthma', value_text: null, value_unit: null },
        // A record that cannot be read again keeps what it had.
        { id: 5, display: 'Unreadable', value_text: null, value_unit: null },
      ],
    );
    const found = db
      .prepare("SELECT rowid FROM resources_fts WHERE resources_fts MATCH 'creatinine'")
      .pluck()
      .all();
    expect(found).toEqual([1]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});
