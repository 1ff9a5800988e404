import { ResultFlag, timelineCategories, type Category, type TimelineEntry } from '../../../shared/domain.js';
import { withinNesting } from '../records/resource-bounds.js';
import { VaultError } from '../errors.js';
import { toInstant } from '../records/fhir-values.js';
import type { ReadableDB } from './database.js';

type EntryRow = {
  id: number;
  person_id: number;
  resource_type: string;
  category: Category;
  sort_date: string;
  display: string;
  value_text: string | null;
  value_unit: string | null;
  value_num: number | null;
  abnormal: number;
  flag: string | null;
  status: string | null;
  connection_id: number;
  source_label: string;
  sources: number;
  health_card: string | null;
  /** The patient's marks, as ENTRY_COLUMNS reads them; absent where a query does not ask. */
  marks?: string | null;
  /** 1 for the patient's own entries (never news to them); absent where a query does not ask. */
  own_entry?: number;
};

/** The patient's note and marks on a record (vault/record-notes.ts), one primary-key lookup a row. */
export const MARKS_COLUMN = `(SELECT json_array(n.note IS NOT NULL, n.marked_wrong, n.hidden) FROM record_notes n
    WHERE n.resource_id = r.id) AS marks`;

/**
 * `sources`: how many records a likely-duplicate group holds (records/likely-duplicates.ts), 1 for
 * a record no other source sent. Counted per row shown, from the small index of linked copies.
 */
export const ENTRY_COLUMNS = `r.id, r.person_id, r.resource_type, r.category, r.sort_date, r.display, r.value_text,
  r.value_unit, r.value_num, r.abnormal, r.flag, r.status, r.connection_id, c.label AS source_label,
  c.entered_by_person AS own_entry,
  1 + (SELECT count(*) FROM resources d WHERE d.duplicate_of = coalesce(r.duplicate_of, r.id)) AS sources,
  (SELECT json_array(h.status, h.issuer, h.reason) FROM health_cards h WHERE h.connection_id = r.connection_id) AS health_card,
  ${MARKS_COLUMN}`;

/**
 * `newAbove`: the id above which the person's records arrived since they last looked
 * (records/whats-new.ts), or null to leave `isNew` out. Ids are selected anyway, so marking costs
 * no read: comparing `first_seen_at` would, as it sits after the raw JSON in each row.
 */
export function toEntry(row: EntryRow, newAbove: number | null = null): TimelineEntry {
  return {
    id: row.id,
    personId: row.person_id,
    resourceType: row.resource_type,
    category: row.category,
    date: row.sort_date === '' ? null : row.sort_date,
    title: row.display,
    value: row.value_text,
    unit: row.value_unit,
    valueNum: row.value_num,
    abnormal: row.abnormal === 1,
    flag: flagOf(row.flag),
    status: row.status,
    source: { connectionId: row.connection_id, label: row.source_label },
    sources: row.sources,
    // What the patient entered themselves is not news to them.
    ...(newAbove === null ? {} : { isNew: row.id > newAbove && row.own_entry !== 1 }),
    ...(row.health_card == null ? {} : { healthCard: healthCardOf(row.health_card) }),
    ...(row.marks == null ? {} : { marks: marksOf(row.marks) }),
  };
}

// A lookup, not zod's safeParse: most rows have no flag, and a failed parse builds an error object
// for each of them (a tenth of the Summary's time at 100,000 records).
const FLAGS: ReadonlySet<string> = new Set(ResultFlag.options);
const flagOf = (flag: string | null): ResultFlag | null =>
  flag !== null && FLAGS.has(flag) ? (flag as ResultFlag) : null;

function marksOf(text: string): NonNullable<TimelineEntry['marks']> {
  const [note, wrong, hidden] = JSON.parse(text) as [number, number, number];
  return { note: note === 1, wrong: wrong === 1, hidden: hidden === 1 };
}

/** A card's verification, read from the one-row lookup ENTRY_COLUMNS makes (by its unique source). */
function healthCardOf(text: string): NonNullable<TimelineEntry['healthCard']> {
  const [status, issuer, reason] = JSON.parse(text) as [
    NonNullable<TimelineEntry['healthCard']>['status'],
    string | null,
    string,
  ];
  return { status, issuer, reason };
}

export type TimelineQuery = {
  personId: number;
  limit: number;
  cursor?: string | null | undefined;
  categories?: readonly Category[] | undefined;
  connectionIds?: readonly number[] | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** Only records above this id: what arrived since the person last looked (whats-new.ts). */
  arrivedAbove?: number | undefined;
  /** Records the patient hid are left out unless this is true. */
  showHidden?: boolean | undefined;
};

/** The position after the last entry of a page: its date and id, opaque to the renderer. */
export function encodeCursor(sortDate: string, id: number): string {
  return Buffer.from(JSON.stringify([sortDate, id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, number] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'string' && Number.isInteger(value[1])) {
      return [value[0], value[1] as number];
    }
  } catch {
    // fall through to the typed error
  }
  throw new VaultError('invalid-request', 'The timeline position was not understood.');
}

/** The first instant after a date range's end: "2020-05" ends before 2020-06-01. */
function endOfRange(to: string): string | undefined {
  const partial = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(to);
  if (!partial) {
    const instant = toInstant(to);
    return instant ? new Date(new Date(instant).getTime() + 1).toISOString() : undefined;
  }
  const [, y, m, d] = partial;
  const date = new Date(Date.UTC(Number(y), m ? Number(m) - 1 : 0, d ? Number(d) : 1));
  if (d) date.setUTCDate(date.getUTCDate() + 1);
  else if (m) date.setUTCMonth(date.getUTCMonth() + 1);
  else date.setUTCFullYear(date.getUTCFullYear() + 1);
  return date.toISOString();
}

/**
 * WHERE clauses shared by the timeline and search: person, categories, sources, date range, and
 * each group of likely duplicates once (unless `everyRecord`: the counts subtract the copies
 * through their own index instead of reading every row).
 */
export function entryFilters(
  q: Omit<TimelineQuery, 'limit' | 'cursor'>,
  options: { everyRecord?: boolean; leaveOutMarkedWrong?: boolean } = {},
): {
  sql: string[];
  params: unknown[];
} {
  const sql = ['r.person_id = ?'];
  const params: unknown[] = [q.personId];
  const cats = q.categories && q.categories.length > 0 ? q.categories : timelineCategories;
  sql.push(`r.category IN (${cats.map(() => '?').join(', ')})`);
  params.push(...cats);
  if (q.connectionIds && q.connectionIds.length > 0) {
    sql.push(`r.connection_id IN (${q.connectionIds.map(() => '?').join(', ')})`);
    params.push(...q.connectionIds);
  }
  if (q.from) {
    const from = toInstant(q.from);
    if (!from) throw new VaultError('invalid-request', 'The start date was not understood.');
    sql.push('r.sort_date >= ?');
    params.push(from);
  }
  if (q.to) {
    const to = endOfRange(q.to);
    if (!to) throw new VaultError('invalid-request', 'The end date was not understood.');
    sql.push("r.sort_date < ? AND r.sort_date <> ''");
    params.push(to);
  }
  if (q.arrivedAbove !== undefined) {
    sql.push('r.id > ?');
    params.push(q.arrivedAbove);
  }
  // A list made once per query (SQLite keeps it as a small index), not a lookup per row.
  if (!q.showHidden) {
    sql.push('r.id NOT IN (SELECT resource_id FROM record_notes WHERE person_id = ? AND hidden = 1)');
    params.push(q.personId);
  }
  if (options.leaveOutMarkedWrong) {
    sql.push('r.id NOT IN (SELECT resource_id FROM record_notes WHERE person_id = ? AND marked_wrong = 1)');
    params.push(q.personId);
  }
  const once = options.everyRecord ? null : onceEachGroup(q.connectionIds);
  if (once) {
    sql.push(once.sql);
    params.push(...once.params);
  }
  return { sql, params };
}

/**
 * A group of likely duplicates shows once: as its leader. With only some sources chosen, each
 * chosen source still shows everything it sent, so a copy shows when no earlier member of its
 * group (the leader first of all) is from a chosen source. A group holds at most one record per
 * source, so with one source chosen (all the timeline offers) every record of it shows.
 */
function onceEachGroup(
  connectionIds: readonly number[] | undefined,
): { sql: string; params: unknown[] } | null {
  if (!connectionIds || connectionIds.length === 0) return { sql: 'r.duplicate_of IS NULL', params: [] };
  if (connectionIds.length === 1) return null;
  const chosen = connectionIds.map(() => '?').join(', ');
  return {
    sql: `(r.duplicate_of IS NULL OR (
      NOT EXISTS (SELECT 1 FROM resources g WHERE g.id = r.duplicate_of AND g.connection_id IN (${chosen}))
      AND NOT EXISTS (SELECT 1 FROM resources g WHERE g.duplicate_of = r.duplicate_of AND g.id < r.id
        AND g.connection_id IN (${chosen}))))`,
    params: [...connectionIds, ...connectionIds],
  };
}

/**
 * One page of a person's timeline, newest first, by keyset: the cursor is the last entry's
 * (date, id), so page 1,000 costs what page 1 does.
 */
export function timelinePage(
  db: ReadableDB,
  q: TimelineQuery,
  newAbove: number | null = null,
): { entries: TimelineEntry[]; nextCursor: string | null } {
  const { sql, params } = entryFilters(q);
  if (q.cursor) {
    const [date, id] = decodeCursor(q.cursor);
    sql.push('(r.sort_date, r.id) < (?, ?)');
    params.push(date, id);
  }
  const rows = db
    .prepare(
      `SELECT ${ENTRY_COLUMNS} FROM resources r JOIN connections c ON c.id = r.connection_id
       WHERE ${sql.join(' AND ')} ORDER BY r.sort_date DESC, r.id DESC LIMIT ?`,
    )
    .all(...params, q.limit + 1) as EntryRow[];
  const more = rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  const last = page.at(-1);
  return {
    entries: page.map((row) => toEntry(row, newAbove)),
    nextCursor: more && last ? encodeCursor(last.sort_date, last.id) : null,
  };
}

export type RecordStats = {
  total: number;
  byType: Record<string, number>;
  byCategory: Record<string, number>;
};

export function recordStats(db: ReadableDB, personId?: number): RecordStats {
  const where = personId === undefined ? '' : 'WHERE person_id = ?';
  const args = personId === undefined ? [] : [personId];
  const byType: Record<string, number> = {};
  const byCategory: Record<string, number> = {};
  let total = 0;
  // Two counts, each answered from an index alone (resources_type, resources_category): grouping by
  // both columns at once reads every row with its JSON, seconds for a 100k-record person.
  const types = db
    .prepare(`SELECT resource_type, count(*) AS n FROM resources ${where} GROUP BY resource_type`)
    .all(...args) as { resource_type: string; n: number }[];
  for (const row of types) {
    total += row.n;
    byType[row.resource_type] = row.n;
  }
  const cats = db
    .prepare(`SELECT category, count(*) AS n FROM resources ${where} GROUP BY category`)
    .all(...args) as { category: string; n: number }[];
  for (const row of cats) byCategory[row.category] = row.n;
  return { total, byType, byCategory };
}

type SourceRow = {
  id: number;
  connection_id: number;
  label: string;
  sort_date: string;
  display: string;
  value_text: string | null;
  value_unit: string | null;
  first_seen_at: string;
  duplicate_of: number | null;
};

/** Every record of a likely-duplicate group, leader first; a record no other source sent is alone. */
function groupSources(db: ReadableDB, id: number) {
  const rows = db
    .prepare(
      `SELECT r.id, r.connection_id, c.label, r.sort_date, r.display, r.value_text, r.value_unit,
         r.first_seen_at, r.duplicate_of
       FROM resources r JOIN connections c ON c.id = r.connection_id
       WHERE r.id = (SELECT coalesce(duplicate_of, id) FROM resources WHERE id = ?)
       UNION ALL
       SELECT r.id, r.connection_id, c.label, r.sort_date, r.display, r.value_text, r.value_unit,
         r.first_seen_at, r.duplicate_of
       FROM resources r JOIN connections c ON c.id = r.connection_id
       WHERE r.duplicate_of = (SELECT coalesce(duplicate_of, id) FROM resources WHERE id = ?)
       ORDER BY 1`,
    )
    .all(id, id) as SourceRow[];
  return rows.map((row) => ({
    id: row.id,
    connectionId: row.connection_id,
    label: row.label,
    date: row.sort_date === '' ? null : row.sort_date,
    title: row.display,
    value: row.value_text,
    unit: row.value_unit,
    arrivedAt: row.first_seen_at,
    leader: row.duplicate_of === null,
  }));
}

export function getRecord(db: ReadableDB, id: number) {
  const row = db
    .prepare(
      `SELECT ${ENTRY_COLUMNS}, r.fhir_version, r.raw, r.version, r.first_seen_at, r.updated_at
       FROM resources r JOIN connections c ON c.id = r.connection_id WHERE r.id = ?`,
    )
    .get(id) as
    | (EntryRow & {
        fhir_version: string;
        raw: string;
        version: number;
        first_seen_at: string;
        updated_at: string;
      })
    | undefined;
  if (!row) throw new VaultError('not-found');
  return {
    entry: toEntry(row),
    fhirVersion: row.fhir_version,
    // A vault filled before imports had bounds may hold records too deep to send to the window.
    resource: withinNesting(JSON.parse(row.raw)),
    versions: row.version,
    firstSeenAt: row.first_seen_at,
    updatedAt: row.updated_at,
    sources: groupSources(db, row.id),
  };
}
