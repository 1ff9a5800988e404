import { performance } from 'node:perf_hooks';
import { ATTACHMENT_LIMIT_BYTES } from '../../../shared/attachments.js';
import type { SyncProgress, SyncSummary } from '../../../shared/ipc/areas/sync.js';
import { isVaultError, VaultError } from '../errors.js';
import { versionFromNumber } from '../exchange/fhir-version.js';
import type { Json } from '../records/fhir-values.js';
import type { FhirVersion } from '../records/record-columns.js';
import { sameOrigin } from '../smart/addresses.js';
import type { ConnectionAccess } from '../smart/connection-access.js';
import { getConnectionDetail, readSmartAuth } from '../vault/connections.js';
import { clearRefusal, markRefused, readRefusal, type Refusal } from '../vault/kinds-not-shared.js';
import { bundleEntryTexts } from '../records/bundle-texts.js';
import type { VaultDatabase } from '../vault/database.js';
import { storeRecords, type IncomingRecord, type StoreTally } from '../vault/record-store.js';
import { attachmentsByAddress, fetchAttachments, filesFailedWords } from './attachment-download.js';
import { patientSearches, searchAddress, type PatientSearch } from './pull-plan.js';
import { grantedAccess } from './granted-access.js';
import { collectReferences, fetchReferencedRecords } from './referenced-records.js';
import { ServerReader, SyncCancelled, type ReaderOptions } from './server-reader.js';
import {
  abandonPull,
  advancePull,
  beginPull,
  closeInterruptedRuns,
  completePull,
  finishRunLog,
  logTypeOutcome,
  markGone,
  readCursor,
  readDocumentLimit,
  setLastSync,
  startRunLog,
  type PullMode,
} from './sync-store.js';
import { whatIsNew } from './what-is-new.js';

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
  /** Told how long each page took to store, for the benchmark's ingest rate during sync. */
  onPageStored?: (records: number, ms: number) => void;
  /** Called after the records are stored, before the summary (likely duplicates are linked here). */
  afterStore?: (db: VaultDatabase, personId: number) => void;
};

/**
 * Records asked for per page. Servers cap it as they like; where they allow it, a larger page means
 * fewer commits (each one an fsync of an encrypted WAL), which bench/sync-bench.ts shows.
 */
export const DEFAULT_PAGE_SIZE = 1000;
/** By default every file PHR Vault can show is downloaded. */
export const DEFAULT_ATTACHMENT_MAX_BYTES = ATTACHMENT_LIMIT_BYTES;
const FULL_PULL_EVERY_MS = 7 * 24 * 3600_000;
/** `_lastUpdated` asks from a little before the last pull began, so a record changed during it is not missed. */
const SINCE_MARGIN_MS = 5 * 60_000;
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
/**
 * A kind of record the server refused (403, 404) is asked for again this long after, not on every
 * sync: an Oracle Health site may license it later. A new sign-in granting other scopes asks at once.
 */
const REFUSED_REST_MS = 7 * 24 * 3600_000;
/** At most this many of a search's warnings go into the sync log, each cut to a sentence's length. */
const WARNINGS_KEPT = 3;

type TypeCounts = {
  added: number;
  updated: number;
  problems: number;
  otherPatient: number;
  warnings: Set<string>;
};

/** What a refusing status means for a kind of record; null for one that is not a refusal to share. */
function refusalOf(status: number): Refusal | null {
  return status === 403 ? 'forbidden' : status === 404 ? 'not-found' : null;
}

/**
 * The warnings a searchset carries as OperationOutcome entries (`search.mode = outcome`), in the
 * server's words. "No results" notes are left out: Epic adds one to every empty search (its code
 * 4101, "Resource request returns no results"), which says nothing the count does not.
 */
function searchWarnings(outcome: Json, into: Set<string>): void {
  const issues = Array.isArray(outcome.issue) ? (outcome.issue as unknown[]) : [];
  for (const issue of issues) {
    if (!isObject(issue) || into.size >= WARNINGS_KEPT) continue;
    if (issue.severity === 'information' || issue.code === 'not-found' || issue.code === 'informational')
      continue;
    const details = isObject(issue.details) ? issue.details : {};
    const codings = Array.isArray(details.coding) ? (details.coding as unknown[]) : [];
    if (codings.some((c) => isObject(c) && c.code === '4101')) continue;
    const text = [
      details.text,
      issue.diagnostics,
      ...codings.map((c) => (isObject(c) ? c.display : null)),
    ].find((t): t is string => typeof t === 'string' && t.trim() !== '');
    if (text) into.add(text.trim().replace(/\s+/g, ' ').slice(0, 200));
  }
}

type Capabilities = { version: FhirVersion; types: Map<string, { lastUpdated: boolean }> | null };

type Bundle = {
  resourceType?: unknown;
  meta?: { lastUpdated?: unknown };
  link?: { relation?: unknown; url?: unknown }[];
  entry?: { resource?: unknown; search?: { mode?: unknown } }[];
};

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why a type stopped, in the user's words; the reason stays in the sync log. */
function failureMessage(error: unknown): string {
  if (isVaultError(error)) return error.message;
  return 'Something went wrong inside PHR Vault while reading these records. Nothing stored was lost.';
}

const PATIENT_REFERENCE = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

/**
 * False when a record names another patient as its subject: a server that mixes patients up must
 * not put a stranger's results into this person's records. A record naming no patient is kept
 * (the search that returned it was for this patient).
 */
export function aboutPatient(resource: Json, patientId: string): boolean {
  for (const field of ['subject', 'patient', 'beneficiary'] as const) {
    const value = resource[field];
    const reference = isObject(value) ? value.reference : undefined;
    if (typeof reference !== 'string') continue;
    const match = PATIENT_REFERENCE.exec(reference);
    if (match) return match[1] === patientId;
  }
  return true;
}

/** "1 record was not valid FHIR and was skipped." / "3 records were …, and were …" */
function recordsThat(n: number, what: string, done: string): string {
  const [record, was] = n === 1 ? ['record', 'was'] : ['records', 'were'];
  return `${n} ${record} ${was} ${what} and ${was} ${done}.`;
}

/** Where a run is before it has asked the server anything. */
export function startingProgress(connectionId: number, label: string): SyncProgress {
  return {
    connectionId,
    label,
    state: 'running',
    resourceType: null,
    typesDone: 0,
    typesTotal: 1,
    pages: 0,
    records: 0,
    message: null,
  };
}

/**
 * One sync of one connection: the Patient, every type the server offers, the records they
 * point to, and attachments. Each page is one transaction together with the position of the next
 * page, so a run that dies resumes where it stopped and re-running never duplicates (records
 * are keyed by connection, type and id). One type's failure is logged and the others go on.
 */
export async function syncConnection(
  db: () => VaultDatabase,
  access: ConnectionAccess,
  connectionId: number,
  options: SyncRunOptions = {},
): Promise<SyncSummary> {
  const auth = readSmartAuth(db(), connectionId);
  const detail = getConnectionDetail(db(), connectionId);
  if (!auth || !detail) throw new VaultError('not-found');
  if (auth.state === 'needs-sign-in' || auth.state === 'disconnected' || !auth.authState) {
    throw new VaultError('needs-sign-in');
  }
  const label = detail.label;
  const tokenResponse = auth.authState.tokenResponse as { scope?: unknown } | undefined;
  const granted = grantedAccess(tokenResponse);
  const grantedScope = typeof tokenResponse?.scope === 'string' ? tokenResponse.scope : null;
  const startedAt = new Date().toISOString();
  closeInterruptedRuns(db(), connectionId, startedAt);
  const runId = startRunLog(db(), connectionId, startedAt);
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const tally: StoreTally = { added: 0, updated: 0, unchanged: 0 };
  let gone = 0;
  const failedTypes: { resourceType: string; message: string }[] = [];
  /** Kinds of record first found not shared by this run: named in its log once, then only on the card. */
  const notShared: string[] = [];
  const progress = startingProgress(connectionId, label);
  const report = (change: Partial<SyncProgress> = {}) => {
    Object.assign(progress, change);
    options.onProgress?.({ ...progress });
  };
  const reader = new ServerReader(access, connectionId, {
    ...options,
    onWait: (message) => report({ message }),
  });

  // What the run found as it went, so nothing after the pages has to read every stored record:
  // new records by category, the references to read, the documents whose files to download.
  const newByCategory: Record<string, number> = {};
  const countNew = (category: string) => (newByCategory[category] = (newByCategory[category] ?? 0) + 1);
  const references = new Set<string>();
  const documents = new Set<string>();
  // Pages stored by a run that died are not in these sets: a resumed run looks at everything.
  let resumed = false;
  const store = (
    records: IncomingRecord[],
    counts: StoreTally,
    seenPull?: number,
  ): { stored: number; skipped: number } => {
    try {
      db().transaction(() =>
        storeRecords(db(), auth.personId, connectionId, records, counts, { onAdded: countNew, seenPull }),
      )();
      return { stored: records.length, skipped: 0 };
    } catch (error) {
      if (isVaultError(error)) throw error;
      // A record whose shape breaks the reader of its columns: store the others one by one.
      let skipped = 0;
      db().transaction(() => {
        for (const record of records) {
          try {
            storeRecords(db(), auth.personId, connectionId, [record], counts, {
              onAdded: countNew,
              seenPull,
            });
          } catch {
            skipped++;
          }
        }
      })();
      return { stored: records.length - skipped, skipped };
    }
  };

  let outcome: SyncSummary['outcome'] = 'ok';
  let message: string | null = null;
  try {
    report();
    const capabilities = await readCapabilities(reader, auth.fhirBase, detail.fhirVersion);
    const searches = patientSearches(capabilities.version).filter((s) =>
      capabilities.types ? capabilities.types.has(s.resourceType) : !s.onlyWhenListed,
    );
    report({ typesTotal: searches.length + 3 });

    /**
     * Whether to skip a search the institution did not share: not granted at sign-in (never asked
     * for), or refused by its server lately under the same scopes. A refusal is named in the sync
     * log the first time only; the connection's card lists it from then on.
     */
    const withheld = (key: string): boolean => {
      const type = key.split('?')[0]!;
      const now = new Date().toISOString();
      if (!granted.allows(type)) {
        if (readRefusal(db(), connectionId, key)?.refused !== 'not-granted' && key === type) {
          notShared.push(type);
          logRefusal(type, 'The sign-in did not give PHR Vault access to these records.');
        }
        markRefused(db(), connectionId, key, 'not-granted', now, grantedScope);
        return true;
      }
      const known = readRefusal(db(), connectionId, key);
      return (
        known !== null &&
        known.refused !== 'not-granted' &&
        known.scope === grantedScope &&
        Date.now() - Date.parse(known.at) < REFUSED_REST_MS
      );
    };
    const logRefusal = (type: string, why: string) => {
      const at = new Date().toISOString();
      logTypeOutcome(db(), connectionId, runId, {
        resourceType: type,
        outcome: 'ok',
        message: `${label} did not share these records. ${why}`,
        added: 0,
        updated: 0,
        startedAt: at,
        finishedAt: at,
      });
    };
    /** The server refused a whole kind of record (403, or 404 where it is not licensed). */
    const refusedByServer = (key: string, status: number): boolean => {
      const refusal = refusalOf(status);
      if (!refusal) return false;
      const type = key.split('?')[0]!;
      if (key === type && readRefusal(db(), connectionId, key) === null) {
        notShared.push(type);
        logRefusal(
          type,
          status === 403
            ? 'Its server refused them to PHR Vault (403); they are asked for again in a week or after a new sign-in.'
            : 'Its server does not offer them (404); they are asked for again in a week or after a new sign-in.',
        );
      }
      markRefused(db(), connectionId, key, refusal, new Date().toISOString(), grantedScope);
      return true;
    };

    // The patient first: the other records are about them.
    if (!withheld('Patient')) {
      try {
        const patient = await reader.getJson(`Patient/${encodeURIComponent(auth.patientId)}`);
        if (isObject(patient.body) && patient.body.resourceType === 'Patient') {
          store(
            [{ resource: patient.body, raw: patient.text.trim(), fhirVersion: capabilities.version }],
            tally,
          );
        }
        clearRefusal(db(), connectionId, 'Patient');
      } catch (error) {
        const status = (error as { status?: unknown }).status;
        if (typeof status !== 'number' || !refusedByServer('Patient', status)) throw error;
      }
    }
    report({ typesDone: progress.typesDone + 1, resourceType: 'Patient' });

    const pullSearch = async (
      key: string,
      search: PatientSearch,
      extra: Record<string, string>,
      allowGone: boolean,
      counts: TypeCounts,
    ): Promise<'done' | { refused: number }> => {
      const type = search.resourceType;
      const cursor = readCursor(db(), connectionId, key);
      let mode: PullMode;
      let pullId: number;
      let url: string;
      // Where the next `_lastUpdated` asks from: the server's time as this pull began. A resumed
      // pull's beginning was in a run that died, so it keeps the previous pull's (older: safe), or
      // none, which makes the next pull a full one.
      let since: string | null = cursor.since;
      let sinceKnown = true;
      if (cursor.pullId !== null && cursor.nextUrl && cursor.mode) {
        resumed = true;
        mode = cursor.mode;
        pullId = cursor.pullId;
        url = cursor.nextUrl;
      } else {
        const incremental =
          capabilities.types?.get(type)?.lastUpdated === true &&
          cursor.since !== null &&
          cursor.lastFullAt !== null &&
          Date.now() - Date.parse(cursor.lastFullAt) < (options.fullPullEveryMs ?? FULL_PULL_EVERY_MS);
        mode = incremental ? 'incremental' : 'full';
        pullId = runId;
        url = searchAddress(
          search,
          auth.patientId,
          pageSize,
          incremental ? { ...extra, _lastUpdated: `gt${cursor.since}` } : extra,
        );
        beginPull(db(), connectionId, key, pullId, mode, url);
        since = null;
        sinceKnown = false;
      }
      let first = true;
      for (;;) {
        let answer;
        try {
          answer = await reader.getJson(url);
        } catch (error) {
          // A type the server does not offer (or refuses without a category) is not a failure.
          const status = (error as { status?: unknown }).status;
          if (
            first &&
            cursor.pullId === null &&
            (status === 400 || status === 404 || status === 422 || status === 403)
          ) {
            abandonPull(db(), connectionId, key);
            return { refused: status };
          }
          throw error;
        }
        const bundle = answer.body as Bundle;
        if (!isObject(bundle) || bundle.resourceType !== 'Bundle') {
          throw new VaultError(
            'bad-server-answer',
            `The server answered a ${type} search with something else.`,
          );
        }
        if (!sinceKnown) {
          since = sinceFrom(bundle, answer.serverDate);
          sinceKnown = true;
        }
        collectReferences(answer.text, auth.fhirBase, references);
        const records: IncomingRecord[] = [];
        let invalid = 0;
        let otherPatient = 0;
        // Each record is kept as the server wrote it; where the page's text cannot be read that
        // way, as JSON.stringify writes it.
        const entries = bundle.entry ?? [];
        const texts = bundleEntryTexts(answer.text, entries.length);
        for (const [index, entry] of entries.entries()) {
          const resource = entry?.resource;
          // The server's notes about the search (Epic's warnings among them): never a record, never a failure.
          if (
            isObject(resource) &&
            (resource.resourceType === 'OperationOutcome' || entry.search?.mode === 'outcome')
          ) {
            if (resource.resourceType === 'OperationOutcome') searchWarnings(resource, counts.warnings);
            continue;
          }
          if (!isObject(resource) || typeof resource.id !== 'string' || !FHIR_ID.test(resource.id)) {
            invalid++;
            continue;
          }
          if (resource.resourceType !== type) continue;
          if (!aboutPatient(resource, auth.patientId)) {
            otherPatient++;
            continue;
          }
          // Serialised here, before the page's transaction, so the write lock is held only for writing.
          const raw = texts?.[index] ?? JSON.stringify(resource);
          records.push({ resource, raw, fhirVersion: capabilities.version });
          if (
            (type === 'DocumentReference' || type === 'DiagnosticReport') &&
            attachmentsByAddress(resource).length > 0
          ) {
            documents.add(`${type}/${resource.id}`);
          }
        }
        const next = bundle.link?.find((l) => l?.relation === 'next')?.url;
        let nextUrl: string | null = null;
        let foreign = false;
        if (typeof next === 'string' && next !== '') {
          try {
            const resolved = new URL(next, auth.fhirBase);
            if (sameOrigin(resolved, auth.fhirBase)) nextUrl = resolved.href;
            else foreign = true;
          } catch {
            foreign = true;
          }
        }
        const before = { ...tally };
        let skipped = 0;
        const storing = performance.now();
        db().transaction(() => {
          skipped = store(records, tally, pullId).skipped;
          advancePull(db(), connectionId, key, foreign ? null : nextUrl, records.length);
        })();
        options.onPageStored?.(records.length, performance.now() - storing);
        counts.added += tally.added - before.added;
        counts.updated += tally.updated - before.updated;
        counts.problems += invalid + skipped;
        counts.otherPatient += otherPatient;
        report({ resourceType: type, pages: progress.pages + 1, records: progress.records + records.length });
        first = false;
        if (foreign) {
          abandonPull(db(), connectionId, key);
          throw new VaultError(
            'foreign-origin',
            'The server’s next page of records pointed to another site.',
          );
        }
        if (!nextUrl) break;
        url = nextUrl;
      }
      const now = new Date().toISOString();
      db().transaction(() => {
        if (mode === 'full' && allowGone) gone += markGone(db(), connectionId, type, pullId, now);
        completePull(db(), connectionId, key, mode, since, now);
      })();
      return 'done';
    };

    // Types run a few at a time; better-sqlite3 commits synchronously, so pages of different types
    // never interleave inside a transaction.
    const pullType = async (search: PatientSearch) => {
      const type = search.resourceType;
      const typeStarted = new Date().toISOString();
      const counts: TypeCounts = { added: 0, updated: 0, problems: 0, otherPatient: 0, warnings: new Set() };
      try {
        if (withheld(type)) return;
        // A type granted for some categories only (SMART v2 `?category=`) is asked for just those.
        const grantedCategories = granted.categoriesOf(type);
        let outcome: 'done' | { refused: number } = grantedCategories
          ? { refused: 403 }
          : await pullSearch(type, search, {}, true, counts);
        const categories = grantedCategories ?? search.categories;
        // A search refused for wanting a category (Epic's Observation: 400) is asked per category;
        // one refused outright (403, 404) is not asked nine more times.
        if (outcome !== 'done' && categories && (grantedCategories || !refusalOf(outcome.refused))) {
          const refusals: number[] = [];
          for (const category of categories) {
            const key = `${type}?category=${category}`;
            if (withheld(key)) continue;
            const one = await pullSearch(key, search, { category }, false, counts);
            if (one === 'done') {
              outcome = 'done';
              clearRefusal(db(), connectionId, key);
            } else if (refusalOf(one.refused)) {
              markRefused(db(), connectionId, key, refusalOf(one.refused)!, typeStarted, grantedScope);
              refusals.push(one.refused);
            }
          }
          // Refused in every category it was asked for: the type as a whole was not shared.
          if (outcome !== 'done' && refusals.length > 0 && refusals.length === categories.length)
            outcome = { refused: refusals[0]! };
        }
        if (outcome !== 'done' && refusedByServer(type, outcome.refused)) return;
        if (outcome === 'done') clearRefusal(db(), connectionId, type);
        const { problems, otherPatient } = counts;
        const notes = [
          problems > 0 ? recordsThat(problems, 'not valid FHIR', 'skipped') : '',
          otherPatient > 0 ? recordsThat(otherPatient, 'about another patient', 'not stored') : '',
          counts.warnings.size > 0 ? `The server noted: ${[...counts.warnings].join(' / ')}` : '',
        ].filter(Boolean);
        logTypeOutcome(db(), connectionId, runId, {
          resourceType: type,
          outcome: 'ok',
          message: outcome !== 'done' ? 'This server does not offer these records.' : notes.join(' ') || null,
          added: counts.added,
          updated: counts.updated,
          startedAt: typeStarted,
          finishedAt: new Date().toISOString(),
        });
      } catch (error) {
        if (error instanceof SyncCancelled) throw error;
        if (isVaultError(error, 'needs-sign-in')) throw error;
        const why = failureMessage(error);
        failedTypes.push({ resourceType: search.resourceType, message: why });
        logTypeOutcome(db(), connectionId, runId, {
          resourceType: search.resourceType,
          outcome: 'failed',
          message: why,
          added: counts.added,
          updated: counts.updated,
          startedAt: typeStarted,
          finishedAt: new Date().toISOString(),
        });
      } finally {
        report({ typesDone: progress.typesDone + 1 });
      }
    };

    await inPool(searches, options.concurrency ?? 3, pullType, options.signal);

    report({ resourceType: 'Practitioner' });
    const referenced = await fetchReferencedRecords(
      db,
      reader,
      connectionId,
      auth.fhirBase,
      resumed ? null : references,
      (records) =>
        store(
          records.map(({ resource, raw }) => ({ resource, raw, fhirVersion: capabilities.version })),
          tally,
        ),
      (type) => granted.reads(type),
    );
    if (referenced.failed > 0) {
      logTypeOutcome(db(), connectionId, runId, {
        resourceType: 'Practitioner',
        outcome: 'failed',
        message: `${referenced.failed} of the care team, places and medications records point to could not be read.`,
        added: 0,
        updated: 0,
        startedAt,
        finishedAt: new Date().toISOString(),
      });
    }
    report({ typesDone: progress.typesDone + 1, resourceType: 'Binary' });
    // Documents' files need Binary read access of their own (Epic, Oracle Health): without it they
    // are listed, and the connection says the files were not shared.
    const filesWithheld = !granted.reads('Binary') && (resumed || documents.size > 0) && withheld('Binary');
    const attachments = filesWithheld
      ? { failed: 0, resting: 0 }
      : await fetchAttachments(
          db,
          reader,
          connectionId,
          auth.fhirBase,
          options.attachmentMaxBytes ?? readDocumentLimit(db(), connectionId) ?? DEFAULT_ATTACHMENT_MAX_BYTES,
          resumed ? null : documents,
        );
    if (attachments.failed > 0) {
      logTypeOutcome(db(), connectionId, runId, {
        resourceType: 'Binary',
        outcome: 'failed',
        message: filesFailedWords(attachments.failed, attachments.resting),
        added: 0,
        updated: 0,
        startedAt,
        finishedAt: new Date().toISOString(),
      });
    }
    report({ typesDone: progress.typesDone + 1 });
    options.afterStore?.(db(), auth.personId);
    if (failedTypes.length > 0) {
      outcome = failedTypes.length >= searches.length ? 'failed' : 'partial';
      message = `${failedTypes.length} of ${searches.length} kinds of record could not be brought in this time.`;
    } else if (notShared.length > 0) {
      message = `${label} did not share ${notShared.length} ${notShared.length === 1 ? 'kind' : 'kinds'} of record with PHR Vault; the connection lists them.`;
    }
  } catch (error) {
    if (error instanceof SyncCancelled || options.signal?.aborted) {
      outcome = 'cancelled';
      message = 'Stopped. What had arrived is kept; the next sync goes on from there.';
    } else {
      outcome = 'failed';
      message = failureMessage(error);
    }
  }

  const finishedAt = new Date().toISOString();
  try {
    finishRunLog(db(), runId, outcome, message, tally.added, tally.updated, finishedAt);
    if (outcome !== 'cancelled' && outcome !== 'failed') setLastSync(db(), connectionId, finishedAt);
  } catch {
    // The vault was locked as the run ended; the next start closes this run in the log.
  }
  report({
    state: outcome === 'ok' || outcome === 'partial' ? 'finished' : outcome,
    message,
    resourceType: null,
  });
  // Renamed while the run went on: the summary and its notification use the name it has now.
  let name = label;
  try {
    name = getConnectionDetail(db(), connectionId)?.label ?? label;
  } catch {
    // Locked as the run ended: the name it started with.
  }
  return {
    connectionId,
    label: name,
    outcome,
    startedAt,
    finishedAt,
    added: tally.added,
    updated: tally.updated,
    gone,
    failedTypes,
    newByCategory,
    whatIsNew: outcome === 'cancelled' ? null : whatIsNew(newByCategory, name),
    message,
  };
}

/**
 * What the server says it offers. Without a readable CapabilityStatement every type is tried (a
 * type it lacks answers 404 and is skipped) and `_lastUpdated` is never relied on.
 */
async function readCapabilities(
  reader: ServerReader,
  fhirBase: string,
  storedVersion: string | null,
): Promise<Capabilities> {
  const fallback: Capabilities = {
    version: (storedVersion && versionFromNumber(storedVersion)) || 'R4',
    types: null,
  };
  let body: unknown;
  try {
    body = (await reader.getJson(new URL('metadata', fhirBase).href)).body;
  } catch (error) {
    if (error instanceof SyncCancelled || isVaultError(error, 'needs-sign-in')) throw error;
    return fallback;
  }
  if (
    !isObject(body) ||
    (body.resourceType !== 'CapabilityStatement' && body.resourceType !== 'Conformance')
  ) {
    return fallback;
  }
  const version =
    (typeof body.fhirVersion === 'string' && versionFromNumber(body.fhirVersion)) || fallback.version;
  const rest = (Array.isArray(body.rest) ? body.rest : []).find(
    (r: unknown) => isObject(r) && r.mode === 'server',
  ) as Json | undefined;
  const named = (params: unknown) =>
    Array.isArray(params) && params.some((p: unknown) => isObject(p) && p.name === '_lastUpdated');
  const everywhere = named(rest?.searchParam);
  const resources = Array.isArray(rest?.resource) ? (rest.resource as unknown[]) : [];
  if (resources.length === 0) return { version, types: null };
  const types = new Map<string, { lastUpdated: boolean }>();
  for (const r of resources) {
    if (isObject(r) && typeof r.type === 'string')
      types.set(r.type, { lastUpdated: everywhere || named(r.searchParam) });
  }
  return { version, types };
}

/** The server's own time when a pull began, less a margin: where the next `_lastUpdated` asks from. */
function sinceFrom(bundle: Bundle, serverDate: string | null): string {
  const candidates = [bundle.meta?.lastUpdated, serverDate];
  for (const candidate of candidates) {
    if (typeof candidate !== 'string') continue;
    const at = Date.parse(candidate);
    if (!Number.isNaN(at)) return new Date(at - SINCE_MARGIN_MS).toISOString();
  }
  return new Date(Date.now() - SINCE_MARGIN_MS).toISOString();
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
