import type { Json } from '../records/fhir-values.js';
import type { FhirVersion } from '../records/record-columns.js';
import { bundleEntryTexts } from '../records/bundle-texts.js';
import { sameOrigin } from '../smart/addresses.js';
import type { IncomingRecord } from '../vault/record-store.js';
import type { Refusal } from '../vault/kinds-not-shared.js';
import { attachmentsByAddress } from './attachment-download.js';

/**
 * The rules a page of search results must pass before anything of it is stored, as pure
 * functions: what is a record of this patient, what is the server's note, where the next page may
 * be asked for. The sync (connection-sync.ts) reads pages and stores what these let through.
 */

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** An id as FHIR allows it: anything else is not a record the vault can find again. */
export const isFhirId = (id: unknown): id is string => typeof id === 'string' && FHIR_ID.test(id);

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

/** What a refusing status means for a kind of record; null for one that is not a refusal to share. */
export function refusalOf(status: number): Refusal | null {
  return status === 403 ? 'forbidden' : status === 404 ? 'not-found' : null;
}

/**
 * A first page answered with one of these is the server saying it does not offer the search as
 * asked (not a failure): 400/422 for a search it wants narrower (Epic's Observation without a
 * category), 403 and 404 for a kind of record it does not share.
 */
export const declinesSearch = (status: unknown): status is number =>
  status === 400 || status === 404 || status === 422 || status === 403;

/** At most this many of a search's warnings go into the sync log, each cut to a sentence's length. */
export const WARNINGS_KEPT = 3;

/**
 * The warnings a searchset carries as OperationOutcome entries (`search.mode = outcome`), in the
 * server's words. "No results" notes are left out: Epic adds one to every empty search (its code
 * 4101, "Resource request returns no results"), which says nothing the count does not.
 */
export function searchWarnings(outcome: Json, into: Set<string>): void {
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

export type Bundle = {
  resourceType?: unknown;
  meta?: { lastUpdated?: unknown };
  link?: { relation?: unknown; url?: unknown }[];
  entry?: { resource?: unknown; search?: { mode?: unknown } }[];
};

export const isBundle = (body: unknown): body is Bundle => isObject(body) && body.resourceType === 'Bundle';

/**
 * Where the next page is: a `next` link resolved against the FHIR base, only on the base's own
 * origin (the bearer token goes with the request); 'last' when there is none; 'foreign' when it
 * points anywhere else or cannot be read, which ends the pull.
 */
export type NextPage = { kind: 'next'; url: string } | { kind: 'last' } | { kind: 'foreign' };

export function nextPage(bundle: Bundle, fhirBase: string): NextPage {
  const next = bundle.link?.find((l) => l?.relation === 'next')?.url;
  if (typeof next !== 'string' || next === '') return { kind: 'last' };
  try {
    const resolved = new URL(next, fhirBase);
    return sameOrigin(resolved, fhirBase) ? { kind: 'next', url: resolved.href } : { kind: 'foreign' };
  } catch {
    return { kind: 'foreign' };
  }
}

/** What a page holds, checked: the records to store and what was left out, and why. */
export type PageReading = {
  records: IncomingRecord[];
  /** `Type/id` of documents with files to download. */
  documents: string[];
  /** Entries without a usable resource or id. */
  invalid: number;
  /** Records naming another patient as their subject: never stored. */
  otherPatient: number;
  next: NextPage;
};

/**
 * Checks one page of a search for `type` about `patientId`. Each record is kept as the server
 * wrote it; where the page's text cannot be split that way, as JSON.stringify writes it. Entries of
 * another type (an `_include` the server added) are passed over; the server's notes go to `warnings`.
 */
export function readPage(
  bundle: Bundle,
  text: string,
  search: { type: string; patientId: string; fhirBase: string; version: FhirVersion },
  warnings: Set<string>,
): PageReading {
  const reading: PageReading = {
    records: [],
    documents: [],
    invalid: 0,
    otherPatient: 0,
    next: nextPage(bundle, search.fhirBase),
  };
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  const texts = bundleEntryTexts(text, entries.length);
  for (const [index, entry] of entries.entries()) {
    const resource: unknown = isObject(entry) ? entry.resource : undefined;
    // The server's notes about the search (Epic's warnings among them): never a record, never a failure.
    if (
      isObject(resource) &&
      (resource.resourceType === 'OperationOutcome' || entry.search?.mode === 'outcome')
    ) {
      if (resource.resourceType === 'OperationOutcome') searchWarnings(resource, warnings);
      continue;
    }
    if (!isObject(resource) || !isFhirId(resource.id)) {
      reading.invalid++;
      continue;
    }
    if (resource.resourceType !== search.type) continue;
    if (!aboutPatient(resource, search.patientId)) {
      reading.otherPatient++;
      continue;
    }
    // Serialised here, before the page's transaction, so the write lock is held only for writing.
    const raw = texts?.[index] ?? JSON.stringify(resource);
    reading.records.push({ resource, raw, fhirVersion: search.version });
    if (
      (search.type === 'DocumentReference' || search.type === 'DiagnosticReport') &&
      attachmentsByAddress(resource).length > 0
    ) {
      reading.documents.push(`${search.type}/${resource.id}`);
    }
  }
  return reading;
}

/** `_lastUpdated` asks from a little before the last pull began, so a record changed during it is not missed. */
const SINCE_MARGIN_MS = 5 * 60_000;

/** The server's own time when a pull began, less a margin: where the next `_lastUpdated` asks from. */
export function sinceFrom(bundle: Bundle, serverDate: string | null, now = Date.now()): string {
  const candidates = [bundle.meta?.lastUpdated, serverDate];
  for (const candidate of candidates) {
    if (typeof candidate !== 'string') continue;
    const at = Date.parse(candidate);
    if (!Number.isNaN(at)) return new Date(at - SINCE_MARGIN_MS).toISOString();
  }
  return new Date(now - SINCE_MARGIN_MS).toISOString();
}

/** "1 record was not valid FHIR and was skipped." / "3 records were …, and were …" */
export function recordsThat(n: number, what: string, done: string): string {
  const [record, was] = n === 1 ? ['record', 'was'] : ['records', 'were'];
  return `${n} ${record} ${was} ${what} and ${was} ${done}.`;
}

/** What a type's line in the sync log says about what was left out, or null when nothing was. */
export function typeNotes(counts: {
  problems: number;
  otherPatient: number;
  warnings: Set<string>;
}): string | null {
  const notes = [
    counts.problems > 0 ? recordsThat(counts.problems, 'not valid FHIR', 'skipped') : '',
    counts.otherPatient > 0 ? recordsThat(counts.otherPatient, 'about another patient', 'not stored') : '',
    counts.warnings.size > 0 ? `The server noted: ${[...counts.warnings].join(' / ')}` : '',
  ].filter(Boolean);
  return notes.join(' ') || null;
}
