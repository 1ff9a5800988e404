import type { Migration } from './index.js';

/**
 * SMART Health Cards a person imported, and the keys of the issuers that signed them.
 *
 * - `health_cards`: each card as signed (its JWS, so it can be shown or checked again) with the
 *   verification it got when it was read. Its records are stored like any file's, under a source
 *   of its own (`connection_id`, one per card), which is how the timeline knows a record came
 *   from a card and says whether the card verified. The same card imported twice is one row
 *   (`jws_hash`, per person).
 * - `health_card_issuer_keys`: the key sets fetched from issuers (`<iss>/.well-known/jwks.json`),
 *   so a card of an issuer seen once verifies again offline.
 */
export const healthCards: Migration = {
  version: 9,
  name: 'SMART Health Cards with their verification; issuers’ fetched keys',
  up(db) {
    db.exec(`
      CREATE TABLE health_cards (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
        connection_id INTEGER NOT NULL UNIQUE REFERENCES connections(id) ON DELETE CASCADE,
        jws TEXT NOT NULL,
        jws_hash TEXT NOT NULL,
        iss TEXT,
        issuer TEXT,
        status TEXT NOT NULL CHECK (status IN ('verified', 'unknown-issuer', 'invalid', 'revoked')),
        reason TEXT NOT NULL,
        issued_at TEXT,
        verified_at TEXT NOT NULL,
        UNIQUE (person_id, jws_hash)
      );
      CREATE TABLE health_card_issuer_keys (
        iss TEXT PRIMARY KEY,
        keys TEXT NOT NULL,
        fetched_at TEXT NOT NULL
      );
    `);
  },
};
