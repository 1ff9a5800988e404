import type { Category, TimelineEntry } from '../../../shared/domain.js';
import type { ReadableDB } from '../vault/database.js';
import { ENTRY_COLUMNS, toEntry } from '../vault/timeline.js';

/** What a patient summary (like the International Patient Summary) puts on its first page. */
export type PatientSummary = {
  problems: TimelineEntry[];
  medications: TimelineEntry[];
  allergies: TimelineEntry[];
  immunizations: TimelineEntry[];
  vitals: TimelineEntry[];
  labs: TimelineEntry[];
};

type Row = Parameters<typeof toEntry>[0];

// Statuses compared in lower case: servers send codes ("active") or their display ("Active").
const ACTIVE_PROBLEM = new Set(['active', 'recurrence', 'relapse']);
const CURRENT_MEDICATION = new Set(['active', 'on-hold', 'intended']);
const ENDED_ALLERGY = new Set(['resolved', 'inactive', 'entered-in-error', 'refuted']);
const NOT_GIVEN = new Set(['not-done', 'entered-in-error']);

// A 100k-record person has thousands of labs: reading them all to find the latest of each would
// take seconds, so the walk stops after this many records.
const MOST_RECORDS_READ = 5000;

/**
 * The latest record of each name in a category, newest first: a problem listed again at every
 * visit shows once, and the newest blood pressure stands for all of them. Walks the category's
 * index newest first and stops as soon as it has enough names, so it costs what is shown.
 */
function latestOfEach(
  db: ReadableDB,
  personId: number,
  category: Category,
  keep: (entry: TimelineEntry) => boolean,
  limit: number,
): TimelineEntry[] {
  const rows = db
    .prepare(
      `SELECT ${ENTRY_COLUMNS} FROM resources r JOIN connections c ON c.id = r.connection_id
       WHERE r.person_id = ? AND r.category = ? ORDER BY r.sort_date DESC, r.id DESC LIMIT ?`,
    )
    .iterate(personId, category, MOST_RECORDS_READ) as IterableIterator<Row>;
  const seen = new Set<string>();
  const out: TimelineEntry[] = [];
  for (const row of rows) {
    const entry = toEntry(row);
    const name = entry.title.toLowerCase();
    if (seen.has(name)) continue;
    seen.add(name);
    if (keep(entry)) out.push(entry);
    if (out.length >= limit) break;
  }
  return out;
}

const status = (entry: TimelineEntry) => (entry.status ?? '').toLowerCase();

export function patientSummary(db: ReadableDB, personId: number): PatientSummary {
  return {
    problems: latestOfEach(db, personId, 'conditions', (e) => ACTIVE_PROBLEM.has(status(e)), 50),
    medications: latestOfEach(db, personId, 'medications', (e) => CURRENT_MEDICATION.has(status(e)), 50),
    allergies: latestOfEach(db, personId, 'allergies', (e) => !ENDED_ALLERGY.has(status(e)), 50),
    // A vaccine recorded as not given is not one the person has had.
    immunizations: latestOfEach(db, personId, 'immunizations', (e) => !NOT_GIVEN.has(status(e)), 30),
    vitals: latestOfEach(db, personId, 'vitals', () => true, 12),
    labs: latestOfEach(db, personId, 'labs', (e) => e.resourceType === 'Observation', 12),
  };
}
