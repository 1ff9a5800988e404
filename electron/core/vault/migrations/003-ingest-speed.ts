import type { Migration } from './index.js';

/**
 * Two changes that make ingest cheaper, found with bench/ (see bench/results.md):
 *
 * - FTS5 writes its pending index data to disk whenever a statement savepoint opens, and every
 *   INSERT into resources opened one because its trigger made it a multi-table write: each record
 *   became its own tiny FTS segment, merged again and again. storeRecords now adds the index row
 *   with its own statement, which opens no savepoint, so a batch's terms are flushed once.
 * - Every index whose key is random in arrival order (date, server id) costs about one page
 *   write per record, and in an encrypted vault a page write is three page encryptions (WAL,
 *   checkpoint read, checkpoint write). Carrying the category in the timeline index serves the
 *   category-filtered timeline as well as resources_category did, with one such index fewer.
 */
export const ingestSpeed: Migration = {
  version: 3,
  name: 'full-text rows added by storeRecords; category in the timeline index',
  up(db) {
    db.exec(`
      DROP TRIGGER resources_fts_insert;
      DROP INDEX resources_category;
      DROP INDEX resources_timeline;
      CREATE INDEX resources_timeline ON resources(person_id, sort_date DESC, id DESC, category);
    `);
  },
};
