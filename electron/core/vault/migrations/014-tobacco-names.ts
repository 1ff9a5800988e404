import { isObject } from '../../records/fhir-values.js';
import { recordColumns } from '../../records/record-columns.js';
import type { Migration } from './index.js';

/**
 * Smoking status and tobacco use records sent with a bare LOINC code and no name were titled by
 * the code ("72166-2"). The bundled names now know those two codes (build/loinc/entry-codes.csv):
 * such records stored before are titled again from their JSON as received. Only the social
 * history records still titled by one of those codes are read, through the person's index, not
 * the whole vault; the search index follows through its update trigger.
 */
export const tobaccoNames: Migration = {
  version: 14,
  name: 'names for smoking status and tobacco use records titled by their code',
  up(db) {
    const rows = db
      .prepare(
        `SELECT id, raw FROM resources WHERE person_id IN (SELECT id FROM persons)
           AND category = 'social-history' AND display IN ('72166-2', '11367-0')`,
      )
      .all() as { id: number; raw: string }[];
    const write = db.prepare('UPDATE resources SET display = ? WHERE id = ?');
    for (const row of rows) {
      let resource: unknown;
      try {
        resource = JSON.parse(row.raw);
      } catch {
        continue;
      }
      if (isObject(resource)) write.run(recordColumns(resource).display, row.id);
    }
  },
};
