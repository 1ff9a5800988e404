import Database from 'better-sqlite3-multiple-ciphers';

/**
 * A database file keyed the way the vault keys its own (SQLCipher 4, raw key), but without the
 * vault's settings or migrations: for tests that bring a file up to a chosen schema version.
 */
export function keyedDatabase(path: string, key: Buffer): Database.Database {
  const db = new Database(path);
  db.pragma(`cipher='sqlcipher'`);
  db.pragma('legacy=4');
  db.pragma(`key="x'${key.toString('hex')}'"`);
  return db;
}
