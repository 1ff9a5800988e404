import type { XmlElement as Element, XmlNode as Node } from '../../records/xml-tree.js';
import { hl7Time } from '../../records/clinical-document.js';
import type { Json } from '../../records/fhir-values.js';

/**
 * CDA's data types read into FHIR R4's. Written by hand: no maintained npm package maps CDA R2
 * data types to FHIR (@medplum/ccda does it inside its converter only; see ccda-document.ts).
 */

const HL7_V3 = 'urn:hl7-org:v3';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const ELEMENT_NODE = 1;

export function kids(node: Node | null | undefined, name?: string): Element[] {
  const out: Element[] = [];
  if (!node) return out;
  for (let at = node.firstChild; at; at = at.nextSibling) {
    if (at.nodeType !== ELEMENT_NODE) continue;
    const el = at as Element;
    if (el.namespaceURI !== HL7_V3) continue;
    if (name === undefined || el.localName === name) out.push(el);
  }
  return out;
}

/** The first HL7 child of that name (and so on down the path): found without listing the others, as the reader asks this for nearly every value. */
export function kid(node: Node | null | undefined, ...path: string[]): Element | null {
  let at: Element | null = node?.nodeType === ELEMENT_NODE ? node : null;
  for (const name of path) {
    let found: Element | null = null;
    for (let c = at?.firstChild ?? null; c; c = c.nextSibling) {
      if (c.nodeType === ELEMENT_NODE && c.localName === name && c.namespaceURI === HL7_V3) {
        found = c;
        break;
      }
    }
    if (!found) return null;
    at = found;
  }
  return at;
}

export function attr(el: Element | null | undefined, name: string): string | undefined {
  const value = el?.getAttribute(name)?.trim();
  return value ? value : undefined;
}

export function xsiType(el: Element | null | undefined): string | undefined {
  const raw = el?.getAttributeNS(XSI, 'type') ?? el?.getAttribute('xsi:type') ?? undefined;
  return raw ? raw.replace(/^.*:/, '').toUpperCase() : undefined;
}

export function templateIds(el: Element | null | undefined): string[] {
  return kids(el, 'templateId')
    .map((t) => attr(t, 'root'))
    .filter((root): root is string => !!root);
}

export function hasTemplate(el: Element | null | undefined, ...roots: string[]): boolean {
  for (let c = el?.firstChild ?? null; c; c = c.nextSibling) {
    if (c.nodeType !== ELEMENT_NODE || c.localName !== 'templateId' || c.namespaceURI !== HL7_V3) continue;
    const root = attr(c, 'root');
    if (root && roots.includes(root)) return true;
  }
  return false;
}

export function squash(text: string | null | undefined): string | undefined {
  const out = (text ?? '').replace(/[ \t\r\n\f]+/g, ' ').trim();
  return out || undefined;
}

export const textOf = (el: Element | null | undefined) => squash(el?.textContent);

/** The narrative's text by its ID, for `<reference value="#id"/>` in originalText and text. */
export type Narrative = Map<string, string>;

export function narrativeIds(text: Element | null): Narrative {
  const ids: Narrative = new Map();
  if (!text) return ids;
  const walk = (node: Element, depth: number) => {
    if (depth > 64) return;
    const id = node.getAttribute('ID');
    if (id) {
      const words = textOf(node);
      if (words) ids.set(id, words);
    }
    for (const child of kids(node)) walk(child, depth + 1);
  };
  walk(text, 0);
  return ids;
}

/** The words of an originalText or text element: its own text, or the narrative it points to. */
export function wordsOf(el: Element | null | undefined, narrative: Narrative): string | undefined {
  if (!el) return undefined;
  const ref = attr(kid(el, 'reference'), 'value');
  if (ref?.startsWith('#')) {
    const found = narrative.get(ref.slice(1));
    if (found) return found;
  }
  return textOf(el);
}

/** CDA names code systems by OID, FHIR by URI. An OID without a URI here stays `urn:oid:`. */
const SYSTEMS: Record<string, string> = {
  '2.16.840.1.113883.6.96': 'http://snomed.info/sct',
  '2.16.840.1.113883.6.1': 'http://loinc.org',
  '2.16.840.1.113883.6.88': 'http://www.nlm.nih.gov/research/umls/rxnorm',
  '2.16.840.1.113883.12.292': 'http://hl7.org/fhir/sid/cvx',
  '2.16.840.1.113883.6.59': 'http://hl7.org/fhir/sid/cvx',
  '2.16.840.1.113883.6.90': 'http://hl7.org/fhir/sid/icd-10-cm',
  '2.16.840.1.113883.6.103': 'http://hl7.org/fhir/sid/icd-9-cm',
  '2.16.840.1.113883.6.104': 'http://hl7.org/fhir/sid/icd-9-cm',
  '2.16.840.1.113883.6.69': 'http://hl7.org/fhir/sid/ndc',
  '2.16.840.1.113883.6.12': 'http://www.ama-assn.org/go/cpt',
  '2.16.840.1.113883.6.13': 'http://www.ada.org/cdt',
  '2.16.840.1.113883.6.8': 'http://unitsofmeasure.org',
  '2.16.840.1.113883.4.9': 'http://fdasis.nlm.nih.gov',
  '2.16.840.1.113883.5.4': 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  '2.16.840.1.113883.5.83': 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
  '2.16.840.1.113883.5.1': 'http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender',
  '2.16.840.1.113883.5.111': 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
  '2.16.840.1.113883.5.112': 'http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration',
  '2.16.840.1.113883.3.26.1.1': 'http://ncimeta.nci.nih.gov',
};

export function systemOf(oid: string | undefined): string | undefined {
  if (!oid) return undefined;
  return SYSTEMS[oid] ?? (/^[0-2](\.(0|[1-9]\d*))+$/.test(oid) ? `urn:oid:${oid}` : undefined);
}

function coding(el: Element): Json | undefined {
  const code = attr(el, 'code');
  const system = systemOf(attr(el, 'codeSystem'));
  if (!code) return undefined;
  const out: Json = {};
  if (system) out.system = system;
  out.code = code;
  const display = attr(el, 'displayName');
  if (display) out.display = display;
  return out;
}

/** A CD/CE/CV as a CodeableConcept: the code, its translations, and the words it stands for. */
export function concept(el: Element | null | undefined, narrative: Narrative): Json | undefined {
  if (!el) return undefined;
  const codings = [el, ...kids(el, 'translation')].map(coding).filter((c): c is Json => !!c);
  const text = wordsOf(kid(el, 'originalText'), narrative) ?? attr(el, 'displayName');
  if (codings.length === 0 && !text) return undefined;
  const out: Json = {};
  if (codings.length > 0) out.coding = codings;
  if (text) out.text = text;
  return out;
}

/** The codes a concept carries (code and translations), for comparing records with documents. */
export function codesOf(el: Element | null | undefined): string[] {
  if (!el) return [];
  return [el, ...kids(el, 'translation')].map((c) => attr(c, 'code')).filter((c): c is string => !!c);
}

export const time = (el: Element | null | undefined) => hl7Time(attr(el, 'value')) ?? undefined;

/** An IVL_TS (or a TS) as a FHIR dateTime and/or Period. */
export function when(el: Element | null | undefined): { at?: string; period?: Json } {
  if (!el) return {};
  const at = time(el);
  if (at) return { at };
  const start = time(kid(el, 'low'));
  const end = time(kid(el, 'high'));
  const center = time(kid(el, 'center'));
  if (center && !start && !end) return { at: center };
  if (!start && !end) return {};
  const period: Json = {};
  if (start) period.start = start;
  if (end) period.end = end;
  return { at: start, period };
}

/** The first effectiveTime of a kind (medications carry an IVL_TS and a PIVL_TS side by side). */
export function effective(el: Element, kind?: 'PIVL_TS' | 'IVL_TS'): Element | null {
  const all = kids(el, 'effectiveTime');
  if (!kind) return all.find((t) => xsiType(t) !== 'PIVL_TS' && xsiType(t) !== 'EIVL_TS') ?? null;
  return all.find((t) => xsiType(t) === kind || (kind === 'IVL_TS' && !xsiType(t))) ?? null;
}

export function quantity(el: Element | null | undefined): Json | undefined {
  const value = Number(attr(el, 'value'));
  if (!el || attr(el, 'value') === undefined || !Number.isFinite(value)) return undefined;
  const unit = attr(el, 'unit');
  const out: Json = { value };
  if (unit && unit !== '1') {
    out.unit = unit;
    out.system = 'http://unitsofmeasure.org';
    out.code = unit;
  }
  return out;
}

/** An observation's value in the FHIR value[x] it fits. */
export function observationValue(el: Element | null | undefined, narrative: Narrative): Json {
  if (!el) return {};
  const type = xsiType(el);
  switch (type) {
    case 'PQ': {
      const q = quantity(el);
      return q ? { valueQuantity: q } : {};
    }
    case 'INT': {
      const n = Number(attr(el, 'value'));
      return Number.isInteger(n) ? { valueInteger: n } : {};
    }
    case 'REAL': {
      const n = Number(attr(el, 'value'));
      return Number.isFinite(n) && attr(el, 'value') !== undefined ? { valueQuantity: { value: n } } : {};
    }
    case 'BL': {
      const b = attr(el, 'value');
      return b === 'true' || b === 'false' ? { valueBoolean: b === 'true' } : {};
    }
    case 'IVL_PQ': {
      const low = quantity(kid(el, 'low'));
      const high = quantity(kid(el, 'high'));
      if (!low && !high) return {};
      return { valueRange: { ...(low ? { low } : {}), ...(high ? { high } : {}) } };
    }
    case 'TS': {
      const at = time(el);
      return at ? { valueDateTime: at } : {};
    }
    case 'ST':
    case 'ED': {
      const words = wordsOf(el, narrative);
      return words ? { valueString: words } : {};
    }
    case 'CD':
    case 'CE':
    case 'CV':
    case 'CO':
    case undefined: {
      const c = concept(el, narrative);
      return c ? { valueCodeableConcept: c } : {};
    }
    default: {
      const words = textOf(el);
      return words ? { valueString: words } : {};
    }
  }
}

export function isNegated(el: Element): boolean {
  return attr(el, 'negationInd') === 'true';
}
