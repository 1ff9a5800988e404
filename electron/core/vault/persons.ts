import type { Person, Relationship } from '../../../shared/domain.js';
import { VaultError } from '../errors.js';
import type { ReadableDB, VaultDatabase } from './database.js';

type PersonRow = {
  id: number;
  name: string;
  birth_date: string | null;
  relationship: Relationship;
  record_count: number;
};

function toPerson(row: PersonRow): Person {
  return {
    id: row.id,
    name: row.name,
    birthDate: row.birth_date,
    relationship: row.relationship,
    recordCount: row.record_count,
  };
}

const SELECT_PERSONS = `
  SELECT p.id, p.name, p.birth_date, p.relationship,
         (SELECT count(*) FROM resources r WHERE r.person_id = p.id) AS record_count
  FROM persons p`;

export function listPersons(db: ReadableDB): Person[] {
  return (db.prepare(`${SELECT_PERSONS} ORDER BY p.id`).all() as PersonRow[]).map(toPerson);
}

export function getPerson(db: ReadableDB, id: number): Person {
  const row = db.prepare(`${SELECT_PERSONS} WHERE p.id = ?`).get(id) as PersonRow | undefined;
  if (!row) throw new VaultError('not-found');
  return toPerson(row);
}

export function findPersonByName(db: ReadableDB, name: string): Person | undefined {
  const row = db
    .prepare(`${SELECT_PERSONS} WHERE p.name = ? COLLATE NOCASE ORDER BY p.id LIMIT 1`)
    .get(name.trim()) as PersonRow | undefined;
  return row ? toPerson(row) : undefined;
}

export function addPerson(
  db: VaultDatabase,
  args: { name: string; birthDate?: string | undefined; relationship: Relationship },
): Person {
  const { lastInsertRowid } = db
    .prepare('INSERT INTO persons (name, birth_date, relationship, created_at) VALUES (?, ?, ?, ?)')
    .run(args.name.trim(), args.birthDate ?? null, args.relationship, new Date().toISOString());
  return getPerson(db, Number(lastInsertRowid));
}

/** The vault's first person: whose records land where nobody else was named. */
export function firstPerson(db: ReadableDB): Person | undefined {
  const row = db.prepare(`${SELECT_PERSONS} ORDER BY p.id LIMIT 1`).get() as PersonRow | undefined;
  return row ? toPerson(row) : undefined;
}

/** A person's name, birth date and relationship, as they are now known; their records stay as they are. */
export function updatePerson(
  db: VaultDatabase,
  id: number,
  change: {
    name?: string | undefined;
    birthDate?: string | null | undefined;
    relationship?: Relationship | undefined;
  },
): Person {
  const person = getPerson(db, id);
  const name = change.name === undefined ? person.name : change.name.replace(/\s+/g, ' ').trim();
  if (!name) throw new VaultError('invalid-request');
  db.prepare('UPDATE persons SET name = ?, birth_date = ?, relationship = ? WHERE id = ?').run(
    name,
    change.birthDate === undefined ? person.birthDate : change.birthDate,
    change.relationship ?? person.relationship,
    id,
  );
  return getPerson(db, id);
}

/** What removing a person takes with them: asked before, so the question can say it. */
export function personRemoval(
  db: ReadableDB,
  id: number,
): {
  personId: number;
  name: string;
  records: number;
  sources: number;
  connections: { id: number; kind: 'smart' | 'import' }[];
} {
  const person = getPerson(db, id);
  const connections = db
    .prepare('SELECT id, kind FROM connections WHERE person_id = ? ORDER BY id')
    .all(id) as { id: number; kind: 'smart' | 'import' }[];
  return {
    personId: id,
    name: person.name,
    records: person.recordCount,
    sources: connections.length,
    connections,
  };
}

/**
 * Removes a person with their sources and records (the schema's cascade), and what was kept about
 * their last look; nobody else's rows are touched. The last person is not removed: records
 * arriving with nobody named are filed under the vault's first person.
 */
export function removePerson(db: VaultDatabase, id: number): { records: number; sources: number } {
  return db.transaction(() => {
    const removal = personRemoval(db, id);
    const people = db.prepare('SELECT count(*) FROM persons').pluck().get() as number;
    if (people <= 1) throw new VaultError('last-person');
    db.prepare('DELETE FROM persons WHERE id = ?').run(id);
    db.prepare('DELETE FROM settings WHERE key = ?').run(`last-look:${id}`);
    return { records: removal.records, sources: removal.sources };
  })();
}
