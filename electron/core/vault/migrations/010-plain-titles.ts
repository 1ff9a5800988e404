import { isObject } from '../../records/fhir-values.js';
import { recordColumns } from '../../records/record-columns.js';
import type { Migration } from './index.js';

const BATCH = 2000;

/**
 * Plain titles and units for records stored before them: each record's title, value text and
 * unit are read again from its JSON as received (records/plain-names.ts: LOINC long names for
 * short ones, codes as words, SNOMED CT tags dropped; UCUM units as people write them). Only
 * rows whose words change are written; the search index follows through its update trigger.
 * Read in batches by id: the rows cannot be written while a read of the same table is open.
 */
export const plainTitles: Migration = {
  version: 10,
  name: 'plain titles and units',
  up(db) {
    const read = db.prepare<
      [number, number],
      { id: number; raw: string; display: string; value_text: string | null; value_unit: string | null }
    >('SELECT id, raw, display, value_text, value_unit FROM resources WHERE id > ? ORDER BY id LIMIT ?');
    const write = db.prepare('UPDATE resources SET display = ?, value_text = ?, value_unit = ? WHERE id = ?');
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
        const c = recordColumns(resource);
        if (c.display !== row.display || c.valueText !== row.value_text || c.valueUnit !== row.value_unit) {
          write.run(c.display, c.valueText, c.valueUnit, row.id);
        }
      }
    }
  },
};
