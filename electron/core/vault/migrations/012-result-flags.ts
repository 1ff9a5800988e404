import { isObject } from '../../records/fhir-values.js';
import { resultFlag } from '../../records/result-flags.js';
import type { Migration } from './index.js';

const BATCH = 2000;

/**
 * Which way a result is out of range, kept beside `abnormal` so the timeline's rows can say
 * "High" or "Low" (and "Very high") without reading each record's JSON as they scroll. Results
 * stored before are read once from their JSON as received, in batches by id (the rows cannot be
 * written while a read of the same table is open); a record that does not parse keeps no flag.
 */
export const resultFlags: Migration = {
  version: 12,
  name: 'result flags',
  up(db) {
    db.exec('ALTER TABLE resources ADD COLUMN flag TEXT');
    const read = db.prepare<[number, number], { id: number; raw: string }>(
      "SELECT id, raw FROM resources WHERE id > ? AND resource_type = 'Observation' ORDER BY id LIMIT ?",
    );
    const write = db.prepare('UPDATE resources SET flag = ? WHERE id = ?');
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
        if (!isObject(resource)) continue;
        const flag = resultFlag(resource);
        if (flag) write.run(flag, row.id);
      }
    }
  },
};
