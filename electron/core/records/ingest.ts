import { isVaultError } from '../errors.js';
import type { VaultDatabase } from '../vault/database.js';
import {
  storeRecords,
  type IncomingRecord,
  type StoreOptions,
  type StoreTally,
} from '../vault/record-store.js';
import { linkLikelyDuplicates } from './likely-duplicates.js';

/**
 * How records arriving from a source (a sync's page, a file's piece) enter a person's vault, the
 * same for sync and import: stored in the caller's transaction, and once the arrivals end, the
 * person's likely duplicates across sources linked, in this one place.
 */

/**
 * Stores a page of arrivals. A record whose shape breaks the reading of its columns must not cost
 * the page: the others are then stored one by one and the ones that fail are counted as skipped.
 */
export function storeArrivals(
  db: VaultDatabase,
  personId: number,
  connectionId: number,
  records: readonly IncomingRecord[],
  tally: StoreTally,
  options: StoreOptions = {},
): { stored: number; skipped: number } {
  const before = { ...tally };
  try {
    db.transaction(() => storeRecords(db, personId, connectionId, records, tally, options))();
    return { stored: records.length, skipped: 0 };
  } catch (error) {
    if (isVaultError(error)) throw error;
    // The failed attempt was rolled back: so are its counts.
    Object.assign(tally, before);
    let skipped = 0;
    db.transaction(() => {
      for (const record of records) {
        try {
          storeRecords(db, personId, connectionId, [record], tally, options);
        } catch {
          skipped++;
        }
      }
    })();
    return { stored: records.length - skipped, skipped };
  }
}

/** The arrivals of a sync or an import have ended: records about the same thing are linked. */
export function arrivalsEnded(db: VaultDatabase, personId: number): void {
  linkLikelyDuplicates(db, personId);
}
