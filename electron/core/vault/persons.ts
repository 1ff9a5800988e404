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
