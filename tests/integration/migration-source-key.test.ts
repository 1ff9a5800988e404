import Database from 'better-sqlite3-multiple-ciphers';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../electron/core/vault/migrations/index.js';
import { newDataKey } from '../../electron/core/vault/key-wrapping.js';
import { storeRecords } from '../../electron/core/vault/record-store.js';
import { sourceKey } from '../../electron/core/vault/source-key.js';
import { keyedDatabase } from '../support/keyed-database.js';
import { tempDir } from '../support/temp-dir.js';

const schemaOf = (db: Database.Database, type: 'index' | 'trigger') =>
  db
    .prepare(
      `SELECT name, sql FROM sqlite_master WHERE tbl_name = 'resources' AND type = ? AND sql IS NOT NULL ORDER BY name`,
    )
    .all(type);

describe('migration 6: records found at their source by a hash of type and id', () => {
  it('rebuilds the records table keeping ids, search, history, files, links, indexes and triggers', () => {
    const db = keyedDatabase(join(tempDir(), 'v6.db'), newDataKey());
    db.pragma('foreign_keys = ON');
    migrate(db, 5);
    const glucose = JSON.stringify({ resourceType: 'Observation', id: 'o1', code: { text: 'Glucose' } });
    const asthma = JSON.stringify({ resourceType: 'Condition', id: 'c1' });
    db.exec(`INSERT INTO persons (id, name, created_at) VALUES (1, 'Ada', 'now');
      INSERT INTO connections (id, person_id, kind, label, created_at) VALUES (1, 1, 'import', 'a', 'now'), (2, 1, 'import', 'b', 'now');
      INSERT INTO resources (id, person_id, connection_id, resource_type, server_id, fhir_version, category, sort_date,
        display, codes, value_num, value_unit, content_hash, raw, first_seen_at, updated_at, seen_pull, duplicate_of, version)
      VALUES (7, 1, 1, 'Observation', 'o1', 'R4', 'labs', '2024-03-01T00:00:00.000Z', 'Glucose', 'loinc|2345-7', 98, 'mg/dL', 'h1', '${glucose}', 'now', 'now', 3, NULL, 1),
        (9, 1, 2, 'Observation', 'o1', 'R4', 'labs', '2024-03-01T00:00:00.000Z', 'Glucose', 'loinc|2345-7', 98, 'mg/dL', 'h2', '{}', 'now', 'now', NULL, 7, 1),
        (12, 1, 1, 'Condition', 'c1', 'R4', 'conditions', '2020-01-01', 'Asthma', '', NULL, NULL, 'h3', '${asthma}', 'now', 'now', NULL, NULL, 2);
      INSERT INTO resources_fts (rowid, display, codes, value_text) SELECT id, display, codes, value_text FROM resources;
      INSERT INTO resource_history (resource_id, version, content_hash, raw, replaced_at) VALUES (12, 1, 'h0', '{}', 'then');
      INSERT INTO attachments (resource_id, url, content_type, data) VALUES (7, 'Binary/b', 'text/plain', x'6869');`);
    const before = db.prepare('SELECT * FROM resources ORDER BY id').all();
    const indexesBefore = schemaOf(db, 'index');
    const triggersBefore = schemaOf(db, 'trigger');
    expect(triggersBefore.length).toBeGreaterThanOrEqual(4);

    migrate(db, 6);
    expect(db.pragma('user_version', { simple: true })).toBe(6);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);

    // Every row as it was, with its key.
    const after = db.prepare('SELECT * FROM resources ORDER BY id').all() as Record<string, unknown>[];
    expect(after.map(({ source_key: _key, ...row }) => row)).toEqual(before);
    db.defaultSafeIntegers(true);
    const keys = db
      .prepare('SELECT resource_type, server_id, source_key FROM resources ORDER BY id')
      .raw()
      .all();
    db.defaultSafeIntegers(false);
    for (const [type, id, key] of keys as [string, string, bigint][]) expect(key).toBe(sourceKey(type, id));

    // The old unique index is gone, the new one is there, and the rest are made again as they were.
    const indexes = schemaOf(db, 'index') as { name: string }[];
    expect(indexes).toEqual(
      expect.arrayContaining([...indexesBefore, expect.objectContaining({ name: 'resources_source_key' })]),
    );
    expect(
      db
        .prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_autoindex_resources_1'`)
        .pluck()
        .get(),
    ).toBe(0);
    expect(schemaOf(db, 'trigger')).toEqual(triggersBefore);

    // Search, history, files and links still point at the same records.
    const hits = (q: string) =>
      db.prepare('SELECT rowid FROM resources_fts WHERE resources_fts MATCH ? ORDER BY rowid').pluck().all(q);
    expect(hits('glucose')).toEqual([7, 9]);
    db.exec(`UPDATE resources SET display = 'Reactive airway' WHERE id = 12`);
    expect([hits('asthma'), hits('airway')]).toEqual([[], [12]]);
    expect(db.prepare('SELECT resource_id FROM resource_history').pluck().all()).toEqual([12]);
    expect(db.prepare('SELECT resource_id FROM attachments').pluck().all()).toEqual([7]);
    // Deleting a record still takes its history and files, and hands its copies a new leader.
    db.exec('DELETE FROM resources WHERE id = 7');
    expect(db.prepare('SELECT count(*) FROM attachments').pluck().get()).toBe(0);
    expect(db.prepare('SELECT duplicate_of FROM resources WHERE id = 9').pluck().get()).toBeNull();

    // The same record stored again is found by its key: unchanged, not added (stored by today's
    // code, so through today's schema).
    migrate(db);
    const tally = storeRecords(db, 1, 1, [
      { resource: { resourceType: 'Condition', id: 'c1' }, raw: asthma, fhirVersion: 'R4' },
    ]);
    expect(tally).toEqual({ added: 0, updated: 0, unchanged: 1 });
    expect(db.prepare(`SELECT count(*) FROM resources WHERE server_id = 'c1'`).pluck().get()).toBe(1);
    // One record per key and connection, whoever writes it.
    expect(() =>
      db.exec(`INSERT INTO resources (person_id, connection_id, resource_type, server_id, source_key, fhir_version,
        category, display, content_hash, raw, first_seen_at, updated_at)
        SELECT person_id, connection_id, resource_type, server_id, source_key, fhir_version, category, display,
          content_hash, raw, first_seen_at, updated_at FROM resources WHERE id = 12`),
    ).toThrow(/UNIQUE/);
    db.close();
  });
});
