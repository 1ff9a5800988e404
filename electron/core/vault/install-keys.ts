import type { VaultDatabase } from './database.js';

/** A signing key pair of this vault, its halves as JWK JSON (see smart/install-key.ts). */
export type InstallKeyRow = { kid: string; alg: string; private_jwk: string; public_jwk: string };

/** Oldest first: the first key of an algorithm is the one registered with the vendors. */
export function readInstallKeys(db: VaultDatabase): InstallKeyRow[] {
  return db
    .prepare(`SELECT kid, alg, private_jwk, public_jwk FROM install_keys ORDER BY created_at, rowid`)
    .all() as InstallKeyRow[];
}

export function addInstallKey(db: VaultDatabase, row: InstallKeyRow): void {
  db.prepare(
    `INSERT INTO install_keys (kid, alg, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?, ?)`,
  ).run(row.kid, row.alg, row.private_jwk, row.public_jwk, new Date().toISOString());
}
