import type { Category, PatientSummary, SummaryEntry } from '../../../shared/domain.js';
import type { ReadableDB } from '../vault/database.js';
import {
  medicationJson,
  recordJson,
  summaryEntries,
  summaryRows,
  summarySources,
  type SummaryRow,
  type SummarySources,
} from '../vault/summary-rows.js';
import { codings, conceptText, hasCode, isObject, list, str, toInstant, type Json } from './fhir-values.js';
import { dateAsWritten } from './record-columns.js';

export type { PatientSummary } from '../../../shared/domain.js';

/**
 * The Summary: what is going on with a person now, decided the way a clinician reading the raw
 * records would. The rules, per section (README "What the Summary lists" says them for users):
 *
 * - Every section: a record marked `entered-in-error` (status, verification status) is as if it
 *   had never been sent: it neither shows nor decides anything.
 * - Current medications: only prescriptions and orders (MedicationRequest, MedicationOrder) and
 *   statements (MedicationStatement) decide. The newest of them for a medicine decides: it is
 *   current when its status is active, on hold or intended, it is not a "do not give" order, it
 *   was not recorded as not taken, and its dates (a statement's period, the dosage's bounds) have
 *   not ended. Dispenses and administrations only tell that a medicine was filled or given: they
 *   are shown as its last fill and never make a prescription look stopped (a fill is "completed"
 *   the day it is handed over).
 * - A medicine, problem or allergy sent by several sources (the same RxNorm, SNOMED CT or ICD
 *   code, or the same words) shows once, saying which other sources sent it.
 * - Active problems: the newest record of each condition decides: active, recurrence or relapse
 *   (clinical status), not refuted, and no abatement date.
 * - Allergies: the newest record of each decides: shown unless resolved, inactive or refuted.
 *   "No known allergies" is not an allergy: it is said on its own, when nothing else is listed.
 * - Immunizations: each vaccine's latest dose actually given (not `not-done`, not "not given").
 * - Results: the latest of each lab result and vital sign; the flagged ones (high, low, critical,
 *   see result-flags.ts) are listed together first.
 */

// A 100k-record person has thousands of labs: reading them all to find the latest of each would
// take seconds, so each section's walk stops after this many records. Medicines and problems are
// decided by their whole history, as far as it goes; results, vaccines and allergies need only
// the newest.
const MOST_RECORDS_READ = 5000;
const RECENT_RECORDS_READ = 1000;

const ACTIVE_PROBLEM = new Set(['active', 'recurrence', 'relapse']);
const CURRENT_MEDICATION = new Set(['active', 'on-hold', 'on hold', 'intended']);
const ENDED_ALLERGY = new Set(['resolved', 'inactive', 'refuted']);
const MEDICATION_ORDERS = new Set(['MedicationRequest', 'MedicationOrder', 'MedicationStatement']);
const MEDICATION_GIVEN = new Set(['MedicationDispense', 'MedicationAdministration']);
/** SNOMED CT concepts that record the absence of allergies rather than an allergy. */
const NO_KNOWN_ALLERGY = ['716186003', '409137002', '428607008', '429625007', '428197003', '1003774007'];
const NOT_A_RESULT = new Set(['entered-in-error', 'cancelled']);

const lower = (s: string | null | undefined) => (s ?? '').trim().toLowerCase();

function parse(db: ReadableDB, id: number): Json {
  const raw = recordJson(db, id);
  try {
    const value: unknown = raw === undefined ? undefined : JSON.parse(raw);
    return isObject(value) ? value : {};
  } catch {
    return {};
  }
}

/** A verification status (R4 concept, STU3 code, DSTU2 code) in lower case. */
function verification(r: Json): string {
  return lower(conceptText(r.verificationStatus) ?? str(r.verificationStatus));
}

function enteredInError(row: SummaryRow, r: Json): boolean {
  return lower(row.status) === 'entered-in-error' || verification(r) === 'entered-in-error';
}

/** Whether a date (FHIR date or dateTime) is before now. */
function ended(value: unknown, now: number): boolean {
  const instant = toInstant(value);
  return instant !== undefined && Date.parse(instant) < now;
}

function periodEnded(period: unknown, now: number): boolean {
  return isObject(period) && ended(period.end, now);
}

// Codes that name the same thing across sources: medicines, problems, allergens, tests.
const SAME_THING = /(?:^|\s)((?:rxnorm|snomed|icd10|icd9|loinc|cvx)\|\S+)/g;

function sameThingKeys(codes: string, title: string): string[] {
  const keys = [...codes.matchAll(SAME_THING)].map((m) => m[1]!);
  keys.push(`words:${lower(title).replace(/\s+/g, ' ')}`);
  return keys;
}

/**
 * sameThingKeys for a walk over thousands of rows that mostly repeat a few medicines or problems
 * (every refill, every visit's problem list): each distinct code list and title is read once.
 */
function sameThingKeysOnce(): (row: SummaryRow) => string[] {
  // By codes, then title: no string is built per row to look them up.
  const known = new Map<string, Map<string, string[]>>();
  return (row) => {
    let byTitle = known.get(row.codes);
    if (!byTitle) known.set(row.codes, (byTitle = new Map()));
    let keys = byTitle.get(row.title);
    if (!keys) byTitle.set(row.title, (keys = sameThingKeys(row.codes, row.title)));
    return keys;
  };
}

type Group = { rows: SummaryRow[] };

/**
 * Records of one category gathered into groups of the same thing (by any shared code or the same
 * words), each group's rows newest first, the groups in the order of their newest record.
 */
function gather(rows: Iterable<SummaryRow>, keys: (row: SummaryRow) => string[]): Group[] {
  const byKey = new Map<string, Group>();
  const groups: Group[] = [];
  for (const row of rows) {
    const rowKeys = keys(row);
    let group: Group | undefined;
    for (const k of rowKeys) if ((group = byKey.get(k))) break;
    if (!group) {
      group = { rows: [] };
      groups.push(group);
    }
    group.rows.push(row);
    for (const k of rowKeys) if (!byKey.has(k)) byKey.set(k, group);
  }
  return groups;
}

/** What the Summary reads besides the walk: the person's sources and the entries it keeps. */
type Reader = { db: ReadableDB; sources: SummarySources; entry: (id: number) => SummaryEntry };

function reader(db: ReadableDB, personId: number): Reader {
  const sources = summarySources(db, personId);
  return { db, sources, entry: summaryEntries(db, sources) };
}

function otherSources(read: Reader, group: Group, shown: SummaryRow): string[] {
  const label = (row: SummaryRow) => read.sources.get(row.connectionId)?.label ?? '';
  const labels = new Set(group.rows.map(label));
  labels.delete(label(shown));
  return [...labels];
}

/**
 * What each record in a group says: `skip` (it does not count: entered in error, not given),
 * `show` (it decides, and the group is listed) or `hide` (it decides, and the group is not).
 */
type Verdict = 'skip' | 'show' | 'hide';

function decide(
  read: Reader,
  group: Group,
  verdict: (row: SummaryRow, r: Json) => Verdict,
): { row: SummaryRow; entry: SummaryEntry; json: Json } | null {
  for (const row of group.rows) {
    const json = parse(read.db, row.id);
    const said = verdict(row, json);
    if (said === 'skip') continue;
    if (said === 'hide') return null;
    // The walk's title: a medicine named by the Medication it points at keeps that name.
    return { row, entry: withDateText({ ...read.entry(row.id), title: row.title }, json), json };
  }
  return null;
}

/**
 * A date the source gave as a year or a month only is stored as its first instant; the Summary
 * says it as written ("2000", not "Jan 1, 2000").
 */
function withDateText(entry: SummaryEntry, r: Json): SummaryEntry {
  const written = dateAsWritten(r, entry.resourceType);
  if (!written || !/^\d{4}(-\d{2})?$/.test(written)) return entry;
  return { ...entry, dateText: written };
}

/** A medicine's name and codes where the record only points at a Medication the source sent. */
function referencedMedication(db: ReadableDB, row: SummaryRow): { name: string; codes: string } | null {
  if (/rxnorm\|/.test(row.codes)) return null;
  const r = parse(db, row.id);
  const reference = isObject(r.medicationReference) ? str(r.medicationReference.reference) : undefined;
  const id = reference
    ?.replace(/^urn:uuid:/, '')
    .split('/')
    .pop();
  if (!id) return null;
  const raw = medicationJson(db, row.connectionId, id);
  if (!raw) return null;
  try {
    const medication: unknown = JSON.parse(raw);
    if (!isObject(medication)) return null;
    const name = conceptText(medication.code);
    const codes = codings(medication.code)
      .filter((c) => str(c.system)?.includes('rxnorm'))
      .map((c) => `rxnorm|${String(c.code)}`)
      .join(' ');
    return name ? { name, codes } : null;
  } catch {
    return null;
  }
}

function medicationStillTaken(r: Json, now: number): boolean {
  if (r.doNotPerform === true) return false;
  if (lower(str(r.taken)) === 'n' || r.wasNotTaken === true) return false;
  if (periodEnded(r.effectivePeriod, now)) return false;
  const dosage = list(r.dosageInstruction ?? r.dosage).filter(isObject)[0];
  const timing = dosage && isObject(dosage.timing) ? dosage.timing : undefined;
  const repeat = timing && isObject(timing.repeat) ? timing.repeat : undefined;
  return !(repeat && periodEnded(repeat.boundsPeriod, now));
}

function currentMedications(read: Reader, personId: number, now: number, limit: number): SummaryEntry[] {
  const rows = summaryRows(read.db, personId, 'medications', MOST_RECORDS_READ).map((row) => {
    const named = referencedMedication(read.db, row);
    return named ? { ...row, title: named.name, codes: `${row.codes} ${named.codes}` } : row;
  });
  const groups = gather(rows, sameThingKeysOnce());
  const out: SummaryEntry[] = [];
  for (const group of groups) {
    const decided = decide(read, group, (row, r) => {
      if (!MEDICATION_ORDERS.has(row.resourceType) || enteredInError(row, r)) return 'skip';
      return CURRENT_MEDICATION.has(lower(row.status)) && medicationStillTaken(r, now) ? 'show' : 'hide';
    });
    if (!decided) continue;
    const fill = group.rows.find(
      (row) =>
        MEDICATION_GIVEN.has(row.resourceType) &&
        row.date !== null &&
        !['entered-in-error', 'cancelled', 'declined', 'not-done'].includes(lower(row.status)),
    );
    out.push({
      ...decided.entry,
      alsoFrom: otherSources(read, group, decided.row),
      lastFilled: fill?.date ?? null,
    });
    if (out.length >= limit) break;
  }
  return out;
}

function activeProblems(read: Reader, personId: number, limit: number): SummaryEntry[] {
  const rows = summaryRows(read.db, personId, 'conditions', MOST_RECORDS_READ);
  const out: SummaryEntry[] = [];
  for (const group of gather(rows, sameThingKeysOnce())) {
    const decided = decide(read, group, (row, r) => {
      if (enteredInError(row, r)) return 'skip';
      const abated = ['abatementDateTime', 'abatementPeriod', 'abatementAge', 'abatementString'].some(
        (k) => r[k] !== undefined,
      );
      const refuted = verification(r) === 'refuted';
      return ACTIVE_PROBLEM.has(lower(row.status)) && !abated && !refuted ? 'show' : 'hide';
    });
    if (decided) out.push({ ...decided.entry, alsoFrom: otherSources(read, group, decided.row) });
    if (out.length >= limit) break;
  }
  return out;
}

function allergies(
  read: Reader,
  personId: number,
  limit: number,
): { allergies: SummaryEntry[]; noKnownAllergies: SummaryEntry | null } {
  const rows = summaryRows(read.db, personId, 'allergies', RECENT_RECORDS_READ);
  const out: SummaryEntry[] = [];
  let noneKnown: SummaryEntry | null = null;
  for (const group of gather(rows, sameThingKeysOnce())) {
    const decided = decide(read, group, (row, r) => {
      if (enteredInError(row, r)) return 'skip';
      const ended = ENDED_ALLERGY.has(lower(row.status)) || verification(r) === 'refuted';
      return ended ? 'hide' : 'show';
    });
    if (!decided) continue;
    if (hasCode(decided.json.code, NO_KNOWN_ALLERGY)) {
      noneKnown ??= decided.entry;
      continue;
    }
    out.push({ ...decided.entry, alsoFrom: otherSources(read, group, decided.row) });
    if (out.length >= limit) break;
  }
  return { allergies: out, noKnownAllergies: out.length === 0 ? noneKnown : null };
}

function immunizations(read: Reader, personId: number, limit: number): SummaryEntry[] {
  const rows = summaryRows(read.db, personId, 'immunizations', RECENT_RECORDS_READ);
  const out: SummaryEntry[] = [];
  for (const group of gather(rows, (row) => [`words:${lower(row.title)}`])) {
    const decided = decide(read, group, (row, r) => {
      const notGiven =
        ['not-done', 'entered-in-error'].includes(lower(row.status)) ||
        r.notGiven === true ||
        r.wasNotGiven === true ||
        verification(r) === 'entered-in-error';
      return notGiven ? 'skip' : 'show';
    });
    if (decided) out.push(decided.entry);
    if (out.length >= limit) break;
  }
  return out;
}

/**
 * The latest of each result (by its name), with its flag: the one stored with it (result-flags.ts
 * decides it as the record is stored), so no record's JSON is read here.
 */
function latestResults(read: Reader, personId: number, category: Category, names: number): SummaryEntry[] {
  const rows = summaryRows(read.db, personId, category, RECENT_RECORDS_READ);
  const seen = new Set<string>();
  const out: SummaryEntry[] = [];
  for (const row of rows) {
    if (row.resourceType !== 'Observation' || NOT_A_RESULT.has(lower(row.status))) continue;
    const name = `words:${lower(row.title)}`;
    if (seen.has(name)) continue;
    seen.add(name);
    out.push(read.entry(row.id));
    if (out.length >= names) break;
  }
  return out;
}

const FLAG_ORDER = ['critical-high', 'critical-low', 'critical', 'high', 'low', 'abnormal'];

export function patientSummary(db: ReadableDB, personId: number, now = Date.now()): PatientSummary {
  // One snapshot for every section: a sync or a removal committing between the walk and the
  // entries it keeps cannot take a listed record away, nor show medicines and fills of two moments.
  return db.transaction(() => summaryOf(db, personId, now))();
}

function summaryOf(db: ReadableDB, personId: number, now: number): PatientSummary {
  const read = reader(db, personId);
  // Flagged results are looked for among more names than the sections show.
  const vitals = latestResults(read, personId, 'vitals', 40);
  const labs = latestResults(read, personId, 'labs', 80);
  const flagged = [...vitals, ...labs]
    .filter((e) => e.flag)
    .sort((a, b) => FLAG_ORDER.indexOf(a.flag!) - FLAG_ORDER.indexOf(b.flag!));
  return {
    problems: activeProblems(read, personId, 50),
    medications: currentMedications(read, personId, now, 50),
    ...allergies(read, personId, 50),
    immunizations: immunizations(read, personId, 30),
    flagged: flagged.slice(0, 30),
    vitals: vitals.slice(0, 12),
    labs: labs.slice(0, 12),
  };
}
