import { basename } from 'node:path';
import type { FhirVersion } from '../records/record-columns.js';
import { beginLongWrite, type VaultDatabase } from '../vault/database.js';
import { linkLikelyDuplicates } from '../records/likely-duplicates.js';
import { importConnection } from '../vault/connections.js';
import { storeRecords, type IncomingRecord, type StoreTally } from '../vault/record-store.js';
import { readFhirFile, type FileProblem } from './fhir-files.js';
import { FhirVersionTally } from './fhir-version.js';

export const DEFAULT_IMPORT_SOURCE = 'Imported files';
/**
 * Records per transaction: few enough that a crash loses little, many enough that commits are rare.
 * Each commit rewrites the index pages its records touched, so at 100k records 20,000 a commit
 * stores about a third faster than 5,000 (bench/), for about 150 MB more memory during an import.
 */
export const DEFAULT_IMPORT_BATCH = 20000;

export type FileImportReport = StoreTally & {
  file: string;
  /** The version the file's records were stored as: the one asked for, or the one detected. */
  fhirVersion: FhirVersion;
  problems: FileProblem[];
};
export type ImportProgress = { file: string; committed: number };

export type ImportOptions = {
  personId: number;
  /** The source the records are shown as coming from; one per person and label. */
  sourceLabel?: string;
  /** Omitted: decided per file from what the file says and how its records are shaped. */
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
  const batchSize = options.batchSize ?? DEFAULT_IMPORT_BATCH;
  const connectionId = importConnection(db, options.personId, options.sourceLabel ?? DEFAULT_IMPORT_SOURCE);
  const commit = db.transaction((batch: IncomingRecord[], tally: StoreTally) =>
    storeRecords(db, options.personId, connectionId, batch, tally),
  );
  const reports: FileImportReport[] = [];
  const endLongWrite = beginLongWrite(db);
  try {
    for (const path of paths) {
      const fhirVersion = options.fhirVersion ?? (await detectFileVersion(path));
      const report: FileImportReport = {
        file: basename(path),
        fhirVersion,
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
  } finally {
    endLongWrite();
  }
  // The same results often arrive from a portal and from a file: linked, never merged.
  linkLikelyDuplicates(db, options.personId);
  return reports;
}

/**
 * A first read of the file, before anything is stored, so every record in it is stored as the same
 * version (a Patient alone says nothing, but its file's MedicationOrders do). Problems are reported
 * by the second read.
 */
async function detectFileVersion(path: string): Promise<FhirVersion> {
  const tally = new FhirVersionTally();
  for await (const record of readFhirFile(path, [], (bundle) => tally.declare(bundle))) {
    tally.add(record.resource);
  }
  return tally.version;
}
