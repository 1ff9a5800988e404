import { recordColumns } from '../../records/record-columns.js';
import { rereadRecords } from '../reread-records.js';
import type { Migration } from './index.js';

/**
 * Plain titles and units for records stored before them: each record's title, value text and
 * unit are read again from its JSON as received (records/plain-names.ts: LOINC long names for
 * short ones, codes as words, SNOMED CT tags dropped; UCUM units as people write them). Only
 * rows whose words change are written; the search index follows through its update trigger.
 */
export const plainTitles: Migration = {
  version: 10,
  name: 'plain titles and units',
  up(db) {
    const write = db.prepare('UPDATE resources SET display = ?, value_text = ?, value_unit = ? WHERE id = ?');
    rereadRecords<{
      id: number;
      raw: string;
      display: string;
      value_text: string | null;
      value_unit: string | null;
    }>(db, 'SELECT id, raw, display, value_text, value_unit FROM resources', (resource, row) => {
      const c = recordColumns(resource);
      if (c.display !== row.display || c.valueText !== row.value_text || c.valueUnit !== row.value_unit) {
        write.run(c.display, c.valueText, c.valueUnit, row.id);
      }
    });
  },
};
