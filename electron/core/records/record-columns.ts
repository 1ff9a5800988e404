import type { Category, ResultFlag } from '../../../shared/domain.js';
import {
  codings,
  conceptSearchText,
  conceptText,
  firstConceptText,
  formatNumber,
  hasCode,
  humanName,
  isObject,
  list,
  num,
  periodStart,
  quantity,
  referenceDisplay,
  str,
  toInstant,
  type Json,
} from './fhir-values.js';
import { plainConceptName, withoutSemanticTag } from './plain-names.js';
import { resultFlag } from './result-flags.js';

export type FhirVersion = 'R4' | 'STU3' | 'DSTU2';

/** What the timeline needs of a record, read once at ingest so queries never parse JSON. */
export type RecordColumns = {
  category: Category;
  /** ISO instant in UTC, or '' for a record with no date. */
  sortDate: string;
  display: string;
  codes: string;
  valueText: string | null;
  valueNum: number | null;
  valueUnit: string | null;
  abnormal: boolean;
  /** High, low or critical, for a result (records/result-flags.ts); null for anything else. */
  flag: ResultFlag | null;
  status: string | null;
};

const OBSERVATION_CATEGORIES: Record<string, Category> = {
  laboratory: 'labs',
  'vital-signs': 'vitals',
  'social-history': 'social-history',
  survey: 'other',
  exam: 'other',
  imaging: 'other',
  procedure: 'procedures',
  therapy: 'other',
  activity: 'other',
};

const TYPE_CATEGORIES: Record<string, Category> = {
  AllergyIntolerance: 'allergies',
  Condition: 'conditions',
  Immunization: 'immunizations',
  MedicationRequest: 'medications',
  MedicationOrder: 'medications',
  MedicationStatement: 'medications',
  MedicationAdministration: 'medications',
  MedicationDispense: 'medications',
  Procedure: 'procedures',
  DocumentReference: 'documents',
  Encounter: 'visits',
  CarePlan: 'care-plans',
  Goal: 'care-plans',
  CareTeam: 'care-plans',
  Device: 'devices',
  Coverage: 'insurance',
  Claim: 'billing',
  ExplanationOfBenefit: 'billing',
  ImagingStudy: 'procedures',
  Media: 'documents',
  // Orders for care to come (a referral, a test ordered): read with the plans.
  ServiceRequest: 'care-plans',
  ProcedureRequest: 'care-plans',
  DiagnosticOrder: 'care-plans',
  Patient: 'administrative',
  Practitioner: 'administrative',
  PractitionerRole: 'administrative',
  Organization: 'administrative',
  Location: 'administrative',
  Medication: 'administrative',
  Provenance: 'administrative',
  RelatedPerson: 'administrative',
};

const ABNORMAL_INTERPRETATIONS = ['A', 'AA', 'H', 'HH', 'HU', 'L', 'LL', 'LU', '<', '>', 'POS', 'DET', 'R'];

/** Where a DocumentReference's title hides in each FHIR version. */
function documentTitle(r: Json): string | undefined {
  return (
    str(r.description) ??
    conceptText(r.type) ??
    list(r.content)
      .filter(isObject)
      .map((c) => (isObject(c.attachment) ? str(c.attachment.title) : undefined))
      .find(Boolean)
  );
}

function category(r: Json, type: string): Category {
  if (type === 'Observation') {
    for (const c of list(r.category).flatMap(codings)) {
      // Only a text of the table's own keys: a file can hold an object String() throws on, or
      // "constructor", which every object answers.
      const mapped =
        typeof c.code === 'string' && Object.hasOwn(OBSERVATION_CATEGORIES, c.code)
          ? OBSERVATION_CATEGORIES[c.code]
          : undefined;
      if (mapped) return mapped;
    }
    return 'other';
  }
  if (type === 'DiagnosticReport') {
    const codes = list(r.category).flatMap(codings);
    if (codes.some((c) => c.code === 'LAB' || c.code === 'laboratory')) return 'labs';
    return 'documents';
  }
  if (type === 'Condition' && hasCode(r.category, ['health-concern'])) return 'conditions';
  return TYPE_CATEGORIES[type] ?? 'other';
}

/** When the first dosage instruction's timing starts (`timing.repeat.boundsPeriod.start`). */
function dosageStart(r: Json): string | undefined {
  const dosage = list(r.dosageInstruction).filter(isObject)[0];
  const timing = dosage && isObject(dosage.timing) ? dosage.timing : undefined;
  const repeat = timing && isObject(timing.repeat) ? timing.repeat : undefined;
  return repeat ? periodStart(repeat.boundsPeriod) : undefined;
}

/** The record's date as its source wrote it ("2000", "2012-05", a dateTime), before it is made an instant. */
export function dateAsWritten(r: Json, type: string): string | undefined {
  return dateCandidates(r, type).find((candidate) => toInstant(candidate) !== undefined) as
    string | undefined;
}

function sortDate(r: Json, type: string): string {
  for (const candidate of dateCandidates(r, type)) {
    const instant = toInstant(candidate);
    if (instant) return instant;
  }
  return '';
}

function dateCandidates(r: Json, type: string): unknown[] {
  const candidates: unknown[] = [];
  switch (type) {
    case 'Observation':
    case 'DiagnosticReport':
      candidates.push(r.effectiveDateTime, r.effectiveInstant, periodStart(r.effectivePeriod), r.issued);
      break;
    case 'Condition':
      candidates.push(
        r.onsetDateTime,
        periodStart(r.onsetPeriod),
        r.recordedDate,
        r.assertedDate,
        r.dateRecorded,
      );
      break;
    case 'AllergyIntolerance':
      candidates.push(r.onsetDateTime, periodStart(r.onsetPeriod), r.onset, r.recordedDate, r.assertedDate);
      break;
    case 'Immunization':
      candidates.push(r.occurrenceDateTime, r.date, r.recorded);
      break;
    case 'MedicationRequest':
    case 'MedicationOrder':
      candidates.push(
        r.authoredOn,
        r.dateWritten,
        periodStart(isObject(r.dispenseRequest) ? r.dispenseRequest.validityPeriod : undefined),
        // Some STU3 servers send no authoredOn; the day the dosage starts is the prescription's date.
        dosageStart(r),
      );
      break;
    case 'MedicationStatement':
    case 'MedicationAdministration':
      candidates.push(r.effectiveDateTime, periodStart(r.effectivePeriod), r.dateAsserted);
      break;
    case 'MedicationDispense':
      candidates.push(r.whenHandedOver, r.whenPrepared);
      break;
    case 'Procedure':
      candidates.push(r.performedDateTime, periodStart(r.performedPeriod));
      break;
    case 'DocumentReference':
      candidates.push(
        isObject(r.context) ? periodStart(r.context.period) : undefined,
        r.date,
        r.created,
        r.indexed,
      );
      break;
    case 'Encounter':
      candidates.push(periodStart(r.period));
      break;
    case 'CarePlan':
    case 'CareTeam':
      candidates.push(periodStart(r.period), r.created);
      break;
    case 'Goal':
      candidates.push(r.startDate, r.statusDate);
      break;
    case 'Coverage':
      candidates.push(periodStart(r.period));
      break;
    case 'Claim':
    case 'ExplanationOfBenefit':
      candidates.push(periodStart(r.billablePeriod), r.created);
      break;
    case 'ImagingStudy':
      candidates.push(r.started);
      break;
    case 'Provenance':
      candidates.push(r.recorded);
      break;
    default:
      candidates.push(r.date, r.effectiveDateTime, periodStart(r.period));
  }
  return candidates;
}

function medicationName(r: Json): string | undefined {
  return (
    plainConceptName(r.medicationCodeableConcept) ??
    referenceDisplay(r.medicationReference) ??
    list(r.contained)
      .filter(isObject)
      .filter((c) => c.resourceType === 'Medication')
      .map((m) => conceptText(m.code))
      .find(Boolean)
  );
}

function display(r: Json, type: string): string {
  let text: string | undefined;
  switch (type) {
    case 'AllergyIntolerance':
      text = plainConceptName(r.code) ?? plainConceptName(r.substance);
      break;
    case 'Immunization':
      text = plainConceptName(r.vaccineCode);
      break;
    case 'MedicationRequest':
    case 'MedicationOrder':
    case 'MedicationStatement':
    case 'MedicationAdministration':
    case 'MedicationDispense':
      text = medicationName(r);
      break;
    case 'Encounter':
      text =
        firstConceptText(r.type) ??
        (isObject(r.class) ? (str(r.class.display) ?? str(r.class.code)) : str(r.class));
      break;
    case 'DocumentReference':
      text = documentTitle(r);
      break;
    case 'CarePlan':
      text = str(r.title) ?? firstConceptText(r.category) ?? str(r.description);
      break;
    case 'Goal':
      text = conceptText(r.description) ?? str(r.description);
      break;
    case 'CareTeam':
      text = str(r.name) ?? firstConceptText(r.category);
      break;
    case 'Device':
      text =
        conceptText(r.type) ??
        list(r.deviceName)
          .filter(isObject)
          .map((d) => str(d.name))
          .find(Boolean);
      break;
    case 'Coverage':
      text = conceptText(r.type) ?? list(r.payor).map(referenceDisplay).find(Boolean);
      break;
    case 'Patient':
    case 'Practitioner':
    case 'RelatedPerson':
      text = humanName(r.name);
      break;
    case 'Organization':
    case 'Location':
      text = str(r.name);
      break;
    case 'Claim':
    case 'ExplanationOfBenefit':
      text = conceptText(r.type);
      break;
    default:
      text = plainConceptName(r.code);
  }
  return text ? withoutSemanticTag(text) : humanReadableType(type);
}

/** "MedicationRequest" → "Medication request", for records that carry no name of their own. */
function humanReadableType(type: string): string {
  const words = type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

type Value = { text: string; num: number | null; unit: string | null };

const SYSTOLIC = '8480-6';
const DIASTOLIC = '8462-4';
function componentRank(component: Json): number {
  if (hasCode(component.code, [SYSTOLIC])) return 0;
  if (hasCode(component.code, [DIASTOLIC])) return 1;
  return 2;
}

function observationValue(r: Json): Value | null {
  const q = quantity(r.valueQuantity);
  if (q) return { text: q.text, num: q.value, unit: q.unit ?? null };
  const concept = conceptText(r.valueCodeableConcept);
  if (concept) return { text: concept, num: null, unit: null };
  const s = str(r.valueString);
  if (s) return { text: s, num: null, unit: null };
  if (typeof r.valueBoolean === 'boolean')
    return { text: r.valueBoolean ? 'Yes' : 'No', num: null, unit: null };
  const n = num(r.valueInteger);
  if (n !== undefined) return { text: formatNumber(n), num: n, unit: null };
  // Blood pressure and other panels carry their values in components: "120/80 mmHg".
  const parts = list(r.component)
    .filter(isObject)
    // Systolic before diastolic, as people read blood pressure, whatever order the server sent.
    .sort((a, b) => componentRank(a) - componentRank(b))
    .map((c) => quantity(c.valueQuantity))
    .filter((q): q is NonNullable<typeof q> => q !== undefined);
  if (parts.length > 0) {
    const units = [...new Set(parts.map((p) => p.unit).filter(Boolean))];
    // Blood pressure is read in whole millimetres of mercury, however precise the device was.
    const pressure = units.length === 1 && units[0] === 'mmHg';
    const text =
      parts.map((p) => (pressure ? String(Math.round(p.value)) : formatNumber(p.value))).join('/') +
      (units.length === 1 ? ` ${units[0]}` : '');
    return { text, num: null, unit: units.length === 1 ? (units[0] ?? null) : null };
  }
  return null;
}

function value(r: Json, type: string): Value | null {
  switch (type) {
    case 'Observation':
      return observationValue(r);
    case 'DiagnosticReport': {
      const text = str(r.conclusion);
      return text ? { text, num: null, unit: null } : null;
    }
    case 'MedicationRequest':
    case 'MedicationOrder':
    case 'MedicationStatement': {
      const dosage = list(r.dosageInstruction ?? r.dosage).filter(isObject)[0];
      const text = dosage ? str(dosage.text) : undefined;
      return text ? { text, num: null, unit: null } : null;
    }
    case 'AllergyIntolerance': {
      const reaction = list(r.reaction)
        .filter(isObject)
        .flatMap((x) => list(x.manifestation))
        .map(conceptText)
        .find(Boolean);
      return reaction ? { text: reaction, num: null, unit: null } : null;
    }
    default:
      return null;
  }
}

function outsideReferenceRange(r: Json, v: Value | null): boolean {
  if (!v || v.num === null) return false;
  for (const range of list(r.referenceRange).filter(isObject)) {
    const low = isObject(range.low) ? num(range.low.value) : undefined;
    const high = isObject(range.high) ? num(range.high.value) : undefined;
    if ((low !== undefined && v.num < low) || (high !== undefined && v.num > high)) return true;
  }
  return false;
}

function status(r: Json): string | null {
  const clinical = isObject(r.clinicalStatus) ? conceptText(r.clinicalStatus) : str(r.clinicalStatus);
  return clinical ?? str(r.status) ?? null;
}

/** Reads the timeline's columns from a resource of any supported FHIR version. */
export function recordColumns(resource: Json): RecordColumns {
  const type = String(resource.resourceType);
  const v = value(resource, type);
  const abnormal =
    hasCode(resource.interpretation, ABNORMAL_INTERPRETATIONS) ||
    hasCode(resource.criticality, ['high', 'CRITH']) ||
    outsideReferenceRange(resource, v);
  const searchable = conceptSearchText([
    resource.code,
    resource.vaccineCode,
    resource.medicationCodeableConcept,
    resource.substance,
    // One concept on most types, a list on Encounter: both are searchable and link likely duplicates.
    ...list(resource.type),
    ...list(resource.category),
    ...list(resource.reasonCode),
  ]);
  return {
    category: category(resource, type),
    sortDate: sortDate(resource, type),
    display: display(resource, type),
    codes: searchable.join(' '),
    valueText: v?.text ?? null,
    valueNum: v?.num ?? null,
    valueUnit: v?.unit ?? null,
    abnormal,
    flag: type === 'Observation' ? resultFlag(resource) : null,
    status: status(resource),
  };
}
