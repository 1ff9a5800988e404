import { resultFlag } from '../../records/result-flags.js';
import { rereadRecords } from '../reread-records.js';
import type { Migration } from './index.js';

/**
 * Which way a result is out of range, kept beside `abnormal` so the timeline's rows can say
 * "High" or "Low" (and "Very high") without reading each record's JSON as they scroll. Results
 * stored before are read once from their JSON as received; a record that does not parse keeps no
 * flag.
 */
export const resultFlags: Migration = {
  version: 12,
  name: 'result flags',
  up(db) {
    db.exec('ALTER TABLE resources ADD COLUMN flag TEXT');
    const write = db.prepare('UPDATE resources SET flag = ? WHERE id = ?');
    rereadRecords(
      db,
      "SELECT id, raw FROM resources WHERE resource_type = 'Observation'",
      (resource, row) => {
        const flag = resultFlag(resource);
        if (flag) write.run(flag, row.id);
      },
    );
  },
};
