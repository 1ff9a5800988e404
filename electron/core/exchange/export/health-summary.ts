import {
  firstConceptText,
  hasCode,
  isObject,
  list,
  periodStart,
  quantity,
  referenceDisplay,
  str,
  type Json,
} from '../../records/fhir-values.js';
import type { ExportIssue } from './export-request.js';
import { OLDER_FORMAT } from './left-out-words.js';
import type { ExportRecord, RecordSelection } from './selection.js';

/**
 * The patient's history arranged the way a clinician reads a summary: the sections every summary
 * format shares (C-CDA CCD, IPS, the printed page). Each format writes these sections; none of
 * them decides again which record belongs where, so they cannot disagree.
 */
export type SectionKey =
  | 'allergies'
  | 'medications'
  | 'problems'
  | 'procedures'
  | 'results'
  | 'vital-signs'
  | 'immunizations'
  | 'encounters'
  | 'social-history';

/** One row of a section's table: a record and what a person reads of it. */
export type SummaryRow = { record: ExportRecord; cells: string[] };

/**
 * One entry of a section. Most are one record; a lab panel is its report with its results, and
 * vital signs taken at one moment (weight, height, blood pressure) travel together.
 */
export type SummaryEntry = { report: ExportRecord | null; rows: SummaryRow[] };

export type SummarySection = {
  key: SectionKey;
  title: string;
  columns: string[];
  entries: SummaryEntry[];
};

export type HealthSummary = { sections: SummarySection[]; issues: ExportIssue[]; included: number };

export const SECTION_TITLES: Record<SectionKey, string> = {
  allergies: 'Allergies and intolerances',
  medications: 'Medications',
  problems: 'Problems',
  procedures: 'Procedures',
  results: 'Results',
  'vital-signs': 'Vital signs',
  immunizations: 'Immunizations',
  encounters: 'Encounters',
  'social-history': 'Social history',
};

export const SECTION_ORDER: SectionKey[] = [
  'allergies',
  'medications',
  'problems',
  'procedures',
  'results',
  'vital-signs',
  'immunizations',
  'encounters',
  'social-history',
];

const COLUMNS: Record<SectionKey, string[]> = {
  allergies: ['Substance', 'Reaction', 'Criticality', 'Status', 'Since', 'Source'],
  medications: ['Medication', 'Instructions', 'Status', 'Date', 'Source'],
  problems: ['Problem', 'Status', 'Onset', 'Resolved', 'Source'],
  procedures: ['Procedure', 'Status', 'Date', 'Source'],
  results: ['Test', 'Result', 'Reference range', 'Date', 'Source'],
  'vital-signs': ['Measurement', 'Value', 'Date', 'Source'],
  immunizations: ['Vaccine', 'Status', 'Date', 'Source'],
  encounters: ['Visit', 'Reason', 'Date', 'Source'],
  'social-history': ['Observation', 'Value', 'Date', 'Source'],
};

/** The calendar day a record happened on, as the source wrote it where it can be found. */
export function dayOf(record: ExportRecord): string {
  return record.date ? record.date.slice(0, 10) : 'Date unknown';
}

function dateText(value: unknown): string {
  const s = str(value);
  return s ? s.slice(0, 10) : '';
}

function referenceRange(r: Json): string {
  const range = list(r.referenceRange).filter(isObject)[0];
  if (!range) return '';
  const text = str(range.text);
  if (text) return text;
  const low = quantity(range.low)?.text;
  const high = quantity(range.high)?.text;
  if (low && high) return `${low} – ${high}`;
  if (low) return `≥ ${low}`;
  if (high) return `≤ ${high}`;
  return '';
}

function cells(key: SectionKey, record: ExportRecord): string[] {
  const r = record.resource;
  const source = record.source.label;
  const value = record.value ?? '';
  const status = record.status ?? '';
  switch (key) {
    case 'allergies':
      return [record.title, value, str(r.criticality) ?? '', status, dayOf(record), source];
    case 'medications':
      return [record.title, value, status, dayOf(record), source];
    case 'problems':
      return [
        record.title,
        status,
        dayOf(record),
        dateText(r.abatementDateTime ?? periodStartOrEnd(r.abatementPeriod)),
        source,
      ];
    case 'procedures':
    case 'immunizations':
      return [record.title, status, dayOf(record), source];
    case 'results':
      return [record.title, value, referenceRange(r), dayOf(record), source];
    case 'encounters':
      return [
        record.title,
        firstConceptText(r.reasonCode) ?? list(r.reasonReference).map(referenceDisplay).find(Boolean) ?? '',
        dayOf(record),
        source,
      ];
    case 'vital-signs':
    case 'social-history':
      return [record.title, value, dayOf(record), source];
  }
}

function periodStartOrEnd(period: unknown): string | undefined {
  return isObject(period) ? (str(period.end) ?? periodStart(period)) : undefined;
}

const MEDICATION_TYPES = new Set(['MedicationRequest', 'MedicationStatement']);

/**
 * Observations that belong in social history whatever category their source gave them: Synthea,
 * for one, files smoking status as a "survey".
 */
const SOCIAL_HISTORY_CODES = [
  '72166-2', // tobacco smoking status
  '11367-0', // history of tobacco use
  '11331-6', // history of alcohol use
  '74013-4', // alcoholic drinks per day
];

/** Where a record goes, or why it has no place in a summary. */
function placeOf(record: ExportRecord): SectionKey | string {
  switch (record.resourceType) {
    case 'AllergyIntolerance':
      return 'allergies';
    case 'Condition':
      return 'problems';
    case 'Procedure':
      return 'procedures';
    case 'Immunization':
      return 'immunizations';
    case 'Encounter':
      return 'encounters';
    case 'Observation':
      if (hasCode(record.resource.code, SOCIAL_HISTORY_CODES)) return 'social-history';
      if (record.category === 'labs') return 'results';
      if (record.category === 'vitals') return 'vital-signs';
      if (record.category === 'social-history') return 'social-history';
      return 'An observation that is not a lab result, vital sign or social history has no section in a summary.';
    case 'DiagnosticReport':
      return record.category === 'labs'
        ? 'results'
        : 'Reports and clinical notes are not part of a summary; export a FHIR bundle to hand them over.';
    default:
      if (MEDICATION_TYPES.has(record.resourceType)) return 'medications';
      return `A ${humanType(record.resourceType)} record has no section in a summary; export a FHIR bundle to hand it over.`;
  }
}

export function humanType(type: string): string {
  return type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** The id a reference points at, whether written `Observation/123` or `urn:uuid:123`. */
export function referencedId(reference: unknown): string | undefined {
  const ref = isObject(reference) ? str(reference.reference) : undefined;
  if (!ref) return undefined;
  const cut = Math.max(ref.lastIndexOf('/'), ref.lastIndexOf(':'));
  return ref.slice(cut + 1) || undefined;
}

export function notConvertedIssue(record: ExportRecord): ExportIssue {
  return {
    recordId: record.id,
    resourceType: record.resourceType,
    title: record.title,
    kind: 'left-out',
    reason: `It arrived as FHIR ${record.fhirVersion} and has no faithful R4 form: ${record.notConvertedBecause ?? 'it was not converted'}.`,
    group: OLDER_FORMAT,
  };
}

/** Arranges the selection into sections; everything that finds no place is named in `issues`. */
export function summarise(selection: RecordSelection): HealthSummary {
  const issues: ExportIssue[] = [];
  const placed = new Map<SectionKey, ExportRecord[]>();
  for (const record of selection.records) {
    if (record.fhirVersion !== 'R4') {
      issues.push(notConvertedIssue(record));
      continue;
    }
    const place = placeOf(record);
    if ((SECTION_ORDER as string[]).includes(place)) {
      const key = place as SectionKey;
      const bucket = placed.get(key) ?? [];
      bucket.push(record);
      placed.set(key, bucket);
    } else {
      issues.push({
        recordId: record.id,
        resourceType: record.resourceType,
        title: record.title,
        kind: 'left-out',
        reason: place,
      });
    }
  }

  let included = 0;
  const sections = SECTION_ORDER.map((key): SummarySection => {
    const records = placed.get(key) ?? [];
    const entries =
      key === 'results'
        ? resultEntries(records, issues)
        : key === 'vital-signs'
          ? vitalSignEntries(records)
          : records.map((record) => ({ report: null, rows: [{ record, cells: cells(key, record) }] }));
    for (const entry of entries) included += entry.rows.length + (entry.report ? 1 : 0);
    return { key, title: SECTION_TITLES[key], columns: COLUMNS[key], entries };
  });
  return { sections, issues, included };
}

/**
 * Lab results grouped under the report that ordered them, as a lab sends them; results no
 * report in the selection claims stand as panels of one.
 */
function resultEntries(records: ExportRecord[], issues: ExportIssue[]): SummaryEntry[] {
  const observations = new Map<string, ExportRecord>();
  for (const r of records) {
    const id = str(r.resource.id);
    if (r.resourceType === 'Observation' && id) observations.set(id, r);
  }
  const claimed = new Set<ExportRecord>();
  const entries: SummaryEntry[] = [];
  for (const report of records) {
    if (report.resourceType !== 'DiagnosticReport') continue;
    const members = list(report.resource.result)
      .map(referencedId)
      .map((id) => (id ? observations.get(id) : undefined))
      .filter((o): o is ExportRecord => o !== undefined && !claimed.has(o));
    if (members.length === 0) {
      issues.push({
        recordId: report.id,
        resourceType: report.resourceType,
        title: report.title,
        kind: 'left-out',
        reason: 'None of this report’s results are in the export, and a results entry needs at least one.',
      });
      continue;
    }
    for (const m of members) claimed.add(m);
    entries.push({ report, rows: members.map((record) => ({ record, cells: cells('results', record) })) });
  }
  for (const r of records) {
    if (r.resourceType === 'Observation' && !claimed.has(r)) {
      entries.push({ report: null, rows: [{ record: r, cells: cells('results', r) }] });
    }
  }
  return entries.sort((a, b) => entryDate(a).localeCompare(entryDate(b)));
}

function entryDate(entry: SummaryEntry): string {
  return (entry.report ?? entry.rows[0]?.record)?.date ?? '9999';
}

/** Measurements taken at the same moment form one set of vital signs, as a nurse charts them. */
function vitalSignEntries(records: ExportRecord[]): SummaryEntry[] {
  const byMoment = new Map<string, SummaryEntry>();
  const entries: SummaryEntry[] = [];
  for (const record of records) {
    const row = { record, cells: cells('vital-signs', record) };
    if (!record.date) {
      entries.push({ report: null, rows: [row] });
      continue;
    }
    const key = `${record.source.connectionId}|${record.date}`;
    const existing = byMoment.get(key);
    if (existing) existing.rows.push(row);
    else {
      const entry = { report: null, rows: [row] };
      byMoment.set(key, entry);
      entries.push(entry);
    }
  }
  return entries;
}
