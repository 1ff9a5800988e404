import { timelineCategories, type Category } from '../../../../shared/domain.js';
import { withinNesting } from '../../records/resource-bounds.js';
import { VaultError } from '../../errors.js';
import { isObject, type Json } from '../../records/fhir-values.js';
import type { FhirVersion } from '../../records/record-columns.js';
import { toR4 } from '../../records/to-r4.js';
import type { VaultDatabase } from '../../vault/database.js';
import { getPerson } from '../../vault/persons.js';
import { entryFilters } from '../../vault/timeline.js';
import type { ExportSelection } from './export-request.js';

/** One of the person's records, as the exporters see it: the columns the vault read at import plus the raw FHIR. */
export type ExportRecord = {
  id: number;
  resourceType: string;
  /** R4 for every record the exporters can use: received as R4, or converted from `receivedAs`. */
  fhirVersion: string;
  /** The version the source sent, when it was not R4. */
  receivedAs?: string;
  /** Why an older record could not be converted to R4 faithfully (it is then left out). */
  notConvertedBecause?: string;
  category: Category;
  /** ISO instant in UTC, or null when the record carries no date. */
  date: string | null;
  title: string;
  value: string | null;
  status: string | null;
  source: { connectionId: number; label: string };
  resource: Json;
  /** Entered by the patient themselves ("Entered by you"): exports say it is patient-reported. */
  enteredByPatient?: boolean;
};

export type PatientFacts = {
  personId: number;
  name: string;
  birthDate: string | null;
  /** The person's own Patient resource as a source sent it (R4, or converted to R4), when the vault has one. */
  patient: Json | null;
};

export type RecordSelection = { patient: PatientFacts; records: ExportRecord[] };

type Row = {
  id: number;
  resource_type: string;
  fhir_version: string;
  category: Category;
  sort_date: string;
  display: string;
  value_text: string | null;
  status: string | null;
  connection_id: number;
  source_label: string;
  entered_by_person: number;
  raw: string;
};

/**
 * Reads what the patient chose to hand over, oldest first (the order a clinician reads a history
 * in). The filters are the timeline's own, so an export holds exactly what the timeline showed.
 */
export function selectRecords(db: VaultDatabase, selection: ExportSelection): RecordSelection {
  const person = getPerson(db, selection.personId);
  const categories =
    selection.categories && selection.categories.length > 0 ? selection.categories : timelineCategories;
  // Hiding is how the patient reads their timeline, not what their record holds: hidden records
  // go out. What they marked as wrong does not, unless they ask for it.
  const { sql, params } = entryFilters(
    {
      personId: selection.personId,
      categories,
      from: selection.from,
      to: selection.to,
      showHidden: true,
    },
    { leaveOutMarkedWrong: !selection.includeMarkedWrong },
  );
  const rows = db
    .prepare(
      `SELECT r.id, r.resource_type, r.fhir_version, r.category, r.sort_date, r.display, r.value_text, r.status,
              r.connection_id, c.label AS source_label, c.entered_by_person, r.raw
       FROM resources r JOIN connections c ON c.id = r.connection_id
       WHERE ${sql.join(' AND ')} AND r.source_state = 'present'
       ORDER BY r.sort_date = '' , r.sort_date, r.id`,
    )
    .all(...params) as Row[];
  const records = rows.map(toRecord);
  return { patient: patientFacts(db, person), records };
}

/**
 * An STU3 or DSTU2 record is converted to R4 here, once, so every format sees R4 and none has to
 * know older versions; one with no faithful R4 form keeps its version and the reason.
 */
function toRecord(row: Row): ExportRecord {
  // A vault filled before imports had bounds may hold a record nested too deep for the exporters,
  // which walk records recursively: it goes out cut where it goes too deep.
  const parsed = withinNesting(JSON.parse(row.raw));
  const received = isObject(parsed) ? parsed : {};
  const conversion = toR4(received, row.fhir_version as FhirVersion);
  const older = row.fhir_version === 'R4' ? {} : { receivedAs: row.fhir_version };
  return {
    id: row.id,
    resourceType: conversion.ok ? String(conversion.resource.resourceType) : row.resource_type,
    fhirVersion: conversion.ok ? 'R4' : row.fhir_version,
    ...older,
    ...(conversion.ok ? {} : { notConvertedBecause: conversion.reason }),
    category: row.category,
    date: row.sort_date === '' ? null : row.sort_date,
    title: row.display,
    value: row.value_text,
    status: row.status,
    source: { connectionId: row.connection_id, label: row.source_label },
    resource: conversion.ok ? conversion.resource : received,
    ...(row.entered_by_person === 1 ? { enteredByPatient: true } : {}),
  };
}

/**
 * The newest R4 Patient resource any source sent for this person, or else the newest older one
 * that converts to R4 faithfully: the header of every document.
 */
function patientFacts(db: VaultDatabase, person: { id: number; name: string; birthDate: string | null }) {
  const rows = db
    .prepare(
      `SELECT raw, fhir_version FROM resources WHERE person_id = ? AND resource_type = 'Patient'
       ORDER BY fhir_version = 'R4' DESC, updated_at DESC, id DESC`,
    )
    .all(person.id) as { raw: string; fhir_version: string }[];
  let patient: Json | null = null;
  for (const row of rows) {
    const parsed = withinNesting(JSON.parse(row.raw));
    if (!isObject(parsed)) continue;
    const conversion = toR4(parsed, row.fhir_version as FhirVersion);
    if (conversion.ok) {
      patient = conversion.resource;
      break;
    }
  }
  return {
    personId: person.id,
    name: person.name,
    birthDate: person.birthDate,
    patient,
  } satisfies PatientFacts;
}

export function requireSomething(selection: RecordSelection): void {
  if (selection.records.length === 0) throw new VaultError('empty-selection');
}
