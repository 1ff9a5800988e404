import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newDataKey } from '../../electron/core/vault/key-wrapping.js';
import { migrate } from '../../electron/core/vault/migrations/index.js';
import { keyedDatabase } from '../support/keyed-database.js';
import { tempDir } from '../support/temp-dir.js';

describe('migration 4: sync cursors, pulls and schedule', () => {
  it('adds the resume cursors, the pull mark, the run link and the schedule, keeping connections, records and log', () => {
    const db = keyedDatabase(join(tempDir(), 'v4.db'), newDataKey());
    migrate(db, 3);
    db.exec(`INSERT INTO persons (id, name, created_at) VALUES (1, 'Ada', 'now');
      INSERT INTO connections (id, person_id, kind, label, created_at) VALUES (1, 1, 'smart', 'Example Hospital', 'now');
      INSERT INTO resources (id, person_id, connection_id, resource_type, server_id, fhir_version, category, sort_date,
        display, codes, content_hash, raw, first_seen_at, updated_at)
      VALUES (1, 1, 1, 'Condition', 'c1', 'R4', 'conditions', '2024-03-01T00:00:00.000Z', 'Asthma', '', 'h', '{}', 'now', 'now');
      INSERT INTO resources_fts (rowid, display, codes, value_text) SELECT id, display, codes, value_text FROM resources;
      INSERT INTO sync_log (id, connection_id, started_at, outcome) VALUES (1, 1, 'then', 'ok')`);

    migrate(db, 4);
    expect(db.pragma('user_version', { simple: true })).toBe(4);
    // What was there is untouched; the new columns start empty (the default schedule, no pull yet).
    expect(db.prepare('SELECT sync_interval_minutes FROM connections').pluck().get()).toBeNull();
    expect(db.prepare('SELECT display, seen_pull FROM resources').get()).toEqual({
      display: 'Asthma',
      seen_pull: null,
    });
    expect(db.prepare('SELECT outcome, run_id FROM sync_log').get()).toEqual({ outcome: 'ok', run_id: null });

    // A type's place in a pull, one row per connection and type, with only the two modes a pull has.
    db.exec(`INSERT INTO sync_types (connection_id, resource_type, pull_id, mode, next_url)
      VALUES (1, 'Observation', 7, 'full', 'https://ehr.example/fhir/Observation?page=2')`);
    expect(() =>
      db.exec(
        `INSERT INTO sync_types (connection_id, resource_type, mode) VALUES (1, 'Observation', 'full')`,
      ),
    ).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() =>
      db.exec(
        `INSERT INTO sync_types (connection_id, resource_type, mode) VALUES (1, 'Condition', 'partial')`,
      ),
    ).toThrow(/CHECK constraint/);
    expect(db.prepare('SELECT pages, records FROM sync_types').get()).toEqual({ pages: 0, records: 0 });

    // A type's line in the log belongs to its run's line, and goes with it.
    db.exec(`INSERT INTO sync_log (id, connection_id, started_at, outcome, resource_type, run_id)
      VALUES (2, 1, 'then', 'ok', 'Observation', 1)`);
    db.exec('DELETE FROM sync_log WHERE id = 1');
    expect(db.prepare('SELECT count(*) FROM sync_log').pluck().get()).toBe(0);

    // Removing the connection takes its cursors with it.
    db.exec('DELETE FROM connections WHERE id = 1');
    expect(db.prepare('SELECT count(*) FROM sync_types').pluck().get()).toBe(0);
    db.close();
  });
});
