import { VaultError } from '../errors.js';
import {
  addSmartConnection,
  readSmartAuth,
  replaceTokens,
  setConnectionState,
} from '../vault/connections.js';
import type { VaultDatabase } from '../vault/database.js';
import { addPerson, getPerson } from '../vault/persons.js';
import { exactFhirBase } from './addresses.js';
import { loadClientRegistry, registrationFor, vendorOf, type Registration } from './client-registration.js';
import { discoverServer, requireS256, type ServerSecurity } from './discovery.js';
import type { ClientState } from './fhirclient-adapter.js';
import { assertionAlgFor, installKey, type AssertionAlg } from './install-key.js';
import {
  compareIdentity,
  patientIdentity,
  type IdentityComparison,
  type PatientIdentity,
} from './patient-match.js';
import { signIn, type SignedIn, type SignInRequest } from './sign-in.js';

/**
 * From "this institution" to a connection in the vault: pick the client registration, sign in,
 * then link the signed-in patient to a person — asking first when they do not look the same.
 */
export type SignInPorts = Pick<SignInRequest, 'openBrowser' | 'onStep' | 'timeoutMs' | 'signal'>;

export type InstitutionSignIn = {
  fhirBase: string;
  /** Overrides the configured registration (the CLI's --client-id). */
  clientId?: string | undefined;
  auth?: Registration['auth'] | undefined;
  scope?: string | undefined;
  dataFolder?: string | undefined;
  /** The registrations file PHR_VAULT_SMART_CLIENTS names, as the entry point read it. */
  environmentFile?: string | null | undefined;
  security?: ServerSecurity | undefined;
};

export type SignedInInstitution = SignedIn & {
  clientId: string;
  auth: Registration['auth'];
  /** The vault key's algorithm a confidential client signs with at this server. */
  assertionAlg?: AssertionAlg | undefined;
  identity: PatientIdentity;
};

export async function signInToInstitution(
  db: VaultDatabase,
  request: InstitutionSignIn,
  ports: SignInPorts,
): Promise<SignedInInstitution> {
  // As typed or as the directory lists it; discovery may take the server's own spelling.
  const fhirBase = exactFhirBase(request.fhirBase);
  ports.onStep?.('discovering');
  const security = request.security ?? (await discoverServer(fhirBase));
  requireS256(security);
  const registration: Registration | null = request.clientId
    ? { clientId: request.clientId, auth: request.auth ?? 'public' }
    : registrationFor(
        loadClientRegistry(request.dataFolder, request.environmentFile),
        fhirBase,
        vendorOf(fhirBase, security.software),
      );
  if (!registration) throw new VaultError('no-client-id');
  const key =
    registration.auth === 'private_key_jwt'
      ? await installKey(db, assertionAlgFor(security.assertionAlgs))
      : undefined;
  const signedIn = await signIn({
    ...ports,
    fhirBase: security.fhirBase,
    security,
    clientId: registration.clientId,
    scope: request.scope,
    privateJwk: key ? { ...key.privateJwk, kid: key.kid, alg: key.alg } : undefined,
  });
  return {
    ...signedIn,
    clientId: registration.clientId,
    auth: registration.auth,
    assertionAlg: key?.alg,
    identity: patientIdentity(signedIn.patient),
  };
}

function endpointsOf(signedIn: SignedInInstitution): Record<string, unknown> {
  return {
    authorizeUri: signedIn.security.authorizeUri,
    tokenUri: signedIn.security.tokenUri,
    revokeUri: signedIn.security.revokeUri,
    auth: signedIn.auth,
    ...(signedIn.assertionAlg ? { assertionAlg: signedIn.assertionAlg } : {}),
  };
}

export type LinkChoice = {
  /** An existing person; without it a new person is made from the portal's name and birth date. */
  personId?: number | undefined;
  label?: string | undefined;
  /** The user has seen the comparison and wants these records filed under this person anyway. */
  acceptMismatch?: boolean | undefined;
};

export type LinkOutcome =
  | { outcome: 'connected'; connectionId: number; personId: number; comparison: IdentityComparison }
  | { outcome: 'confirm'; comparison: IdentityComparison };

export function linkSignedIn(
  db: VaultDatabase,
  signedIn: SignedInInstitution,
  choice: LinkChoice,
): LinkOutcome {
  const person =
    choice.personId !== undefined
      ? getPerson(db, choice.personId)
      : addPerson(db, {
          name: signedIn.identity.name,
          birthDate: signedIn.identity.birthDate?.match(/^\d{4}(-\d{2}(-\d{2})?)?$/)
            ? signedIn.identity.birthDate
            : undefined,
          relationship: 'other',
        });
  const comparison = compareIdentity(person, signedIn.identity);
  if (!comparison.matches && !choice.acceptMismatch) return { outcome: 'confirm', comparison };
  const connectionId = addSmartConnection(db, {
    personId: person.id,
    label: choice.label?.trim() || new URL(signedIn.security.fhirBase).host,
    fhirBase: signedIn.security.fhirBase,
    fhirVersion: signedIn.security.fhirVersion,
    patientId: signedIn.patientId,
    clientId: signedIn.clientId,
    endpoints: endpointsOf(signedIn),
    signedInAs: signedIn.identity.name,
    authState: signedIn.state as unknown as Record<string, unknown>,
    tokenExpiresAt: (signedIn.state as ClientState).expiresAt ?? null,
  });
  return { outcome: 'connected', connectionId, personId: person.id, comparison };
}

/**
 * Signs in again to an existing connection (after "needs sign-in"). The portal must sign in the
 * same patient as before: a different one would mix two people's records under one connection.
 */
export async function signInAgain(
  db: () => VaultDatabase,
  connectionId: number,
  ports: SignInPorts & { dataFolder?: string | undefined },
): Promise<void> {
  const auth = readSmartAuth(db(), connectionId);
  if (!auth) throw new VaultError('not-found');
  const previous = auth.state;
  setConnectionState(db(), connectionId, 'signing-in');
  try {
    const signedIn = await signInToInstitution(
      db(),
      {
        fhirBase: auth.audience,
        clientId: auth.clientId,
        auth: (auth.endpoints.auth as Registration['auth']) ?? 'public',
      },
      ports,
    );
    if (signedIn.patientId !== auth.patientId) {
      throw new VaultError(
        'sign-in-failed',
        `The portal signed in ${signedIn.identity.name}, not the patient this connection belongs to.`,
      );
    }
    replaceTokens(
      db(),
      connectionId,
      signedIn.state as unknown as Record<string, unknown>,
      signedIn.state.expiresAt ?? null,
      {
        signedInAs: signedIn.identity.name,
        endpoints: endpointsOf(signedIn),
      },
    );
  } catch (error) {
    // Back to where it was: a failed second sign-in must not make a working connection look broken.
    setConnectionState(
      db(),
      connectionId,
      previous === 'signing-in' ? 'needs-sign-in' : previous,
      previous === 'connected' ? null : error instanceof VaultError ? error.message : null,
    );
    throw error;
  }
}
