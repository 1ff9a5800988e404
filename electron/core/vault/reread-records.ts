import type Database from 'better-sqlite3-multiple-ciphers';
import { isObject, type Json } from '../records/fhir-values.js';

const BATCH = 2000;

/**
 * Walks stored records by id, handing each one's JSON as received (parsed) with its row, for the
 * migrations that read again from the record what an older version did not keep. In batches by id:
 * the rows cannot be written while a read of the same table is open. A record that does not parse,
 * or is not an object, is passed over (it keeps what it has).
 */
export function rereadRecords<Row extends { id: number; raw: string }>(
  db: Database.Database,
  select: string,
  each: (resource: Json, row: Row) => void,
): void {
  const read = db.prepare<[number, number], Row>(
    `${select} ${/\bWHERE\b/i.test(select) ? 'AND' : 'WHERE'} id > ? ORDER BY id LIMIT ?`,
  );
  let after = 0;
  for (;;) {
    const rows = read.all(after, BATCH);
    if (rows.length === 0) break;
    for (const row of rows) {
      after = row.id;
      let resource: unknown;
      try {
        resource = JSON.parse(row.raw);
      } catch {
        continue;
      }
      if (isObject(resource)) each(resource, row);
    }
  }
}
