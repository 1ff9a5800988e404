import { z } from 'zod';
import { ConnectionSummary } from '../../domain.js';
import { Empty, PersonId } from './common.js';

/**
 * Hospitals and clinics: finding one, signing in to it with SMART on FHIR, and the connections
 * that result. Tokens never appear here: the renderer sees states and names, not credentials.
 */
export const ConnectionState = z.enum(['connected', 'signing-in', 'needs-sign-in', 'error', 'disconnected']);

export const Connection = ConnectionSummary.extend({
  stateReason: z.string().nullable(),
  /** The patient the portal signed in, as the portal names them. */
  signedInAs: z.string().nullable(),
  patientId: z.string().nullable(),
  fhirVersion: z.string().nullable(),
  createdAt: z.string(),
  lastSyncAt: z.string().nullable(),
  /** FHIR types the institution did not share: left out of the sign-in's grant, or refused by its server. */
  notShared: z.array(z.string()),
  /** False when the sign-in gave no refresh token: the access ends at `accessEndsAt`, then a new sign-in is needed. */
  lastingAccess: z.boolean(),
  accessEndsAt: z.string().nullable(),
});
export type Connection = z.infer<typeof Connection>;

/** An EHR vendor's id in the directory and in client registrations ('epic', 'oracle-health', …). */
export const Vendor = z.string().regex(/^[a-z0-9][a-z0-9-]{0,79}$/);

export const Institution = z.object({
  id: z.string(),
  /** The name people know it by (a SMART User-access Brand). */
  name: z.string(),
  /** "Rochester, MN", or a state alone, where the lists say. */
  place: z.string().nullable(),
  /** The health system whose portal serves it, when that is not the institution itself. */
  system: z.string().nullable(),
  /** What tells it apart from another entry with the same name, system and place (its address). */
  note: z.string().nullable(),
  fhirBase: z.string(),
  vendor: Vendor,
  vendorName: z.string(),
  fhirVersion: z.enum(['R4', 'DSTU2']),
  /** Whether PHR Vault has a client id for it; without one, signing in cannot start. */
  hasClientId: z.boolean(),
});
export type Institution = z.infer<typeof Institution>;

export const ServerSummary = z.object({
  fhirBase: z.string(),
  fhirVersion: z.string().nullable(),
  software: z.string().nullable(),
  vendor: Vendor,
  /** Whether PHR Vault has a client id for it; without one, connecting fails with no-client-id. */
  hasClientId: z.boolean(),
  /** Whether it offers PKCE S256; without it PHR Vault will not sign in (no-pkce). */
  pkce: z.boolean(),
  discoveredFrom: z.enum(['smart-configuration', 'capability-statement']),
});
export type ServerSummary = z.infer<typeof ServerSummary>;

const Identity = z.object({ name: z.string(), birthDate: z.string().nullable() });
export const IdentityComparison = z.object({
  signedInAs: Identity,
  person: Identity.extend({ id: z.number().int() }),
  name: z.enum(['same', 'different']),
  birthDate: z.enum(['same', 'different', 'unknown']),
  matches: z.boolean(),
});
export type IdentityComparison = z.infer<typeof IdentityComparison>;

export const ConnectResult = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('connected'), connection: Connection, comparison: IdentityComparison }),
  /** Signed in, but not the person chosen: the user decides with connections.confirm. */
  z.object({ outcome: z.literal('confirm'), pendingId: z.string(), comparison: IdentityComparison }),
  z.object({ outcome: z.literal('discarded') }),
]);
export type ConnectResult = z.infer<typeof ConnectResult>;

const FhirAddress = z.string().trim().min(8).max(2000);

const ClientAuth = z.enum(['public', 'private_key_jwt']);
/** Where a registration comes from: the app as shipped, this computer's file, or the environment's. */
const RegistrationSource = z.enum(['app', 'this-computer', 'environment']);
/** One vendor's registration, or one FHIR address's own (which wins over its vendor's). */
const RegistrationTarget = z.union([
  z.object({ vendor: Vendor }).strict(),
  z.object({ fhirBase: FhirAddress }).strict(),
]);

export const AppRegistrations = z.object({
  vendors: z.array(
    z.object({
      vendor: Vendor,
      name: z.string(),
      clientId: z.string(),
      auth: ClientAuth,
      from: RegistrationSource.nullable(),
    }),
  ),
  endpoints: z.array(
    z.object({ fhirBase: z.string(), clientId: z.string(), auth: ClientAuth, from: RegistrationSource }),
  ),
  /** Set when the environment names a file whose entries win over this computer's. */
  environmentFile: z.string().nullable(),
});
export type AppRegistrations = z.infer<typeof AppRegistrations>;
const ConnectionId = z.number().int().positive();

export const SignInStep = z.enum([
  'discovering',
  'waiting-for-browser',
  'exchanging-code',
  'reading-patient',
  'connected',
  'failed',
]);

export const connectionChannels = {
  'institutions.search': {
    request: z
      .object({ query: z.string().max(200), limit: z.number().int().min(1).max(100).default(20) })
      .strict(),
    response: z.array(Institution),
  },
  'connections.discover': {
    request: z.object({ fhirBase: FhirAddress }).strict(),
    response: ServerSummary,
  },
  'connections.connect': {
    request: z
      .object({
        fhirBase: FhirAddress,
        label: z.string().trim().max(200).optional(),
        /** Without a person, one is made from the name and birth date the portal gives. */
        personId: PersonId.optional(),
        acceptMismatch: z.boolean().default(false),
      })
      .strict(),
    response: ConnectResult,
  },
  'connections.confirm': {
    request: z
      .object({
        pendingId: z.string().max(100),
        link: z.boolean(),
        /** Linked to a new person made from the portal's patient, not to the one chosen. */
        asNewPerson: z.boolean().optional(),
      })
      .strict(),
    response: ConnectResult,
  },
  'connections.cancelSignIn': { request: Empty, response: z.object({ cancelled: z.boolean() }) },
  'connections.list': {
    request: z.object({ personId: PersonId.optional() }).strict(),
    response: z.array(Connection),
  },
  'connections.signInAgain': {
    request: z.object({ connectionId: ConnectionId }).strict(),
    response: Connection,
  },
  /** The name the person gives a connection; the same person's connections keep distinct names. */
  'connections.rename': {
    request: z.object({ connectionId: ConnectionId, label: z.string().trim().min(1).max(200) }).strict(),
    response: Connection,
  },
  'connections.disconnect': {
    request: z.object({ connectionId: ConnectionId, keepRecords: z.boolean() }).strict(),
    response: z.object({ revoked: z.boolean(), recordsDeleted: z.number().int() }),
  },
  /**
   * The app's registrations (client ids) per vendor and per FHIR address, and where each comes
   * from. Saved on this computer beside the vault: they are not secrets.
   */
  'clients.list': { request: Empty, response: AppRegistrations },
  'clients.save': {
    request: z
      .object({
        target: RegistrationTarget,
        clientId: z.string().trim().min(1).max(200),
        auth: ClientAuth.default('public'),
      })
      .strict(),
    response: AppRegistrations,
  },
  /** Forgets this computer's registration; one the app ships with applies again. */
  'clients.remove': {
    request: z.object({ target: RegistrationTarget }).strict(),
    response: AppRegistrations,
  },
  /** The public half of this vault's key pair, for registering a confidential asymmetric client. */
  'connections.publicKeys': {
    request: Empty,
    response: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }),
  },
} as const;

export const connectionEvents = {
  /** Where a sign-in is; `authorizeUrl` lets the screen offer "open the sign-in page again". */
  'connections.progress': z.object({
    fhirBase: z.string(),
    connectionId: z.number().int().nullable(),
    step: SignInStep,
    authorizeUrl: z.string().optional(),
    message: z.string().optional(),
  }),
  'connections.changed': z.object({ connectionId: z.number().int() }),
} as const;
