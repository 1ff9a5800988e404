import { VaultError } from '../errors.js';
import { checkedAddress, exactFhirBase, normalFhirBase, sameFhirBase } from './addresses.js';
import { ask, jsonOrNull } from './server-http.js';

/** What a FHIR server says about how to sign in to it; nothing here is secret. */
export type ServerSecurity = {
  /** The base as the server names itself (see `exactFhirBase`): the authorize request's `aud`. */
  fhirBase: string;
  authorizeUri: string;
  tokenUri: string;
  revokeUri: string | null;
  /** The authorization server's own name (smart-configuration `issuer`), when it gives one. */
  issuer: string | null;
  /** Where the authorization server publishes the keys its id_tokens are signed with. */
  jwksUri: string | null;
  /** The algorithms it accepts for client assertions (empty when it does not say). */
  assertionAlgs: string[];
  codeChallengeMethods: string[];
  scopesSupported: string[];
  capabilities: string[];
  /** From the CapabilityStatement, when it could be read: '4.0.1', '1.0.2'… */
  fhirVersion: string | null;
  /** The server's own name for its software ("Epic", "Cerner Millennium"…), to pick a client id. */
  software: string | null;
  /** Which document the endpoints came from, for the user's curiosity and for tests. */
  source: 'smart-configuration' | 'capability-statement';
};

const OAUTH_URIS = 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s) => typeof s === 'string') : []);

async function getJson(url: URL, timeoutMs?: number): Promise<{ status: number; body: unknown }> {
  const response = await ask(
    url,
    { headers: { accept: 'application/fhir+json, application/json' } },
    timeoutMs,
  );
  // A redirect may have taken us elsewhere; the rules for addresses hold wherever we ended up.
  checkedAddress(response.url || url.href);
  return { status: response.status, body: response.ok ? await jsonOrNull(response) : null };
}

function fromCapabilityStatement(body: unknown): Partial<ServerSecurity> & { isFhir: boolean } {
  if (
    !isObject(body) ||
    (body.resourceType !== 'CapabilityStatement' && body.resourceType !== 'Conformance')
  ) {
    return { isFhir: false };
  }
  const rest = Array.isArray(body.rest) && isObject(body.rest[0]) ? body.rest[0] : {};
  const security = isObject(rest.security) ? rest.security : {};
  const oauth = (Array.isArray(security.extension) ? security.extension : []).find(
    (e): e is Json => isObject(e) && e.url === OAUTH_URIS,
  );
  const uri = (name: string): string | undefined => {
    const found = (Array.isArray(oauth?.extension) ? oauth.extension : []).find(
      (e): e is Json => isObject(e) && e.url === name,
    );
    return typeof found?.valueUri === 'string' ? found.valueUri : undefined;
  };
  const software =
    isObject(body.software) && typeof body.software.name === 'string' ? body.software.name : null;
  const implementation =
    isObject(body.implementation) && typeof body.implementation.url === 'string'
      ? body.implementation.url
      : undefined;
  return {
    isFhir: true,
    ...(implementation ? { fhirBase: implementation } : {}),
    fhirVersion: typeof body.fhirVersion === 'string' ? body.fhirVersion : null,
    software,
    ...(uri('authorize') ? { authorizeUri: uri('authorize') } : {}),
    ...(uri('token') ? { tokenUri: uri('token') } : {}),
    ...(uri('revoke') ? { revokeUri: uri('revoke') } : {}),
  };
}

/**
 * Finds where to sign in for a FHIR base: `.well-known/smart-configuration` first, the
 * CapabilityStatement's oauth-uris extension when there is none. The CapabilityStatement is read
 * either way for the FHIR version. Discovery reports what it found; signing in refuses a server
 * that does not advertise PKCE S256 (see `requireS256`).
 */
export async function discoverServer(rawBase: string, timeoutMs?: number): Promise<ServerSecurity> {
  const typed = exactFhirBase(rawBase);
  const beneath = normalFhirBase(typed);
  const [wellKnown, metadata] = await Promise.allSettled([
    getJson(new URL('.well-known/smart-configuration', beneath), timeoutMs),
    getJson(new URL('metadata', beneath), timeoutMs),
  ]);
  if (wellKnown.status === 'rejected' && metadata.status === 'rejected') throw metadata.reason;
  // A TLS or address failure on either is never "just a fallback": it is the answer.
  for (const r of [wellKnown, metadata]) {
    if (r.status === 'rejected' && isVaultErrorKind(r.reason, ['tls-error', 'insecure-address']))
      throw r.reason;
  }
  const smart =
    wellKnown.status === 'fulfilled' && isObject(wellKnown.value.body) ? wellKnown.value.body : null;
  const capability = fromCapabilityStatement(metadata.status === 'fulfilled' ? metadata.value.body : null);

  const hasSmart =
    !!smart && typeof smart.authorization_endpoint === 'string' && typeof smart.token_endpoint === 'string';
  if (!hasSmart && !capability.isFhir) throw new VaultError('not-a-fhir-server');
  const authorizeUri = hasSmart ? (smart.authorization_endpoint as string) : capability.authorizeUri;
  const tokenUri = hasSmart ? (smart.token_endpoint as string) : capability.tokenUri;
  if (!authorizeUri || !tokenUri) {
    throw new VaultError(
      'not-a-fhir-server',
      'This FHIR server does not offer patient sign-in (SMART on FHIR).',
    );
  }
  checkedAddress(authorizeUri, 'The sign-in address');
  checkedAddress(tokenUri, 'The token address');
  const revoke =
    hasSmart && typeof smart.revocation_endpoint === 'string'
      ? smart.revocation_endpoint
      : capability.revokeUri;
  const security: ServerSecurity = {
    fhirBase: namedBase(typed, capability.fhirBase),
    authorizeUri,
    tokenUri,
    // Checked, but kept as advertised, like the token address: a client assertion's `aud` is
    // the endpoint's address compared as a string, not as URL parsing re-spells it.
    revokeUri: revoke ? (checkedAddress(revoke, 'The revocation address'), revoke) : null,
    issuer: hasSmart && typeof smart.issuer === 'string' ? smart.issuer : null,
    jwksUri:
      hasSmart && typeof smart.jwks_uri === 'string'
        ? (checkedAddress(smart.jwks_uri, 'The sign-in server’s key address'), smart.jwks_uri)
        : null,
    assertionAlgs: hasSmart ? strings(smart.token_endpoint_auth_signing_alg_values_supported) : [],
    codeChallengeMethods: strings(smart?.code_challenge_methods_supported),
    scopesSupported: strings(smart?.scopes_supported),
    capabilities: strings(smart?.capabilities),
    fhirVersion: capability.fhirVersion ?? null,
    software: capability.software ?? null,
    source: hasSmart ? 'smart-configuration' : 'capability-statement',
  };
  return security;
}

/**
 * Without PKCE S256, a code caught on its way to the loopback listener (another local program
 * can listen on ports too) could be exchanged by someone else; such a server is refused. Only the
 * SMART configuration can advertise it: a server known only by its CapabilityStatement is refused
 * too, with words that say why.
 */
export function requireS256(security: ServerSecurity): void {
  if (security.codeChallengeMethods.includes('S256')) return;
  throw new VaultError(
    'no-pkce',
    security.source === 'capability-statement'
      ? 'This server publishes no SMART configuration, so it does not say it supports PKCE.'
      : undefined,
  );
}

/**
 * The base to sign in with: the server's own spelling from its CapabilityStatement
 * (`implementation.url`) when it names the same server as the address given, so a slash typed or
 * left out by the user never becomes an audience the server refuses; the given address otherwise
 * (a server naming some other address, say a load balancer's, is not taken at its word).
 */
function namedBase(typed: string, named: string | undefined): string {
  if (!named) return typed;
  try {
    const own = exactFhirBase(named);
    return sameFhirBase(own, typed) ? own : typed;
  } catch {
    return typed;
  }
}

function isVaultErrorKind(error: unknown, kinds: string[]): boolean {
  return error instanceof VaultError && kinds.includes(error.kind);
}

/**
 * The scopes to ask for: the patient's context, who signed in, a refresh token, and read access to
 * the patient's records, in the SMART version the server speaks (v2 `.rs` when it says so).
 */
export function patientScopes(security: Pick<ServerSecurity, 'scopesSupported' | 'capabilities'>): string {
  const v2 =
    security.capabilities.includes('permission-v2') ||
    security.scopesSupported.some((s) => /^(patient|user)\/[^ ]+\.c?ru?d?s$/.test(s));
  const read = v2 ? 'patient/*.rs' : 'patient/*.read';
  return ['launch/patient', 'openid', 'fhirUser', 'offline_access', read].join(' ');
}
