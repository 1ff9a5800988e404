import type { Category, TimelineEntry } from '../../../shared/domain.js';
import type { ReadableDB } from './database.js';
import { sourceKey } from './source-key.js';
import { toEntry } from './timeline.js';

/**
 * A record as the Summary's walk weighs it: the few columns that decide, read as arrays. The walk
 * goes over thousands of rows (a person's whole recent history of medicines and problems) and
 * keeps a few dozen, so the timeline entry is built only for those (`summaryEntries`).
 */
export type SummaryRow = {
  id: number;
  resourceType: string;
  status: string | null;
  title: string;
  connectionId: number;
  codes: string;
  /** Its date as an instant, null when the source gave none. */
  date: string | null;
};

type Row = Parameters<typeof toEntry>[0];

const WALK_COLUMNS = `r.id, r.resource_type, r.status, r.display, r.connection_id, r.codes, r.sort_date`;

/** The timeline's columns without its join and its count of likely duplicates (one source each). */
const ENTRY_COLUMNS = `r.id, r.person_id, r.resource_type, r.category, r.sort_date, r.display, r.value_text,
  r.value_unit, r.value_num, r.abnormal, r.flag, r.status, r.connection_id, 1 AS sources`;

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

const BY_CATEGORY = `SELECT ${WALK_COLUMNS} FROM resources r
  WHERE r.person_id = ? AND r.category = ? AND ${NOT_MARKED_WRONG} ORDER BY r.sort_date DESC, r.id DESC LIMIT ?`;
const BY_INDEXED_CATEGORY = `SELECT ${WALK_COLUMNS} FROM resources r
  WHERE r.person_id = ? AND r.category = ?
    AND r.category IN ('medications', 'conditions', 'allergies', 'immunizations')
    AND ${NOT_MARKED_WRONG}
  ORDER BY r.sort_date DESC, r.id DESC LIMIT ?`;

type WalkRow = [number, string, string | null, string, number, string, string];

/**
 * A person's records of one category, newest first, at most `limit`: the Summary decides from
 * these columns and reads a record's JSON only for the few it keeps. A record the patient marked as
 * wrong is as if it had not been sent: it neither shows nor decides anything.
 */
export function summaryRows(
  db: ReadableDB,
  personId: number,
  category: Category,
  limit: number,
): SummaryRow[] {
  // All at once: stepping row by row crosses into SQLite 5,000 times, a third of the walk's time.
  const rows = db
    .prepare(INDEXED_KINDS.has(category) ? BY_INDEXED_CATEGORY : BY_CATEGORY)
    .raw(true)
    .all(personId, category, personId, limit) as WalkRow[];
  const out: SummaryRow[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const [id, resourceType, status, title, connectionId, codes, date] = rows[i]!;
    out[i] = { id, resourceType, status, title, connectionId, codes, date: date === '' ? null : date };
  }
  return out;
}

/** A person's sources by connection id: the name each record's source goes by, and its health card. */
export type SummarySources = Map<number, { label: string; health_card: string | null }>;

export function summarySources(db: ReadableDB, personId: number): SummarySources {
  const rows = db
    .prepare(
      `SELECT c.id, c.label,
         CASE WHEN h.id IS NULL THEN NULL ELSE json_array(h.status, h.issuer, h.reason) END AS health_card
       FROM connections c LEFT JOIN health_cards h ON h.connection_id = c.id WHERE c.person_id = ?`,
    )
    .all(personId) as { id: number; label: string; health_card: string | null }[];
  return new Map(rows.map((c) => [c.id, c]));
}

/** The timeline entries of the records the Summary keeps, one primary-key read each. */
export function summaryEntries(db: ReadableDB, sources: SummarySources): (id: number) => TimelineEntry {
  const statement = db.prepare(`SELECT ${ENTRY_COLUMNS} FROM resources r WHERE r.id = ?`);
  return (id) => {
    const row = statement.get(id) as Omit<Row, 'source_label' | 'health_card'>;
    const source = sources.get(row.connection_id);
    return toEntry({ ...row, source_label: source?.label ?? '', health_card: source?.health_card ?? null });
  };
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
