import { basename } from 'node:path';
import type { FhirVersion } from '../records/record-columns.js';
import type { VaultDatabase } from '../vault/database.js';
import { importConnection } from '../vault/connections.js';
import { storeRecords, type IncomingRecord, type StoreTally } from '../vault/record-store.js';
import { readFhirFile, type FileProblem } from './fhir-files.js';

export const DEFAULT_IMPORT_SOURCE = 'Imported files';

export type FileImportReport = StoreTally & { file: string; problems: FileProblem[] };
export type ImportProgress = { file: string; committed: number };

export type ImportOptions = {
  personId: number;
  /** The source the records are shown as coming from; one per person and label. */
  sourceLabel?: string;
  fhirVersion?: FhirVersion;
  /** Records per transaction: large enough to be fast, small enough that a crash loses little. */
  batchSize?: number;
  onProgress?: (progress: ImportProgress) => void;
};

/**
 * Imports FHIR files into one person's records. Each batch is its own transaction, so a crash
 * in the middle keeps every batch already committed and a second run completes the rest without
 * duplicating anything (records are matched by type and id at their source).
 */
export async function importFhirFiles(
  db: VaultDatabase,
  paths: readonly string[],
  options: ImportOptions,
): Promise<FileImportReport[]> {
  const batchSize = options.batchSize ?? 5000;
  const fhirVersion = options.fhirVersion ?? 'R4';
  const connectionId = importConnection(db, options.personId, options.sourceLabel ?? DEFAULT_IMPORT_SOURCE);
  const commit = db.transaction((batch: IncomingRecord[], tally: StoreTally) =>
    storeRecords(db, options.personId, connectionId, batch, tally),
  );
  const reports: FileImportReport[] = [];
  for (const path of paths) {
    const report: FileImportReport = {
      file: basename(path),
      added: 0,
      updated: 0,
      unchanged: 0,
      problems: [],
    };
    let batch: IncomingRecord[] = [];
    let committed = 0;
    const flush = () => {
      commit.immediate(batch, report);
      committed += batch.length;
      batch = [];
      options.onProgress?.({ file: report.file, committed });
    };
    for await (const record of readFhirFile(path, report.problems)) {
      batch.push({ ...record, fhirVersion });
      if (batch.length >= batchSize) flush();
    }
    if (batch.length > 0) flush();
    reports.push(report);
  }
  return reports;
}
