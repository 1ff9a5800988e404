import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Json } from '../../electron/core/records/fhir-values.js';
import { patientSummary } from '../../electron/core/records/summary.js';
import { configure, openReadConnection } from '../../electron/core/vault/database.js';
import { newDataKey } from '../../electron/core/vault/key-wrapping.js';
import { migrate } from '../../electron/core/vault/migrations/index.js';
import { storeRecords } from '../../electron/core/vault/record-store.js';
import { SMART_2502813 } from '../../testkit/fixture-paths.js';
import { keyedDatabase } from '../support/keyed-database.js';
import { tempDir } from '../support/temp-dir.js';

const records = (
  JSON.parse(readFileSync(SMART_2502813, 'utf8')) as { entry: { resource: Json }[] }
).entry.map((e) => ({ resource: e.resource, fhirVersion: 'STU3' as const }));

describe('the Summary reads one moment of the vault', () => {
  it('keeps listing what it found when the writer removes a record halfway through its reading', () => {
    const path = join(tempDir(), 'snapshot.db');
    const key = newDataKey();
    const writer = keyedDatabase(path, key);
    configure(writer);
    migrate(writer);
    writer.exec(`INSERT INTO persons (id, name, created_at) VALUES (1, 'Ada', 'now');
      INSERT INTO connections (id, person_id, kind, label, created_at) VALUES (1, 1, 'import', 'Clinic', 'now');`);
    writer.transaction(() => storeRecords(writer, 1, 1, records))();
    const reader = openReadConnection(path, key);

    const before = patientSummary(reader, 1);
    const gone = before.medications[0]!.id;
    // The moment the Summary, its walk done, turns to the entries it keeps, the writer commits the
    // removal of one of them (as a disconnect would).
    const prepare = reader.prepare.bind(reader);
    let removed = false;
    (reader as { prepare: unknown }).prepare = (sql: string) => {
      if (!removed && sql.includes('WHERE r.id = ?')) {
        removed = true;
        writer.prepare('DELETE FROM resources WHERE id = ?').run(gone);
      }
      return prepare(sql);
    };
    const during = patientSummary(reader, 1);
    (reader as { prepare: unknown }).prepare = prepare;

    expect(removed).toBe(true);
    expect(during).toEqual(before);
    expect(patientSummary(reader, 1).medications.map((m) => m.id)).not.toContain(gone);
    reader.close();
    writer.close();
  });
});
