import type { Migration } from './index.js';

/**
 * The Summary weighs a person's medicines, problems, allergies and vaccines by their whole recent
 * history (thousands of rows at 100,000 records), from a few columns of each. Without an index of
 * its own it walked the person's whole timeline index and then fetched every matching row from
 * the table, about one encrypted page read per record: most of its time (bench/run.ts).
 *
 * This index holds exactly the columns the Summary reads of those four kinds, so it answers from
 * the index alone. It is partial: labs and vital signs (most records) are not in it, so an import
 * pays for it only on the few records of these kinds; the Summary reads only the newest of those.
 */
export const summaryIndex: Migration = {
  version: 13,
  name: 'an index the Summary answers its medicines, problems, allergies and vaccines from',
  up(db) {
    db.exec(`
      CREATE INDEX resources_summary ON resources(person_id, category, sort_date DESC, id DESC,
        resource_type, status, display, codes, connection_id, value_text, value_unit, value_num, abnormal, flag)
      WHERE category IN ('medications', 'conditions', 'allergies', 'immunizations');
    `);
  },
};
