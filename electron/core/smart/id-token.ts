import {
  createLocalJWKSet,
  decodeJwt,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import { VaultError } from '../errors.js';
import { checkedAddress } from './addresses.js';
import { ask, jsonOrNull } from './server-http.js';

/** A clock a minute off either way is common on home computers; more is a token that ran out. */
const CLOCK_TOLERANCE_SECONDS = 60;
/** The algorithms an authorization server signs id_tokens with (OpenID Core; never `none`). */
const ID_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384'];
/** A key set is a few keys; a bigger answer is not one. */
const MAX_JWKS_CHARS = 256 * 1024;

export type IdTokenCheck = {
  idToken: string;
  /** The authorization server's `issuer` from its SMART configuration, when it gives one. */
  issuer: string | null;
  /** The SMART configuration's `jwks_uri`, when it gives one. */
  jwksUri: string | null;
  clientId: string;
  /** The nonce this sign-in sent in its authorize request. */
  nonce: string;
  /** The `patient` context of the token answer. */
  patientId: string;
};

const unverified = (detail: string, cause?: unknown) =>
  new VaultError('sign-in-unverified', detail, cause === undefined ? undefined : { cause });

/**
 * Checks the id_token that came with the tokens (OpenID Connect Core §3.1.3.7, SMART App Launch
 * "fhirUser"): signed with one of the authorization server's own keys, issued by it, for this
 * app, not run out, carrying this sign-in's nonce; and the user it names is the patient whose
 * records were granted, or someone acting for them. Answers the `fhirUser` reference.
 *
 * Where the server publishes no `jwks_uri`, the signature cannot be checked, and OpenID Core
 * §3.1.3.7 (6) lets the TLS connection to the token endpoint stand for it; every claim is still
 * checked.
 */
export async function checkIdToken(check: IdTokenCheck): Promise<string | null> {
  let claims: JWTPayload;
  try {
    if (check.jwksUri) {
      const keys = createLocalJWKSet(await keySet(check.jwksUri));
      ({ payload: claims } = await jwtVerify(check.idToken, keys, {
        algorithms: ID_TOKEN_ALGORITHMS,
        audience: check.clientId,
        ...(check.issuer ? { issuer: check.issuer } : {}),
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
      }));
    } else {
      claims = decodeJwt(check.idToken);
      checkClaimsWithoutKeys(claims, check);
    }
  } catch (error) {
    if (error instanceof VaultError) throw error;
    throw unverified(wordsFor(error), error);
  }
  // With several audiences, the one it was given to must be this app (OpenID Core §3.1.3.7 (4, 5)).
  if (Array.isArray(claims.aud) && claims.aud.length > 1 && claims.azp !== check.clientId) {
    throw unverified('The portal’s proof of who signed in was made for another app.');
  }
  if (claims.nonce !== check.nonce) {
    throw unverified('The portal’s proof of who signed in belongs to another sign-in.');
  }
  const fhirUser = typeof claims.fhirUser === 'string' ? claims.fhirUser : null;
  const named = fhirUser ? referenceIn(fhirUser) : null;
  if (named?.type === 'Patient' && named.id !== check.patientId) {
    throw unverified(
      'The portal signed in one patient but gave access to another patient’s records, so none were taken.',
    );
  }
  return fhirUser;
}

/** The key set behind `jwks_uri`, fetched under the same address rules as every sign-in request. */
async function keySet(jwksUri: string): Promise<JSONWebKeySet> {
  const url = checkedAddress(jwksUri, 'The sign-in server’s key address');
  const response = await ask(url, { headers: { accept: 'application/json' } });
  checkedAddress(response.url || url.href, 'The sign-in server’s key address');
  const text = response.ok ? await response.text() : '';
  const body = text.length <= MAX_JWKS_CHARS ? await jsonOrNull(new Response(text)) : null;
  const keys = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) {
    throw unverified(`${url.host} did not send the keys that check who signed in.`);
  }
  return { keys } as JSONWebKeySet;
}

/** What jwtVerify checks, for a token whose signature cannot be checked (no `jwks_uri`). */
function checkClaimsWithoutKeys(claims: JWTPayload, check: IdTokenCheck): void {
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(check.clientId)) {
    throw new joseErrors.JWTClaimValidationFailed('unexpected "aud" claim value', claims, 'aud');
  }
  if (check.issuer && claims.iss !== check.issuer) {
    throw new joseErrors.JWTClaimValidationFailed('unexpected "iss" claim value', claims, 'iss');
  }
  if (typeof claims.exp !== 'number' || claims.exp + CLOCK_TOLERANCE_SECONDS < Date.now() / 1000) {
    throw new joseErrors.JWTExpired('"exp" claim timestamp check failed', claims);
  }
}

function wordsFor(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) {
    return 'The portal’s proof of who signed in had already run out (is this computer’s clock right?).';
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'The portal’s proof of who signed in was made for another app.';
    if (error.claim === 'iss') {
      return 'The portal’s proof of who signed in came from another sign-in server than this health system’s.';
    }
    if (error.claim === 'iat' || error.claim === 'nbf') {
      return 'The portal’s proof of who signed in is dated in the future (is this computer’s clock right?).';
    }
  }
  if (
    error instanceof joseErrors.JWSSignatureVerificationFailed ||
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JWKSMultipleMatchingKeys
  ) {
    return 'The portal’s proof of who signed in is not signed with the health system’s own keys.';
  }
  return 'The portal’s proof of who signed in could not be read.';
}

/** `Patient/123`, `https://…/fhir/Patient/123` or `…/Patient/123/_history/2`: its type and id. */
function referenceIn(reference: string): { type: string; id: string } | null {
  const found = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
  return found ? { type: found[1]!, id: found[2]! } : null;
}
