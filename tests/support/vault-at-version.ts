import { join } from 'node:path';
import type { VaultDatabase } from '../../electron/core/vault/database.js';
import { newDataKey } from '../../electron/core/vault/key-wrapping.js';
import { migrate } from '../../electron/core/vault/migrations/index.js';
import { keyedDatabase } from './keyed-database.js';
import { tempDir } from './temp-dir.js';

type Source = { kind: 'smart' | 'import'; label: string };

/**
 * An encrypted vault file brought up to schema `version`, as a vault of that version was, holding
 * one person, Ada (id 1), and `sources` of hers (ids 1, 2, …): where a migration test stores
 * records as that version did before migrating further.
 */
export function vaultAtVersion(
  version: number,
  sources: readonly Source[] = [{ kind: 'smart', label: 'Clinic' }],
): VaultDatabase {
  const db = keyedDatabase(join(tempDir(), `v${version}.db`), newDataKey());
  db.pragma('foreign_keys = ON');
  migrate(db, version);
  db.prepare("INSERT INTO persons (id, name, created_at) VALUES (1, 'Ada', 'now')").run();
  const add = db.prepare(
    "INSERT INTO connections (id, person_id, kind, label, created_at) VALUES (?, 1, ?, ?, 'now')",
  );
  sources.forEach((source, i) => add.run(i + 1, source.kind, source.label));
  return db;
}
