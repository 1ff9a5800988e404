import type { Json } from '../../electron/core/records/fhir-values.js';
import type { VaultDatabase } from '../../electron/core/vault/database.js';
import { storeRecords } from '../../electron/core/vault/record-store.js';

/** Stores R4 resources for a person from a connection in one transaction, as a sync page would. */
export function storeResources(
  db: VaultDatabase,
  personId: number,
  connectionId: number,
  resources: Json[],
): void {
  db.transaction(() =>
    storeRecords(
      db,
      personId,
      connectionId,
      resources.map((resource) => ({ resource, fhirVersion: 'R4' as const })),
    ),
  )();
}
