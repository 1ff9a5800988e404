import type { Category, TimelineEntry } from '../../../shared/domain.js';
import type { ReadableDB } from './database.js';
import { sourceKey } from './source-key.js';
import { toEntry } from './timeline.js';

/** A record as the Summary weighs it: its timeline entry and the codes it carries. */
export type SummaryRow = { entry: TimelineEntry; codes: string };

type Row = Parameters<typeof toEntry>[0] & { codes: string };

/**
 * The timeline's columns without its join and its count of likely duplicates. With the join,
 * SQLite may read every record of the category and sort them before the first row comes back;
 * the count is a subquery per row. The Summary names each thing's other sources itself
 * (`alsoFrom`), so connections' names and health cards are read once, apart.
 */
const SUMMARY_COLUMNS = `r.id, r.person_id, r.resource_type, r.category, r.sort_date, r.display, r.value_text,
  r.value_unit, r.value_num, r.abnormal, r.flag, r.status, r.connection_id, 1 AS sources, r.codes`;

/**
 * The kinds the Summary reads deep, which the `resources_summary` index (migration 13) holds. The
 * query names them as the index does, so SQLite may answer from it: a bound parameter alone
 * cannot tell it the category is one of them.
 */
const INDEXED_KINDS: ReadonlySet<Category> = new Set([
  'medications',
  'conditions',
  'allergies',
  'immunizations',
]);

// What the patient marked wrong is kept, but the Summary does not say it as if true.
const NOT_MARKED_WRONG = `r.id NOT IN (SELECT resource_id FROM record_notes WHERE person_id = ? AND marked_wrong = 1)`;

const BY_CATEGORY = `SELECT ${SUMMARY_COLUMNS} FROM resources r
  WHERE r.person_id = ? AND r.category = ? AND ${NOT_MARKED_WRONG} ORDER BY r.sort_date DESC, r.id DESC LIMIT ?`;
const BY_INDEXED_CATEGORY = `SELECT ${SUMMARY_COLUMNS} FROM resources r
  WHERE r.person_id = ? AND r.category = ?
    AND r.category IN ('medications', 'conditions', 'allergies', 'immunizations')
    AND ${NOT_MARKED_WRONG}
  ORDER BY r.sort_date DESC, r.id DESC LIMIT ?`;

/**
 * A person's records of one category, newest first, at most `limit`: the Summary decides from
 * the columns and reads a record's JSON only for the few it keeps. A record the patient marked as
 * wrong is as if it had not been sent: it neither shows nor decides anything.
 */
export function* summaryRows(
  db: ReadableDB,
  personId: number,
  category: Category,
  limit: number,
): Generator<SummaryRow> {
  const sources = new Map(
    (
      db
        .prepare(
          `SELECT c.id, c.label,
             CASE WHEN h.id IS NULL THEN NULL ELSE json_array(h.status, h.issuer, h.reason) END AS health_card
           FROM connections c LEFT JOIN health_cards h ON h.connection_id = c.id WHERE c.person_id = ?`,
        )
        .all(personId) as { id: number; label: string; health_card: string | null }[]
    ).map((c) => [c.id, c]),
  );
  const rows = db
    .prepare(INDEXED_KINDS.has(category) ? BY_INDEXED_CATEGORY : BY_CATEGORY)
    .iterate(personId, category, personId, limit) as IterableIterator<
    Omit<Row, 'source_label' | 'health_card'>
  >;
  for (const row of rows) {
    const source = sources.get(row.connection_id);
    yield {
      entry: toEntry({ ...row, source_label: source?.label ?? '', health_card: source?.health_card ?? null }),
      codes: row.codes,
    };
  }
}

/** A record's JSON as its source sent it. */
export function recordJson(db: ReadableDB, id: number): string | undefined {
  return db.prepare('SELECT raw FROM resources WHERE id = ?').pluck().get(id) as string | undefined;
}

/** The JSON of a Medication the same connection sent, by its id there (a medicationReference). */
export function medicationJson(db: ReadableDB, connectionId: number, serverId: string): string | undefined {
  return db
    .prepare(
      `SELECT raw FROM resources WHERE connection_id = ? AND source_key = ? AND resource_type = 'Medication'
       AND server_id = ?`,
    )
    .pluck()
    .get(connectionId, sourceKey('Medication', serverId), serverId) as string | undefined;
}
