import type { Category, TimelineEntry } from '../../../shared/domain.js';
import { HIGHLIGHT_END, HIGHLIGHT_START } from '../../../shared/ipc/contract.js';
import type { VaultDatabase } from './database.js';
import { ENTRY_COLUMNS, entryFilters, toEntry } from './timeline.js';

/**
 * Turns what a person types into a safe FTS5 query: each word becomes a quoted prefix term, so
 * "hba1c chol" finds "Hemoglobin A1c/Hemoglobin.total" and "Cholesterol" records, and no FTS
 * operator or quote in the input can change the query's meaning.
 */
export function ftsQuery(typed: string): string | null {
  const words = typed
    .normalize('NFC')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0)
    .slice(0, 12);
  if (words.length === 0) return null;
  return words.map((w) => `"${w.replace(/"/g, '""')}"*`).join(' ');
}

export function searchRecords(
  db: VaultDatabase,
  q: {
    personId: number;
    query: string;
    limit: number;
    categories?: readonly Category[] | undefined;
    connectionIds?: readonly number[] | undefined;
    from?: string | undefined;
    to?: string | undefined;
  },
): (TimelineEntry & { highlight: string })[] {
  const match = ftsQuery(q.query);
  if (!match) return [];
  const { sql, params } = entryFilters(q);
  const rows = db
    .prepare(
      `SELECT ${ENTRY_COLUMNS}, highlight(resources_fts, 0, ?, ?) AS highlight
       FROM resources_fts JOIN resources r ON r.id = resources_fts.rowid JOIN connections c ON c.id = r.connection_id
       WHERE resources_fts MATCH ? AND ${sql.join(' AND ')}
       ORDER BY r.sort_date DESC, r.id DESC LIMIT ?`,
    )
    .all(HIGHLIGHT_START, HIGHLIGHT_END, match, ...params, q.limit) as (Parameters<typeof toEntry>[0] & {
    highlight: string;
  })[];
  return rows.map((row) => ({ ...toEntry(row), highlight: row.highlight }));
}
