import { rmSync } from 'node:fs';
import { migrate } from '../../electron/core/vault/migrations/index.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { keyedDatabase, vaultDataKey } from './keyed-database.js';
import { FAST_SCRYPT } from './fast-scrypt.js';
import { labResult } from './fhir-builders.js';

/**
 * A vault as an earlier version of the app left it: its key file as usual, its database at schema
 * `version`, with one person and `observations` glucose results (written as that schema stores them).
 * What the first unlock after an update meets.
 */
export async function olderVault(
  path: string,
  passphrase: string,
  version: number,
  observations = 0,
): Promise<void> {
  const vault = new VaultFile(path, { scrypt: FAST_SCRYPT });
  await vault.create(passphrase);
  vault.lock();
  const key = await vaultDataKey(path, passphrase);
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  const db = keyedDatabase(path, key);
  try {
    db.pragma('journal_mode = WAL');
    migrate(db, version);
    db.exec(`INSERT INTO persons (id, name, created_at) VALUES (1, 'Ada', '2026-01-01T00:00:00.000Z');
      INSERT INTO connections (id, person_id, kind, label, created_at) VALUES (1, 1, 'import', 'Imported files', '2026-01-01T00:00:00.000Z');`);
    const insert =
      db.prepare(`INSERT INTO resources (person_id, connection_id, resource_type, server_id, fhir_version,
        category, sort_date, display, codes, value_num, value_unit, content_hash, raw, first_seen_at, updated_at)
      VALUES (1, 1, 'Observation', ?, 'R4', 'labs', ?, 'Glucose', 'loinc|2345-7', ?, 'mg/dL', ?, ?, ?, ?)`);
    const search = db.prepare(
      'INSERT INTO resources_fts (rowid, display, codes, value_text) VALUES (?, ?, ?, NULL)',
    );
    db.transaction(() => {
      for (let i = 0; i < observations; i++) {
        const date = new Date(Date.UTC(2000, 0, 1) + i * 3_600_000).toISOString();
        const raw = JSON.stringify(labResult({ id: `obs-${i}`, date, value: 80 + (i % 60) }));
        const { lastInsertRowid } = insert.run(`obs-${i}`, date, 80 + (i % 60), `h${i}`, raw, date, date);
        search.run(lastInsertRowid, 'Glucose', 'loinc|2345-7');
      }
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
