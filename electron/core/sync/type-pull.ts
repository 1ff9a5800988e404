import { performance } from 'node:perf_hooks';
import { isVaultError, VaultError } from '../errors.js';
import { clearRefusal, markRefused } from '../vault/kinds-not-shared.js';
import {
  abandonPull,
  advancePull,
  beginPull,
  completePull,
  markGone,
  readCursor,
  type PullMode,
} from '../vault/sync-store.js';
import { declinesSearch, isBundle, readPage, refusalOf, sinceFrom, typeNotes } from './page-rules.js';
import { searchAddress, type PatientSearch } from './pull-plan.js';
import { collectReferences } from './referenced-records.js';
import { SyncCancelled } from './server-reader.js';
import { failureMessage, type SyncRun } from './sync-run.js';

const FULL_PULL_EVERY_MS = 7 * 24 * 3600_000;

export type PullOptions = {
  /** Records asked for per page (`_count`); servers may send fewer. */
  pageSize: number;
  /** Even where `_lastUpdated` works, a full pull this often finds what the source deleted. */
  fullPullEveryMs?: number;
  /** Told how long each page took to store, for the benchmark's ingest rate during sync. */
  onPageStored?: (records: number, ms: number) => void;
};

type TypeCounts = {
  added: number;
  updated: number;
  problems: number;
  otherPatient: number;
  warnings: Set<string>;
};

/** Where a pull of one search starts: where a run that died left it, or a new pull (full or since the last). */
type PullStart = { mode: PullMode; pullId: number; url: string; since: string | null; sinceKnown: boolean };

function startPull(
  run: SyncRun,
  key: string,
  search: PatientSearch,
  extra: Record<string, string>,
  options: PullOptions,
): PullStart & { resumedPull: boolean } {
  const db = run.db();
  const cursor = readCursor(db, run.connectionId, key);
  if (cursor.pullId !== null && cursor.nextUrl && cursor.mode) {
    // A resumed pull's beginning was in a run that died, so it keeps the previous pull's `since`
    // (older: safe), or none, which makes the next pull a full one.
    return {
      mode: cursor.mode,
      pullId: cursor.pullId,
      url: cursor.nextUrl,
      since: cursor.since,
      sinceKnown: true,
      resumedPull: true,
    };
  }
  const incremental =
    run.capabilities?.types?.get(search.resourceType)?.lastUpdated === true &&
    cursor.since !== null &&
    cursor.lastFullAt !== null &&
    Date.now() - Date.parse(cursor.lastFullAt) < (options.fullPullEveryMs ?? FULL_PULL_EVERY_MS);
  const mode: PullMode = incremental ? 'incremental' : 'full';
  const url = searchAddress(
    search,
    run.auth.patientId,
    options.pageSize,
    incremental ? { ...extra, _lastUpdated: `gt${cursor.since}` } : extra,
  );
  beginPull(db, run.connectionId, key, run.runId, mode, url);
  return { mode, pullId: run.runId, url, since: null, sinceKnown: false, resumedPull: false };
}

/**
 * One search of one kind of record, page after page: read a page, check it (page-rules.ts), store
 * it together with where the next page is (so a run that dies resumes there), and at the end mark
 * what a full pull no longer returned. 'declined' with the status when the server does not offer
 * the search as asked.
 */
async function pullSearch(
  run: SyncRun,
  key: string,
  search: PatientSearch,
  extra: Record<string, string>,
  allowGone: boolean,
  counts: TypeCounts,
  options: PullOptions,
): Promise<'done' | { declined: number }> {
  const type = search.resourceType;
  const start = startPull(run, key, search, extra, options);
  if (start.resumedPull) run.resumed = true;
  let { url, since, sinceKnown } = start;
  let first = true;
  for (;;) {
    let answer;
    try {
      answer = await run.reader.getJson(url);
    } catch (error) {
      // A type the server does not offer (or refuses without a category) is not a failure.
      const status = (error as { status?: unknown }).status;
      if (first && !start.resumedPull && declinesSearch(status)) {
        abandonPull(run.db(), run.connectionId, key);
        return { declined: status };
      }
      throw error;
    }
    if (!isBundle(answer.body)) {
      throw new VaultError('bad-server-answer', `The server answered a ${type} search with something else.`);
    }
    if (!sinceKnown) {
      since = sinceFrom(answer.body, answer.serverDate);
      sinceKnown = true;
    }
    collectReferences(answer.text, run.auth.fhirBase, run.references);
    const page = readPage(
      answer.body,
      answer.text,
      { type, patientId: run.auth.patientId, fhirBase: run.auth.fhirBase, version: run.version },
      counts.warnings,
    );
    for (const document of page.documents) run.documents.add(document);
    const before = { ...run.tally };
    let skipped = 0;
    const storing = performance.now();
    run.db().transaction(() => {
      skipped = run.store(page.records, start.pullId).skipped;
      advancePull(
        run.db(),
        run.connectionId,
        key,
        page.next.kind === 'next' ? page.next.url : null,
        page.records.length,
      );
    })();
    options.onPageStored?.(page.records.length, performance.now() - storing);
    counts.added += run.tally.added - before.added;
    counts.updated += run.tally.updated - before.updated;
    counts.problems += page.invalid + skipped;
    counts.otherPatient += page.otherPatient;
    run.report({
      resourceType: type,
      pages: run.progress.pages + 1,
      records: run.progress.records + page.records.length,
    });
    first = false;
    if (page.next.kind === 'foreign') {
      abandonPull(run.db(), run.connectionId, key);
      throw new VaultError('foreign-origin', 'The server’s next page of records pointed to another site.');
    }
    if (page.next.kind === 'last') break;
    url = page.next.url;
  }
  const now = new Date().toISOString();
  run.db().transaction(() => {
    if (start.mode === 'full' && allowGone)
      run.gone += markGone(run.db(), run.connectionId, type, start.pullId, now);
    completePull(run.db(), run.connectionId, key, start.mode, since, now);
  })();
  return 'done';
}

/**
 * One kind of record: asked for whole, or per category where the grant or the server wants that,
 * and its line in the sync log. One kind's failure is logged and the others go on; a cancellation
 * or a lost sign-in stops the run.
 */
export async function pullType(run: SyncRun, search: PatientSearch, options: PullOptions): Promise<void> {
  const type = search.resourceType;
  const typeStarted = new Date().toISOString();
  const counts: TypeCounts = { added: 0, updated: 0, problems: 0, otherPatient: 0, warnings: new Set() };
  try {
    if (run.withheld(type)) return;
    // A type granted for some categories only (SMART v2 `?category=`) is asked for just those.
    const grantedCategories = run.granted.categoriesOf(type);
    let outcome: 'done' | { declined: number } = grantedCategories
      ? { declined: 403 }
      : await pullSearch(run, type, search, {}, true, counts, options);
    const categories = grantedCategories ?? search.categories;
    // A search refused for wanting a category (Epic's Observation: 400) is asked per category;
    // one refused outright (403, 404) is not asked nine more times.
    if (outcome !== 'done' && categories && (grantedCategories || !refusalOf(outcome.declined))) {
      const refusals: number[] = [];
      for (const category of categories) {
        const key = `${type}?category=${category}`;
        if (run.withheld(key)) continue;
        const one = await pullSearch(run, key, search, { category }, false, counts, options);
        if (one === 'done') {
          outcome = 'done';
          clearRefusal(run.db(), run.connectionId, key);
        } else if (refusalOf(one.declined)) {
          markRefused(
            run.db(),
            run.connectionId,
            key,
            refusalOf(one.declined)!,
            typeStarted,
            run.grantedScope,
          );
          refusals.push(one.declined);
        }
      }
      // Refused in every category it was asked for: the type as a whole was not shared.
      if (outcome !== 'done' && refusals.length > 0 && refusals.length === categories.length)
        outcome = { declined: refusals[0]! };
    }
    if (outcome !== 'done' && run.refusedByServer(type, outcome.declined)) return;
    if (outcome === 'done') clearRefusal(run.db(), run.connectionId, type);
    run.logType(
      type,
      'ok',
      outcome !== 'done' ? 'This server does not offer these records.' : typeNotes(counts),
      counts,
      typeStarted,
    );
  } catch (error) {
    if (error instanceof SyncCancelled) throw error;
    if (isVaultError(error, 'needs-sign-in')) throw error;
    const why = failureMessage(error);
    run.failedTypes.push({ resourceType: type, message: why });
    run.logType(type, 'failed', why, counts, typeStarted);
  } finally {
    run.report({ typesDone: run.progress.typesDone + 1 });
  }
}
