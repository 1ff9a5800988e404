import type { ResultReading } from '../../../shared/domain.js';
import type { RecordAttachment, RecordFact } from '../../../shared/ipc/areas/records.js';
import { meaningfulStatus, statusWords } from '../../../shared/status-words.js';
import { attachmentHeads } from './attachments.js';
import {
  codings,
  conceptText,
  formatNumber,
  isObject,
  list,
  quantity,
  referenceDisplay,
  str,
  toInstant,
  type Json,
} from './fhir-values.js';
import { plainConceptName } from './plain-names.js';
import { dateAsWritten } from './record-columns.js';
import { resultReading } from './result-flags.js';

/**
 * What a record's detail shows, read once in the core from the record as received, with the same
 * readers that fill the timeline's columns (its date, its values and units) and the Summary's flags:
 * the window puts it on screen without reading FHIR itself. Any FHIR version, any care of sending:
 * a field that is not there, or not of its type, is left out, never guessed.
 */
export type RecordReading = {
  facts: RecordFact[];
  attachments: RecordAttachment[];
  result: ResultReading | null;
  json: string;
};

export function readRecord(resource: unknown): RecordReading {
  return {
    facts: isObject(resource) ? recordFacts(resource) : [],
    attachments: attachmentHeads(resource),
    result: resultReading(resource),
    json: JSON.stringify(resource, null, 2),
  };
}

function concepts(value: unknown): string | undefined {
  const all = list(value)
    .map(conceptText)
    .filter((words): words is string => words !== undefined);
  return all.length > 0 ? [...new Set(all)].join(', ') : undefined;
}

/** A reference range in words: "3.6 to 5.5 mmol/L", "40 mg/dL or more", "up to 200 mg/dL". */
function rangeWords(range: unknown): string | undefined {
  if (!isObject(range)) return undefined;
  const low = quantity(range.low);
  const high = quantity(range.high);
  // One unit is said once: "3.6 to 5.5 mmol/L".
  const lowWords =
    low && high && low.unit === high.unit
      ? `${(isObject(range.low) && str(range.low.comparator)) || ''}${formatNumber(low.value)}`
      : low?.text;
  if (low && high) return `${lowWords} to ${high.text}`;
  if (low) return `${low.text} or more`;
  if (high) return `up to ${high.text}`;
  return str(range.text);
}

// HL7 v3 ObservationInterpretation codes, as a patient reads them.
const INTERPRETATION_WORDS: Record<string, string> = {
  H: 'High',
  HH: 'Critically high',
  L: 'Low',
  LL: 'Critically low',
  A: 'Abnormal',
  AA: 'Critically abnormal',
  N: 'Normal',
  POS: 'Positive',
  NEG: 'Negative',
  DET: 'Detected',
  ND: 'Not detected',
};

function interpretationWords(value: unknown): string | undefined {
  for (const concept of list(value).filter(isObject)) {
    const text = str(concept.text);
    if (text) return text;
    for (const coding of codings(concept)) {
      const code = str(coding.code);
      if (code && Object.hasOwn(INTERPRETATION_WORDS, code)) return INTERPRETATION_WORDS[code];
      const display = str(coding.display);
      if (display) return display;
    }
  }
  return undefined;
}

function valueWords(holder: Json): string | undefined {
  return (
    quantity(holder.valueQuantity)?.text ??
    conceptText(holder.valueCodeableConcept) ??
    str(holder.valueString)
  );
}

/** A panel's parts (blood pressure's systolic and diastolic), each with its own range. */
function componentFacts(r: Json): RecordFact[] {
  return list(r.component)
    .filter(isObject)
    .flatMap((component): RecordFact[] => {
      const value = valueWords(component);
      if (!value) return [];
      const range = rangeWords(list(component.referenceRange)[0]);
      return [
        {
          kind: 'words',
          label: plainConceptName(component.code) ?? 'Part',
          words: range ? `${value} (usual range ${range})` : value,
        },
      ];
    });
}

/** A FHIR date as its source wrote it, when it is one. */
function dateOf(value: unknown): string | undefined {
  const s = str(value);
  return s && toInstant(s) !== undefined ? s : undefined;
}

type When = { date: string } | { start: string | null; end: string | null };

function periodOf(value: unknown): When | undefined {
  if (!isObject(value)) return undefined;
  const start = dateOf(value.start) ?? null;
  const end = dateOf(value.end) ?? null;
  if (start === null && end === null) return undefined;
  if (start === end || end === null) return { date: start! };
  return { start, end };
}

function firstWhen(...candidates: (When | undefined)[]): When | undefined {
  return candidates.find((c) => c !== undefined);
}

const at = (value: unknown): When | undefined => {
  const date = dateOf(value);
  return date === undefined ? undefined : { date };
};

function whenFact(label: string, when: When | undefined): RecordFact | undefined {
  if (!when) return undefined;
  return 'date' in when ? { kind: 'date', label, date: when.date } : { kind: 'period', label, ...when };
}

function names(...values: (string | undefined)[]): string | undefined {
  const all = values.filter((v): v is string => v !== undefined);
  return all.length > 0 ? [...new Set(all)].join(', ') : undefined;
}

/** Who did, ordered, wrote or asserted it, in every version's field for it. */
function whoWords(r: Json): string | undefined {
  const actor = (p: unknown) =>
    isObject(p) && isObject(p.actor) ? referenceDisplay(p.actor) : referenceDisplay(p);
  // STU3 wraps the requester in an agent; DSTU2 orders name a prescriber.
  const requester = isObject(r.requester)
    ? (referenceDisplay(r.requester) ?? referenceDisplay(r.requester.agent))
    : undefined;
  return names(
    ...list(r.performer).map(actor),
    requester,
    referenceDisplay(r.prescriber),
    referenceDisplay(r.recorder),
    referenceDisplay(r.asserter),
    ...list(r.participant).map((p) => (isObject(p) ? referenceDisplay(p.individual) : undefined)),
    ...list(r.author).map(referenceDisplay),
  );
}

function whereWords(r: Json): string | undefined {
  // An Encounter lists its places, each inside a `location`; other records point to one.
  const places = list(r.location).map((l) =>
    isObject(l) && isObject(l.location) ? referenceDisplay(l.location) : referenceDisplay(l),
  );
  return referenceDisplay(r.serviceProvider) ?? names(...places) ?? referenceDisplay(r.custodian);
}

function noteWords(r: Json): string | undefined {
  const notes = [
    ...list(r.note).map((n) => (isObject(n) ? str(n.text) : undefined)),
    // DSTU2 and STU3 keep a note as one text under these names.
    str(r.notes),
    str(r.comment),
    str(r.comments),
  ].filter((n): n is string => n !== undefined);
  return notes.length > 0 ? notes.join('\n') : undefined;
}

// Code systems by the names clinicians know them by; a code of another system means nothing on screen.
const SYSTEM_NAMES: Record<string, string> = {
  'http://loinc.org': 'LOINC',
  'http://snomed.info/sct': 'SNOMED CT',
  'http://www.nlm.nih.gov/research/umls/rxnorm': 'RxNorm',
  'http://hl7.org/fhir/sid/cvx': 'CVX',
  'http://hl7.org/fhir/sid/icd-10-cm': 'ICD-10-CM',
  'http://hl7.org/fhir/sid/icd-10': 'ICD-10',
  'http://hl7.org/fhir/sid/icd-9-cm': 'ICD-9-CM',
  'http://www.ama-assn.org/go/cpt': 'CPT',
  'http://hl7.org/fhir/sid/ndc': 'NDC',
};

/** The codes of what the record is about ("LOINC 4548-4"), for a clinician reading over a shoulder. */
function codeWords(r: Json): string | undefined {
  const concept = r.code ?? r.vaccineCode ?? r.medicationCodeableConcept ?? r.substance ?? list(r.type)[0];
  const all = codings(concept).flatMap((coding) => {
    const system = typeof coding.system === 'string' ? SYSTEM_NAMES[coding.system] : undefined;
    const code = str(coding.code);
    return system && code ? [`${system} ${code}`] : [];
  });
  return names(...all);
}

function statusOf(value: unknown): string | undefined {
  const words = conceptText(value) ?? str(value);
  return words === undefined ? undefined : statusWords(words);
}

/** The labelled lines of a record's detail; its value and flag are shown above them, apart. */
export function recordFacts(r: Json): RecordFact[] {
  const facts: RecordFact[] = [];
  const add = (label: string, words: string | undefined) => {
    if (words) facts.push({ kind: 'words', label, words });
  };
  const addWhen = (label: string, when: When | undefined) => {
    const fact = whenFact(label, when);
    if (fact) facts.push(fact);
  };

  // The date the timeline sorts the record by, as its source wrote it ("2000" stays a year).
  const date = dateAsWritten(r, String(r.resourceType));
  addWhen('Date', date === undefined ? undefined : { date });
  for (const fact of componentFacts(r)) facts.push(fact);
  add('Usual range', list(r.referenceRange).map(rangeWords).filter(Boolean).join('; ') || undefined);
  add('Interpretation', interpretationWords(r.interpretation));
  add('Severity', conceptText(r.severity) ?? (str(r.criticality) && statusWords(str(r.criticality)!)));
  add(
    'Reaction',
    names(
      ...list(r.reaction)
        .filter(isObject)
        .flatMap((reaction) => list(reaction.manifestation).map(conceptText)),
    ),
  );
  add(
    'How to take it',
    list(r.dosageInstruction ?? r.dosage)
      .map((d) => (isObject(d) ? str(d.text) : undefined))
      .filter(Boolean)
      .join('; ') || undefined,
  );
  add('Clinical status', statusOf(r.clinicalStatus));
  add('Verification', statusOf(r.verificationStatus));
  // "final" or "unknown" tells a patient nothing; "stopped" or "entered in error" does.
  add('Status', meaningfulStatus(str(r.status)) ?? undefined);
  // A category sent as a bare code ("vital-signs") reads as words.
  add('Kind', concepts(r.category) && statusWords(concepts(r.category)!));
  add('Reason', concepts(r.reasonCode));
  const when = firstWhen(
    at(r.effectiveDateTime),
    periodOf(r.effectivePeriod),
    at(r.occurrenceDateTime),
    at(r.performedDateTime),
    periodOf(r.performedPeriod),
    periodOf(r.period),
    at(r.authoredOn),
    at(r.date),
  );
  // The same day under "Date" and "When" says it twice.
  if (!(when && 'date' in when && when.date === date)) addWhen('When', when);
  addWhen('Started', firstWhen(at(r.onsetDateTime), periodOf(r.onsetPeriod)));
  addWhen('Ended', firstWhen(at(r.abatementDateTime), periodOf(r.abatementPeriod)));
  addWhen('Recorded', firstWhen(at(r.recordedDate), at(r.recorded), at(r.issued)));
  add('By', whoWords(r));
  add('Where', whereWords(r));
  add('Body site', concepts(r.bodySite));
  add('Lot number', str(r.lotNumber));
  add('Note', noteWords(r));
  add('Conclusion', str(r.conclusion));
  add('Codes', codeWords(r));
  return facts;
}
