import type { Migration } from './index.js';

/**
 * What sync needs to resume and to be scheduled.
 *
 * - `sync_types`: one row per connection and resource type. While a pull of that type is
 *   unfinished it holds the next page's address (`next_url`, null meaning "from the first page")
 *   and the pull's id, committed in the same transaction as the page's records, so a run that dies
 *   resumes at the first page not yet stored. `since` is the server's own time of the last
 *   complete pull, for `_lastUpdated` where the server advertises it.
 * - `resources.seen_pull`: the pull that last returned the record. When a full pull of a type
 *   completes, that type's records from other pulls are no longer at the source and are marked
 *   'gone' (never deleted). Kept on the row so a resumed pull still knows what it saw before.
 * - `sync_log.run_id`: the lines about each type point to their run's line.
 * - `connections.sync_interval_minutes`: null for the default (every 6 hours), 0 for "only when
 *   I ask".
 */
export const syncState: Migration = {
  version: 4,
  name: 'sync cursors, pulls and schedule',
  up(db) {
    db.exec(`
      ALTER TABLE connections ADD COLUMN sync_interval_minutes INTEGER;
      ALTER TABLE resources ADD COLUMN seen_pull INTEGER;
      -- A type's line in the sync log belongs to the run's own line (null on that line itself).
      ALTER TABLE sync_log ADD COLUMN run_id INTEGER REFERENCES sync_log(id) ON DELETE CASCADE;

      CREATE TABLE sync_types (
        connection_id INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        resource_type TEXT NOT NULL,
        pull_id INTEGER,
        mode TEXT CHECK (mode IN ('full', 'incremental')),
        next_url TEXT,
        pages INTEGER NOT NULL DEFAULT 0,
        records INTEGER NOT NULL DEFAULT 0,
        since TEXT,
        last_full_at TEXT,
        PRIMARY KEY (connection_id, resource_type)
      ) WITHOUT ROWID;
    `);
  },
};
