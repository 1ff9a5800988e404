/**
 * Small readers over FHIR's common data types. Resources arrive as untyped JSON from servers of
 * three FHIR versions and of varying care, so every reader takes `unknown` and never throws.
 */

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function list(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined || value === null ? [] : [value];
}

export function codings(concept: unknown): Json[] {
  if (!isObject(concept)) return [];
  return list(concept.coding).filter(isObject);
}

/** The words a person would use for a CodeableConcept: its text, else a coding's display, else a code. */
export function conceptText(concept: unknown): string | undefined {
  if (!isObject(concept)) return undefined;
  const text = str(concept.text);
  if (text) return text;
  const all = codings(concept);
  for (const c of all) {
    const display = str(c.display);
    if (display) return display;
  }
  for (const c of all) {
    const code = str(c.code);
    if (code) return code;
  }
  return undefined;
}

export function firstConceptText(concepts: unknown): string | undefined {
  for (const concept of list(concepts)) {
    const text = conceptText(concept);
    if (text) return text;
  }
  return undefined;
}

export function hasCode(concepts: unknown, codes: readonly string[]): boolean {
  // A code is a text; String() would throw on some objects a file can hold in its place.
  return list(concepts).some((concept) =>
    codings(concept).some((c) => typeof c.code === 'string' && codes.includes(c.code)),
  );
}

/**
 * Code systems by the word people (and clinicians) search with. A full system URL would put
 * "http", "hl7" and "org" in almost every record's index entry: slower to write, useless to find.
 */
const SYSTEM_WORDS: Record<string, string> = {
  'http://loinc.org': 'loinc',
  'http://snomed.info/sct': 'snomed',
  'http://www.nlm.nih.gov/research/umls/rxnorm': 'rxnorm',
  'http://hl7.org/fhir/sid/cvx': 'cvx',
  'http://hl7.org/fhir/sid/icd-10-cm': 'icd10',
  'http://hl7.org/fhir/sid/icd-10': 'icd10',
  'http://hl7.org/fhir/sid/icd-9-cm': 'icd9',
  'http://www.ama-assn.org/go/cpt': 'cpt',
  'http://hl7.org/fhir/sid/ndc': 'ndc',
  'http://unitsofmeasure.org': 'ucum',
};

function systemWord(system: string | undefined): string | undefined {
  return system === undefined ? undefined : SYSTEM_WORDS[system];
}

/** `system|code` pairs (by the system's short name) and displays, for full-text search by code or by any of a record's names. */
export function conceptSearchText(concepts: unknown): string[] {
  const out: string[] = [];
  for (const concept of list(concepts)) {
    if (!isObject(concept)) continue;
    const text = str(concept.text);
    if (text) out.push(text);
    for (const c of codings(concept)) {
      const code = str(c.code);
      if (code) {
        const system = systemWord(str(c.system));
        out.push(system ? `${system}|${code}` : code);
      }
      const display = str(c.display);
      if (display && display !== text) out.push(display);
    }
  }
  return out;
}

export function referenceDisplay(reference: unknown): string | undefined {
  return isObject(reference) ? str(reference.display) : undefined;
}

/** A FHIR Quantity as value, unit and the text a person reads ("6.3 %"). */
export function quantity(
  value: unknown,
): { value: number; unit: string | undefined; text: string } | undefined {
  if (!isObject(value)) return undefined;
  const n = num(value.value);
  if (n === undefined) return undefined;
  const unit = readableUnit(str(value.unit) ?? str(value.code)) || undefined;
  const comparator = str(value.comparator) ?? '';
  return { value: n, unit, text: `${comparator}${formatNumber(n)}${unit ? ` ${unit}` : ''}` };
}

/** UCUM codes that servers often send as the unit people read, in the form people write them. */
const UCUM_READABLE: Record<string, string> = {
  'mm[Hg]': 'mmHg',
  '[lb_av]': 'lb',
  '[in_i]': 'in',
  'kg/m2': 'kg/m²',
  Cel: '°C',
  '[degF]': '°F',
  '/min': '/min',
  '{beats}/min': 'beats/min',
  '{breaths}/min': 'breaths/min',
  '10*3/uL': '×10³/µL',
  '10*6/uL': '×10⁶/µL',
  '10*9/L': '×10⁹/L',
  '10*12/L': '×10¹²/L',
  ug: 'µg',
  'ug/L': 'µg/L',
  'ug/dL': 'µg/dL',
  'umol/L': 'µmol/L',
  uL: 'µL',
};

const SUPERSCRIPT: Record<string, string> = { '2': '²', '3': '³', '6': '⁶', '9': '⁹', '12': '¹²' };

/**
 * A UCUM unit the way people write it: "%{HemoglobinSaturation}" → "%",
 * "mL/min/{1.73_m2}" → "mL/min/1.73 m²", "{cells}/uL" → "cells/µL", "/[HPF]" → "/HPF",
 * "[pH]" → "" (pH has no unit). Units that are not UCUM pass through unchanged. Hand-written:
 * the UCUM libraries on npm validate and convert units but do not print them for patients.
 */
export function readableUnit(unit: string | undefined): string | undefined {
  if (unit === undefined) return undefined;
  const known = UCUM_READABLE[unit];
  if (known !== undefined) return known;
  let out = unit
    // Body surface area written as an annotation: the one annotation that carries a quantity.
    .replace(/\{1\.73_m2\}/g, '1.73 m²')
    // An annotation alone (before a slash, or the whole unit) is the thing counted: keep its words.
    .replace(/^\{([^{}]+)\}(?=\/|$)/, '$1')
    // Any other annotation only comments on the unit beside it.
    .replace(/\{[^{}]*\}/g, '')
    .replace(/\[pH\]/g, '')
    // Square brackets mark UCUM's customary units: [HPF], [iU], [in_i], [lb_av].
    .replace(/\[([A-Za-z]+)(?:_[a-z]+)?\]/g, (_m, name: string) => (name === 'iU' ? 'IU' : name))
    .replace(/10\*(\d+)/g, (_m, exp: string) => `×10${SUPERSCRIPT[exp] ?? `^${exp}`}`)
    .replace(/(^|[/.])u(?=g|mol|L|IU|U|eq)/g, '$1µ')
    .replace(/([A-Za-z])2$/, '$1²')
    .trim();
  if (out.startsWith('.')) out = out.slice(1);
  return out === '' && unit !== '' ? '' : out;
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  // Four significant digits read like a lab report (70.3, 5.63, 0.0123); larger values keep every
  // whole digit. The exact value stays in the stored record and in value_num.
  if (Math.abs(n) >= 1000) return String(Math.round(n));
  return String(Number(n.toPrecision(4)));
}

export function humanName(names: unknown): string | undefined {
  const all = list(names).filter(isObject);
  const official = all.find((n) => n.use === 'official') ?? all.find((n) => n.use !== 'old') ?? all[0];
  if (!official) return undefined;
  const text = str(official.text);
  if (text) return text;
  const given = list(official.given).map(str).filter(Boolean).join(' ');
  const family = list(official.family).map(str).filter(Boolean).join(' ');
  return [given, family].filter(Boolean).join(' ') || undefined;
}

/**
 * A FHIR date, dateTime or instant as an ISO instant in UTC, so records from servers in different
 * time zones sort together. Partial dates ("2019", "2019-04") take the first moment they name.
 */
export function toInstant(value: unknown): string | undefined {
  const s = str(value);
  if (!s) return undefined;
  const partial = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(s);
  if (partial) {
    const [, y, m = '01', d = '01'] = partial;
    const date = new Date(`${y}-${m}-${d}T00:00:00.000Z`);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }
  const date = new Date(s);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function periodStart(value: unknown): string | undefined {
  return isObject(value) ? (str(value.start) ?? str(value.end)) : undefined;
}
