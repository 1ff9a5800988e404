import type { Category, TimelineEntry } from '../../../shared/domain.js';
import { HIGHLIGHT_END, HIGHLIGHT_START } from '../../../shared/ipc/contract.js';
import type { ReadableDB } from './database.js';
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

/**
 * Above this many matches a search walks the person's timeline newest first and stops at the
 * page's last hit, instead of reading and sorting every match. The two cost about the same near
 * here: a thousand row reads against a few tens of thousands of index entries at a million records.
 */
const WALK_ABOVE_MATCHES = 1000;

export function searchRecords(
  db: ReadableDB,
  q: {
    personId: number;
    query: string;
    limit: number;
    categories?: readonly Category[] | undefined;
    connectionIds?: readonly number[] | undefined;
    from?: string | undefined;
    to?: string | undefined;
    arrivedAbove?: number | undefined;
    showHidden?: boolean | undefined;
  },
  /** As for timelinePage: records above this id arrived since the person last looked. */
  newAbove: number | null = null,
): (TimelineEntry & { highlight: string })[] {
  const match = ftsQuery(q.query);
  if (!match) return [];
  const { sql, params } = entryFilters(q);
  // Counted only as far as the choice needs: a common word matches tens of thousands of records at
  // a million, and counting them all would read its whole list once more than the search does.
  const matches = db
    .prepare('SELECT count(*) FROM (SELECT 1 FROM resources_fts WHERE resources_fts MATCH ? LIMIT ?)')
    .pluck()
    .get(match, WALK_ABOVE_MATCHES + 1) as number;
  if (matches <= WALK_ABOVE_MATCHES) {
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
    return rows.map((row) => ({ ...toEntry(row, newAbove), highlight: row.highlight }));
  }
  // Many matches: reading every one just to learn its date is a random row read (and, encrypted,
  // a page decryption) each. The timeline index is already in date order and holds each row's
  // id, so the id test runs on the index alone and only the page's hits are read.
  const rows = db
    .prepare(
      `SELECT ${ENTRY_COLUMNS}
       FROM resources r INDEXED BY resources_timeline JOIN connections c ON c.id = r.connection_id
       WHERE ${sql.join(' AND ')} AND +r.id IN (SELECT rowid FROM resources_fts WHERE resources_fts MATCH ?)
       ORDER BY r.sort_date DESC, r.id DESC LIMIT ?`,
    )
    .all(...params, match, q.limit) as Parameters<typeof toEntry>[0][];
  // One more pass of the FTS query gives the page's highlights; asking row by row re-runs it per row.
  const highlights = new Map(
    db
      .prepare(
        `SELECT rowid, highlight(resources_fts, 0, ?, ?) FROM resources_fts
         WHERE resources_fts MATCH ? AND +rowid IN (SELECT value FROM json_each(?))`,
      )
      .raw()
      .all(HIGHLIGHT_START, HIGHLIGHT_END, match, JSON.stringify(rows.map((r) => r.id))) as [
      number,
      string,
    ][],
  );
  return rows.map((row) => ({
    ...toEntry(row, newAbove),
    highlight: highlights.get(row.id) ?? row.display,
  }));
}
