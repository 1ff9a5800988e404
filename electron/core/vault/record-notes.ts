import type { RecordNote } from '../../../shared/domain.js';
import { VaultError } from '../errors.js';
import type { ReadableDB, WritableDB } from './database.js';

type NoteRow = { note: string | null; marked_wrong: number; hidden: number; updated_at: string };

export function readRecordNote(db: ReadableDB, resourceId: number): RecordNote | null {
  const row = db
    .prepare('SELECT note, marked_wrong, hidden, updated_at FROM record_notes WHERE resource_id = ?')
    .get(resourceId) as NoteRow | undefined;
  return row
    ? {
        note: row.note,
        markedWrong: row.marked_wrong === 1,
        hidden: row.hidden === 1,
        updatedAt: row.updated_at,
      }
    : null;
}

export type NoteChange = {
  /** Null or only spaces removes the note; left out, it stays as it was. */
  note?: string | null | undefined;
  markedWrong?: boolean | undefined;
  hidden?: boolean | undefined;
};

/**
 * Sets the patient's note and marks on a record. The record itself is not touched (its JSON,
 * version and columns stay as its source sent them). An annotation with nothing left in it is
 * removed, so "has a note or a mark" is "has a row".
 */
export function annotateRecord(db: WritableDB, resourceId: number, change: NoteChange): RecordNote | null {
  return db.transaction(() => {
    const person = db.prepare('SELECT person_id FROM resources WHERE id = ?').pluck().get(resourceId) as
      number | undefined;
    if (person === undefined) throw new VaultError('not-found');
    const before = readRecordNote(db, resourceId);
    const typed = change.note === undefined ? (before?.note ?? null) : change.note;
    const note = typed === null || typed.trim() === '' ? null : typed.trim();
    const markedWrong = change.markedWrong ?? before?.markedWrong ?? false;
    const hidden = change.hidden ?? before?.hidden ?? false;
    if (note === null && !markedWrong && !hidden) {
      db.prepare('DELETE FROM record_notes WHERE resource_id = ?').run(resourceId);
      return null;
    }
    db.prepare(
      `INSERT INTO record_notes (resource_id, person_id, note, marked_wrong, hidden, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (resource_id) DO UPDATE SET note = excluded.note, marked_wrong = excluded.marked_wrong,
         hidden = excluded.hidden, updated_at = excluded.updated_at`,
    ).run(resourceId, person, note, markedWrong ? 1 : 0, hidden ? 1 : 0, new Date().toISOString());
    return readRecordNote(db, resourceId);
  })();
}
