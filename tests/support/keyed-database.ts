import Database from 'better-sqlite3-multiple-ciphers';
import { applyKey, type VaultDatabase } from '../../electron/core/vault/database.js';
import { readEnvelope, wrapLabel } from '../../electron/core/vault/key-envelope.js';
import { derivePassphraseKey, unwrapKey } from '../../electron/core/vault/key-wrapping.js';

/**
 * A database file keyed the way the vault keys its own (SQLCipher 4, raw key), but without the
 * vault's settings or migrations: for tests that bring a file up to a chosen schema version.
 */
export function keyedDatabase(path: string, key: Buffer): VaultDatabase {
  const db = new Database(path) as VaultDatabase;
  db.pragma(`cipher='sqlcipher'`);
  db.pragma('legacy=4');
  db.pragma(`key="x'${key.toString('hex')}'"`);
  return db;
}

/** The vault's data key, unwrapped with its passphrase the way the app does, from the key file beside it. */
export async function vaultDataKey(path: string, passphrase: string): Promise<Buffer> {
  const envelope = readEnvelope(path);
  const key = await derivePassphraseKey(passphrase, envelope.wraps.passphrase.kdf);
  const dataKey = unwrapKey(envelope.wraps.passphrase.key, key, wrapLabel(envelope, 'passphrase'));
  if (!dataKey) throw new Error('the passphrase does not open this vault');
  return dataKey;
}

/** A second connection to a vault, keyed with its data key: what another process would hold. */
export async function otherConnection(
  path: string,
  passphrase: string,
  options?: Database.Options,
): Promise<Database.Database> {
  const db = new Database(path, options);
  applyKey(db, await vaultDataKey(path, passphrase));
  return db;
}
