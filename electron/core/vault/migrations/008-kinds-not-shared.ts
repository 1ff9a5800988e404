import type { Migration } from './index.js';

/**
 * Kinds of record an institution did not share, per connection and search (`sync_types` rows):
 *
 * - `refused`: 'not-granted' (the sign-in's granted scopes leave the type out, so it is never
 *   asked for), 'forbidden' (the server answered 403: Epic for a type the sign-in did not grant,
 *   Oracle Health for one the site has not licensed) or 'not-found' (404, Oracle Health's other
 *   answer for a type not licensed). Null once the type is brought in again.
 * - `refused_at`: when it was first refused, so a refused type is asked for again after a while
 *   (a site may license it later) rather than on every sync.
 * - `refused_scope`: the scopes granted when it was refused (not a secret: no token); a new
 *   sign-in that grants something else asks again at once.
 *
 * Until now a refused type was asked for on every sync and said nothing to the person.
 */
export const kindsNotShared: Migration = {
  version: 8,
  name: 'kinds of record an institution did not share',
  up(db) {
    db.exec(`
      ALTER TABLE sync_types ADD COLUMN refused TEXT CHECK (refused IN ('not-granted', 'forbidden', 'not-found'));
      ALTER TABLE sync_types ADD COLUMN refused_at TEXT;
      ALTER TABLE sync_types ADD COLUMN refused_scope TEXT;
    `);
  },
};
