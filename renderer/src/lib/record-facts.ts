import { fhirDateWords } from './dates.js';
import { meaningfulStatus } from './words.js';

/**
 * What a patient can understand of a FHIR resource, as labelled lines. The core gives the raw
 * resource; this reads the handful of fields that matter to a person, in any FHIR version,
 * and leaves the rest to "View FHIR JSON".
 */
export type Fact = { label: string; value: string };
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

function concept(v: unknown): string | undefined {
  if (!isObject(v)) return undefined;
  const text = str(v.text);
  if (text) return text;
  for (const c of list(v.coding).filter(isObject)) {
    const words = str(c.display) ?? str(c.code);
    if (words) return words;
  }
  return undefined;
}

function concepts(v: unknown): string | undefined {
  const all = list(v).map(concept).filter(Boolean);
  return all.length > 0 ? [...new Set(all)].join(', ') : undefined;
}

function quantityWords(v: unknown): string | undefined {
  if (!isObject(v) || typeof v.value !== 'number') return undefined;
  const unit = str(v.unit) ?? str(v.code);
  return `${str(v.comparator) ?? ''}${v.value}${unit ? ` ${unit}` : ''}`;
}

function rangeWords(range: unknown): string | undefined {
  if (!isObject(range)) return undefined;
  const low = quantityWords(range.low);
  const high = quantityWords(range.high);
  if (low && high) return `${low} to ${high}`;
  if (low) return `${low} or more`;
  if (high) return `up to ${high}`;
  return str(range.text);
}

function referenceWords(ref: unknown): string | undefined {
  return isObject(ref) ? (str(ref.display) ?? undefined) : undefined;
}

function when(value: unknown): string | undefined {
  const s = str(value);
  return s ? fhirDateWords(s) : undefined;
}

function period(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const start = when(value.start);
  const end = when(value.end);
  if (start && end && start !== end) return `${start} to ${end}`;
  return start ?? (end ? `until ${end}` : undefined);
}

const INTERPRETATION: Record<string, string> = {
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

function interpretation(v: unknown): string | undefined {
  for (const item of list(v).filter(isObject)) {
    const text = str(item.text);
    if (text) return text;
    for (const c of list(item.coding).filter(isObject)) {
      const code = str(c.code);
      if (code && INTERPRETATION[code]) return INTERPRETATION[code];
      const display = str(c.display);
      if (display) return display;
    }
  }
  return undefined;
}

function componentLines(r: Json): Fact[] {
  return list(r.component)
    .filter(isObject)
    .map((c) => ({
      label: concept(c.code) ?? 'Part',
      value: [
        quantityWords(c.valueQuantity) ?? concept(c.valueCodeableConcept) ?? str(c.valueString),
        rangeWords(list(c.referenceRange)[0]) && `(usual range ${rangeWords(list(c.referenceRange)[0])})`,
      ]
        .filter(Boolean)
        .join(' '),
    }))
    .filter((f) => f.value);
}

export function recordFacts(resource: unknown): Fact[] {
  if (!isObject(resource)) return [];
  const r = resource;
  const facts: (Fact | null)[] = [];
  const add = (label: string, value: string | undefined) => {
    if (value) facts.push({ label, value });
  };
  add('Result', quantityWords(r.valueQuantity) ?? concept(r.valueCodeableConcept) ?? str(r.valueString));
  for (const line of componentLines(r)) add(line.label, line.value);
  add('Usual range', list(r.referenceRange).map(rangeWords).filter(Boolean).join('; ') || undefined);
  add('Interpretation', interpretation(r.interpretation));
  add('Severity', concept(r.severity) ?? str(r.criticality));
  add(
    'Reaction',
    list(r.reaction)
      .filter(isObject)
      .flatMap((x) => list(x.manifestation).map(concept))
      .filter(Boolean)
      .join(', ') || undefined,
  );
  add(
    'How to take it',
    list(r.dosageInstruction ?? r.dosage)
      .filter(isObject)
      .map((d) => str(d.text))
      .filter(Boolean)
      .join('; ') || undefined,
  );
  add('Clinical status', concept(r.clinicalStatus) ?? str(r.clinicalStatus));
  add('Verification', concept(r.verificationStatus) ?? str(r.verificationStatus));
  // "final" or "unknown" tells a patient nothing; "stopped" or "entered in error" does.
  add('Status', meaningfulStatus(str(r.status)) ?? undefined);
  add('Kind', concepts(r.category));
  add('Reason', concepts(r.reasonCode));
  add(
    'When',
    when(r.effectiveDateTime) ??
      period(r.effectivePeriod) ??
      when(r.occurrenceDateTime) ??
      when(r.performedDateTime) ??
      period(r.performedPeriod) ??
      period(r.period) ??
      when(r.authoredOn) ??
      when(r.date),
  );
  add('Started', when(r.onsetDateTime) ?? period(r.onsetPeriod));
  add('Ended', when(r.abatementDateTime) ?? period(r.abatementPeriod));
  add('Recorded', when(r.recordedDate) ?? when(r.recorded) ?? when(r.issued));
  add(
    'By',
    [
      ...list(r.performer).map((p) =>
        isObject(p) && isObject(p.actor) ? referenceWords(p.actor) : referenceWords(p),
      ),
      referenceWords(r.requester),
      referenceWords(r.recorder),
      referenceWords(r.asserter),
      ...list(r.participant).map((p) => (isObject(p) ? referenceWords(p.individual) : undefined)),
      ...list(r.author).map(referenceWords),
    ]
      .filter(Boolean)
      .filter((v, i, all) => all.indexOf(v) === i)
      .join(', ') || undefined,
  );
  add(
    'Where',
    referenceWords(r.serviceProvider) ?? referenceWords(r.location) ?? referenceWords(r.custodian),
  );
  add('Body site', concepts(r.bodySite));
  add(
    'Note',
    list(r.note)
      .filter(isObject)
      .map((n) => str(n.text))
      .filter(Boolean)
      .join('\n') || undefined,
  );
  add('Conclusion', str(r.conclusion));
  return facts.filter((f): f is Fact => f !== null);
}
