import { ATTACHMENT_LIMIT_BYTES } from '../../../shared/attachments.js';
import type { SyncProgress, SyncSummary } from '../../../shared/ipc/areas/sync.js';
import { arrivalsEnded } from '../records/ingest.js';
import type { ConnectionAccess } from '../smart/connection-access.js';
import { getConnectionDetail } from '../vault/connections.js';
import type { VaultDatabase } from '../vault/database.js';
import { clearRefusal } from '../vault/kinds-not-shared.js';
import { finishRunLog, readDocumentLimit, setLastSync } from '../vault/sync-store.js';
import { fetchAttachments, filesFailedWords } from './attachment-download.js';
import { readCapabilities } from './capabilities.js';
import { isObject } from './page-rules.js';
import { patientSearches, type PatientSearch } from './pull-plan.js';
import { fetchReferencedRecords } from './referenced-records.js';
import { SyncCancelled, type ReaderOptions } from './server-reader.js';
import { failureMessage, SyncRun, type RunOptions } from './sync-run.js';
import { pullType } from './type-pull.js';
import { whatIsNew } from './what-is-new.js';

export { aboutPatient } from './page-rules.js';
export { startingProgress } from './sync-run.js';

export type SyncRunOptions = ReaderOptions & {
  /** Records asked for per page (`_count`); servers may send fewer. */
  pageSize?: number;
  /** Types pulled at the same time: pages of one arrive while another's are stored. */
  concurrency?: number;
  /**
   * Attachments larger than this are listed but not downloaded. Given, it overrides the
   * connection's own bound (the person's choice) for this run; otherwise that, or the default.
   */
  attachmentMaxBytes?: number;
  /** Even where `_lastUpdated` works, a full pull this often finds what the source deleted. */
  fullPullEveryMs?: number;
  onProgress?: (progress: SyncProgress) => void;
  /** Told what was stored as the run goes (each page once committed), for records.changed. */
  onStored?: RunOptions['onStored'];
  /** Told how long each page took to store, for the benchmark's ingest rate during sync. */
  onPageStored?: (records: number, ms: number) => void;
};

/**
 * Records asked for per page. Servers cap it as they like; where they allow it, a larger page means
 * fewer commits (each one an fsync of an encrypted WAL), which bench/sync-bench.ts shows.
 */
export const DEFAULT_PAGE_SIZE = 1000;
/** By default every file PHR Vault can show is downloaded. */
export const DEFAULT_ATTACHMENT_MAX_BYTES = ATTACHMENT_LIMIT_BYTES;

/**
 * One sync of one connection, as a pipeline of named steps over one `SyncRun`: the patient, every
 * kind of record the server offers and the sign-in granted (type-pull.ts: read a page, check it,
 * store it with where to resume, log), the records they point to, the documents' files, and the
 * run's line in the log. Each page is one transaction together with the position of the next page,
 * so a run that dies resumes where it stopped and re-running never duplicates (records are keyed by
 * connection, type and id). One type's failure is logged and the others go on.
 */
export async function syncConnection(
  db: () => VaultDatabase,
  access: ConnectionAccess,
  connectionId: number,
  options: SyncRunOptions = {},
): Promise<SyncSummary> {
  const run = new SyncRun(db, access, connectionId, options);
  let outcome: SyncSummary['outcome'] = 'ok';
  let message: string | null = null;
  try {
    run.report();
    run.capabilities = await readCapabilities(run.reader, run.auth.fhirBase, run.storedVersion);
    const searches = offeredSearches(run);
    run.report({ typesTotal: searches.length + 3 });
    await pullPatient(run);
    const pull = { pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE, ...pick(options) };
    await inPool(searches, options.concurrency ?? 3, (search) => pullType(run, search, pull), options.signal);
    await pullReferenced(run);
    await pullDocumentFiles(run, options.attachmentMaxBytes);
    arrivalsEnded(db(), run.auth.personId);
    ({ outcome, message } = runOutcome(run, searches.length));
  } catch (error) {
    if (error instanceof SyncCancelled || options.signal?.aborted) {
      outcome = 'cancelled';
      message = 'Stopped. What had arrived is kept; the next sync goes on from there.';
    } else {
      outcome = 'failed';
      message = failureMessage(error);
    }
  }
  return finishRun(run, outcome, message);
}

function pick(options: SyncRunOptions) {
  return {
    ...(options.fullPullEveryMs !== undefined ? { fullPullEveryMs: options.fullPullEveryMs } : {}),
    ...(options.onPageStored ? { onPageStored: options.onPageStored } : {}),
  };
}

/** The searches of the kinds the server lists (or every usual one, where it lists none). */
function offeredSearches(run: SyncRun): PatientSearch[] {
  const capabilities = run.capabilities!;
  return patientSearches(capabilities.version).filter((s) =>
    capabilities.types ? capabilities.types.has(s.resourceType) : !s.onlyWhenListed,
  );
}

/** The patient first: the other records are about them. A read the server refuses is not a failure. */
async function pullPatient(run: SyncRun): Promise<void> {
  if (!run.withheld('Patient')) {
    try {
      const patient = await run.reader.getJson(`Patient/${encodeURIComponent(run.auth.patientId)}`);
      if (isObject(patient.body) && patient.body.resourceType === 'Patient') {
        run.store([{ resource: patient.body, raw: patient.text.trim(), fhirVersion: run.version }]);
      }
      clearRefusal(run.db(), run.connectionId, 'Patient');
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      if (typeof status !== 'number' || !run.refusedByServer('Patient', status)) throw error;
    }
  }
  run.report({ typesDone: run.progress.typesDone + 1, resourceType: 'Patient' });
}

/** The care team, places and medications the records point to. */
async function pullReferenced(run: SyncRun): Promise<void> {
  run.report({ resourceType: 'Practitioner' });
  const referenced = await fetchReferencedRecords(
    run.db,
    run.reader,
    run.connectionId,
    run.auth.fhirBase,
    run.resumed ? null : run.references,
    (records) => run.store(records.map(({ resource, raw }) => ({ resource, raw, fhirVersion: run.version }))),
    (type) => run.granted.reads(type),
  );
  if (referenced.failed > 0) {
    run.logType(
      'Practitioner',
      'failed',
      `${referenced.failed} of the care team, places and medications records point to could not be read.`,
      undefined,
      run.startedAt,
    );
  }
  run.report({ typesDone: run.progress.typesDone + 1, resourceType: 'Binary' });
}

/**
 * The documents' files. They need Binary read access of their own (Epic, Oracle Health): without
 * it they are listed, and the connection says the files were not shared.
 */
async function pullDocumentFiles(run: SyncRun, maxBytes: number | undefined): Promise<void> {
  const filesWithheld =
    !run.granted.reads('Binary') && (run.resumed || run.documents.size > 0) && run.withheld('Binary');
  const attachments = filesWithheld
    ? { failed: 0, resting: 0 }
    : await fetchAttachments(
        run.db,
        run.reader,
        run.connectionId,
        run.auth.fhirBase,
        maxBytes ?? readDocumentLimit(run.db(), run.connectionId) ?? DEFAULT_ATTACHMENT_MAX_BYTES,
        run.resumed ? null : run.documents,
      );
  if (attachments.failed > 0) {
    run.logType(
      'Binary',
      'failed',
      filesFailedWords(attachments.failed, attachments.resting),
      undefined,
      run.startedAt,
    );
  }
  run.report({ typesDone: run.progress.typesDone + 1 });
}

/** A run that went through: 'ok', or 'partial'/'failed' by how many kinds failed, and what to say. */
function runOutcome(
  run: SyncRun,
  kinds: number,
): { outcome: SyncSummary['outcome']; message: string | null } {
  if (run.failedTypes.length > 0) {
    return {
      outcome: run.failedTypes.length >= kinds ? 'failed' : 'partial',
      message: `${run.failedTypes.length} of ${kinds} kinds of record could not be brought in this time.`,
    };
  }
  if (run.notShared.length > 0) {
    const n = run.notShared.length;
    return {
      outcome: 'ok',
      message: `${run.label} did not share ${n} ${n === 1 ? 'kind' : 'kinds'} of record with PHR Vault; the connection lists them.`,
    };
  }
  return { outcome: 'ok', message: null };
}

/** The run's line in the log, its last progress, and the summary the notification is made from. */
function finishRun(run: SyncRun, outcome: SyncSummary['outcome'], message: string | null): SyncSummary {
  const finishedAt = new Date().toISOString();
  try {
    finishRunLog(run.db(), run.runId, outcome, message, run.tally.added, run.tally.updated, finishedAt);
    if (outcome !== 'cancelled' && outcome !== 'failed') setLastSync(run.db(), run.connectionId, finishedAt);
  } catch {
    // The vault was locked as the run ended; the next start closes this run in the log.
  }
  run.report({
    state: outcome === 'ok' || outcome === 'partial' ? 'finished' : outcome,
    message,
    resourceType: null,
  });
  // Renamed while the run went on: the summary and its notification use the name it has now.
  let name = run.label;
  try {
    name = getConnectionDetail(run.db(), run.connectionId)?.label ?? run.label;
  } catch {
    // Locked as the run ended: the name it started with.
  }
  return {
    connectionId: run.connectionId,
    label: name,
    outcome,
    startedAt: run.startedAt,
    finishedAt,
    added: run.tally.added,
    updated: run.tally.updated,
    gone: run.gone,
    failedTypes: run.failedTypes,
    newByCategory: run.newByCategory,
    whatIsNew: outcome === 'cancelled' ? null : whatIsNew(run.newByCategory, name),
    message,
  };
}

/**
 * Runs `work` over the items, `size` at a time. The first error that escapes `work` (a
 * cancellation, a lost sign-in) stops new work from starting and is thrown once the rest settle.
 */
async function inPool<T>(
  items: readonly T[],
  size: number,
  work: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (failure === null && next < items.length) {
      if (signal?.aborted) {
        failure = new SyncCancelled('cancelled');
        break;
      }
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, worker));
  if (failure !== null) throw failure;
}
