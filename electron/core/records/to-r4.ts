import { isObject, list, str, type Json } from './fhir-values.js';
import type { FhirVersion } from './record-columns.js';

/**
 * STU3 and DSTU2 records converted to R4 for export, so a new provider gets a patient's older
 * records in the one version every export format speaks. The rule is faithful or nothing: each
 * element of the source is either carried over with the same meaning (renamed, wrapped in a
 * list, its code written the R4 way) or the record is not converted and the reason says which
 * element stood in the way. An element the converter does not know is such a reason too, so a
 * record is never exported missing something the source said. Mappings follow HL7's published
 * R3→R4 and R2→R3 conversion maps (hl7.org/fhir/R4/<type>-version-maps.html).
 *
 * `meta.profile` is dropped: it names the old version's profiles, which an R4 record no longer
 * claims to meet. The vault keeps every record exactly as received; only exports are converted.
 */

export type R4Conversion = { ok: true; resource: Json } | { ok: false; reason: string };

type Version = Exclude<FhirVersion, 'R4'>;

/** Thrown inside a conversion with the reason; caught once, at the top. */
class NotFaithful extends Error {}

function refuse(reason: string): never {
  throw new NotFaithful(reason);
}

/** One element's rule: writes what it means into `out`. */
type Rule = (value: unknown, out: Json, source: Json, version: Version) => void;

/** Carries the value over under its R4 name. */
const same =
  (name: string): Rule =>
  (value, out) => {
    out[name] = value;
  };

/** Copies under the same name (the rule table's key); most elements did not change. */
const SAME: Rule = () => undefined;

/** A single value that R4 holds as a list. */
const asList =
  (name: string): Rule =>
  (value, out) => {
    out[name] = [...list(out[name]), ...list(value)];
  };

const concept = (system: string, code: unknown): Json => ({ coding: [{ system, code: String(code) }] });

function annotationsFromText(value: unknown): Json[] {
  return list(value)
    .map((text) => (isObject(text) ? text : { text: String(text) }))
    .filter((note) => note.text !== '');
}

function metaForR4(meta: unknown): Json | undefined {
  if (!isObject(meta)) return undefined;
  const { profile: _profile, ...rest } = meta;
  return Object.keys(rest).length > 0 ? rest : undefined;
}

/** An extension whose value is a list (some servers send them) is not FHIR in any version. */
function wellFormedExtension(extension: unknown): unknown {
  if (!isObject(extension) || typeof extension.url !== 'string')
    refuse('one of its extensions is not written as FHIR allows');
  for (const [key, value] of Object.entries(extension)) {
    if (key.startsWith('value') && Array.isArray(value))
      refuse('one of its extensions holds a list where FHIR allows one value');
  }
  return extension;
}

const FHIR_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))$/;

/**
 * A time of day without a time zone names no moment; FHIR forbids it in every version. Guessing
 * a zone would change the record, so such a record is not converted.
 */
function refuseZonelessTimes(value: unknown): void {
  if (typeof value === 'string') {
    if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !FHIR_DATE_TIME.test(value))
      refuse('a time in it has no time zone (or no seconds), so the moment it names is not known');
  } else if (Array.isArray(value)) value.forEach(refuseZonelessTimes);
  else if (isObject(value)) {
    for (const [key, inner] of Object.entries(value)) if (key !== 'text') refuseZonelessTimes(inner);
  }
}

// ---- data types that changed -------------------------------------------------------------

/** DSTU2 HumanName allowed several family names; R4 holds one string (joined, as HL7's map does). */
function humanNameR4(name: unknown, version: Version): unknown {
  if (!isObject(name) || version !== 'DSTU2' || !Array.isArray(name.family)) return name;
  const family = name.family.map(String).join(' ');
  return { ...name, family };
}

function timingR4(timing: unknown, version: Version): unknown {
  if (!isObject(timing) || version !== 'DSTU2' || !isObject(timing.repeat)) return timing;
  const { durationUnits, periodUnits, when, boundsQuantity, ...repeat } = timing.repeat;
  const out: Json = { ...repeat };
  if (durationUnits !== undefined) out.durationUnit = durationUnits;
  if (periodUnits !== undefined) out.periodUnit = periodUnits;
  if (when !== undefined) out.when = list(when);
  if (boundsQuantity !== undefined) out.boundsDuration = boundsQuantity;
  return { ...timing, repeat: out };
}

const DOSAGE_SAME = new Set([
  'sequence',
  'text',
  'patientInstruction',
  'asNeededBoolean',
  'asNeededCodeableConcept',
  'site',
  'route',
  'method',
  'maxDosePerPeriod',
  'maxDosePerAdministration',
  'maxDosePerLifetime',
  'extension',
  'additionalInstruction',
]);

/** STU3 and DSTU2 put dose and rate on the dosage itself; R4 puts them in `doseAndRate`. */
function dosageR4(dosage: unknown, version: Version): Json {
  if (!isObject(dosage)) refuse('a dosage instruction is not written as FHIR expects');
  const out: Json = {};
  const doseAndRate: Json = {};
  for (const [key, value] of Object.entries(dosage)) {
    if (DOSAGE_SAME.has(key)) out[key] = value;
    else if (key === 'timing') out.timing = timingR4(value, version);
    else if (key === 'additionalInstructions') out.additionalInstruction = list(value);
    else if (key === 'siteCodeableConcept') out.site = value;
    else if (key === 'doseQuantity' || key === 'doseRange') doseAndRate[key] = value;
    else if (key === 'quantityQuantity') doseAndRate.doseQuantity = value;
    else if (key === 'quantityRange') doseAndRate.doseRange = value;
    else if (key === 'rateRatio' || key === 'rateRange' || key === 'rateQuantity') doseAndRate[key] = value;
    else if (key === 'rateSimpleQuantity') doseAndRate.rateQuantity = value;
    else refuse(`its dosage element “${key}” has no R4 equivalent`);
  }
  if (Object.keys(doseAndRate).length > 0) out.doseAndRate = [doseAndRate];
  return out;
}

const dosages =
  (name: string): Rule =>
  (value, out, _source, version) => {
    out[name] = list(value).map((d) => dosageR4(d, version));
  };

// ---- per type ----------------------------------------------------------------------------

/** Elements every resource may carry, with the same meaning in all three versions. */
const COMMON: Record<string, Rule> = {
  resourceType: SAME,
  id: SAME,
  implicitRules: SAME,
  language: SAME,
  text: SAME,
  extension: (value, out) => {
    out.extension = [...list(out.extension), ...list(value).map(wellFormedExtension)];
  },
  modifierExtension: (value, out) => {
    out.modifierExtension = list(value).map(wellFormedExtension);
  },
  identifier: SAME,
  meta: (value, out) => {
    const meta = metaForR4(value);
    if (meta) out.meta = meta;
  },
  contained: (value) => {
    if (list(value).length > 0) refuse('it holds contained records of its own, which are not converted');
  },
};

const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const CONDITION_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
const ALLERGY_CLINICAL = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical';
const ALLERGY_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification';

function codeIn(value: unknown, codes: readonly string[], what: string): string {
  const code = str(value);
  if (!code || !codes.includes(code)) refuse(`its ${what} “${String(value)}” has no R4 equivalent`);
  return code;
}

const condition: Record<string, Rule> = {
  clinicalStatus: (value, out) => {
    if (isObject(value)) out.clinicalStatus = value;
    else {
      const code = codeIn(
        value,
        ['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved'],
        'clinical status',
      );
      out.clinicalStatus = concept(CONDITION_CLINICAL, code);
    }
  },
  verificationStatus: (value, out) => {
    if (isObject(value)) out.verificationStatus = value;
    // "unknown" says nothing was verified, which an absent R4 verificationStatus says as well.
    else if (value !== 'unknown') {
      const code = codeIn(
        value,
        ['provisional', 'differential', 'confirmed', 'refuted', 'entered-in-error'],
        'verification status',
      );
      out.verificationStatus = concept(CONDITION_VERIFICATION, code);
    }
  },
  category: asList('category'),
  severity: SAME,
  code: SAME,
  bodySite: SAME,
  subject: SAME,
  patient: same('subject'),
  context: same('encounter'),
  encounter: SAME,
  onsetDateTime: SAME,
  onsetAge: SAME,
  onsetQuantity: same('onsetAge'),
  onsetPeriod: SAME,
  onsetRange: SAME,
  onsetString: SAME,
  abatementDateTime: SAME,
  abatementAge: SAME,
  abatementQuantity: same('abatementAge'),
  abatementPeriod: SAME,
  abatementRange: SAME,
  abatementString: SAME,
  abatementBoolean: (value) => {
    if (value === true) refuse('it says only “abated”, with no date, which R4 cannot say');
  },
  // HL7's R3→R4 map keeps assertedDate as R4's standard extension of the same name.
  assertedDate: (value, out) => {
    out.extension = [
      ...list(out.extension),
      { url: 'http://hl7.org/fhir/StructureDefinition/condition-assertedDate', valueDateTime: value },
    ];
  },
  dateRecorded: same('recordedDate'),
  asserter: SAME,
  stage: (value, out, _s, version) => {
    out.stage = list(value).map((stage) =>
      version === 'DSTU2' && isObject(stage) ? { ...stage, assessment: list(stage.assessment) } : stage,
    );
  },
  evidence: (value, out) => {
    out.evidence = list(value).map((e) =>
      isObject(e) && e.code !== undefined ? { ...e, code: list(e.code) } : e,
    );
  },
  note: asList('note'),
  notes: (value, out) => {
    out.note = annotationsFromText(value);
  },
};

const ALLERGY_DSTU2_STATUS: Record<string, { clinical?: string; verification?: string }> = {
  active: { clinical: 'active' },
  unconfirmed: { clinical: 'active', verification: 'unconfirmed' },
  confirmed: { clinical: 'active', verification: 'confirmed' },
  inactive: { clinical: 'inactive' },
  resolved: { clinical: 'resolved' },
  refuted: { verification: 'refuted' },
  'entered-in-error': { verification: 'entered-in-error' },
};

const ALLERGY_CRITICALITY: Record<string, string> = {
  CRITL: 'low',
  CRITH: 'high',
  CRITU: 'unable-to-assess',
  low: 'low',
  high: 'high',
  'unable-to-assess': 'unable-to-assess',
};

function allergyReaction(reaction: unknown, version: Version): Json {
  if (!isObject(reaction)) refuse('a reaction is not written as FHIR expects');
  const out: Json = {};
  for (const [key, value] of Object.entries(reaction)) {
    if (
      [
        'substance',
        'manifestation',
        'description',
        'onset',
        'severity',
        'exposureRoute',
        'extension',
      ].includes(key)
    )
      out[key] = value;
    else if (key === 'note') out.note = list(value);
    else refuse(`its reaction element “${key}” has no R4 equivalent (${version})`);
  }
  return out;
}

const allergy: Record<string, Rule> = {
  clinicalStatus: (value, out) => {
    out.clinicalStatus = isObject(value)
      ? value
      : concept(ALLERGY_CLINICAL, codeIn(value, ['active', 'inactive', 'resolved'], 'clinical status'));
  },
  verificationStatus: (value, out) => {
    out.verificationStatus = isObject(value)
      ? value
      : concept(
          ALLERGY_VERIFICATION,
          codeIn(value, ['unconfirmed', 'confirmed', 'refuted', 'entered-in-error'], 'verification status'),
        );
  },
  // DSTU2's one status holds both R4 statuses (HL7's R2→R3 concept maps).
  status: (value, out) => {
    const mapped = ALLERGY_DSTU2_STATUS[codeIn(value, Object.keys(ALLERGY_DSTU2_STATUS), 'status')];
    if (mapped?.clinical) out.clinicalStatus = concept(ALLERGY_CLINICAL, mapped.clinical);
    if (mapped?.verification) out.verificationStatus = concept(ALLERGY_VERIFICATION, mapped.verification);
  },
  type: (value, out) => {
    out.type = codeIn(value, ['allergy', 'intolerance'], 'type');
  },
  category: (value, out) => {
    out.category = list(value).map((c) =>
      codeIn(c, ['food', 'medication', 'environment', 'biologic'], 'category'),
    );
  },
  criticality: (value, out) => {
    out.criticality = ALLERGY_CRITICALITY[codeIn(value, Object.keys(ALLERGY_CRITICALITY), 'criticality')];
  },
  code: SAME,
  substance: same('code'),
  patient: SAME,
  onsetDateTime: SAME,
  onsetAge: SAME,
  onsetPeriod: SAME,
  onsetRange: SAME,
  onsetString: SAME,
  onset: same('onsetDateTime'),
  assertedDate: (value, out) => {
    out.extension = [
      ...list(out.extension),
      {
        url: 'http://hl7.org/fhir/StructureDefinition/allergyintolerance-assertedDate',
        valueDateTime: value,
      },
    ];
  },
  recordedDate: SAME,
  recorder: SAME,
  asserter: SAME,
  reporter: same('asserter'),
  lastOccurrence: SAME,
  lastOccurence: same('lastOccurrence'),
  note: asList('note'),
  reaction: (value, out, _s, version) => {
    out.reaction = list(value).map((r) => allergyReaction(r, version));
  },
};

const immunization: Record<string, Rule> = {
  status: (value, out) => {
    // DSTU2 used the medication-administration statuses; only these two mean the same in R4.
    out.status ??= codeIn(value, ['completed', 'entered-in-error'], 'status');
  },
  notGiven: (value, out) => {
    if (value === true) out.status = 'not-done';
  },
  wasNotGiven: (value, out) => {
    if (value === true) out.status = 'not-done';
  },
  vaccineCode: SAME,
  patient: SAME,
  encounter: SAME,
  date: same('occurrenceDateTime'),
  primarySource: SAME,
  // DSTU2 `reported`: the record came from someone other than who gave the vaccine.
  reported: (value, out) => {
    if (typeof value === 'boolean') out.primarySource = !value;
  },
  location: SAME,
  manufacturer: SAME,
  lotNumber: SAME,
  expirationDate: SAME,
  site: SAME,
  route: SAME,
  doseQuantity: SAME,
  note: asList('note'),
  explanation: (value, out) => {
    if (!isObject(value)) return;
    if (value.reason !== undefined) out.reasonCode = list(value.reason);
    const notGiven = list(value.reasonNotGiven);
    if (notGiven.length > 1) refuse('it gives several reasons for not giving the vaccine; R4 holds one');
    if (notGiven[0] !== undefined) out.statusReason = notGiven[0];
  },
};

const encounterClass: Record<string, [string, string]> = {
  inpatient: ['IMP', 'inpatient encounter'],
  outpatient: ['AMB', 'ambulatory'],
  ambulatory: ['AMB', 'ambulatory'],
  emergency: ['EMER', 'emergency'],
  home: ['HH', 'home health'],
  field: ['FLD', 'field'],
  virtual: ['VR', 'virtual'],
};

const encounter: Record<string, Rule> = {
  status: (value, out) => {
    out.status = codeIn(
      value,
      [
        'planned',
        'arrived',
        'triaged',
        'in-progress',
        'onleave',
        'finished',
        'cancelled',
        'entered-in-error',
        'unknown',
      ],
      'status',
    );
  },
  class: (value, out) => {
    if (isObject(value)) out.class = value;
    else {
      const mapped = encounterClass[codeIn(value, Object.keys(encounterClass), 'class')];
      if (mapped)
        out.class = {
          system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
          code: mapped[0],
          display: mapped[1],
        };
    }
  },
  type: SAME,
  priority: SAME,
  subject: SAME,
  patient: same('subject'),
  episodeOfCare: asList('episodeOfCare'),
  participant: SAME,
  period: SAME,
  length: SAME,
  reason: asList('reasonCode'),
  indication: asList('reasonReference'),
  location: SAME,
  serviceProvider: SAME,
  partOf: SAME,
};

const observationStatuses = [
  'registered',
  'preliminary',
  'final',
  'amended',
  'corrected',
  'cancelled',
  'entered-in-error',
  'unknown',
];

const OBSERVATION_VALUES = [
  'valueQuantity',
  'valueCodeableConcept',
  'valueString',
  'valueBoolean',
  'valueInteger',
  'valueRange',
  'valueRatio',
  'valueTime',
  'valueDateTime',
  'valuePeriod',
];

function referenceRangeR4(range: unknown): Json {
  if (!isObject(range)) refuse('a reference range is not written as FHIR expects');
  const { meaning, ...rest } = range;
  for (const key of Object.keys(rest))
    if (!['low', 'high', 'type', 'appliesTo', 'age', 'text', 'extension'].includes(key))
      refuse(`its reference range element “${key}” has no R4 equivalent`);
  return meaning === undefined ? rest : { ...rest, type: meaning };
}

function componentR4(component: unknown): Json {
  if (!isObject(component)) refuse('a component is not written as FHIR expects');
  const out: Json = {};
  for (const [key, value] of Object.entries(component)) {
    if (
      key === 'code' ||
      key === 'dataAbsentReason' ||
      key === 'extension' ||
      OBSERVATION_VALUES.includes(key)
    )
      out[key] = value;
    else if (key === 'interpretation') out.interpretation = list(value);
    else if (key === 'referenceRange') out.referenceRange = list(value).map(referenceRangeR4);
    else refuse(`its component element “${key}” has no R4 equivalent`);
  }
  return out;
}

const observation: Record<string, Rule> = {
  status: (value, out) => {
    out.status = codeIn(value, observationStatuses, 'status');
  },
  category: asList('category'),
  code: SAME,
  subject: SAME,
  encounter: SAME,
  context: same('encounter'),
  effectiveDateTime: SAME,
  effectivePeriod: SAME,
  effectiveInstant: SAME,
  issued: SAME,
  performer: SAME,
  ...Object.fromEntries(OBSERVATION_VALUES.map((key) => [key, SAME])),
  dataAbsentReason: SAME,
  interpretation: asList('interpretation'),
  comment: (value, out) => {
    out.note = annotationsFromText(value);
  },
  comments: (value, out) => {
    out.note = annotationsFromText(value);
  },
  bodySite: SAME,
  method: SAME,
  specimen: SAME,
  device: SAME,
  basedOn: SAME,
  referenceRange: (value, out) => {
    out.referenceRange = list(value).map(referenceRangeR4);
  },
  component: (value, out) => {
    out.component = list(value).map(componentR4);
  },
};

const PROCEDURE_STATUS: Record<string, string> = {
  preparation: 'preparation',
  'in-progress': 'in-progress',
  suspended: 'on-hold',
  aborted: 'stopped',
  completed: 'completed',
  'entered-in-error': 'entered-in-error',
  unknown: 'unknown',
};

const procedure: Record<string, Rule> = {
  status: (value, out) => {
    out.status ??= PROCEDURE_STATUS[codeIn(value, Object.keys(PROCEDURE_STATUS), 'status')];
  },
  notDone: (value, out) => {
    if (value === true) out.status = 'not-done';
  },
  notPerformed: (value, out) => {
    if (value === true) out.status = 'not-done';
  },
  notDoneReason: same('statusReason'),
  reasonNotPerformed: (value, out) => {
    const reasons = list(value);
    if (reasons.length > 1) refuse('it gives several reasons for not doing it; R4 holds one');
    if (reasons[0] !== undefined) out.statusReason = reasons[0];
  },
  category: SAME,
  code: SAME,
  subject: SAME,
  encounter: SAME,
  context: same('encounter'),
  performedDateTime: SAME,
  performedPeriod: SAME,
  performer: (value, out) => {
    out.performer = list(value).map((p) => {
      if (!isObject(p)) refuse('a performer is not written as FHIR expects');
      const { role, onBehalfOf, ...rest } = p;
      if (onBehalfOf !== undefined) refuse('a performer acted on behalf of someone, which is not converted');
      return role === undefined ? rest : { ...rest, function: role };
    });
  },
  location: SAME,
  reasonCode: asList('reasonCode'),
  reasonReference: asList('reasonReference'),
  reasonCodeableConcept: asList('reasonCode'),
  bodySite: SAME,
  outcome: SAME,
  report: SAME,
  complication: SAME,
  followUp: SAME,
  note: asList('note'),
  notes: asList('note'),
  focalDevice: SAME,
  used: asList('usedReference'),
  usedReference: SAME,
  usedCode: SAME,
  basedOn: SAME,
  partOf: SAME,
};

const diagnosticReport: Record<string, Rule> = {
  status: (value, out) => {
    out.status = codeIn(
      value,
      [
        'registered',
        'partial',
        'preliminary',
        'final',
        'amended',
        'corrected',
        'appended',
        'cancelled',
        'entered-in-error',
        'unknown',
      ],
      'status',
    );
  },
  category: asList('category'),
  code: SAME,
  subject: SAME,
  encounter: SAME,
  context: same('encounter'),
  effectiveDateTime: SAME,
  effectivePeriod: SAME,
  issued: SAME,
  performer: (value, out, _s, version) => {
    out.performer = list(value).map((p) => {
      if (version === 'DSTU2') return p;
      if (!isObject(p) || p.role !== undefined) refuse('a performer’s role has no place in R4');
      return p.actor;
    });
  },
  request: asList('basedOn'),
  basedOn: SAME,
  specimen: SAME,
  result: SAME,
  imagingStudy: SAME,
  image: same('media'),
  conclusion: SAME,
  codedDiagnosis: same('conclusionCode'),
  presentedForm: SAME,
};

const medicationCommon: Record<string, Rule> = {
  medicationCodeableConcept: SAME,
  medicationReference: SAME,
  note: (value, out) => {
    out.note = annotationsFromText(value);
  },
};

const medicationRequest: Record<string, Rule> = {
  ...medicationCommon,
  status: (value, out) => {
    out.status = codeIn(
      value,
      ['active', 'on-hold', 'cancelled', 'completed', 'entered-in-error', 'stopped', 'draft', 'unknown'],
      'status',
    );
  },
  intent: SAME,
  category: asList('category'),
  priority: SAME,
  subject: SAME,
  patient: same('subject'),
  encounter: SAME,
  context: same('encounter'),
  supportingInformation: SAME,
  authoredOn: SAME,
  dateWritten: same('authoredOn'),
  requester: (value, out) => {
    if (!isObject(value)) return;
    if (value.onBehalfOf !== undefined)
      refuse('its prescriber acted on behalf of someone, which is not converted');
    out.requester = value.agent ?? value;
  },
  prescriber: same('requester'),
  recorder: SAME,
  reasonCode: SAME,
  reasonReference: asList('reasonReference'),
  reasonCodeableConcept: asList('reasonCode'),
  dosageInstruction: dosages('dosageInstruction'),
  dispenseRequest: (value, out) => {
    if (!isObject(value)) return;
    for (const key of Object.keys(value))
      if (
        ![
          'validityPeriod',
          'numberOfRepeatsAllowed',
          'quantity',
          'expectedSupplyDuration',
          'performer',
          'extension',
        ].includes(key)
      )
        refuse(`its dispense request element “${key}” has no R4 equivalent`);
    out.dispenseRequest = value;
  },
  substitution: (value, out) => {
    if (!isObject(value) || typeof value.allowed !== 'boolean')
      refuse('its substitution rule has no faithful R4 equivalent');
    const { allowed, ...rest } = value;
    out.substitution = { ...rest, allowedBoolean: allowed };
  },
  priorPrescription: SAME,
  basedOn: SAME,
  groupIdentifier: SAME,
  detectedIssue: SAME,
  eventHistory: SAME,
};

const medicationStatement: Record<string, Rule> = {
  ...medicationCommon,
  status: (value, out) => {
    out.status ??= codeIn(
      value,
      ['active', 'completed', 'entered-in-error', 'intended', 'stopped', 'on-hold'],
      'status',
    );
  },
  // STU3 `taken`: only "n" (not taken) has an R4 equivalent, the status not-taken.
  taken: (value, out) => {
    if (value === 'n') out.status = 'not-taken';
    else if (value !== 'y') refuse(`its “taken” of “${String(value)}” has no R4 equivalent`);
  },
  wasNotTaken: (value, out) => {
    if (value === true) out.status = 'not-taken';
  },
  reasonNotTaken: (value, out) => {
    out.statusReason = list(value);
  },
  category: SAME,
  subject: SAME,
  patient: same('subject'),
  context: SAME,
  effectiveDateTime: SAME,
  effectivePeriod: SAME,
  dateAsserted: SAME,
  informationSource: SAME,
  derivedFrom: SAME,
  supportingInformation: same('derivedFrom'),
  basedOn: SAME,
  partOf: SAME,
  reasonCode: SAME,
  reasonReference: SAME,
  reasonForUseCodeableConcept: asList('reasonCode'),
  reasonForUseReference: asList('reasonReference'),
  dosage: dosages('dosage'),
};

const patient: Record<string, Rule> = {
  active: SAME,
  name: (value, out, _s, version) => {
    out.name = list(value).map((n) => humanNameR4(n, version));
  },
  telecom: SAME,
  gender: SAME,
  birthDate: SAME,
  deceasedBoolean: SAME,
  deceasedDateTime: SAME,
  address: SAME,
  maritalStatus: SAME,
  multipleBirthBoolean: SAME,
  multipleBirthInteger: SAME,
  photo: SAME,
  contact: (value, out, _s, version) => {
    out.contact = list(value).map((c) =>
      isObject(c) && c.name ? { ...c, name: humanNameR4(c.name, version) } : c,
    );
  },
  communication: SAME,
  generalPractitioner: SAME,
  careProvider: same('generalPractitioner'),
  managingOrganization: SAME,
};

const TYPES: Record<string, { r4Type: string; rules: Record<string, Rule>; fill?: (out: Json) => void }> = {
  AllergyIntolerance: { r4Type: 'AllergyIntolerance', rules: allergy },
  Condition: { r4Type: 'Condition', rules: condition },
  Immunization: {
    r4Type: 'Immunization',
    rules: immunization,
    fill: (out) => {
      if (out.occurrenceDateTime === undefined) refuse('it has no date, which an R4 immunization requires');
    },
  },
  MedicationRequest: { r4Type: 'MedicationRequest', rules: medicationRequest },
  // A DSTU2 MedicationOrder is by name an order: HL7's R2→R3 map sets intent "order".
  MedicationOrder: {
    r4Type: 'MedicationRequest',
    rules: medicationRequest,
    fill: (out) => {
      out.intent ??= 'order';
    },
  },
  MedicationStatement: { r4Type: 'MedicationStatement', rules: medicationStatement },
  Observation: { r4Type: 'Observation', rules: observation },
  Procedure: { r4Type: 'Procedure', rules: procedure },
  DiagnosticReport: { r4Type: 'DiagnosticReport', rules: diagnosticReport },
  Encounter: { r4Type: 'Encounter', rules: encounter },
  Patient: { r4Type: 'Patient', rules: patient },
};

/** The types this module converts; every other STU3 or DSTU2 record is reported as not converted. */
export const CONVERTIBLE_TYPES: readonly string[] = Object.keys(TYPES);

/** The R4 form of an STU3 or DSTU2 record, or why there is no faithful one. */
export function toR4(resource: Json, version: FhirVersion): R4Conversion {
  if (version === 'R4') return { ok: true, resource };
  const type = String(resource.resourceType);
  const spec = TYPES[type];
  if (!spec)
    return { ok: false, reason: `converting ${version} ${humanType(type)} records to R4 is not built` };
  try {
    const out: Json = {};
    for (const [key, value] of Object.entries(resource)) {
      // A primitive's extension (`_birthDate`) is kept only where its element keeps its name.
      const base = key.startsWith('_') ? key.slice(1) : undefined;
      const rule = base ? (ruleFor(spec, base) === SAME ? SAME : undefined) : ruleFor(spec, key);
      if (!rule) refuse(`its ${version} element “${key}” has no R4 equivalent`);
      if (rule === SAME) out[key] = value;
      else rule(value, out, resource, version);
    }
    out.resourceType = spec.r4Type;
    spec.fill?.(out);
    refuseZonelessTimes(out);
    return { ok: true, resource: out };
  } catch (error) {
    if (error instanceof NotFaithful) return { ok: false, reason: error.message };
    // A value of a type its element never has (an object where a code belongs) breaks a rule
    // written for the types FHIR defines: such a record has no faithful R4 form either.
    if (error instanceof TypeError)
      return { ok: false, reason: `some of its elements are not of the types FHIR ${version} defines` };
    throw error;
  }
}

/** An element's rule: only the tables' own keys ("constructor" and "__proto__" are elements too). */
function ruleFor(spec: (typeof TYPES)[string], key: string) {
  if (Object.hasOwn(COMMON, key)) return COMMON[key];
  return Object.hasOwn(spec.rules, key) ? spec.rules[key] : undefined;
}

function humanType(type: string): string {
  return type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
