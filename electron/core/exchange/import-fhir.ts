import type { Json } from '../records/fhir-values.js';
import type { FhirVersion } from '../records/record-columns.js';
import { beginLongWrite, type VaultDatabase } from '../vault/database.js';
import { arrivalsEnded } from '../records/ingest.js';
import { importConnection } from '../vault/connections.js';
import { GroupedCommits } from '../vault/grouped-commits.js';
import { storeRecords, type IncomingRecord, type StoreTally } from '../vault/record-store.js';
import { fileName, readFhirFile, type BytesRead, type FhirFile, type FileProblem } from './fhir-files.js';
import { FhirVersionTally } from './fhir-version.js';

export const DEFAULT_IMPORT_SOURCE = 'Imported files';
/**
 * Records per transaction: few enough that a crash loses little (seconds of work), many enough that
 * commits are rare. Each commit rewrites the index pages its records touched (GroupedCommits says
 * why), so at a million records 100,000 a commit stores about a fifth faster than 20,000 (bench/).
 * Records are read and stored `IMPORT_PIECE` at a time, so memory holds a piece, not a transaction.
 */
export const DEFAULT_IMPORT_BATCH = 100_000;
/** Records per transaction while another connection has the vault open: it waits for each commit. */
export const SHARED_IMPORT_BATCH = 20_000;
export const IMPORT_PIECE = 5000;

export type FileImportReport = StoreTally & {
  file: string;
  /** The source (an import connection) its records went to. */
  connectionId: number;
  /** The version the file's records were stored as: the one asked for, or the one detected. */
  fhirVersion: FhirVersion;
  problems: FileProblem[];
  /** The file is a FHIR document (a Bundle of type document, such as an International Patient Summary). */
  document: boolean;
};
/** `committed`: records of the whole run committed so far; `file`: the one being read. */
export type ImportProgress = { file: string; committed: number };

export type ImportOptions = {
  /**
   * Whose records these are; a function is called (once) as the first record is written, so a
   * person made for the import exists only if something is stored for them.
   */
  personId: number | (() => number);
  /** The source the records are shown as coming from; one per person and label. */
  sourceLabel?: string;
  /** Omitted: decided per file from what the file says and how its records are shaped. */
  fhirVersion?: FhirVersion;
  /** Records per transaction (default DEFAULT_IMPORT_BATCH, or SHARED_IMPORT_BATCH). */
  batchSize?: number;
  onProgress?: (progress: ImportProgress) => void;
  /** How much of the file being stored has been read (FHIR NDJSON and Apple Health as they stream). */
  onBytesRead?: BytesRead;
  /** Health cards are verified only against issuers' keys known offline; no issuer is asked. */
  offline?: boolean;
  /**
   * Sees each file's Patient resources once the file has been read and before anything of it is
   * stored; false leaves the file out (no report for it). For asking whose records a file holds.
   */
  acceptPatients?: (patients: Json[]) => boolean;
};

/**
 * The person the records go to; made (when the import names a new one) only once a file has been
 * read through, so a refused file leaves no one behind.
 */
export const personOf = (options: Pick<ImportOptions, 'personId'>): number =>
  typeof options.personId === 'number' ? options.personId : options.personId();

/**
 * Imports FHIR files into one person's records, committing every `batchSize` records (a transaction
 * may span files), so a crash in the middle keeps every batch already committed and a second run
 * completes the rest without duplicating anything (records are matched by type and id at their
 * source). When a file fails, what was stored before it is committed, then the error is thrown.
 */
export async function importFhirFiles(
  db: VaultDatabase,
  files: readonly FhirFile[],
  options: ImportOptions,
): Promise<FileImportReport[]> {
  // The person (when made for the import) and the source are made in the transaction of the
  // first record written, so a refused file leaves neither behind.
  let personId = typeof options.personId === 'number' ? options.personId : null;
  const person = () => (personId ??= (options.personId as () => number)());
  let connectionId: number | null = null;
  const sourceId = () =>
    (connectionId ??= importConnection(db, person(), options.sourceLabel ?? DEFAULT_IMPORT_SOURCE));
  const reports: FileImportReport[] = [];
  const endLongWrite = beginLongWrite(db);
  const alone = db.pragma('journal_mode', { simple: true }) === 'delete';
  const batchSize = options.batchSize ?? (alone ? DEFAULT_IMPORT_BATCH : SHARED_IMPORT_BATCH);
  const pieceSize = Math.min(batchSize, IMPORT_PIECE);
  const commits = new GroupedCommits(db, batchSize);
  let file = '';
  const told = () => options.onProgress?.({ file, committed: commits.committed });
  const write = (piece: IncomingRecord[], report: FileImportReport) => {
    if (
      commits.write(piece.length, () => {
        report.connectionId = sourceId();
        storeRecords(db, person(), report.connectionId, piece, report);
      })
    )
      told();
  };
  try {
    for (const source of files) {
      const survey =
        options.fhirVersion === undefined || options.acceptPatients ? await surveyFile(source) : null;
      if (options.acceptPatients && !options.acceptPatients(survey!.patients)) continue;
      const fhirVersion = options.fhirVersion ?? survey!.version;
      file = fileName(source);
      const report: FileImportReport = {
        file,
        // Set with the first record written (readFhirFile yields one at least, or refuses).
        connectionId: 0,
        fhirVersion,
        added: 0,
        updated: 0,
        unchanged: 0,
        problems: [],
        document: false,
      };
      let outermost = true;
      const onBundle = (bundle: Json) => {
        if (outermost && bundle.type === 'document') report.document = true;
        outermost = false;
      };
      let piece: IncomingRecord[] = [];
      for await (const record of readFhirFile(source, report.problems, onBundle, options.onBytesRead)) {
        piece.push({ ...record, fhirVersion });
        if (piece.length >= pieceSize) {
          write(piece, report);
          piece = [];
        }
      }
      if (piece.length > 0) write(piece, report);
      reports.push(report);
    }
    const before = commits.committed;
    commits.commit();
    if (commits.committed > before) told();
  } catch (error) {
    // Keep the pieces stored before the failure, as separate commits would have; the failure is
    // what the caller hears about even if this commit fails too.
    try {
      commits.commit();
    } catch {
      // Nothing of the open transaction is kept; the batches committed before it are.
    }
    throw error;
  } finally {
    endLongWrite();
  }
  // The same results often arrive from a portal and from a file: linked, never merged. (Nothing to
  // link when every file was left out.)
  if (reports.length > 0) arrivalsEnded(db, person());
  return reports;
}

/**
 * A first read of the file, before anything is stored, so every record in it is stored as the same
 * version (a Patient alone says nothing, but its file's MedicationOrders do), and so whose records
 * they are can be asked first. Problems are reported by the second read.
 */
async function surveyFile(file: FhirFile): Promise<{ version: FhirVersion; patients: Json[] }> {
  const tally = new FhirVersionTally();
  const patients: Json[] = [];
  for await (const record of readFhirFile(file, [], (bundle) => tally.declare(bundle))) {
    tally.add(record.resource);
    if (record.resource.resourceType === 'Patient') patients.push(record.resource);
  }
  return { version: tally.version, patients };
}
