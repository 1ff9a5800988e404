import type { Category, TimelineEntry } from '../../../shared/domain.js';
import type { VaultDatabase } from './database.js';
import { sourceKey } from './source-key.js';
import { ENTRY_COLUMNS, toEntry } from './timeline.js';

/** A record as the Summary weighs it: its timeline entry and the codes it carries. */
export type SummaryRow = { entry: TimelineEntry; codes: string };

type Row = Parameters<typeof toEntry>[0] & { codes: string };

/**
 * A person's records of one category, newest first, at most `limit`: the Summary decides from
 * the columns and reads a record's JSON only for the few it keeps.
 */
export function* summaryRows(
  db: VaultDatabase,
  personId: number,
  category: Category,
  limit: number,
): Generator<SummaryRow> {
  const rows = db
    .prepare(
      `SELECT ${ENTRY_COLUMNS}, r.codes FROM resources r JOIN connections c ON c.id = r.connection_id
       WHERE r.person_id = ? AND r.category = ? ORDER BY r.sort_date DESC, r.id DESC LIMIT ?`,
    )
    .iterate(personId, category, limit) as IterableIterator<Row>;
  for (const row of rows) yield { entry: toEntry(row), codes: row.codes };
}

/** A record's JSON as its source sent it. */
export function recordJson(db: VaultDatabase, id: number): string | undefined {
  return db.prepare('SELECT raw FROM resources WHERE id = ?').pluck().get(id) as string | undefined;
}

/** The JSON of a Medication the same connection sent, by its id there (a medicationReference). */
export function medicationJson(
  db: VaultDatabase,
  connectionId: number,
  serverId: string,
): string | undefined {
  return db
    .prepare(
      `SELECT raw FROM resources WHERE connection_id = ? AND source_key = ? AND resource_type = 'Medication'
       AND server_id = ?`,
    )
    .pluck()
    .get(connectionId, sourceKey('Medication', serverId), serverId) as string | undefined;
}
