import type { Migration } from './index.js';

/**
 * Likely duplicates: the same lab result or vaccination sent by two institutions (or by a portal
 * and an imported file). Nothing is merged or deleted; records/likely-duplicates.ts only links
 * each later copy to the group's leader, the earliest stored record, and the timeline shows the
 * leader once, "from 2 sources".
 *
 * - `resources.duplicate_of`: the leader's id, null for leaders and for records with no copy.
 *   No foreign key: a leader's deletion hands the group on (trigger below) instead of unhiding or
 *   orphaning its copies.
 * - Two partial indexes, both holding only the linked copies (a few per cent of a vault at most):
 *   one finds a group's members, the other lets the timeline counts subtract the hidden copies
 *   without reading any row.
 * - `likely_duplicate_rechecks`: records whose date, codes or value changed after they were
 *   linked (or left unlinked); the next linking run looks at them again. New records need no
 *   queue: the run takes every id above its last watermark.
 */
export const likelyDuplicates: Migration = {
  version: 5,
  name: 'likely duplicates across sources',
  up(db) {
    db.exec(`
      ALTER TABLE resources ADD COLUMN duplicate_of INTEGER;
      CREATE INDEX resources_duplicate_of ON resources(duplicate_of) WHERE duplicate_of IS NOT NULL;
      CREATE INDEX resources_hidden_duplicates ON resources(person_id, sort_date, category)
        WHERE duplicate_of IS NOT NULL;

      CREATE TABLE likely_duplicate_rechecks (resource_id INTEGER PRIMARY KEY);

      CREATE TRIGGER resources_duplicate_recheck
      AFTER UPDATE OF resource_type, category, sort_date, codes, value_num, value_unit, value_text ON resources
      WHEN old.resource_type IS NOT new.resource_type OR old.category IS NOT new.category
        OR old.sort_date IS NOT new.sort_date OR old.codes IS NOT new.codes
        OR old.value_num IS NOT new.value_num OR old.value_unit IS NOT new.value_unit
        OR old.value_text IS NOT new.value_text
      BEGIN
        INSERT OR IGNORE INTO likely_duplicate_rechecks (resource_id) VALUES (new.id);
      END;

      -- A leader removed (its connection deleted): the earliest remaining copy leads the group.
      CREATE TRIGGER resources_duplicate_leader_gone AFTER DELETE ON resources
      WHEN old.duplicate_of IS NULL
      BEGIN
        UPDATE resources SET duplicate_of = (SELECT min(id) FROM resources WHERE duplicate_of = old.id)
        WHERE duplicate_of = old.id
          AND id > (SELECT min(id) FROM resources WHERE duplicate_of = old.id);
        UPDATE resources SET duplicate_of = NULL WHERE duplicate_of = old.id;
      END;
    `);
  },
};
