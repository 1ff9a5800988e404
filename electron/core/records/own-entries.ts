import { randomUUID } from 'node:crypto';
import type { OwnEntry } from '../../../shared/domain.js';
import { VaultError } from '../errors.js';
import { codings, conceptText, isObject, list, num, str, toInstant, type Json } from './fhir-values.js';

/**
 * What the patient enters themselves, as FHIR R4 records: a medicine they take
 * (MedicationStatement), an allergy (AllergyIntolerance), a condition (Condition) and a
 * measurement (Observation: blood pressure, weight, glucose, in LOINC and UCUM). Each names the
 * patient as the one who says it (`informationSource`, `recorder`, `asserter`, `performer`), so a
 * reader of the record, or of an export, knows it is patient-reported. The patient is referred to
 * by name only here; an export points these references at the document's own Patient.
 */

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const VITAL_SIGNS = {
  coding: [
    {
      system: 'http://terminology.hl7.org/CodeSystem/observation-category',
      code: 'vital-signs',
      display: 'Vital Signs',
    },
  ],
};

/** The measurements, by LOINC code. Glucose in mmol/L has a code of its own (moles, not mass). */
const MEASURES = {
  bloodPressure: { code: '85354-9', display: 'Blood pressure panel with all children optional' },
  systolic: { code: '8480-6', display: 'Systolic blood pressure' },
  diastolic: { code: '8462-4', display: 'Diastolic blood pressure' },
  weight: { code: '29463-7', display: 'Body weight' },
  'mg/dL': { code: '2339-0', display: 'Glucose [Mass/volume] in Blood' },
  'mmol/L': { code: '15074-8', display: 'Glucose [Moles/volume] in Blood' },
} as const;

const UNIT_WORDS: Record<string, string> = {
  kg: 'kg',
  '[lb_av]': 'lb',
  'mg/dL': 'mg/dL',
  'mmol/L': 'mmol/L',
  'mm[Hg]': 'mmHg',
};

/** Plausible ranges: a typing slip (a weight of 7000) is refused rather than stored and charted. */
const RANGES = {
  systolic: [50, 300],
  diastolic: [20, 200],
  kg: [0.5, 500],
  '[lb_av]': [1, 1100],
  'mg/dL': [10, 1000],
  'mmol/L': [0.5, 55],
} as const;

function refuse(detail: string): never {
  throw new VaultError('bad-entry', detail);
}

function within(value: number, [low, high]: readonly [number, number], what: string, unit: string): void {
  if (!(value >= low && value <= high)) refuse(`${what} must be between ${low} and ${high} ${unit}.`);
}

/** A date or time the patient gave: understood, and not later than now (a day ahead allowed for time zones). */
function notInFuture(value: string | undefined, what: string, now: Date): void {
  if (value === undefined) return;
  const instant = toInstant(value);
  if (!instant) refuse(`${what} is not a date PHR Vault understands.`);
  if (Date.parse(instant) > now.getTime() + 24 * 3600 * 1000) refuse(`${what} is in the future.`);
}

/** Checks what was entered; the reason it cannot be saved is said in the patient's words. */
export function checkEntry(entry: OwnEntry, now = new Date()): void {
  switch (entry.kind) {
    case 'medicine':
      notInFuture(entry.since, 'The date you started it', now);
      return;
    case 'condition':
      notInFuture(entry.since, 'The date it started', now);
      return;
    case 'allergy':
      return;
    case 'blood-pressure':
      within(entry.systolic, RANGES.systolic, 'The top number (systolic)', 'mmHg');
      within(entry.diastolic, RANGES.diastolic, 'The bottom number (diastolic)', 'mmHg');
      if (entry.diastolic >= entry.systolic)
        refuse('The top number (systolic) must be higher than the bottom number (diastolic).');
      notInFuture(entry.at, 'The time of the measurement', now);
      return;
    case 'weight':
      within(entry.value, RANGES[entry.unit], 'The weight', UNIT_WORDS[entry.unit] ?? entry.unit);
      notInFuture(entry.at, 'The time of the measurement', now);
      return;
    case 'glucose':
      within(entry.value, RANGES[entry.unit], 'The glucose', entry.unit);
      notInFuture(entry.at, 'The time of the measurement', now);
      return;
  }
}

function quantity(value: number, unit: string): Json {
  return { value, unit: UNIT_WORDS[unit] ?? unit, system: UCUM, code: unit };
}

function loinc(measure: { code: string; display: string }, text?: string): Json {
  return { coding: [{ system: LOINC, ...measure }], ...(text ? { text } : {}) };
}

function measurement(patient: Json, at: string, code: Json, recordedAt: string): Json {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [VITAL_SIGNS],
    code,
    subject: patient,
    effectiveDateTime: at,
    issued: recordedAt,
    performer: [patient],
  };
}

/**
 * The FHIR R4 record of an entry. `id` keeps an edited entry the same record (its earlier
 * version goes to the record's history); `patientName` names who says it.
 */
export function entryResource(
  entry: OwnEntry,
  patientName: string,
  id: string = randomUUID(),
  now = new Date(),
): Json {
  checkEntry(entry, now);
  const patient: Json = { display: patientName };
  const recordedAt = now.toISOString();
  let resource: Json;
  switch (entry.kind) {
    case 'medicine':
      resource = {
        resourceType: 'MedicationStatement',
        status: 'active',
        medicationCodeableConcept: { text: entry.name },
        subject: patient,
        ...(entry.since ? { effectivePeriod: { start: entry.since } } : {}),
        dateAsserted: recordedAt,
        informationSource: patient,
        ...(entry.dose ? { dosage: [{ text: entry.dose }] } : {}),
      };
      break;
    case 'allergy':
      resource = {
        resourceType: 'AllergyIntolerance',
        clinicalStatus: {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' },
          ],
        },
        // Said by the patient, not yet confirmed by a clinician.
        verificationStatus: {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
              code: 'unconfirmed',
            },
          ],
        },
        code: { text: entry.substance },
        patient,
        recordedDate: recordedAt,
        recorder: patient,
        asserter: patient,
        ...(entry.reaction ? { reaction: [{ manifestation: [{ text: entry.reaction }] }] } : {}),
      };
      break;
    case 'condition':
      resource = {
        resourceType: 'Condition',
        clinicalStatus: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
        },
        category: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/condition-category',
                code: 'problem-list-item',
                display: 'Problem List Item',
              },
            ],
          },
        ],
        code: { text: entry.name },
        subject: patient,
        ...(entry.since ? { onsetDateTime: entry.since } : {}),
        recordedDate: recordedAt,
        recorder: patient,
        asserter: patient,
      };
      break;
    case 'blood-pressure':
      resource = {
        ...measurement(patient, entry.at, loinc(MEASURES.bloodPressure, 'Blood pressure'), recordedAt),
        component: [
          { code: loinc(MEASURES.systolic), valueQuantity: quantity(entry.systolic, 'mm[Hg]') },
          { code: loinc(MEASURES.diastolic), valueQuantity: quantity(entry.diastolic, 'mm[Hg]') },
        ],
      };
      break;
    case 'weight':
      resource = {
        ...measurement(patient, entry.at, loinc(MEASURES.weight, 'Weight'), recordedAt),
        valueQuantity: quantity(entry.value, entry.unit),
      };
      break;
    case 'glucose':
      resource = {
        ...measurement(patient, entry.at, loinc(MEASURES[entry.unit], 'Blood glucose'), recordedAt),
        valueQuantity: quantity(entry.value, entry.unit),
      };
      break;
  }
  return { resourceType: resource.resourceType, id, ...resource };
}

function loincCode(concept: unknown): string | undefined {
  return codings(concept).find((c) => c.system === LOINC)?.code as string | undefined;
}

function valueOf(r: Json): { value: number; unit: string } | undefined {
  const q = isObject(r.valueQuantity) ? r.valueQuantity : undefined;
  const value = q ? num(q.value) : undefined;
  const unit = q ? str(q.code) : undefined;
  return value !== undefined && unit ? { value, unit } : undefined;
}

/** What the patient entered, read back from the record made of it (to edit it); null for any other record. */
export function entryOf(r: Json): OwnEntry | null {
  switch (r.resourceType) {
    case 'MedicationStatement': {
      const name = conceptText(r.medicationCodeableConcept);
      if (!name) return null;
      const dose = list(r.dosage).filter(isObject)[0];
      const since = isObject(r.effectivePeriod) ? str(r.effectivePeriod.start) : undefined;
      return {
        kind: 'medicine',
        name,
        ...(dose && str(dose.text) ? { dose: str(dose.text) } : {}),
        ...(since ? { since } : {}),
      };
    }
    case 'AllergyIntolerance': {
      const substance = conceptText(r.code);
      if (!substance) return null;
      const reaction = list(r.reaction).filter(isObject)[0];
      const manifestation = reaction ? conceptText(list(reaction.manifestation)[0]) : undefined;
      return { kind: 'allergy', substance, ...(manifestation ? { reaction: manifestation } : {}) };
    }
    case 'Condition': {
      const name = conceptText(r.code);
      if (!name) return null;
      const since = str(r.onsetDateTime);
      return { kind: 'condition', name, ...(since ? { since } : {}) };
    }
    case 'Observation': {
      const at = str(r.effectiveDateTime);
      if (!at) return null;
      const code = loincCode(r.code);
      if (code === MEASURES.bloodPressure.code) {
        const part = (c: string) =>
          list(r.component)
            .filter(isObject)
            .map((p) => (loincCode(p.code) === c ? valueOf(p)?.value : undefined))
            .find((v) => v !== undefined);
        const systolic = part(MEASURES.systolic.code);
        const diastolic = part(MEASURES.diastolic.code);
        return systolic !== undefined && diastolic !== undefined
          ? { kind: 'blood-pressure', systolic, diastolic, at }
          : null;
      }
      const v = valueOf(r);
      if (!v) return null;
      if (code === MEASURES.weight.code && (v.unit === 'kg' || v.unit === '[lb_av]'))
        return { kind: 'weight', value: v.value, unit: v.unit, at };
      if (
        (code === MEASURES['mg/dL'].code || code === MEASURES['mmol/L'].code) &&
        (v.unit === 'mg/dL' || v.unit === 'mmol/L')
      )
        return { kind: 'glucose', value: v.value, unit: v.unit, at };
      return null;
    }
    default:
      return null;
  }
}

/** The elements of each kind of record that name who says it: pointed at the Patient in exports. */
const SAID_BY: Record<string, readonly string[]> = {
  MedicationStatement: ['subject', 'informationSource'],
  AllergyIntolerance: ['patient', 'recorder', 'asserter'],
  Condition: ['subject', 'recorder', 'asserter'],
  Observation: ['subject'],
};

/**
 * An entry of the patient's own as an export carries it: every reference to the patient points
 * at the document's Patient (`patientUrl`), so the record says, in FHIR's own elements, that the
 * patient reported it. The stored record is not changed.
 */
export function asPatientReported(resource: Json, patientUrl: string, patientName: string): Json {
  const out: Json = { ...resource };
  const patient = { reference: patientUrl, display: patientName };
  for (const element of SAID_BY[String(resource.resourceType)] ?? []) {
    if (element in out) out[element] = patient;
  }
  if (resource.resourceType === 'Observation') out.performer = [patient];
  return out;
}
