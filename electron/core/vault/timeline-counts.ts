import { timelineCategories, type Category } from '../../../shared/domain.js';
import type { ReadableDB } from './database.js';
import { ftsQuery } from './search.js';
import { entryFilters, type TimelineQuery } from './timeline.js';

export type TimelineCounts = {
  total: number;
  byCategory: Partial<Record<Category, number>>;
  hidden?: number;
};

/**
 * How many records each category chip would show under the other filters (sources, dates and the
 * search words), so a chip can say "Lab results 38" before the person taps it. The chosen
 * categories are deliberately not applied: a chip's count answers "what if I picked this".
 */
export function timelineCounts(
  db: ReadableDB,
  q: Omit<TimelineQuery, 'limit' | 'cursor' | 'categories'> & { query?: string | undefined },
): TimelineCounts {
  const match = q.query ? ftsQuery(q.query) : null;
  if (q.query && !match) return { total: 0, byCategory: {} };
  // Without words or sources the counts come from indexes alone: every record, less the linked
  // copies of likely duplicates (their own small index), so the counts match what the pages show.
  const fromIndexes = !match && !(q.connectionIds && q.connectionIds.length > 0);
  const { sql, params } = entryFilters(
    { ...q, categories: timelineCategories },
    { everyRecord: fromIndexes },
  );
  const rows = (
    match
      ? db
          .prepare(
            `SELECT r.category, count(*) AS n FROM resources_fts JOIN resources r ON r.id = resources_fts.rowid
             WHERE resources_fts MATCH ? AND ${sql.join(' AND ')} GROUP BY r.category`,
          )
          .all(match, ...params)
      : db
          .prepare(
            `SELECT r.category, count(*) AS n FROM resources r WHERE ${sql.join(' AND ')} GROUP BY r.category`,
          )
          .all(...params)
  ) as { category: Category; n: number }[];
  const byCategory: Partial<Record<Category, number>> = {};
  let total = 0;
  for (const row of rows) {
    byCategory[row.category] = row.n;
    total += row.n;
  }
  if (fromIndexes) {
    const hidden = db
      .prepare(
        `SELECT r.category, count(*) AS n FROM resources r INDEXED BY resources_hidden_duplicates
         WHERE ${sql.join(' AND ')} AND r.duplicate_of IS NOT NULL GROUP BY r.category`,
      )
      .all(...params) as { category: Category; n: number }[];
    for (const row of hidden) {
      const left = (byCategory[row.category] ?? 0) - row.n;
      if (left > 0) byCategory[row.category] = left;
      else delete byCategory[row.category];
      total -= row.n;
    }
  }
  return { total, byCategory, ...hiddenCount(db, q.personId) };
}

/**
 * How many of the person's timeline records they hid (each group of likely duplicates once), from
 * their annotations: a handful of rows, whatever the vault's size. Left out when none.
 */
function hiddenCount(db: ReadableDB, personId: number): { hidden?: number } {
  const n = db
    .prepare(
      `SELECT count(*) FROM record_notes n JOIN resources r ON r.id = n.resource_id
       WHERE n.person_id = ? AND n.hidden = 1 AND r.duplicate_of IS NULL
         AND r.category IN (${timelineCategories.map(() => '?').join(', ')})`,
    )
    .pluck()
    .get(personId, ...timelineCategories) as number;
  return n > 0 ? { hidden: n } : {};
}
