import type { Migration } from './index.js';

/**
 * What a SMART connection needs beyond migration 001's columns. The endpoints and client id are
 * not secret but are needed to refresh and revoke without rediscovering; `signed_in_as` is what
 * the portal said the patient is called, shown beside the person the records are filed under.
 * The install's key pair (for private_key_jwt) lives in its own table, only in this encrypted file.
 */
export const smartConnections: Migration = {
  version: 2,
  name: 'smart connections',
  up(db) {
    db.exec(`
      ALTER TABLE connections ADD COLUMN client_id TEXT;
      ALTER TABLE connections ADD COLUMN endpoints TEXT;
      ALTER TABLE connections ADD COLUMN signed_in_as TEXT;
      ALTER TABLE connections ADD COLUMN token_expires_at INTEGER;

      CREATE TABLE install_keys (
        kid TEXT PRIMARY KEY,
        alg TEXT NOT NULL,
        private_jwk TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
    `);
  },
};
