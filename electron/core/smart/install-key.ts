import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { VaultDatabase } from '../vault/database.js';

/**
 * The key pair this vault signs client assertions with (private_key_jwt, SMART "confidential
 * asymmetric" clients). Made once per vault, on first need; the private half never leaves the
 * encrypted file and the core, the public half is exported as a JWKS for registration.
 * ES384 is one of the two algorithms SMART requires servers to accept.
 */
export type InstallKey = { kid: string; alg: 'ES384'; privateJwk: JWK; publicJwk: JWK };

export async function installKey(db: VaultDatabase): Promise<InstallKey> {
  const row = db
    .prepare(`SELECT kid, alg, private_jwk, public_jwk FROM install_keys ORDER BY created_at LIMIT 1`)
    .get() as { kid: string; alg: 'ES384'; private_jwk: string; public_jwk: string } | undefined;
  if (row) {
    return {
      kid: row.kid,
      alg: row.alg,
      privateJwk: JSON.parse(row.private_jwk) as JWK,
      publicJwk: JSON.parse(row.public_jwk) as JWK,
    };
  }
  const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const key: InstallKey = {
    kid,
    alg: 'ES384',
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES384', key_ops: ['sign'] },
    publicJwk: { ...publicJwk, kid, alg: 'ES384', use: 'sig', key_ops: ['verify'] },
  };
  db.prepare(
    `INSERT INTO install_keys (kid, alg, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?, ?)`,
  ).run(
    kid,
    key.alg,
    JSON.stringify(key.privateJwk),
    JSON.stringify(key.publicJwk),
    new Date().toISOString(),
  );
  return key;
}

/** What a developer portal asks for when registering a confidential asymmetric client. */
export async function publicJwks(db: VaultDatabase): Promise<{ keys: JWK[] }> {
  return { keys: [(await installKey(db)).publicJwk] };
}
