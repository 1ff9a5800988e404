import type { Migration } from './index.js';

/**
 * The patient's own words about their records, and the records they enter themselves.
 *
 * - `record_notes`: one row per record the patient annotated: a private note, "this is wrong"
 *   (kept and shown, but left out of the Summary and of exports unless asked for) and "hidden"
 *   (left out of the timeline unless hidden records are shown). Kept beside the record, never in
 *   it: the source's record stays exactly as received, and a sync that brings the same record
 *   again (same row, see record-store.ts) leaves the note where it is. Removing the record, its
 *   source or its person removes the note with it.
 * - `connections.entered_by_person`: the one source per person ("Entered by you") that holds what
 *   the patient typed in (a medicine, an allergy, a condition, a measurement). Only its records
 *   can be edited or deleted from the window, and exports say they are patient-reported.
 */
export const ownNotesAndEntries: Migration = {
  version: 11,
  name: 'the patient’s own notes and marks on records; a source for what they enter themselves',
  up(db) {
    db.exec(`
      CREATE TABLE record_notes (
        resource_id INTEGER PRIMARY KEY REFERENCES resources(id) ON DELETE CASCADE,
        person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
        note TEXT CHECK (note IS NULL OR length(note) BETWEEN 1 AND 4000),
        marked_wrong INTEGER NOT NULL DEFAULT 0 CHECK (marked_wrong IN (0, 1)),
        hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
        updated_at TEXT NOT NULL
      );
      CREATE INDEX record_notes_person ON record_notes(person_id);
      ALTER TABLE connections ADD COLUMN entered_by_person INTEGER NOT NULL DEFAULT 0
        CHECK (entered_by_person IN (0, 1));
      CREATE UNIQUE INDEX connections_entered_by_person ON connections(person_id) WHERE entered_by_person = 1;
    `);
  },
};
