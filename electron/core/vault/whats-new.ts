import { timelineCategories, type Category, type TimelineEntry } from '../../../shared/domain.js';
import { VaultError } from '../errors.js';
import type { ReadableDB, VaultDatabase } from './database.js';
import { ENTRY_COLUMNS, toEntry } from './timeline.js';

/**
 * "What is new since you last looked": the records that arrived in the vault (a sync, an import)
 * after the person last acknowledged a person's records, whether the app was open or not.
 *
 * A look is kept in `settings` under `last-look:<personId>` as the instant and the highest record
 * id in the vault at that instant. Ids only grow while records are added, so what arrived since is
 * a range of the rowid, read without touching older rows, however large the vault: the cost is
 * that of the arrivals, like the likely-duplicates watermark. One catch: SQLite may hand out an id
 * again once the highest rows are gone (a connection removed). The range therefore starts at the
 * highest surviving id at or below the stored one whose record is older than the look
 * (`first_seen_at`), which is exactly where arrivals begin; normally that is the stored id itself.
 */

type Look = { at: string; top: number };

export type WhatsNew = {
  /** When the person last looked, or null when they never have (then nothing counts as new). */
  since: string | null;
  total: number;
  byCategory: Partial<Record<Category, number>>;
  /** The hospitals, clinics and files the new records came from, most records first. */
  sources: string[];
  /** The newest of the new records by date, to show them at once. */
  entries: TimelineEntry[];
  /** The highest id counted: a look marked with it leaves later arrivals new. */
  through: number;
};

/** Above this many new ids the counts come from the timeline index instead of the rows. */
const MANY_NEW = 5000;
const SHOWN = 20;

const key = (personId: number) => `last-look:${personId}`;
const categoryList = timelineCategories.map((c) => `'${c}'`).join(', ');

function storedLook(db: ReadableDB, personId: number): Look | null {
  const value = db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(key(personId)) as
    string | undefined;
  if (!value) return null;
  try {
    const look = JSON.parse(value) as Partial<Look>;
    if (typeof look.at === 'string' && Number.isInteger(look.top)) return look as Look;
  } catch {
    // a damaged value counts as never looked
  }
  return null;
}

function topId(db: ReadableDB): number {
  return (db.prepare('SELECT max(id) FROM resources').pluck().get() as number | null) ?? 0;
}

/** Records with an id above this arrived after the look. */
function boundOf(db: ReadableDB, look: Look): number {
  const id = db
    .prepare('SELECT id FROM resources WHERE id <= ? AND first_seen_at <= ? ORDER BY id DESC LIMIT 1')
    .pluck()
    .get(look.top, look.at) as number | undefined;
  return id ?? 0;
}

/**
 * The id above which a person's records are new to them, or null when they never looked. Two
 * lookups by key: cheap enough for every timeline page.
 */
export function newAbove(db: ReadableDB, personId: number): number | null {
  const look = storedLook(db, personId);
  return look ? boundOf(db, look) : null;
}

/**
 * Whether anything arrived for the person since they last looked (the people list marks them).
 * Reads only records above the look, by rowid, and stops at the first: no counting.
 */
export function hasArrivals(db: ReadableDB, personId: number): boolean {
  const bound = newAbove(db, personId);
  if (bound === null || topId(db) <= bound) return false;
  return (
    db
      .prepare(
        `SELECT 1 FROM resources r WHERE r.id > ? AND +r.person_id = ? AND r.category IN (${categoryList})
         AND r.duplicate_of IS NULL LIMIT 1`,
      )
      .get(bound, personId) !== undefined
  );
}

/**
 * Marks the person's records as looked at: everything up to `through` (what the person was shown),
 * or everything in the vault now.
 */
export function markLooked(db: VaultDatabase, personId: number, through?: number): void {
  if (!db.prepare('SELECT 1 FROM persons WHERE id = ?').get(personId)) throw new VaultError('not-found');
  const top = topId(db);
  const look: Look = { at: new Date().toISOString(), top: Math.min(through ?? top, top) };
  db.prepare(
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ).run(key(personId), JSON.stringify(look));
}

/**
 * What arrived for a person since they last looked, counted as the timeline shows it: no claims or
 * care-team records, each group of likely duplicates once (its later copies are never news), and
 * nothing the patient entered themselves (the counts of a very large arrival, from the index
 * alone, may still hold a few).
 *
 * The first time (nothing stored) everything would be new, which tells nobody anything: the look
 * is stored then and nothing is reported, once the person has records at all (a new person's first
 * import is not "new since last time" either).
 */
export function whatsNew(db: VaultDatabase, personId: number): WhatsNew {
  const found = readWhatsNew(db, personId);
  if (found !== 'first-look') return found;
  markLooked(db, personId);
  return { since: null, ...nothing(topId(db)) };
}

const nothing = (top: number) => ({ total: 0, byCategory: {}, sources: [], entries: [], through: top });

/**
 * `whatsNew` for a connection that only reads: 'first-look' when the person's first look has yet
 * to be stored, which only the writer can do.
 */
export function readWhatsNew(db: ReadableDB, personId: number): WhatsNew | 'first-look' {
  const top = topId(db);
  const look = storedLook(db, personId);
  if (!look) {
    const any = db.prepare('SELECT 1 FROM resources WHERE person_id = ? LIMIT 1').get(personId);
    return any ? 'first-look' : { since: null, ...nothing(top) };
  }
  const bound = boundOf(db, look);
  if (top <= bound) return { since: look.at, ...nothing(top) };
  const many = top - bound > MANY_NEW;
  const counts = many ? countsFromIndex(db, personId, bound) : countsFromRows(db, personId, bound);
  if (counts.total === 0) return { since: look.at, ...nothing(top) };
  // Few arrivals: read them by rowid and sort. Many: walk the person's timeline newest first,
  // where new records are most of what it passes.
  const rows = db
    .prepare(
      `SELECT ${ENTRY_COLUMNS} FROM resources r ${many ? 'INDEXED BY resources_timeline' : ''}
       JOIN connections c ON c.id = r.connection_id
       WHERE ${many ? 'r.person_id = ? AND +r.id > ?' : '+r.person_id = ? AND r.id > ?'}
         AND r.category IN (${categoryList}) AND r.duplicate_of IS NULL AND c.entered_by_person = 0
       ORDER BY r.sort_date DESC, r.id DESC LIMIT ?`,
    )
    .all(personId, bound, SHOWN) as Parameters<typeof toEntry>[0][];
  return {
    since: look.at,
    ...counts,
    entries: rows.map((row) => toEntry(row, bound)),
    through: top,
  };
}

type Counts = Pick<WhatsNew, 'total' | 'byCategory' | 'sources'>;

function tally(rows: { category: Category; label: string; n: number }[]): Counts {
  const byCategory: Partial<Record<Category, number>> = {};
  const bySource = new Map<string, number>();
  let total = 0;
  for (const row of rows) {
    byCategory[row.category] = (byCategory[row.category] ?? 0) + row.n;
    bySource.set(row.label, (bySource.get(row.label) ?? 0) + row.n);
    total += row.n;
  }
  const sources = [...bySource]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([label]) => label);
  return { total, byCategory, sources };
}

function countsFromRows(db: ReadableDB, personId: number, bound: number): Counts {
  const rows = db
    .prepare(
      `SELECT r.category, c.label, count(*) AS n FROM resources r JOIN connections c ON c.id = r.connection_id
       WHERE r.id > ? AND +r.person_id = ? AND r.category IN (${categoryList}) AND r.duplicate_of IS NULL
         AND c.entered_by_person = 0
       GROUP BY r.category, r.connection_id`,
    )
    .all(bound, personId) as { category: Category; label: string; n: number }[];
  return tally(rows);
}

/**
 * Many arrivals (a first sync of years of records): the timeline index holds person, id and
 * category, so the counts read it alone, less the hidden copies from their own small index, as the
 * timeline's chip counts do. The sources are asked one connection at a time. (Many new ids may
 * also be another person's big import: then this person's rows are not read either.)
 */
function countsFromIndex(db: ReadableDB, personId: number, bound: number): Counts {
  const all = db
    .prepare(
      `SELECT r.category, count(*) AS n FROM resources r INDEXED BY resources_timeline
       WHERE r.person_id = ? AND +r.id > ? AND r.category IN (${categoryList}) GROUP BY r.category`,
    )
    .all(personId, bound) as { category: Category; n: number }[];
  const hidden = db
    .prepare(
      `SELECT r.category, count(*) AS n FROM resources r INDEXED BY resources_hidden_duplicates
       WHERE r.person_id = ? AND +r.id > ? AND r.duplicate_of IS NOT NULL GROUP BY r.category`,
    )
    .all(personId, bound) as { category: Category; n: number }[];
  const byCategory: Partial<Record<Category, number>> = {};
  let total = 0;
  for (const row of all) {
    const n = row.n - (hidden.find((h) => h.category === row.category)?.n ?? 0);
    if (n <= 0) continue;
    byCategory[row.category] = n;
    total += n;
  }
  const connections = db
    .prepare('SELECT id, label FROM connections WHERE person_id = ? AND entered_by_person = 0 ORDER BY id')
    .all(personId) as { id: number; label: string }[];
  // From the (connection, type, id) index alone, never the rows: a source is named when it sent
  // anything since, which may, rarely, be only a copy or a care-team record.
  const newest = db.prepare('SELECT 1 FROM resources WHERE connection_id = ? AND +id > ? LIMIT 1').pluck();
  const sources = connections.filter((c) => newest.get(c.id, bound) !== undefined).map((c) => c.label);
  return { total, byCategory, sources };
}
