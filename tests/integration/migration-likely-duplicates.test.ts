import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../electron/core/vault/migrations/index.js';
import { newDataKey } from '../../electron/core/vault/key-wrapping.js';
import { keyedDatabase } from '../support/keyed-database.js';
import { tempDir } from '../support/temp-dir.js';

describe('migration 5: likely duplicates', () => {
  it('adds the link column, its two small indexes, the recheck queue and its triggers, keeping every record', () => {
    const db = keyedDatabase(join(tempDir(), 'v5.db'), newDataKey());
    migrate(db, 4);
    db.exec(`INSERT INTO persons (id, name, created_at) VALUES (1, 'Ada', 'now');
      INSERT INTO connections (id, person_id, kind, label, created_at) VALUES (1, 1, 'import', 'a', 'now'), (2, 1, 'import', 'b', 'now'), (3, 1, 'import', 'c', 'now');
      INSERT INTO resources (id, person_id, connection_id, resource_type, server_id, fhir_version, category, sort_date,
        display, codes, value_num, value_unit, content_hash, raw, first_seen_at, updated_at)
      VALUES (1, 1, 1, 'Observation', 'o', 'R4', 'labs', '2024-03-01T00:00:00.000Z', 'Glucose', 'loinc|2345-7', 98, 'mg/dL', 'h', '{}', 'now', 'now'),
        (2, 1, 2, 'Observation', 'o', 'R4', 'labs', '2024-03-01T00:00:00.000Z', 'Glucose', 'loinc|2345-7', 98, 'mg/dL', 'h', '{}', 'now', 'now'),
        (3, 1, 3, 'Observation', 'o', 'R4', 'labs', '2024-03-01T00:00:00.000Z', 'Glucose', 'loinc|2345-7', 98, 'mg/dL', 'h', '{}', 'now', 'now');
      INSERT INTO resources_fts (rowid, display, codes, value_text) SELECT id, display, codes, value_text FROM resources`);
    migrate(db, 5);
    expect(db.pragma('user_version', { simple: true })).toBe(5);
    expect(db.prepare('SELECT count(*) FROM resources WHERE duplicate_of IS NULL').pluck().get()).toBe(3);
    const indexes = db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'resources'`)
      .pluck()
      .all();
    expect(indexes).toEqual(
      expect.arrayContaining(['resources_duplicate_of', 'resources_hidden_duplicates']),
    );
    const rechecks = () =>
      db.prepare('SELECT resource_id FROM likely_duplicate_rechecks ORDER BY 1').pluck().all();

    // A change of value queues the record for another look; a change of anything else does not.
    db.exec(`UPDATE resources SET status = 'amended', abnormal = 1 WHERE id = 1`);
    expect(rechecks()).toEqual([]);
    db.exec(`UPDATE resources SET value_num = 99 WHERE id = 1`);
    expect(rechecks()).toEqual([1]);
    db.exec(`UPDATE resources SET value_num = 98 WHERE id = 1`);
    expect(rechecks()).toEqual([1]);

    // A removed leader hands the group to its earliest remaining copy.
    db.exec(`UPDATE resources SET duplicate_of = 1 WHERE id IN (2, 3)`);
    expect(rechecks()).toEqual([1]);
    db.exec(`DELETE FROM resources WHERE id = 1`);
    expect(db.prepare('SELECT id, duplicate_of FROM resources ORDER BY id').raw().all()).toEqual([
      [2, null],
      [3, 2],
    ]);
    db.close();
  });
});
