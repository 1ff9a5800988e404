import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newDataKey } from '../../electron/core/vault/key-wrapping.js';
import { migrate } from '../../electron/core/vault/migrations/index.js';
import { annotateRecord, readRecordNote } from '../../electron/core/vault/record-notes.js';
import { ownEntrySource } from '../../electron/core/vault/own-entries.js';
import { keyedDatabase } from '../support/keyed-database.js';
import { tempDir } from '../support/temp-dir.js';

describe('migration 11: the patient’s own notes and marks; a source for their own entries', () => {
  it('keeps every record and source as they were, and notes go with their record, source or person', () => {
    const db = keyedDatabase(join(tempDir(), 'v11.db'), newDataKey());
    db.pragma('foreign_keys = ON');
    migrate(db, 10);
    db.exec(`INSERT INTO persons (id, name, created_at) VALUES (1, 'Ada', 'now'), (2, 'Sam', 'now');
      INSERT INTO connections (id, person_id, kind, label, created_at) VALUES (1, 1, 'smart', 'Clinic', 'now'),
        (2, 1, 'import', 'Imported files', 'now'), (3, 2, 'import', 'Imported files', 'now');`);
    const insert = db.prepare(`INSERT INTO resources (id, person_id, connection_id, resource_type, server_id,
      fhir_version, category, display, content_hash, raw, first_seen_at, updated_at, source_key)
      VALUES (?, ?, ?, 'Condition', ?, 'R4', 'conditions', 'Asthma', 'h', '{}', 'now', 'now', ?)`);
    // With their search index rows, as the app stores them (a delete takes those out too).
    const index = db.prepare(
      `INSERT INTO resources_fts (rowid, display, codes, value_text) VALUES (?, 'Asthma', '', NULL)`,
    );
    for (const [id, person, connection] of [
      [1, 1, 1],
      [2, 1, 2],
      [3, 2, 3],
    ] as const) {
      insert.run(id, person, connection, `c${id}`, id);
      index.run(id);
    }
    const before = db.prepare('SELECT * FROM resources ORDER BY id').all();

    migrate(db, 11);
    expect(db.pragma('user_version', { simple: true })).toBe(11);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.prepare('SELECT * FROM resources ORDER BY id').all()).toEqual(before);
    expect(db.prepare('SELECT count(*) FROM record_notes').pluck().get()).toBe(0);
    // Every source made before is a source of records sent to the patient, not their own entries.
    expect(db.prepare('SELECT entered_by_person FROM connections ORDER BY id').pluck().all()).toEqual([
      0, 0, 0,
    ]);

    expect(annotateRecord(db, 1, { note: '  Ruled out in 2020  ', markedWrong: true })).toMatchObject({
      note: 'Ruled out in 2020',
      markedWrong: true,
      hidden: false,
    });
    annotateRecord(db, 2, { hidden: true });
    annotateRecord(db, 3, { note: 'Sam’s' });
    // The marks are the patient’s alone: nothing of the record changed.
    expect(db.prepare('SELECT * FROM resources ORDER BY id').all()).toEqual(before);
    // Clearing everything leaves no row.
    annotateRecord(db, 2, { hidden: false });
    expect(readRecordNote(db, 2)).toBeNull();
    expect(() => db.prepare(`UPDATE record_notes SET hidden = 2 WHERE resource_id = 1`).run()).toThrow(
      /CHECK constraint/,
    );

    // One "Entered by you" source per person, made once.
    const own = ownEntrySource(db, 1);
    expect(ownEntrySource(db, 1)).toBe(own);
    expect(() =>
      db
        .prepare(
          `INSERT INTO connections (person_id, kind, label, created_at, entered_by_person) VALUES (1, 'import', 'x', 'now', 1)`,
        )
        .run(),
    ).toThrow(/UNIQUE/);

    // A source removed takes its records' notes; a person removed takes theirs.
    db.prepare('DELETE FROM connections WHERE id = 1').run();
    expect(readRecordNote(db, 1)).toBeNull();
    db.prepare('DELETE FROM persons WHERE id = 2').run();
    expect(db.prepare('SELECT count(*) FROM record_notes').pluck().get()).toBe(0);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
  });
});
