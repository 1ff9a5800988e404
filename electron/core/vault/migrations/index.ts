import type Database from 'better-sqlite3-multiple-ciphers';
import { VaultError } from '../../errors.js';
import { initialSchema } from './001-initial-schema.js';
import { smartConnections } from './002-smart-connections.js';
import { ingestSpeed } from './003-ingest-speed.js';
import { syncState } from './004-sync.js';
import { likelyDuplicates } from './005-likely-duplicates.js';
import { sourceKeys } from './006-source-key.js';
import { documentFiles } from './007-document-files.js';
import { kindsNotShared } from './008-kinds-not-shared.js';
import { healthCards } from './009-health-cards.js';
import { plainTitles } from './010-plain-titles.js';
import { ownNotesAndEntries } from './011-own-notes-and-entries.js';
import { resultFlags } from './012-result-flags.js';
import { summaryIndex } from './013-summary-index.js';
import { tobaccoNames } from './014-tobacco-names.js';

export type Migration = {
  version: number;
  name: string;
  up: (db: Database.Database) => void;
  /**
   * Rebuilds a table others refer to: foreign keys are off while it runs (with them on, dropping
   * the old table would cascade to its dependants) and checked before it commits.
   */
  foreignKeysOff?: boolean;
};

/** In order; a migration is never edited once released, only followed by a new one. */
export const migrations: readonly Migration[] = [
  initialSchema,
  smartConnections,
  ingestSpeed,
  syncState,
  likelyDuplicates,
  sourceKeys,
  documentFiles,
  kindsNotShared,
  healthCards,
  plainTitles,
  ownNotesAndEntries,
  resultFlags,
  summaryIndex,
  tobaccoNames,
];

export const LATEST_SCHEMA_VERSION = migrations.at(-1)!.version;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Runs every migration the file has not seen, each in its own transaction with its version bump,
 * so a crash leaves the file at the last whole version. A file from a newer app is refused before
 * anything is written to it.
 */
export function migrate(
  db: Database.Database,
  upTo: number = LATEST_SCHEMA_VERSION,
  steps: readonly Migration[] = migrations,
): void {
  const current = schemaVersion(db);
  if (current > (steps.at(-1)?.version ?? 0)) throw new VaultError('vault-from-future');
  for (const migration of steps) {
    if (migration.version <= current || migration.version > upTo) continue;
    const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
    // Only outside a transaction does this pragma take effect.
    if (migration.foreignKeysOff) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        migration.up(db);
        if (migration.foreignKeysOff && (db.pragma('foreign_key_check') as unknown[]).length > 0) {
          throw new Error(`migration ${migration.version} left records pointing nowhere`);
        }
        db.pragma(`user_version = ${Number(migration.version)}`);
      }).immediate();
    } finally {
      if (migration.foreignKeysOff) db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
    }
  }
}
