import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { VaultError } from '../errors.js';
import type { VaultDatabase } from '../vault/database.js';
import { addInstallKey, readInstallKeys } from '../vault/install-keys.js';

/**
 * The key pairs this vault signs client assertions with (private_key_jwt, SMART "confidential
 * asymmetric" clients). Made once per vault, on first need; the private halves never leave the
 * encrypted file and the core, the public halves are exported as one JWKS for registration.
 * One key for each of the two algorithms SMART requires servers to accept (ES384 and RS384):
 * a server that accepts only one of them is still signed for.
 */
export const ASSERTION_ALGS = ['ES384', 'RS384'] as const;
export type AssertionAlg = (typeof ASSERTION_ALGS)[number];

export type InstallKey = { kid: string; alg: AssertionAlg; privateJwk: JWK; publicJwk: JWK };

const isAssertionAlg = (alg: string): alg is AssertionAlg =>
  (ASSERTION_ALGS as readonly string[]).includes(alg);

/** Every key of this vault, one per algorithm, made now where one is missing (vaults before RS384). */
export async function installKeys(db: VaultDatabase): Promise<InstallKey[]> {
  const keys = new Map<AssertionAlg, InstallKey>();
  for (const row of readInstallKeys(db)) {
    if (!isAssertionAlg(row.alg) || keys.has(row.alg)) continue;
    keys.set(row.alg, {
      kid: row.kid,
      alg: row.alg,
      privateJwk: JSON.parse(row.private_jwk) as JWK,
      publicJwk: JSON.parse(row.public_jwk) as JWK,
    });
  }
  for (const alg of ASSERTION_ALGS) {
    if (keys.has(alg)) continue;
    const key = await newKey(alg);
    addInstallKey(db, {
      kid: key.kid,
      alg,
      private_jwk: JSON.stringify(key.privateJwk),
      public_jwk: JSON.stringify(key.publicJwk),
    });
    keys.set(alg, key);
  }
  return ASSERTION_ALGS.map((alg) => keys.get(alg)!);
}

/** The key for one algorithm (ES384 for connections made before the algorithm was chosen). */
export async function installKey(db: VaultDatabase, alg: AssertionAlg = 'ES384'): Promise<InstallKey> {
  const keys = await installKeys(db);
  return keys.find((key) => key.alg === alg) ?? keys[0]!;
}

async function newKey(alg: AssertionAlg): Promise<InstallKey> {
  // 2048 bits is what SMART's and the vendors' RSA examples use, and what every server accepts.
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    kid,
    alg,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg, key_ops: ['sign'] },
    publicJwk: { ...publicJwk, kid, alg, use: 'sig', key_ops: ['verify'] },
  };
}

/**
 * The algorithm to sign with at a server, from its `token_endpoint_auth_signing_alg_values_supported`:
 * ES384 where it is accepted or the server does not say (SMART requires servers to accept it),
 * RS384 where only that is; a server accepting neither is refused in words, not with a failed
 * assertion.
 */
export function assertionAlgFor(supported: readonly string[]): AssertionAlg {
  if (supported.length === 0 || supported.includes('ES384')) return 'ES384';
  if (supported.includes('RS384')) return 'RS384';
  // The server's own words, so only what looks like an algorithm's name is repeated.
  const named = supported.filter((alg) => /^[A-Za-z0-9]{2,12}$/.test(alg)).slice(0, 4);
  throw new VaultError(
    'sign-in-failed',
    `This server accepts app keys signed only with ${named.join(', ') || 'other algorithms'}; PHR Vault signs with ES384 or RS384, the two SMART asks servers to accept.`,
  );
}

/** What a developer portal asks for when registering a confidential asymmetric client. */
export async function publicJwks(db: VaultDatabase): Promise<{ keys: JWK[] }> {
  return { keys: (await installKeys(db)).map((key) => key.publicJwk) };
}
