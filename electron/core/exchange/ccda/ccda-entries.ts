import type { XmlElement as Element } from '../../records/xml-tree.js';
import type { Json } from '../../records/fhir-values.js';
import {
  attr,
  concept,
  effective,
  hasTemplate,
  isNegated,
  kid,
  kids,
  observationValue,
  quantity,
  textOf,
  when,
  wordsOf,
  type Narrative,
} from './cda-nodes.js';

/**
 * C-CDA entries (R1.1 and R2.1 templates) as FHIR R4 records, one function per kind of clinical
 * statement. Written by hand: @medplum/ccda's convertCcdaToFhir was measured against the HL7
 * examples and refused 7 of 13 (see ccda-document.ts).
 */

/** What a section is about, from its LOINC code: it decides categories where templates do not. */
export type SectionKind =
  | 'allergies'
  | 'medications'
  | 'problems'
  | 'procedures'
  | 'results'
  | 'vitals'
  | 'immunizations'
  | 'encounters'
  | 'social-history'
  | 'plan'
  | 'family-history'
  | 'other';

const SECTION_KINDS: Record<string, SectionKind> = {
  '48765-2': 'allergies',
  '10160-0': 'medications',
  '29549-3': 'medications',
  '42346-7': 'medications',
  '10183-2': 'medications',
  '75311-1': 'medications',
  '11450-4': 'problems',
  '11348-0': 'problems',
  '46241-6': 'problems',
  '11535-2': 'problems',
  '78375-3': 'problems',
  '75310-3': 'problems',
  '47519-4': 'procedures',
  '30954-2': 'results',
  '8716-3': 'vitals',
  '11369-6': 'immunizations',
  '46240-8': 'encounters',
  '29762-2': 'social-history',
  '18776-5': 'plan',
  '61146-7': 'plan',
  '10157-6': 'family-history',
};

export function sectionKind(section: Element): SectionKind {
  return SECTION_KINDS[attr(kid(section, 'code'), 'code') ?? ''] ?? 'other';
}

/** Where an entry's records go: `emit` gives each its id and returns its reference. */
export type EntryContext = {
  section: SectionKind;
  /** The section's narrative by ID, for the words codes point to. */
  narrative: Narrative;
  /** The reference every record's subject (or patient, or beneficiary) is: the document's patient. */
  patient: Json;
  emit: (resource: Json) => string;
};

const T = {
  allergyConcern: '2.16.840.1.113883.10.20.22.4.30',
  allergy: '2.16.840.1.113883.10.20.22.4.7',
  problemConcern: '2.16.840.1.113883.10.20.22.4.3',
  healthConcern: '2.16.840.1.113883.10.20.22.4.132',
  admissionDiagnosis: '2.16.840.1.113883.10.20.22.4.34',
  dischargeDiagnosis: '2.16.840.1.113883.10.20.22.4.33',
  encounterDiagnosis: '2.16.840.1.113883.10.20.22.4.80',
  postprocedureDiagnosis: '2.16.840.1.113883.10.20.22.4.51',
  preoperativeDiagnosis: '2.16.840.1.113883.10.20.22.4.65',
  problem: '2.16.840.1.113883.10.20.22.4.4',
  reaction: '2.16.840.1.113883.10.20.22.4.9',
  severity: '2.16.840.1.113883.10.20.22.4.8',
  allergyStatus: '2.16.840.1.113883.10.20.22.4.28',
  problemStatus: '2.16.840.1.113883.10.20.22.4.6',
  immunization: '2.16.840.1.113883.10.20.22.4.52',
  resultOrganizer: '2.16.840.1.113883.10.20.22.4.1',
  vitalsOrganizer: '2.16.840.1.113883.10.20.22.4.26',
  familyOrganizer: '2.16.840.1.113883.10.20.22.4.45',
  procedureAct: '2.16.840.1.113883.10.20.22.4.12',
  procedureObservation: '2.16.840.1.113883.10.20.22.4.13',
  procedure: '2.16.840.1.113883.10.20.22.4.14',
  goal: '2.16.840.1.113883.10.20.22.4.121',
  coverage: '2.16.840.1.113883.10.20.22.4.60',
  policy: '2.16.840.1.113883.10.20.22.4.61',
} as const;

/** Concern acts: a wrapper whose observations are the records. */
const CONDITION_WRAPPERS = [
  T.problemConcern,
  T.healthConcern,
  T.admissionDiagnosis,
  T.dischargeDiagnosis,
  T.encounterDiagnosis,
  T.postprocedureDiagnosis,
  T.preoperativeDiagnosis,
];
/** Moods of things to come (ordered, intended, proposed, promised, appointed). */
const PLANNED = ['INT', 'RQO', 'PRMS', 'PRP', 'ARQ', 'APT'];
const planned = (el: Element) => PLANNED.includes(attr(el, 'moodCode') ?? '');

function nested(el: Element, name?: string): Element[] {
  return kids(el, 'entryRelationship').flatMap((r) => kids(r, name));
}

function withSome(out: Json, key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value) && value.length === 0) return;
  out[key] = value;
}

function identifiers(el: Element): Json[] {
  return kids(el, 'id')
    .filter((id) => attr(id, 'root'))
    .map((id) => {
      const root = attr(id, 'root')!;
      const extension = attr(id, 'extension');
      return extension
        ? { system: `urn:oid:${root}`, value: extension }
        : {
            system: 'urn:ietf:rfc:3986',
            value: /^[0-9a-f-]{36}$/i.test(root) ? `urn:uuid:${root}` : `urn:oid:${root}`,
          };
    });
}

function note(el: Element, narrative: Narrative): Json[] | undefined {
  const words = wordsOf(kid(el, 'text'), narrative);
  return words ? [{ text: words }] : undefined;
}

/** Status words of the nested status observation (SNOMED active/inactive/resolved). */
function statusValue(el: Element, template: string): string | undefined {
  const status = nested(el, 'observation').find((o) => hasTemplate(o, template));
  const code = attr(kid(status, 'value'), 'code');
  return { '55561003': 'active', '73425007': 'inactive', '413322009': 'resolved' }[code ?? ''];
}

const clinical = (system: string, code: string) => ({
  coding: [{ system: `http://terminology.hl7.org/CodeSystem/${system}`, code }],
});

function allergy(obs: Element, concern: Element | null, ctx: EntryContext): void {
  const participant = kid(obs, 'participant', 'participantRole', 'playingEntity', 'code');
  const substance = concept(participant, ctx.narrative);
  const hasSubstanceCode = !!attr(participant, 'code') || kids(participant, 'translation').length > 0;
  const value = concept(kid(obs, 'value'), ctx.narrative);
  const time = when(kid(obs, 'effectiveTime'));
  const status =
    statusValue(obs, T.allergyStatus) ??
    (attr(kid(concern, 'statusCode'), 'code') === 'completed' || when(kid(obs, 'effectiveTime')).period?.end
      ? 'resolved'
      : 'active');
  const out: Json = {
    resourceType: 'AllergyIntolerance',
    identifier: identifiers(obs),
    clinicalStatus: clinical('allergyintolerance-clinical', status === 'inactive' ? 'inactive' : status),
    verificationStatus: clinical('allergyintolerance-verification', isNegated(obs) ? 'refuted' : 'confirmed'),
    code: hasSubstanceCode ? substance : (value ?? substance),
    patient: ctx.patient,
  };
  if (isNegated(obs)) {
    // "No known allergies" is an allergy observation said not to be, often of "Substance" in
    // general: its codes stay, and its words say what it means.
    const generic =
      !hasSubstanceCode || ['105590001', '410942007', '716186003'].includes(attr(participant, 'code') ?? '');
    const named = substance && typeof substance.text === 'string' ? substance.text : undefined;
    out.code = {
      ...((out.code as Json | undefined) ?? {}),
      text: generic || !named ? 'No known allergies' : `Not allergic to ${named}`,
    };
  }
  withSome(out, 'onsetDateTime', time.at);
  const reactions = nested(obs, 'observation')
    .filter((o) => hasTemplate(o, T.reaction))
    .map((reaction) => {
      const manifestation = concept(kid(reaction, 'value'), ctx.narrative);
      if (!manifestation) return undefined;
      const severityCode = attr(
        kid(
          nested(reaction, 'observation').find((o) => hasTemplate(o, T.severity)),
          'value',
        ),
        'code',
      );
      const severity = { '255604002': 'mild', '6736007': 'moderate', '24484000': 'severe' }[
        severityCode ?? ''
      ];
      const r: Json = { manifestation: [manifestation] };
      withSome(r, 'severity', severity);
      return r;
    })
    .filter((r): r is Json => !!r);
  withSome(out, 'reaction', reactions);
  withSome(out, 'note', note(obs, ctx.narrative));
  if (!out.identifier || (out.identifier as Json[]).length === 0) delete out.identifier;
  ctx.emit(out);
}

const CONDITION_CATEGORY: Record<string, string> = {
  [T.healthConcern]: 'health-concern',
  [T.encounterDiagnosis]: 'encounter-diagnosis',
  [T.admissionDiagnosis]: 'encounter-diagnosis',
  [T.dischargeDiagnosis]: 'encounter-diagnosis',
  [T.postprocedureDiagnosis]: 'encounter-diagnosis',
  [T.preoperativeDiagnosis]: 'encounter-diagnosis',
};

function condition(obs: Element, concern: Element | null, ctx: EntryContext): string {
  const time = when(kid(obs, 'effectiveTime'));
  const wrapper = concern ? Object.keys(CONDITION_CATEGORY).find((t) => hasTemplate(concern, t)) : undefined;
  const category = wrapper ? CONDITION_CATEGORY[wrapper]! : 'problem-list-item';
  const status =
    statusValue(obs, T.problemStatus) ??
    (time.period?.end || attr(kid(concern, 'statusCode'), 'code') === 'completed' ? 'resolved' : 'active');
  const out: Json = {
    resourceType: 'Condition',
    identifier: identifiers(obs),
    clinicalStatus: clinical('condition-clinical', status),
    verificationStatus: clinical('condition-ver-status', isNegated(obs) ? 'refuted' : 'confirmed'),
    category: [
      category === 'health-concern'
        ? {
            coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/condition-category', code: category }],
          }
        : clinical('condition-category', category),
    ],
    code: concept(kid(obs, 'value'), ctx.narrative) ?? concept(kid(obs, 'code'), ctx.narrative),
    subject: ctx.patient,
  };
  withSome(out, 'onsetDateTime', time.at);
  withSome(out, 'abatementDateTime', time.period?.end);
  withSome(out, 'recordedDate', when(kid(concern, 'effectiveTime')).at);
  withSome(out, 'note', note(obs, ctx.narrative));
  if ((out.identifier as Json[]).length === 0) delete out.identifier;
  return ctx.emit(out);
}

function product(el: Element, ctx: EntryContext): Json | undefined {
  const material = kid(el, 'consumable', 'manufacturedProduct', 'manufacturedMaterial');
  return (
    concept(kid(material, 'code'), ctx.narrative) ??
    (textOf(kid(material, 'name')) ? { text: textOf(kid(material, 'name')) } : undefined)
  );
}

function immunization(el: Element, ctx: EntryContext): void {
  const time = when(effective(el));
  const out: Json = {
    resourceType: 'Immunization',
    identifier: identifiers(el),
    status: isNegated(el)
      ? 'not-done'
      : attr(kid(el, 'statusCode'), 'code') === 'aborted'
        ? 'not-done'
        : 'completed',
    vaccineCode: product(el, ctx) ?? { text: 'Vaccine not named in the document' },
    patient: ctx.patient,
  };
  if (time.at) out.occurrenceDateTime = time.at;
  else out.occurrenceString = 'No date in the document';
  withSome(
    out,
    'lotNumber',
    textOf(kid(el, 'consumable', 'manufacturedProduct', 'manufacturedMaterial', 'lotNumberText')),
  );
  withSome(out, 'route', concept(kid(el, 'routeCode'), ctx.narrative));
  withSome(out, 'doseQuantity', quantity(kid(el, 'doseQuantity')));
  const refusal = nested(el, 'observation').find((o) => hasTemplate(o, '2.16.840.1.113883.10.20.22.4.53'));
  if (out.status === 'not-done') withSome(out, 'statusReason', concept(kid(refusal, 'code'), ctx.narrative));
  withSome(out, 'note', note(el, ctx.narrative));
  if ((out.identifier as Json[]).length === 0) delete out.identifier;
  ctx.emit(out);
}

function dosage(el: Element, ctx: EntryContext): Json[] | undefined {
  const d: Json = {};
  withSome(d, 'text', wordsOf(kid(el, 'text'), ctx.narrative));
  const pivl = effective(el, 'PIVL_TS');
  const period = quantity(kid(pivl, 'period'));
  if (period && typeof period.unit === 'string') {
    d.timing = { repeat: { period: period.value, periodUnit: period.unit } };
  }
  withSome(d, 'route', concept(kid(el, 'routeCode'), ctx.narrative));
  const dose = quantity(kid(el, 'doseQuantity'));
  if (dose) d.doseAndRate = [{ doseQuantity: dose }];
  return Object.keys(d).length > 0 ? [d] : undefined;
}

const MEDICATION_STATUS: Record<string, string> = {
  active: 'active',
  completed: 'completed',
  aborted: 'stopped',
  cancelled: 'stopped',
  suspended: 'on-hold',
  held: 'on-hold',
  nullified: 'entered-in-error',
};

function medication(el: Element, ctx: EntryContext): void {
  const medicine = product(el, ctx) ?? { text: 'Medication not named in the document' };
  const time = when(effective(el, 'IVL_TS'));
  const status = attr(kid(el, 'statusCode'), 'code') ?? '';
  const out: Json = planned(el)
    ? {
        resourceType: 'MedicationRequest',
        identifier: identifiers(el),
        status: isNegated(el) ? 'cancelled' : (MEDICATION_STATUS[status] ?? 'active'),
        intent: attr(el, 'moodCode') === 'RQO' ? 'order' : 'plan',
        medicationCodeableConcept: medicine,
        subject: ctx.patient,
        ...(time.at ? { authoredOn: time.at } : {}),
      }
    : {
        resourceType: 'MedicationStatement',
        identifier: identifiers(el),
        status: isNegated(el)
          ? 'not-taken'
          : status === 'nullified'
            ? 'entered-in-error'
            : (MEDICATION_STATUS[status] ?? 'unknown'),
        medicationCodeableConcept: medicine,
        subject: ctx.patient,
        ...(time.period ? { effectivePeriod: time.period } : time.at ? { effectiveDateTime: time.at } : {}),
      };
  if (out.resourceType === 'MedicationStatement' && out.status === 'active' && time.period?.end) {
    out.status = 'completed';
  }
  withSome(out, out.resourceType === 'MedicationRequest' ? 'dosageInstruction' : 'dosage', dosage(el, ctx));
  withSome(out, 'note', note(el, ctx.narrative));
  if ((out.identifier as Json[]).length === 0) delete out.identifier;
  ctx.emit(out);
}

const OBSERVATION_CATEGORY: Partial<Record<SectionKind, string>> = {
  results: 'laboratory',
  vitals: 'vital-signs',
  'social-history': 'social-history',
  procedures: 'procedure',
};

function observation(el: Element, ctx: EntryContext, category?: string): string {
  const time = when(kid(el, 'effectiveTime'));
  const status = attr(kid(el, 'statusCode'), 'code');
  const out: Json = {
    resourceType: 'Observation',
    identifier: identifiers(el),
    status:
      status === 'active'
        ? 'preliminary'
        : status === 'aborted' || status === 'cancelled'
          ? 'cancelled'
          : 'final',
    code: concept(kid(el, 'code'), ctx.narrative) ?? { text: 'Observation' },
    subject: ctx.patient,
  };
  const cat = category ?? OBSERVATION_CATEGORY[ctx.section] ?? 'exam';
  out.category = [clinical('observation-category', cat)];
  if (time.period && time.period.end) out.effectivePeriod = time.period;
  else withSome(out, 'effectiveDateTime', time.at);
  Object.assign(out, observationValue(kid(el, 'value'), ctx.narrative));
  const interpretation = kids(el, 'interpretationCode')
    .map((c) => concept(c, ctx.narrative))
    .filter((c): c is Json => !!c);
  withSome(out, 'interpretation', interpretation);
  const ranges = kids(el, 'referenceRange')
    .map((r) => kid(r, 'observationRange'))
    .map((range) => {
      const value = kid(range, 'value');
      const r: Json = {};
      withSome(r, 'low', quantity(kid(value, 'low')));
      withSome(r, 'high', quantity(kid(value, 'high')));
      withSome(r, 'text', wordsOf(kid(range, 'text'), ctx.narrative));
      return Object.keys(r).length > 0 ? r : undefined;
    })
    .filter((r): r is Json => !!r);
  withSome(out, 'referenceRange', ranges);
  withSome(out, 'note', note(el, ctx.narrative));
  if ((out.identifier as Json[]).length === 0) delete out.identifier;
  return ctx.emit(out);
}

const PROCEDURE_STATUS: Record<string, string> = {
  completed: 'completed',
  active: 'in-progress',
  aborted: 'stopped',
  cancelled: 'not-done',
  new: 'preparation',
};

function procedure(el: Element, ctx: EntryContext): void {
  const time = when(kid(el, 'effectiveTime'));
  const out: Json = {
    resourceType: 'Procedure',
    identifier: identifiers(el),
    status: isNegated(el)
      ? 'not-done'
      : (PROCEDURE_STATUS[attr(kid(el, 'statusCode'), 'code') ?? ''] ?? 'unknown'),
    code: concept(kid(el, 'code'), ctx.narrative) ?? { text: 'Procedure' },
    subject: ctx.patient,
  };
  if (time.period?.end) out.performedPeriod = time.period;
  else withSome(out, 'performedDateTime', time.at);
  withSome(
    out,
    'bodySite',
    kids(el, 'targetSiteCode')
      .map((c) => concept(c, ctx.narrative))
      .filter(Boolean),
  );
  withSome(out, 'note', note(el, ctx.narrative));
  if ((out.identifier as Json[]).length === 0) delete out.identifier;
  ctx.emit(out);
}

function request(el: Element, ctx: EntryContext, code: Json | undefined): void {
  const time = when(kid(el, 'effectiveTime'));
  const out: Json = {
    resourceType: 'ServiceRequest',
    identifier: identifiers(el),
    status: isNegated(el)
      ? 'revoked'
      : attr(kid(el, 'statusCode'), 'code') === 'completed'
        ? 'completed'
        : 'active',
    intent: attr(el, 'moodCode') === 'RQO' ? 'order' : attr(el, 'moodCode') === 'PRP' ? 'proposal' : 'plan',
    code: code ?? { text: textOf(kid(el, 'text')) ?? 'Planned care' },
    subject: ctx.patient,
  };
  if (time.period?.end) out.occurrencePeriod = time.period;
  else withSome(out, 'occurrenceDateTime', time.at);
  withSome(out, 'note', note(el, ctx.narrative));
  if ((out.identifier as Json[]).length === 0) delete out.identifier;
  ctx.emit(out);
}

function goal(el: Element, ctx: EntryContext): void {
  const time = when(kid(el, 'effectiveTime'));
  const out: Json = {
    resourceType: 'Goal',
    identifier: identifiers(el),
    lifecycleStatus: attr(kid(el, 'statusCode'), 'code') === 'completed' ? 'completed' : 'active',
    description: concept(kid(el, 'code'), ctx.narrative) ?? {
      text: wordsOf(kid(el, 'text'), ctx.narrative) ?? 'Goal',
    },
    subject: ctx.patient,
  };
  withSome(out, 'startDate', time.at?.slice(0, 10));
  const value = observationValue(kid(el, 'value'), ctx.narrative);
  const target: Json = {};
  if (value.valueQuantity) target.detailQuantity = value.valueQuantity;
  if (value.valueCodeableConcept) target.detailCodeableConcept = value.valueCodeableConcept;
  if (value.valueString) target.detailString = value.valueString;
  if (value.valueRange) target.detailRange = value.valueRange;
  withSome(out, 'target', Object.keys(target).length > 0 ? [target] : undefined);
  if ((out.identifier as Json[]).length === 0) delete out.identifier;
  ctx.emit(out);
}

function encounter(el: Element, ctx: EntryContext): void {
  const time = when(kid(el, 'effectiveTime'));
  const diagnoses = nested(el, 'act')
    .filter((a) => hasTemplate(a, T.encounterDiagnosis))
    .flatMap((a) => nested(a, 'observation').map((obs) => condition(obs, a, ctx)));
  const status = attr(kid(el, 'statusCode'), 'code');
  const out: Json = {
    resourceType: 'Encounter',
    identifier: identifiers(el),
    status: status === 'active' ? 'in-progress' : status === 'cancelled' ? 'cancelled' : 'finished',
    class: {
      system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
      code: 'AMB',
      display: 'ambulatory',
    },
    type: [concept(kid(el, 'code'), ctx.narrative) ?? { text: 'Visit' }],
    subject: ctx.patient,
  };
  const period = time.period ?? (time.at ? { start: time.at } : undefined);
  withSome(out, 'period', period);
  withSome(
    out,
    'diagnosis',
    diagnoses.map((reference) => ({ condition: { reference } })),
  );
  const place = textOf(kid(el, 'participant', 'participantRole', 'playingEntity', 'name'));
  if (place) out.location = [{ location: { display: place } }];
  if ((out.identifier as Json[]).length === 0) delete out.identifier;
  ctx.emit(out);
}

function familyHistory(el: Element, ctx: EntryContext): void {
  const subject = kid(el, 'subject', 'relatedSubject');
  const conditions = kids(el, 'component')
    .flatMap((c) => kids(c, 'observation'))
    .map((obs) => {
      const code = concept(kid(obs, 'value'), ctx.narrative);
      if (!code) return undefined;
      const c: Json = { code };
      const age = nested(obs, 'observation').find((o) => hasTemplate(o, '2.16.840.1.113883.10.20.22.4.31'));
      const onset = quantity(kid(age, 'value'));
      if (onset) c.onsetAge = onset;
      return c;
    })
    .filter((c): c is Json => !!c);
  const gender = attr(kid(subject, 'subject', 'administrativeGenderCode'), 'code');
  const out: Json = {
    resourceType: 'FamilyMemberHistory',
    identifier: identifiers(el),
    status: 'completed',
    patient: ctx.patient,
    relationship: concept(kid(subject, 'code'), ctx.narrative) ?? { text: 'Family member' },
  };
  if (gender === 'M' || gender === 'F') {
    out.sex = {
      coding: [
        {
          system: 'http://hl7.org/fhir/administrative-gender',
          code: gender === 'M' ? 'male' : 'female',
        },
      ],
    };
  }
  withSome(out, 'condition', conditions);
  if ((out.identifier as Json[]).length === 0) delete out.identifier;
  ctx.emit(out);
}

function coverage(el: Element, ctx: EntryContext): void {
  for (const policy of nested(el, 'act').filter((a) => hasTemplate(a, T.policy))) {
    const payer = kids(policy, 'performer')
      .map((p) => textOf(kid(p, 'assignedEntity', 'representedOrganization', 'name')))
      .find(Boolean);
    const out: Json = {
      resourceType: 'Coverage',
      identifier: identifiers(policy),
      status: 'active',
      beneficiary: ctx.patient,
      payor: [{ display: payer ?? 'Payer not named in the document' }],
    };
    withSome(out, 'type', concept(kid(policy, 'code'), ctx.narrative));
    if ((out.identifier as Json[]).length === 0) delete out.identifier;
    ctx.emit(out);
  }
}

function organizer(el: Element, ctx: EntryContext): void {
  if (hasTemplate(el, T.familyOrganizer) || ctx.section === 'family-history') {
    familyHistory(el, ctx);
    return;
  }
  const isVitals = hasTemplate(el, T.vitalsOrganizer) || ctx.section === 'vitals';
  const category = isVitals
    ? 'vital-signs'
    : ctx.section === 'social-history'
      ? 'social-history'
      : 'laboratory';
  const results = kids(el, 'component')
    .flatMap((c) => kids(c, 'observation'))
    .map((obs) => observation(obs, ctx, category));
  // A vital-signs organizer is a grouping of readings, not a report anyone wrote; a results
  // organizer is the lab's report (a panel, a battery), which FHIR says is a DiagnosticReport.
  if (isVitals) return;
  // An organizer without its own time is dated by its first result's.
  const time = when(kid(el, 'effectiveTime')).at
    ? when(kid(el, 'effectiveTime'))
    : (kids(el, 'component')
        .flatMap((c) => kids(c, 'observation'))
        .map((obs) => when(kid(obs, 'effectiveTime')))
        .find((t) => t.at) ?? {});
  const out: Json = {
    resourceType: 'DiagnosticReport',
    identifier: identifiers(el),
    status: attr(kid(el, 'statusCode'), 'code') === 'active' ? 'partial' : 'final',
    category: [clinical('v2-0074', 'LAB')],
    code: concept(kid(el, 'code'), ctx.narrative) ?? { text: 'Results' },
    subject: ctx.patient,
    result: results.map((reference) => ({ reference })),
  };
  if (time.period?.end) out.effectivePeriod = time.period;
  else withSome(out, 'effectiveDateTime', time.at);
  if ((out.identifier as Json[]).length === 0) delete out.identifier;
  ctx.emit(out);
}

/**
 * One entry of a section: its clinical statement as one record or more (a concern act holds
 * several problems, a results organizer is a report and its results). Returns false when the
 * entry is not a kind of statement read here, so the section keeps its narrative as a note.
 */
export function convertEntry(statement: Element, ctx: EntryContext): boolean {
  const name = statement.localName;
  if (name === 'act') {
    if (hasTemplate(statement, T.allergyConcern)) {
      for (const obs of nested(statement, 'observation')) allergy(obs, statement, ctx);
      return true;
    }
    if (CONDITION_WRAPPERS.some((t) => hasTemplate(statement, t))) {
      for (const obs of nested(statement, 'observation')) condition(obs, statement, ctx);
      return true;
    }
    if (hasTemplate(statement, T.coverage)) {
      coverage(statement, ctx);
      return true;
    }
    if (planned(statement)) request(statement, ctx, concept(kid(statement, 'code'), ctx.narrative));
    else if (ctx.section === 'procedures' || hasTemplate(statement, T.procedureAct))
      procedure(statement, ctx);
    else observation(statement, ctx);
    return true;
  }
  if (name === 'observation') {
    if (hasTemplate(statement, T.allergy)) allergy(statement, null, ctx);
    else if (hasTemplate(statement, T.problem) && ctx.section !== 'plan') condition(statement, null, ctx);
    else if (attr(statement, 'moodCode') === 'GOL' || hasTemplate(statement, T.goal)) goal(statement, ctx);
    else if (planned(statement)) request(statement, ctx, concept(kid(statement, 'code'), ctx.narrative));
    else if (hasTemplate(statement, T.procedureObservation)) procedure(statement, ctx);
    else observation(statement, ctx);
    return true;
  }
  if (name === 'substanceAdministration') {
    if (hasTemplate(statement, T.immunization) || ctx.section === 'immunizations')
      immunization(statement, ctx);
    else medication(statement, ctx);
    return true;
  }
  if (name === 'organizer') {
    organizer(statement, ctx);
    return true;
  }
  if (name === 'procedure') {
    if (planned(statement)) request(statement, ctx, concept(kid(statement, 'code'), ctx.narrative));
    else procedure(statement, ctx);
    return true;
  }
  if (name === 'encounter') {
    if (planned(statement)) request(statement, ctx, concept(kid(statement, 'code'), ctx.narrative));
    else encounter(statement, ctx);
    return true;
  }
  if (name === 'supply') {
    const device = kid(statement, 'participant', 'participantRole', 'playingDevice', 'code');
    const product = kid(statement, 'product', 'manufacturedProduct', 'manufacturedMaterial', 'code');
    request(statement, ctx, concept(device ?? product ?? kid(statement, 'code'), ctx.narrative));
    return true;
  }
  return false;
}
