import type Database from 'better-sqlite3-multiple-ciphers';
import type { VaultDatabase } from './database.js';

/** SQL for SMART Health Cards and their issuers' keys (migration 9 says what each column holds). */

export type StoredCardVerification = {
  status: 'verified' | 'unknown-issuer' | 'invalid' | 'revoked';
  issuer: string | null;
  iss: string | null;
  reason: string;
  issuedAt: string | null;
};

export type HealthCardRow = StoredCardVerification & {
  id: number;
  personId: number;
  connectionId: number;
  verifiedAt: string;
};

type Statements = {
  labelCopies: Database.Statement<[number, string, string], number>;
  labelTaken: Database.Statement<[number, string]>;
  newSource: Database.Statement<[number, string, string]>;
  byHash: Database.Statement<[number, string], { id: number; connectionId: number }>;
  insert: Database.Statement<unknown[]>;
};

const statementCache = new WeakMap<VaultDatabase, Statements>();

/** Prepared once per database: a file of many cards stores each with these. */
function statements(db: VaultDatabase): Statements {
  let s = statementCache.get(db);
  if (!s) {
    s = {
      labelCopies: db
        .prepare(
          `SELECT count(*) FROM connections WHERE person_id = ? AND (label = ? OR label LIKE ? ESCAPE '\\')`,
        )
        .pluck() as Database.Statement<[number, string, string], number>,
      labelTaken: db.prepare('SELECT 1 FROM connections WHERE person_id = ? AND label = ?'),
      newSource: db.prepare(
        `INSERT INTO connections (person_id, kind, label, state, created_at) VALUES (?, 'import', ?, 'connected', ?)`,
      ),
      byHash: db.prepare(
        'SELECT id, connection_id AS connectionId FROM health_cards WHERE person_id = ? AND jws_hash = ?',
      ),
      insert: db.prepare(
        `INSERT INTO health_cards (person_id, connection_id, jws, jws_hash, iss, issuer, status, reason, issued_at, verified_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
    statementCache.set(db, s);
  }
  return s;
}

export function cachedIssuerKeys(
  db: VaultDatabase,
  iss: string,
): { keys: string; fetchedAt: string } | undefined {
  return db
    .prepare('SELECT keys, fetched_at AS fetchedAt FROM health_card_issuer_keys WHERE iss = ?')
    .get(iss) as { keys: string; fetchedAt: string } | undefined;
}

export function putIssuerKeys(db: VaultDatabase, iss: string, keys: string): void {
  db.prepare(
    `INSERT INTO health_card_issuer_keys (iss, keys, fetched_at) VALUES (?, ?, ?)
     ON CONFLICT (iss) DO UPDATE SET keys = excluded.keys, fetched_at = excluded.fetched_at`,
  ).run(iss, keys, new Date().toISOString());
}

export function cardByHash(
  db: VaultDatabase,
  personId: number,
  jwsHash: string,
): { id: number; connectionId: number } | undefined {
  return db
    .prepare(
      'SELECT id, connection_id AS connectionId FROM health_cards WHERE person_id = ? AND jws_hash = ?',
    )
    .get(personId, jwsHash) as { id: number; connectionId: number } | undefined;
}

/** A source of its own for a card's records, named so that two cards of one issuer stay told apart. */
export function newCardSource(db: VaultDatabase, personId: number, label: string): number {
  const s = statements(db);
  // Counting the label's numbered copies finds a free number at once where trying 2, 3, … in
  // turn would ask once per copy (a thousand cards of one issuer on one day is a bench, or a family).
  const pattern = `${label.replace(/[\\%_]/g, (c) => `\\${c}`)} (%)`;
  const copies = s.labelCopies.get(personId, label, pattern) ?? 0;
  let name = copies === 0 ? label : `${label} (${copies + 1})`;
  for (let n = copies + 2; s.labelTaken.get(personId, name); n++) name = `${label} (${n})`;
  return Number(s.newSource.run(personId, name, new Date().toISOString()).lastInsertRowid);
}

export function insertCard(
  db: VaultDatabase,
  card: {
    personId: number;
    connectionId: number;
    jws: string;
    jwsHash: string;
    verification: StoredCardVerification;
  },
): number {
  const v = card.verification;
  const { lastInsertRowid } = statements(db).insert.run(
    card.personId,
    card.connectionId,
    card.jws,
    card.jwsHash,
    v.iss,
    v.issuer,
    v.status,
    v.reason,
    v.issuedAt,
    new Date().toISOString(),
  );
  return Number(lastInsertRowid);
}

/** A card read again is verified again: keys fetched since, or a revocation, change the answer. */
export function updateCardVerification(db: VaultDatabase, id: number, v: StoredCardVerification): void {
  db.prepare('UPDATE health_cards SET issuer = ?, status = ?, reason = ?, verified_at = ? WHERE id = ?').run(
    v.issuer,
    v.status,
    v.reason,
    new Date().toISOString(),
    id,
  );
}

export function healthCards(db: VaultDatabase, personId: number): HealthCardRow[] {
  return db
    .prepare(
      `SELECT id, person_id AS personId, connection_id AS connectionId, status, issuer, iss, reason,
              issued_at AS issuedAt, verified_at AS verifiedAt
       FROM health_cards WHERE person_id = ? ORDER BY id`,
    )
    .all(personId) as HealthCardRow[];
}
