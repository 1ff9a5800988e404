import { codings, isObject, str, type Json } from './fhir-values.js';
import { LOINC_NAMES } from './loinc-names.generated.js';

/**
 * The words a patient reads a record by. The source's own text comes first (a person wrote it
 * for people), unless it is only a technical label: a LOINC short name ("Creat SerPl-mCnc"), a
 * code written as a word (`oxygen_saturation`). Then a coding's display, chosen over short
 * technical ones; for LOINC codes, the long common name from the bundled table, made friendlier
 * where a rule can; SNOMED CT semantic tags ("(disorder)") are dropped. The codes themselves stay
 * in the record, one click away.
 */

const LOINC = 'http://loinc.org';

// SNOMED CT's semantic tags, which say which hierarchy a concept is in: nothing for a patient.
const SEMANTIC_TAG =
  / \((?:disorder|finding|situation|procedure|regime\/therapy|observable entity|morphologic abnormality|clinical drug|medicinal product|medicinal product form|product|substance|qualifier value|event|body structure|navigational concept|record artifact|physical object|organism|specimen|assessment scale|environment|social concept|person|occupation|ethnic group|attribute|context-dependent category|disposition|life style|geographic location|tumor staging|cell|cell structure)\)$/i;

/** "Body mass index 30+ - obesity (finding)" → "Body mass index 30+ - obesity". */
export function withoutSemanticTag(name: string): string {
  return name.replace(SEMANTIC_TAG, '').trim() || name;
}

/** A code written as a word ("oxygen_saturation", "heart_rate", "bmi") in the words it stands for. */
function codeAsWords(name: string): string | undefined {
  if (!/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(name)) return undefined;
  if (name === 'bmi') return 'Body mass index';
  const words = name.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// The specimen part of a long common name, as people say it.
const SYSTEMS: Record<string, string> = {
  'Serum or Plasma': 'serum or plasma',
  Blood: 'blood',
  'Arterial blood': 'arterial blood',
  'Venous blood': 'venous blood',
  'Capillary blood': 'capillary blood',
  Plasma: 'plasma',
  Serum: 'serum',
  Urine: 'urine',
  'Urine sediment': 'urine',
  'Cerebral spinal fluid': 'spinal fluid',
};

/**
 * "Creatinine [Mass/volume] in Serum or Plasma" → "Creatinine (serum or plasma)":
 * the property in brackets and the method ("by Automated count") go, the specimen stays in
 * words. A name that does not have that shape is kept as LOINC writes it.
 */
export function friendlierLoincName(longName: string): string {
  const name = longName.trim();
  const shape = /^(.+?)( \[[^\]]+\])?(?: in (.+?))?(?: by .+)?$/.exec(name);
  if (!shape) return name;
  const [, what, property, system] = shape;
  if (!what) return name;
  const words = system === undefined ? undefined : SYSTEMS[system];
  if (words) return `${what} (${words})`;
  // Without a property in brackets, only a specimen known above marks where the name splits.
  if (!property) return system === undefined ? what : name;
  return system === undefined ? what : `${what} in ${system}`;
}

/** The friendly long name for a LOINC code, if the bundled table has it. */
export function loincName(code: string): string | undefined {
  const names = LOINC_NAMES[code];
  return names ? friendlierLoincName(names[0]) : undefined;
}

function isLoincLabel(name: string, code: string): boolean {
  const names = LOINC_NAMES[code];
  return names !== undefined && (name === names[1] || name === names[0].trim());
}

// A display shorter than this, all capitals or without a vowel, reads as an abbreviation.
function looksTechnical(name: string): boolean {
  return codeAsWords(name) !== undefined || /^[A-Z0-9 #/.-]{1,6}$/.test(name);
}

/** The best human name of a CodeableConcept, or undefined when it has none. */
export function plainConceptName(concept: unknown): string | undefined {
  if (!isObject(concept)) return undefined;
  const all = codings(concept);
  const loincCodes = all.filter((c) => c.system === LOINC).map((c) => str(c.code) ?? '');
  const text = str(concept.text);
  const displays = all.map((c) => str(c.display)).filter((d): d is string => d !== undefined);
  for (const name of [text, ...displays]) {
    if (!name) continue;
    const loinc = loincCodes.find((code) => isLoincLabel(name, code));
    if (loinc) return loincName(loinc) ?? name;
    if (!looksTechnical(name)) return withoutSemanticTag(name);
  }
  for (const code of loincCodes) {
    const name = loincName(code);
    if (name) return name;
  }
  const fallback = text ?? displays[0];
  if (fallback) return codeAsWords(fallback) ?? withoutSemanticTag(fallback);
  return all.map((c) => str(c.code)).find(Boolean);
}

/** Whether a record's title came from the bundled LOINC table (the app then shows LOINC's notice). */
export function namedFromLoinc(r: Json): boolean {
  if (!isObject(r.code)) return false;
  return codings(r.code).some((c) => c.system === LOINC && LOINC_NAMES[String(c.code)] !== undefined);
}
