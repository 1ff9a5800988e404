import Database from 'better-sqlite3-multiple-ciphers';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../../electron/core/vault/migrations/index.js';
import { newDataKey } from '../../electron/core/vault/key-wrapping.js';
import { tempDir } from '../support/temp-dir.js';

describe('migration 2: smart connections', () => {
  it('adds sign-in columns to connections and the install key table, keeping existing connections', () => {
    const db = new Database(join(tempDir(), 'v2.db'));
    db.pragma(`cipher='sqlcipher'`);
    db.pragma('legacy=4');
    db.pragma(`key="x'${newDataKey().toString('hex')}'"`);
    migrate(db, 1);
    db.exec(`INSERT INTO persons (id, name, created_at) VALUES (1, 'Ada', 'now');
      INSERT INTO connections (id, person_id, kind, label, created_at) VALUES (1, 1, 'import', 'files', 'now')`);
    migrate(db, 2);
    expect(schemaVersion(db)).toBe(2);
    const columns = db.prepare(`SELECT name FROM pragma_table_info('connections')`).pluck().all() as string[];
    expect(columns).toEqual(
      expect.arrayContaining(['client_id', 'endpoints', 'signed_in_as', 'token_expires_at', 'auth_state']),
    );
    expect(db.prepare(`SELECT label FROM connections WHERE id = 1`).pluck().get()).toBe('files');
    db.prepare(
      `INSERT INTO install_keys (kid, alg, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?, ?)`,
    ).run('k1', 'ES384', '{}', '{}', 'now');
    expect(db.prepare(`SELECT count(*) FROM install_keys`).pluck().get()).toBe(1);
    db.close();
  });
});
