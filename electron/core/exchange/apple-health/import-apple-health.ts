import type { Json } from '../../records/fhir-values.js';
import { arrivalsEnded } from '../../records/ingest.js';
import { importConnection } from '../../vault/connections.js';
import { beginLongWrite, type VaultDatabase } from '../../vault/database.js';
import { storeRecords, type IncomingRecord, type StoreTally } from '../../vault/record-store.js';
import { fileName, type FhirFile } from '../fhir-files.js';
import { DEFAULT_IMPORT_SOURCE, personOf, type ImportOptions } from '../import-fhir.js';
import type { ImportedFile } from '../import-files.js';
import { institutionOf, readAppleExport } from './apple-export.js';
import { APPLE_HEALTH_SOURCE } from './health-samples.js';

/**
 * Stores an Apple Health export for one person: the clinical records as records of the institution
 * each came from (the host of its `sourceURL`), the measurements as vital signs of the source
 * "Apple Health". The export is read and checked whole first (see apple-export.ts), then stored in
 * one transaction, so a refused export stores nothing and a stored one is all there.
 */
export async function importAppleHealth(
  db: VaultDatabase,
  file: FhirFile,
  options: ImportOptions,
): Promise<ImportedFile | null> {
  const name = fileName(file);
  const { samples, clinical } = await readAppleExport(file, options.onBytesRead);
  const patients = clinical.filter((c) => c.resource.resourceType === 'Patient').map((c) => c.resource);
  if (options.acceptPatients && !options.acceptPatients(patients)) return null;

  const observations = samples.observations();
  const bySource = new Map<string, IncomingRecord[]>();
  const add = (label: string, record: IncomingRecord) => {
    const list = bySource.get(label);
    if (list) list.push(record);
    else bySource.set(label, [record]);
  };
  for (const c of clinical)
    add(institutionOf(c.sourceURL) ?? options.sourceLabel ?? DEFAULT_IMPORT_SOURCE, {
      resource: c.resource,
      raw: c.raw,
      fhirVersion: c.fhirVersion,
    });
  const appleSource = options.sourceLabel ?? APPLE_HEALTH_SOURCE;
  for (const resource of observations) add(appleSource, { resource: resource as Json, fhirVersion: 'R4' });

  const tally: StoreTally = { added: 0, updated: 0, unchanged: 0 };
  const personId = personOf(options);
  let connectionId: number | null = null;
  const endLongWrite = beginLongWrite(db);
  try {
    db.transaction(() => {
      // The Apple Health source exists even for an export without measurements: the file's place.
      connectionId = importConnection(db, personId, appleSource);
      for (const [label, records] of bySource)
        storeRecords(db, personId, importConnection(db, personId, label), records, tally);
    })();
  } finally {
    endLongWrite();
  }
  options.onProgress?.({ file: name, committed: tally.added + tally.updated });
  if (tally.added + tally.updated > 0) arrivalsEnded(db, personId);
  const institutions = [...bySource.keys()].filter((label) => label !== appleSource);
  const parts = [`Apple Health export: ${observations.length} vital signs from ${samples.samples} samples`];
  if (clinical.length > 0)
    parts.push(
      `${clinical.length} clinical ${clinical.length === 1 ? 'record' : 'records'} from ${institutions.join(', ')}`,
    );
  return {
    file: name,
    format: 'apple-health',
    connectionId: connectionId!,
    about: parts.join(', '),
    fhirVersion: [...new Set(clinical.map((c) => c.fhirVersion))].join(', ') || 'R4',
    problems: [],
    verification: null,
    ...tally,
  };
}
