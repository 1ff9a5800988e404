import { calculateJwkThumbprint, compactVerify, importJWK, type JWK } from 'jose';
import { isObject } from '../../records/fhir-values.js';
import { isLoopback } from '../../smart/addresses.js';
import type { CardParts } from './card-payload.js';
import type { IssuerDirectory, IssuerKey, KnownIssuer, RevocationList } from './issuer-directory.js';
import {
  fetchIssuerKeys,
  fetchRevocationList,
  type FetchLimits,
  type IssuerKeyCache,
} from './issuer-keys.js';

/**
 * Whether a card is what it says: signed (ES256) by a key its issuer publishes, by an issuer
 * PHR Vault knows, not revoked, and within its dates. A card is only ever "verified" when all of
 * that holds; anything else says exactly what did not.
 */

export type VerificationStatus = 'verified' | 'unknown-issuer' | 'invalid' | 'revoked';
export type Verification = {
  status: VerificationStatus;
  /** The issuer's name from the directory, or its address when it is not in one. */
  issuer: string | null;
  /** The address the card names as its issuer (`iss`). */
  iss: string | null;
  /** Why it is not verified, in the person's words; for a verified card, what it was checked against. */
  reason: string;
  /** When the card was issued (`nbf`), ISO 8601. */
  issuedAt: string | null;
};

export type VerifyOptions = {
  directory: IssuerDirectory;
  /** Fetch keys and revocation lists from issuers (false: offline, only what is known). */
  online?: boolean;
  keyCache?: IssuerKeyCache;
  limits?: FetchLimits;
  now?: Date;
  /**
   * What was fetched during one import, by address: a thousand cards of one issuer ask it once
   * (a failure too: an issuer that did not answer is not waited for again).
   */
  fetched?: Map<string, Promise<unknown>>;
};

function once<T>(options: VerifyOptions, address: string, fetch: () => Promise<T>): Promise<T> {
  if (!options.fetched) return fetch();
  let pending = options.fetched.get(address) as Promise<T> | undefined;
  if (!pending) {
    pending = fetch();
    // Settled either way before it is kept, so an unobserved failure is never unhandled.
    pending.catch(() => undefined);
    options.fetched.set(address, pending);
  }
  return pending;
}

const HEALTH_CARD_TYPE = 'https://smarthealth.cards#health-card';
/** Seconds since 1970 stay below this until the year 5138; milliseconds passed it in 1973. */
const SECONDS_BOUND = 1e11;
/** Clocks disagree; a card issued a few minutes "in the future" is not refused for it. */
const CLOCK_SKEW_S = 300;

const day = (seconds: number) =>
  new Date(seconds * 1000).toLocaleDateString('en-US', {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    timeZone: 'UTC',
  });

/** A readable issuer when it is not in the directory: its address without the scheme. */
const issuerAddress = (iss: string) => iss.replace(/^https?:\/\//, '');

function issMistake(iss: unknown): string | null {
  if (typeof iss !== 'string' || iss === '') return 'does not say who issued it';
  let url: URL;
  try {
    url = new URL(iss);
  } catch {
    return 'names an issuer that is not a web address';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url)))
    return 'names its issuer by an address that is not secure (https), which the standard forbids';
  if (iss.endsWith('/')) return 'names its issuer with a trailing “/”, which the standard forbids';
  return null;
}

/** Checks of the card's own shape, which no key can make up for. */
function shapeMistake(parts: CardParts): string | null {
  const { header, payload } = parts;
  if (header.alg !== 'ES256') return 'is not signed the way health cards are (ES256)';
  if (typeof header.kid !== 'string' || header.kid === '') return 'does not say which key signed it';
  if (header.zip !== 'DEF') return 'does not say it is compressed, as every health card is';
  const iss = issMistake(payload.iss);
  if (iss) return iss;
  if (typeof payload.nbf !== 'number') return 'does not say when it was issued';
  if (payload.nbf > SECONDS_BOUND) return 'gives its issue date in milliseconds instead of seconds';
  if (typeof payload.exp === 'number' && payload.exp > SECONDS_BOUND)
    return 'gives its expiry in milliseconds instead of seconds';
  const vc = payload.vc as Record<string, unknown>;
  if (!Array.isArray(vc.type) || !vc.type.includes(HEALTH_CARD_TYPE))
    return 'does not say it is a SMART Health Card';
  const bundleMistake = bundleShapeMistake(parts.bundle);
  if (bundleMistake) return bundleMistake;
  return null;
}

/** The standard keeps a card's records minimal; `meta` beyond security labels has no place there. */
function bundleShapeMistake(bundle: Record<string, unknown>): string | null {
  if (bundle.type !== 'collection') return 'holds a bundle that is not a collection of records';
  for (const entry of bundle.entry as unknown[]) {
    if (!isObject(entry) || !isObject(entry.resource) || typeof entry.resource.resourceType !== 'string')
      return 'holds an entry that is not a FHIR record';
    const meta = entry.resource.meta;
    if (meta !== undefined && (!isObject(meta) || Object.keys(meta).some((k) => k !== 'security')))
      return 'holds records with details (meta) the standard leaves out of cards';
  }
  return null;
}

function verdict(
  status: VerificationStatus,
  parts: CardParts,
  known: KnownIssuer | undefined,
  reason: string,
): Verification {
  const iss = typeof parts.payload.iss === 'string' ? parts.payload.iss : null;
  const nbf = parts.payload.nbf;
  return {
    status,
    issuer: known?.name ?? (iss ? issuerAddress(iss) : null),
    iss,
    reason,
    issuedAt: typeof nbf === 'number' && nbf < SECONDS_BOUND ? new Date(nbf * 1000).toISOString() : null,
  };
}

/**
 * A key the standard lets sign a card: P-256 for ES256, for signing, named by its own thumbprint
 * (so a key set cannot pass one key off under another's name).
 */
async function isCardKey(key: IssuerKey): Promise<boolean> {
  if (key.kty !== 'EC' || key.crv !== 'P-256' || typeof key.x !== 'string' || typeof key.y !== 'string')
    return false;
  if (key.use !== undefined && key.use !== 'sig') return false;
  if (key.alg !== undefined && key.alg !== 'ES256') return false;
  const { kty, crv, x, y } = key;
  return (await calculateJwkThumbprint({ kty, crv, x, y } as JWK)) === key.kid;
}

async function signatureMatches(jws: string, key: IssuerKey): Promise<boolean> {
  try {
    const { x, y, kty, crv } = key as JWK;
    await compactVerify(jws, await importJWK({ kty, crv, x, y }, 'ES256'), { algorithms: ['ES256'] });
    return true;
  } catch {
    return false;
  }
}

/** The keys an issuer is known to use: the directory's, then those fetched before, then fetched now. */
async function keyFor(
  iss: string,
  kid: string,
  known: KnownIssuer | undefined,
  options: VerifyOptions,
): Promise<{ key: IssuerKey | null; fetchFailed: boolean }> {
  const find = async (keys: readonly IssuerKey[]) => {
    const key = keys.find((k) => k.kid === kid);
    return key && (await isCardKey(key)) ? key : null;
  };
  const fromDirectory = known ? await find(known.keys) : null;
  if (fromDirectory) return { key: fromDirectory, fetchFailed: false };
  const cached = options.keyCache?.get(iss);
  const fromCache = cached ? await find(cached.keys) : null;
  if (fromCache) return { key: fromCache, fetchFailed: false };
  if (!options.online) return { key: null, fetchFailed: false };
  try {
    const keys = await once(options, `keys ${iss}`, () => fetchIssuerKeys(iss, options.limits));
    options.keyCache?.put(iss, keys);
    return { key: await find(keys), fetchFailed: false };
  } catch {
    return { key: null, fetchFailed: true };
  }
}

/** Whether the issuer lists the card's `rid` as revoked; false when it publishes no list to ask, or none is known. */
async function isRevoked(
  parts: CardParts,
  key: IssuerKey,
  known: KnownIssuer,
  options: VerifyOptions,
): Promise<boolean> {
  const rid = (parts.payload.vc as Record<string, unknown>).rid;
  if (typeof rid !== 'string' || key.crlVersion === undefined) return false;
  let list: RevocationList | undefined = known.crls.find((c) => c.kid === key.kid);
  if (options.online) {
    try {
      list = await once(options, `crl ${known.iss} ${key.kid}`, () =>
        fetchRevocationList(known.iss, key.kid, options.limits),
      );
    } catch {
      // Offline or unanswered: the snapshot's list (if any) is what is known.
    }
  }
  if (!list) return false;
  const nbf = parts.payload.nbf as number;
  return list.rids.some((entry) => {
    const [listed, until] = entry.split('.');
    // "rid.timestamp": cards with that rid issued before the timestamp are revoked.
    return listed === rid && (until === undefined || nbf < Number(until));
  });
}

export async function verifyCard(parts: CardParts, options: VerifyOptions): Promise<Verification> {
  const iss = typeof parts.payload.iss === 'string' ? parts.payload.iss : '';
  const known = options.directory.get(iss);
  const mistake = shapeMistake(parts);
  if (mistake) return verdict('invalid', parts, known, `This card ${mistake}.`);
  const kid = parts.header.kid as string;
  const { key, fetchFailed } = await keyFor(iss, kid, known, options);
  if (!key) {
    // The issuer's keys as known (the directory's, or fetched just now) lack the card's key: it
    // was not signed by them. When they could not be fetched, that cannot be told.
    if (known && fetchFailed)
      return verdict(
        'unknown-issuer',
        parts,
        known,
        `It names ${known.name} as its issuer, but was signed with a key PHR Vault does not have, and ${known.name}’s keys could not be fetched to check it.`,
      );
    if (known)
      return verdict(
        'invalid',
        parts,
        known,
        `It was signed with a key ${known.name} does not publish, so the signature does not match.`,
      );
    return verdict(
      'unknown-issuer',
      parts,
      known,
      `It is signed by an issuer we do not know (${issuerAddress(iss)})${fetchFailed ? ', and its keys could not be fetched to check it' : ''}.`,
    );
  }
  if (!(await signatureMatches(parts.jws, key)))
    return verdict(
      'invalid',
      parts,
      known,
      'The signature does not match: the card was changed after it was signed, or signed by someone else.',
    );
  if (!known)
    return verdict(
      'unknown-issuer',
      parts,
      known,
      `It is signed by an issuer we do not know (${issuerAddress(iss)}); its signature matches the keys that address publishes.`,
    );
  if (await isRevoked(parts, key, known, options))
    return verdict('revoked', parts, known, `${known.name} has revoked this card.`);
  const now = (options.now ?? new Date()).getTime() / 1000;
  const nbf = parts.payload.nbf as number;
  if (nbf > now + CLOCK_SKEW_S)
    return verdict('invalid', parts, known, `This card is not valid until ${day(nbf)}.`);
  const exp = parts.payload.exp;
  if (typeof exp === 'number' && exp < now)
    return verdict('invalid', parts, known, `This card expired on ${day(exp)}.`);
  return verdict('verified', parts, known, `Signed by ${known.name}, as listed in ${known.knownFrom}.`);
}
