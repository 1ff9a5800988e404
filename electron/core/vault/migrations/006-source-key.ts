import { sourceKey } from '../source-key.js';
import type { Migration } from './index.js';

/**
 * A record is found at its source by a 64-bit hash of its type and id (`source_key`, unique per
 * connection) instead of by UNIQUE (connection_id, resource_type, server_id).
 *
 * Why: that index's keys hold the whole server id (a UUID, often), arrive in random order and grow
 * with the vault; at a million records an import batch rewrote most of its ~16,000 pages, each
 * written twice through the cipher. The hash index is about a third of the size (measured with
 * bench/: ingest at 1M went from ~14.7k to ~17.5k records/s). Lookups compare type and id as well,
 * so a collision could only make a record unstorable, never confuse two: at 2^64 it is not expected
 * in any vault.
 *
 * SQLite cannot drop a table's UNIQUE constraint, so the table is rebuilt (its ids, and with them
 * the full-text index, history, attachments and duplicate links, stay as they are) and its indexes
 * and triggers are made again from the SQL that made them.
 */
export const sourceKeys: Migration = {
  version: 6,
  name: 'records found at their source by a hash of type and id',
  foreignKeysOff: true,
  up(db) {
    db.function('phr_source_key', { deterministic: true }, (type: unknown, id: unknown) =>
      sourceKey(String(type), String(id)),
    );
    // The indexes and triggers earlier migrations made, to make again on the rebuilt table as they were.
    const kept = db
      .prepare(
        `SELECT sql FROM sqlite_master WHERE tbl_name = 'resources' AND type IN ('index', 'trigger') AND sql IS NOT NULL`,
      )
      .pluck()
      .all() as string[];
    db.exec(`
      CREATE TABLE resources_rebuilt (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
        connection_id INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        resource_type TEXT NOT NULL,
        server_id TEXT NOT NULL,
        fhir_version TEXT NOT NULL,
        category TEXT NOT NULL,
        sort_date TEXT NOT NULL DEFAULT '',
        display TEXT NOT NULL,
        codes TEXT NOT NULL DEFAULT '',
        value_text TEXT,
        value_num REAL,
        value_unit TEXT,
        abnormal INTEGER NOT NULL DEFAULT 0,
        status TEXT,
        version INTEGER NOT NULL DEFAULT 1,
        content_hash TEXT NOT NULL,
        raw TEXT NOT NULL,
        -- 'gone' when a full pull no longer returns it: kept, never deleted behind the user's back.
        source_state TEXT NOT NULL DEFAULT 'present' CHECK (source_state IN ('present', 'gone')),
        first_seen_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        seen_pull INTEGER,
        duplicate_of INTEGER,
        source_key INTEGER NOT NULL
      );
      INSERT INTO resources_rebuilt (id, person_id, connection_id, resource_type, server_id, fhir_version,
        category, sort_date, display, codes, value_text, value_num, value_unit, abnormal, status, version,
        content_hash, raw, source_state, first_seen_at, updated_at, seen_pull, duplicate_of, source_key)
      SELECT id, person_id, connection_id, resource_type, server_id, fhir_version,
        category, sort_date, display, codes, value_text, value_num, value_unit, abnormal, status, version,
        content_hash, raw, source_state, first_seen_at, updated_at, seen_pull, duplicate_of,
        phr_source_key(resource_type, server_id)
      FROM resources;
      DROP TABLE resources;
      ALTER TABLE resources_rebuilt RENAME TO resources;
      CREATE UNIQUE INDEX resources_source_key ON resources(connection_id, source_key);
    `);
    for (const sql of kept) db.exec(sql);
  },
};
