import type { ReadableDB, WritableDB } from './database.js';

/** The name of the source that holds what the patient entered themselves. */
export const OWN_ENTRIES_SOURCE = 'Entered by you';

/** The person's "Entered by you" source, made the first time they enter something. */
export function ownEntrySource(db: WritableDB, personId: number): number {
  const existing = db
    .prepare('SELECT id FROM connections WHERE person_id = ? AND entered_by_person = 1')
    .pluck()
    .get(personId) as number | undefined;
  if (existing !== undefined) return existing;
  const { lastInsertRowid } = db
    .prepare(
      `INSERT INTO connections (person_id, kind, label, state, created_at, entered_by_person)
       VALUES (?, 'import', ?, 'connected', ?, 1)`,
    )
    .run(personId, OWN_ENTRIES_SOURCE, new Date().toISOString());
  return Number(lastInsertRowid);
}

export type OwnEntryRow = { personId: number; connectionId: number; serverId: string; raw: string };

/** The record, when the patient entered it themselves; undefined for a record any other source sent. */
export function ownEntryRecord(db: ReadableDB, resourceId: number): OwnEntryRow | undefined {
  return db
    .prepare(
      `SELECT r.person_id AS personId, r.connection_id AS connectionId, r.server_id AS serverId, r.raw
       FROM resources r JOIN connections c ON c.id = r.connection_id
       WHERE r.id = ? AND c.entered_by_person = 1`,
    )
    .get(resourceId) as OwnEntryRow | undefined;
}

/** Whether a record exists at all (to tell "not yours to change" from "no longer there"). */
export function recordExists(db: ReadableDB, resourceId: number): boolean {
  return db.prepare('SELECT 1 FROM resources WHERE id = ?').get(resourceId) !== undefined;
}

/** Deletes one own entry with its history and the patient's note on it (the schema's cascade). */
export function deleteOwnEntry(db: WritableDB, resourceId: number): void {
  db.prepare(
    `DELETE FROM resources WHERE id = ?
       AND connection_id IN (SELECT id FROM connections WHERE entered_by_person = 1)`,
  ).run(resourceId);
}

/** Ids of the person's sources that hold their own entries (one at most). */
export function ownEntrySourceIds(db: ReadableDB): Set<number> {
  return new Set(
    db.prepare('SELECT id FROM connections WHERE entered_by_person = 1').pluck().all() as number[],
  );
}
