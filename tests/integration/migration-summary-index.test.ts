import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Json } from '../../electron/core/records/fhir-values.js';
import { patientSummary } from '../../electron/core/records/summary.js';
import type { VaultDatabase } from '../../electron/core/vault/database.js';
import { migrate } from '../../electron/core/vault/migrations/index.js';
import { storeRecords } from '../../electron/core/vault/record-store.js';
import { summaryRows } from '../../electron/core/vault/summary-rows.js';
import { SMART_2502813, US_CORE_355 } from '../../testkit/fixture-paths.js';
import { vaultAtVersion } from '../support/vault-at-version.js';

const recordsOf = (path: string) =>
  (JSON.parse(readFileSync(path, 'utf8')) as { entry: { resource: Json }[] }).entry.map((e) => ({
    resource: e.resource,
    fhirVersion: path.includes('/stu3/') ? ('STU3' as const) : ('R4' as const),
  }));

const planOf = (db: VaultDatabase, category: string) => {
  const plans: string[] = [];
  // The statement summaryRows prepares, as SQLite would run it.
  const original = db.prepare.bind(db);
  const spy = db as unknown as { prepare: (sql: string) => unknown };
  spy.prepare = (sql: string) => {
    if (sql.includes('ORDER BY r.sort_date DESC')) {
      plans.push(
        ...(original(`EXPLAIN QUERY PLAN ${sql}`).all(1, category, 1, 5) as { detail: string }[]).map(
          (p) => p.detail,
        ),
      );
    }
    return original(sql);
  };
  void [...summaryRows(db, 1, category as 'medications', 5)];
  spy.prepare = original;
  return plans.join('; ');
};

describe('migration 13: the Summary’s own index', () => {
  it('answers medicines, problems, allergies and vaccines from the index alone, with the same rows as before', () => {
    const db = vaultAtVersion(12, [
      { kind: 'import', label: 'Clinic' },
      { kind: 'import', label: 'Pharmacy' },
    ]);

    db.transaction(() => {
      storeRecords(db, 1, 1, recordsOf(US_CORE_355));
      storeRecords(db, 1, 2, recordsOf(SMART_2502813));
    })();
    const kinds = ['medications', 'conditions', 'allergies', 'immunizations', 'labs', 'vitals'] as const;
    const rowsOf = () => kinds.map((kind) => [...summaryRows(db, 1, kind, 5000)]);
    const before = rowsOf();
    const summaryBefore = patientSummary(db, 1);
    expect(before.flat().length).toBeGreaterThan(100);
    expect(planOf(db, 'medications')).not.toContain('COVERING INDEX');

    migrate(db, 13);
    expect(db.pragma('user_version', { simple: true })).toBe(13);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(rowsOf()).toEqual(before);
    expect(patientSummary(db, 1)).toEqual(summaryBefore);
    for (const kind of ['medications', 'conditions', 'allergies', 'immunizations'])
      expect(planOf(db, kind)).toContain('USING COVERING INDEX resources_summary');
    // Results are most of a vault and only their newest are read: the index leaves them out.
    expect(planOf(db, 'labs')).not.toContain('resources_summary');
    const indexed = db
      .prepare(
        `SELECT count(*) FROM resources INDEXED BY resources_summary WHERE person_id = 1
        AND category IN ('medications', 'conditions', 'allergies', 'immunizations')`,
      )
      .pluck()
      .get() as number;
    expect(indexed).toBe(before.slice(0, 4).flat().length);
    db.close();
  });
});
