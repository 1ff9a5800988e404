import { describe, expect, it } from 'vitest';
import { readRefusal, typesNotShared } from '../../electron/core/vault/kinds-not-shared.js';
import { migrate } from '../../electron/core/vault/migrations/index.js';
import { vaultAtVersion } from '../support/vault-at-version.js';

describe('migration 8: kinds of record an institution did not share', () => {
  it('keeps every sync cursor as it was, none refused, and takes only the known refusals', () => {
    const db = vaultAtVersion(7);
    db.exec(`INSERT INTO sync_types (connection_id, resource_type, pull_id, mode, next_url, pages, records, since, last_full_at)
      VALUES (1, 'Observation', 4, 'full', 'Observation?page=2', 1, 50, NULL, NULL),
             (1, 'Condition', NULL, NULL, NULL, 3, 120, '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z');`);

    migrate(db, 8);
    expect(db.pragma('user_version', { simple: true })).toBe(8);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(
      db
        .prepare(
          'SELECT resource_type, next_url, records, since, refused FROM sync_types ORDER BY resource_type',
        )
        .all(),
    ).toEqual([
      {
        resource_type: 'Condition',
        next_url: null,
        records: 120,
        since: '2026-11-01T00:00:00Z',
        refused: null,
      },
      {
        resource_type: 'Observation',
        next_url: 'Observation?page=2',
        records: 50,
        since: null,
        refused: null,
      },
    ]);
    expect(typesNotShared(db, 1)).toEqual([]);
    expect(readRefusal(db, 1, 'Condition')).toBeNull();
    expect(() =>
      db.prepare(`UPDATE sync_types SET refused = 'maybe' WHERE resource_type = 'Condition'`).run(),
    ).toThrow(/CHECK constraint/);
    db.prepare(
      `UPDATE sync_types SET refused = 'forbidden', refused_at = 'then', refused_scope = 'patient/Condition.read' WHERE resource_type = 'Condition'`,
    ).run();
    expect(typesNotShared(db, 1)).toEqual(['Condition']);
    db.close();
  });
});
