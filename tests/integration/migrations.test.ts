import Database from 'better-sqlite3-multiple-ciphers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isVaultError } from '../../electron/core/errors.js';
import { openVaultDatabase } from '../../electron/core/vault/database.js';
import {
  LATEST_SCHEMA_VERSION,
  migrate,
  migrations,
  schemaVersion,
} from '../../electron/core/vault/migrations/index.js';
import { newDataKey } from '../../electron/core/vault/key-wrapping.js';
import { keyedDatabase } from '../support/keyed-database.js';
import { tempDir } from '../support/temp-dir.js';

const tables = (db: Database.Database) =>
  db
    .prepare(`SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') ORDER BY name`)
    .pluck()
    .all() as string[];

describe('schema migrations', () => {
  it('are numbered in increasing order, the newest last', () => {
    const versions = migrations.map((m) => m.version);
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
    expect(LATEST_SCHEMA_VERSION).toBe(versions.at(-1));
  });

  it('1: creates persons, connections, resources with history and full-text search, sync log, attachments, settings', () => {
    const db = keyedDatabase(join(tempDir(), 'v1.db'), newDataKey());
    expect(schemaVersion(db)).toBe(0);
    migrate(db, 1);
    expect(schemaVersion(db)).toBe(1);
    expect(tables(db)).toEqual(
      expect.arrayContaining([
        'persons',
        'connections',
        'resources',
        'resource_history',
        'resources_fts',
        'resources_fts_insert',
        'resources_fts_update',
        'resources_fts_delete',
        'sync_log',
        'attachments',
        'settings',
      ]),
    );
    // The full-text index follows inserts, changes and deletes.
    db.exec(`INSERT INTO persons (id, name, created_at) VALUES (1, 'Ada', 'now');
      INSERT INTO connections (id, person_id, kind, label, created_at) VALUES (1, 1, 'import', 'files', 'now');
      INSERT INTO resources (person_id, connection_id, resource_type, server_id, fhir_version, category, display,
        content_hash, raw, first_seen_at, updated_at) VALUES (1, 1, 'Condition', 'c1', 'R4', 'conditions', 'Asthma', 'h', '{}', 'now', 'now')`);
    const hits = (q: string) =>
      db.prepare('SELECT count(*) FROM resources_fts WHERE resources_fts MATCH ?').pluck().get(q);
    expect(hits('asthma')).toBe(1);
    db.exec(`UPDATE resources SET display = 'Hay fever'`);
    expect([hits('asthma'), hits('hay')]).toEqual([0, 1]);
    db.exec('DELETE FROM resources');
    expect(hits('hay')).toBe(0);
    // Deleting a person takes their records with them, and nobody else's.
    expect(() =>
      db.exec(
        `INSERT INTO connections (person_id, kind, label, created_at) VALUES (99, 'import', 'x', 'now')`,
      ),
    ).toThrow();
    db.close();
  });

  it('run each in one transaction: a failing step leaves the file at the last whole version', () => {
    const db = keyedDatabase(join(tempDir(), 'fail.db'), newDataKey());
    const steps = [
      ...migrations,
      {
        version: LATEST_SCHEMA_VERSION + 1,
        name: 'fails half way',
        up(d: Database.Database) {
          d.exec('CREATE TABLE half_done (x)');
          throw new Error('boom');
        },
      },
    ];
    expect(() => migrate(db, LATEST_SCHEMA_VERSION + 1, steps)).toThrow('boom');
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(tables(db)).not.toContain('half_done');
    db.close();
  });

  it('refuse a vault from a newer version of the app, before writing anything', () => {
    const path = join(tempDir(), 'future.db');
    const key = newDataKey();
    const db = keyedDatabase(path, key);
    migrate(db);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.pragma('journal_mode = DELETE');
    db.close();
    const before = readFileSync(path);
    try {
      openVaultDatabase(path, key, 'open');
      expect.unreachable();
    } catch (error) {
      expect(isVaultError(error, 'vault-from-future')).toBe(true);
    }
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('bring an older vault up to date when it is opened', () => {
    const path = join(tempDir(), 'old.db');
    const key = newDataKey();
    const db = keyedDatabase(path, key);
    db.exec('CREATE TABLE placeholder (x)');
    db.close();
    const opened = openVaultDatabase(path, key, 'open');
    expect(schemaVersion(opened)).toBe(LATEST_SCHEMA_VERSION);
    opened.close();
  });
});

describe('migration 3: ingest speed', () => {
  it('moves the full-text insert out of a trigger and folds the category index into the timeline index', () => {
    const db = keyedDatabase(join(tempDir(), 'v3.db'), newDataKey());
    migrate(db, 2);
    const before = tables(db);
    expect(before).toContain('resources_fts_insert');
    migrate(db, 3);
    const after = tables(db);
    expect(after).not.toContain('resources_fts_insert');
    // Changes and deletes still reach the index through their triggers.
    expect(after).toEqual(expect.arrayContaining(['resources_fts_update', 'resources_fts_delete']));
    const indexes = db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'resources'`)
      .pluck()
      .all();
    expect(indexes).not.toContain('resources_category');
    const columns = db.prepare(`SELECT name FROM pragma_index_info('resources_timeline')`).pluck().all();
    expect(columns).toEqual(['person_id', 'sort_date', 'id', 'category']);
    db.close();
  });
});
