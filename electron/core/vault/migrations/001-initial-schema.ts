import type { Migration } from './index.js';

/**
 * The first schema. Each resource keeps its JSON exactly as received plus the few columns the
 * timeline sorts, filters and shows; earlier versions of a record go to resource_history.
 * `sort_date` is '' for a record with no date so such records sort after all dated ones and the
 * keyset cursor never has to compare NULLs.
 */
export const initialSchema: Migration = {
  version: 1,
  name: 'initial schema',
  up(db) {
    db.exec(`
      CREATE TABLE persons (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        birth_date TEXT,
        relationship TEXT NOT NULL DEFAULT 'other'
          CHECK (relationship IN ('self', 'child', 'parent', 'partner', 'relative', 'other')),
        created_at TEXT NOT NULL
      );

      CREATE TABLE connections (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('smart', 'import')),
        label TEXT NOT NULL,
        fhir_base TEXT,
        fhir_version TEXT,
        patient_id TEXT,
        state TEXT NOT NULL DEFAULT 'connected',
        state_reason TEXT,
        -- Sign-in state and tokens: only ever in this encrypted file and the core's memory.
        auth_state TEXT,
        created_at TEXT NOT NULL,
        last_sync_at TEXT
      );
      CREATE INDEX connections_person ON connections(person_id);

      CREATE TABLE resources (
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
        UNIQUE (connection_id, resource_type, server_id)
      );
      CREATE INDEX resources_timeline ON resources(person_id, sort_date DESC, id DESC);
      CREATE INDEX resources_category ON resources(person_id, category, sort_date DESC, id DESC);
      CREATE INDEX resources_type ON resources(person_id, resource_type);

      CREATE TABLE resource_history (
        id INTEGER PRIMARY KEY,
        resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        raw TEXT NOT NULL,
        replaced_at TEXT NOT NULL,
        UNIQUE (resource_id, version)
      );

      -- Full-text search over what the timeline shows. External content: the text lives once, in
      -- resources, and the triggers below keep the index in step with every insert, change and delete.
      CREATE VIRTUAL TABLE resources_fts USING fts5(
        display, codes, value_text,
        content = 'resources',
        content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
      );
      CREATE TRIGGER resources_fts_insert AFTER INSERT ON resources BEGIN
        INSERT INTO resources_fts(rowid, display, codes, value_text)
        VALUES (new.id, new.display, new.codes, new.value_text);
      END;
      CREATE TRIGGER resources_fts_delete AFTER DELETE ON resources BEGIN
        INSERT INTO resources_fts(resources_fts, rowid, display, codes, value_text)
        VALUES ('delete', old.id, old.display, old.codes, old.value_text);
      END;
      CREATE TRIGGER resources_fts_update AFTER UPDATE OF display, codes, value_text ON resources BEGIN
        INSERT INTO resources_fts(resources_fts, rowid, display, codes, value_text)
        VALUES ('delete', old.id, old.display, old.codes, old.value_text);
        INSERT INTO resources_fts(rowid, display, codes, value_text)
        VALUES (new.id, new.display, new.codes, new.value_text);
      END;

      CREATE TABLE sync_log (
        id INTEGER PRIMARY KEY,
        connection_id INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        resource_type TEXT,
        outcome TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'partial', 'failed', 'cancelled')),
        message TEXT,
        records_added INTEGER NOT NULL DEFAULT 0,
        records_updated INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX sync_log_connection ON sync_log(connection_id, started_at DESC);

      CREATE TABLE attachments (
        id INTEGER PRIMARY KEY,
        resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
        url TEXT,
        content_type TEXT,
        title TEXT,
        size INTEGER,
        sha256 TEXT,
        data BLOB,
        fetched_at TEXT
      );
      CREATE INDEX attachments_resource ON attachments(resource_id);

      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `);
  },
};
