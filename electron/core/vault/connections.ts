import type { ConnectionSummary } from '../../../shared/domain.js';
import { VaultError } from '../errors.js';
import type { VaultDatabase } from './database.js';

type ConnectionRow = {
  id: number;
  person_id: number;
  kind: 'smart' | 'import';
  label: string;
  fhir_base: string | null;
  state: string;
  record_count: number;
  entered_by_person: number;
};

const SELECT_CONNECTIONS = `
  SELECT c.id, c.person_id, c.kind, c.label, c.fhir_base, c.state, c.entered_by_person,
         (SELECT count(*) FROM resources r WHERE r.connection_id = c.id) AS record_count
  FROM connections c`;

function toSummary(row: ConnectionRow): ConnectionSummary {
  return {
    id: row.id,
    personId: row.person_id,
    kind: row.kind,
    label: row.label,
    fhirBase: row.fhir_base,
    state: row.state,
    recordCount: row.record_count,
    ...(row.entered_by_person === 1 ? { enteredByYou: true } : {}),
  };
}

export function listConnections(db: VaultDatabase, personId?: number): ConnectionSummary[] {
  const rows =
    personId === undefined
      ? db.prepare(`${SELECT_CONNECTIONS} ORDER BY c.id`).all()
      : db.prepare(`${SELECT_CONNECTIONS} WHERE c.person_id = ? ORDER BY c.id`).all(personId);
  return (rows as ConnectionRow[]).map(toSummary);
}

/**
 * Records that arrive as files rather than from a portal still need a source: one "import"
 * connection per person and label (the file's origin), reused on every import of the same label.
 */
export function importConnection(db: VaultDatabase, personId: number, label: string): number {
  const existing = db
    .prepare(`SELECT id FROM connections WHERE person_id = ? AND kind = 'import' AND label = ?`)
    .get(personId, label) as { id: number } | undefined;
  if (existing) return existing.id;
  const { lastInsertRowid } = db
    .prepare(
      `INSERT INTO connections (person_id, kind, label, state, created_at) VALUES (?, 'import', ?, 'connected', ?)`,
    )
    .run(personId, label, new Date().toISOString());
  return Number(lastInsertRowid);
}

/** The states a SMART connection moves through; what the connections screen shows. */
export type ConnectionState = 'connected' | 'signing-in' | 'needs-sign-in' | 'error' | 'disconnected';

export type ConnectionDetail = ConnectionSummary & {
  stateReason: string | null;
  signedInAs: string | null;
  patientId: string | null;
  fhirVersion: string | null;
  createdAt: string;
  lastSyncAt: string | null;
  /** FHIR types the institution did not share (not granted at sign-in, or refused by its server). */
  notShared: string[];
  /**
   * False when the sign-in gave no refresh token: the access ends with the access token, at
   * `accessEndsAt`, and a new sign-in is needed then.
   */
  lastingAccess: boolean;
  accessEndsAt: string | null;
};

type DetailRow = ConnectionRow & {
  state_reason: string | null;
  signed_in_as: string | null;
  patient_id: string | null;
  fhir_version: string | null;
  created_at: string;
  last_sync_at: string | null;
  not_shared: string | null;
  no_refresh_token: number;
  token_expires_at: number | null;
};

const SELECT_DETAILS = `
  SELECT c.id, c.person_id, c.kind, c.label, c.fhir_base, c.state, c.entered_by_person, c.state_reason, c.signed_in_as,
         c.patient_id, c.fhir_version, c.created_at, c.last_sync_at, c.token_expires_at,
         (SELECT count(*) FROM resources r WHERE r.connection_id = c.id) AS record_count,
         (SELECT json_group_array(t.resource_type) FROM sync_types t
           WHERE t.connection_id = c.id AND t.refused IS NOT NULL AND instr(t.resource_type, '?') = 0) AS not_shared,
         -- Whether a refresh token was given, asked of the stored sign-in here so no token leaves the database.
         (c.auth_state IS NOT NULL AND json_extract(c.auth_state, '$.tokenResponse.refresh_token') IS NULL) AS no_refresh_token
  FROM connections c`;

function toDetail(row: DetailRow): ConnectionDetail {
  return {
    ...toSummary(row),
    stateReason: row.state_reason,
    signedInAs: row.signed_in_as,
    patientId: row.patient_id,
    fhirVersion: row.fhir_version,
    createdAt: row.created_at,
    lastSyncAt: row.last_sync_at,
    notShared: row.not_shared ? (JSON.parse(row.not_shared) as string[]).sort() : [],
    lastingAccess: row.no_refresh_token !== 1,
    accessEndsAt:
      row.no_refresh_token === 1 && row.token_expires_at !== null
        ? new Date(row.token_expires_at * 1000).toISOString()
        : null,
  };
}

/** Connections with their state and why; never the sign-in state or tokens. */
export function listConnectionDetails(db: VaultDatabase, personId?: number): ConnectionDetail[] {
  const rows =
    personId === undefined
      ? db.prepare(`${SELECT_DETAILS} ORDER BY c.id`).all()
      : db.prepare(`${SELECT_DETAILS} WHERE c.person_id = ? ORDER BY c.id`).all(personId);
  return (rows as DetailRow[]).map(toDetail);
}

export function getConnectionDetail(db: VaultDatabase, id: number): ConnectionDetail | undefined {
  const row = db.prepare(`${SELECT_DETAILS} WHERE c.id = ?`).get(id) as DetailRow | undefined;
  return row ? toDetail(row) : undefined;
}

/** What the core needs to use a SMART connection. `authState` holds tokens: core only, never logged. */
export type SmartConnectionAuth = {
  id: number;
  personId: number;
  /**
   * The FHIR base ending in one slash, for resolving relative addresses beneath it
   * (`new URL('metadata', fhirBase)`); never sent as an audience.
   */
  fhirBase: string;
  /** The base as stored: as the server named itself at sign-in, the `aud` to sign in again with. */
  audience: string;
  patientId: string;
  clientId: string;
  state: ConnectionState;
  endpoints: Record<string, unknown>;
  authState: Record<string, unknown> | null;
  tokenExpiresAt: number | null;
};

export function readSmartAuth(db: VaultDatabase, id: number): SmartConnectionAuth | undefined {
  const row = db
    .prepare(
      `SELECT id, person_id, fhir_base, patient_id, client_id, state, endpoints, auth_state, token_expires_at
       FROM connections WHERE id = ? AND kind = 'smart'`,
    )
    .get(id) as
    | {
        id: number;
        person_id: number;
        fhir_base: string;
        patient_id: string;
        client_id: string;
        state: ConnectionState;
        endpoints: string | null;
        auth_state: string | null;
        token_expires_at: number | null;
      }
    | undefined;
  if (!row) return undefined;
  return {
    id: row.id,
    personId: row.person_id,
    // Connections made before the base was kept as the server names it were stored with the slash
    // already; either way relative addresses resolve beneath it.
    fhirBase: row.fhir_base.replace(/\/*$/, '/'),
    audience: row.fhir_base,
    patientId: row.patient_id,
    clientId: row.client_id,
    state: row.state,
    endpoints: row.endpoints ? (JSON.parse(row.endpoints) as Record<string, unknown>) : {},
    authState: row.auth_state ? (JSON.parse(row.auth_state) as Record<string, unknown>) : null,
    tokenExpiresAt: row.token_expires_at,
  };
}

export type NewSmartConnection = {
  personId: number;
  label: string;
  fhirBase: string;
  fhirVersion: string | null;
  patientId: string;
  clientId: string;
  endpoints: Record<string, unknown>;
  signedInAs: string;
  authState: Record<string, unknown>;
  tokenExpiresAt: number | null;
};

export function addSmartConnection(db: VaultDatabase, c: NewSmartConnection): number {
  const { lastInsertRowid } = db
    .prepare(
      `INSERT INTO connections (person_id, kind, label, fhir_base, fhir_version, patient_id, state, client_id,
         endpoints, signed_in_as, auth_state, token_expires_at, created_at)
       VALUES (?, 'smart', ?, ?, ?, ?, 'connected', ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      c.personId,
      c.label,
      c.fhirBase,
      c.fhirVersion,
      c.patientId,
      c.clientId,
      JSON.stringify(c.endpoints),
      c.signedInAs,
      JSON.stringify(c.authState),
      c.tokenExpiresAt,
      new Date().toISOString(),
    );
  return Number(lastInsertRowid);
}

/**
 * Puts new tokens in place of the old in one statement, so a crash leaves either the old pair or
 * the new pair, never a rotated-away refresh token beside a new access token.
 */
export function replaceTokens(
  db: VaultDatabase,
  id: number,
  authState: Record<string, unknown>,
  tokenExpiresAt: number | null,
  extra: { signedInAs?: string; endpoints?: Record<string, unknown> } = {},
): void {
  db.prepare(
    `UPDATE connections SET auth_state = ?, token_expires_at = ?, state = 'connected', state_reason = NULL,
       signed_in_as = coalesce(?, signed_in_as), endpoints = coalesce(?, endpoints)
     WHERE id = ?`,
  ).run(
    JSON.stringify(authState),
    tokenExpiresAt,
    extra.signedInAs ?? null,
    extra.endpoints ? JSON.stringify(extra.endpoints) : null,
    id,
  );
}

export function setConnectionState(
  db: VaultDatabase,
  id: number,
  state: ConnectionState,
  reason: string | null = null,
): void {
  db.prepare(`UPDATE connections SET state = ?, state_reason = ? WHERE id = ?`).run(state, reason, id);
}

/** Tokens gone (refused or revoked); the connection and every record from it stay. */
export function forgetTokens(
  db: VaultDatabase,
  id: number,
  state: ConnectionState,
  reason: string | null,
): void {
  db.prepare(
    `UPDATE connections SET auth_state = NULL, token_expires_at = NULL, state = ?, state_reason = ? WHERE id = ?`,
  ).run(state, reason, id);
}

/**
 * Gives a connection the name the person knows it by ("Dr. Lee's clinic" rather than the server's
 * host name). Every screen, export and notification reads the name from here, so it changes
 * everywhere at once. Two sources of one person may not share a name: the timeline tells a
 * record's sources apart by it.
 */
export function renameConnection(db: VaultDatabase, id: number, label: string): void {
  const name = label.replace(/\s+/g, ' ').trim();
  if (!name) throw new VaultError('invalid-request');
  db.transaction(() => {
    const row = db.prepare(`SELECT person_id FROM connections WHERE id = ?`).get(id) as
      { person_id: number } | undefined;
    if (!row) throw new VaultError('not-found');
    const others = db
      .prepare(`SELECT label FROM connections WHERE person_id = ? AND id <> ?`)
      .pluck()
      .all(row.person_id, id) as string[];
    const folded = name.toLocaleLowerCase();
    if (others.some((other) => other.trim().toLocaleLowerCase() === folded))
      throw new VaultError('name-taken');
    db.prepare(`UPDATE connections SET label = ? WHERE id = ?`).run(name, id);
  })();
}

/** Removes a connection and, through the schema's cascade, every record that came from it. */
export function deleteConnection(db: VaultDatabase, id: number): number {
  return db.transaction(() => {
    const records = db
      .prepare(`SELECT count(*) FROM resources WHERE connection_id = ?`)
      .pluck()
      .get(id) as number;
    db.prepare(`DELETE FROM connections WHERE id = ?`).run(id);
    return records;
  })();
}
