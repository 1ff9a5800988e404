import { createHash } from 'node:crypto';
import { codings, isObject, str, type Json } from '../../../records/fhir-values.js';
import type { Attributes, XmlWriter } from './xml-writer.js';

/**
 * CDA's data types from FHIR's. CDA names code systems by OID where FHIR uses URIs; a coding
 * whose system has no OID here cannot be written as a CDA code and travels as text instead.
 */
const CODE_SYSTEMS: Record<string, { oid: string; name: string }> = {
  'http://snomed.info/sct': { oid: '2.16.840.1.113883.6.96', name: 'SNOMED CT' },
  'http://loinc.org': { oid: '2.16.840.1.113883.6.1', name: 'LOINC' },
  'http://www.nlm.nih.gov/research/umls/rxnorm': { oid: '2.16.840.1.113883.6.88', name: 'RxNorm' },
  'http://hl7.org/fhir/sid/cvx': { oid: '2.16.840.1.113883.12.292', name: 'CVX' },
  'http://hl7.org/fhir/sid/icd-10-cm': { oid: '2.16.840.1.113883.6.90', name: 'ICD-10-CM' },
  'http://hl7.org/fhir/sid/icd-9-cm': { oid: '2.16.840.1.113883.6.103', name: 'ICD-9-CM' },
  'http://hl7.org/fhir/sid/ndc': { oid: '2.16.840.1.113883.6.69', name: 'NDC' },
  'http://www.ama-assn.org/go/cpt': { oid: '2.16.840.1.113883.6.12', name: 'CPT-4' },
  'http://www.ada.org/cdt': { oid: '2.16.840.1.113883.6.13', name: 'CDT-2' },
  'urn:oid:2.16.840.1.113883.6.285': { oid: '2.16.840.1.113883.6.285', name: 'HCPCS' },
  'http://unitsofmeasure.org': { oid: '2.16.840.1.113883.6.8', name: 'UCUM' },
  'http://terminology.hl7.org/CodeSystem/v3-ActCode': { oid: '2.16.840.1.113883.5.4', name: 'ActCode' },
  'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation': {
    oid: '2.16.840.1.113883.5.83',
    name: 'ObservationInterpretation',
  },
  'http://terminology.hl7.org/CodeSystem/v2-0078': {
    oid: '2.16.840.1.113883.5.83',
    name: 'ObservationInterpretation',
  },
  'urn:oid:2.16.840.1.113883.6.238': { oid: '2.16.840.1.113883.6.238', name: 'Race & Ethnicity - CDC' },
};

export function codeSystemOf(system: string | undefined): { oid: string; name: string } | undefined {
  if (!system) return undefined;
  const known = CODE_SYSTEMS[system];
  if (known) return known;
  const oid = /^urn:oid:([0-2](\.(0|[1-9]\d*))+)$/.exec(system)?.[1];
  return oid ? { oid, name: oid } : undefined;
}

export type CdaCode = { code: string; oid: string; systemName: string; display: string | undefined };

/** The codings of a concept CDA can carry, those from `preferred` systems (OIDs) first. */
export function cdaCodes(concept: unknown, preferred: readonly string[] = []): CdaCode[] {
  const out: CdaCode[] = [];
  for (const c of codings(concept)) {
    const code = str(c.code);
    const system = codeSystemOf(str(c.system));
    if (!code || !system || /\s/.test(code)) continue;
    out.push({ code, oid: system.oid, systemName: system.name, display: str(c.display) });
  }
  const rank = (c: CdaCode) => {
    const i = preferred.indexOf(c.oid);
    return i === -1 ? preferred.length : i;
  };
  return out.sort((a, b) => rank(a) - rank(b));
}

export const OID = {
  snomed: '2.16.840.1.113883.6.96',
  loinc: '2.16.840.1.113883.6.1',
  rxnorm: '2.16.840.1.113883.6.88',
  cvx: '2.16.840.1.113883.12.292',
  ucum: '2.16.840.1.113883.6.8',
  actCode: '2.16.840.1.113883.5.4',
} as const;

export type CodeOptions = {
  xsiType?: 'CD' | 'CE';
  preferred?: readonly string[];
  /** `#id` of the narrative text this code stands for. */
  textRef?: string | undefined;
  /** The words to keep when no coding is usable. */
  fallbackText?: string | undefined;
  /**
   * The code system a template insists on: a code from another system is then written as a
   * translation under `nullFlavor="OTH"`, which says "the code is in another system" honestly.
   */
  onlySystem?: string | undefined;
};

/**
 * Writes a coded element. With no usable coding it says so honestly (`nullFlavor="OTH"` when the
 * source had a code from a system CDA cannot name, `UNK` when it had none) and keeps the words.
 * Returns whether a real code was written.
 */
export function writeCode(w: XmlWriter, name: string, concept: unknown, options: CodeOptions = {}): boolean {
  const [first, ...others] = cdaCodes(concept, options.preferred);
  const text = (isObject(concept) ? str(concept.text) : undefined) ?? options.fallbackText;
  const base: Attributes = options.xsiType ? { 'xsi:type': options.xsiType } : {};
  const original = () => {
    if (options.textRef) w.el('originalText', {}, () => w.el('reference', { value: options.textRef }));
    else if (text) w.text('originalText', text);
  };
  if (first && options.onlySystem && first.oid !== options.onlySystem) {
    w.el(name, { ...base, nullFlavor: 'OTH' }, () => {
      original();
      for (const t of [first, ...others]) {
        w.el('translation', {
          code: t.code,
          codeSystem: t.oid,
          codeSystemName: t.systemName,
          displayName: t.display,
        });
      }
    });
    return true;
  }
  if (!first) {
    const nullFlavor = codings(concept).some((c) => str(c.code)) ? 'OTH' : 'UNK';
    w.el(name, { ...base, nullFlavor }, original);
    return false;
  }
  w.el(
    name,
    {
      ...base,
      code: first.code,
      codeSystem: first.oid,
      codeSystemName: first.systemName,
      displayName: first.display,
    },
    () => {
      original();
      // CE allows translations too; CDA keeps every other standard code the source sent.
      for (const t of others) {
        w.el('translation', {
          code: t.code,
          codeSystem: t.oid,
          codeSystemName: t.systemName,
          displayName: t.display,
        });
      }
    },
  );
  return true;
}

/**
 * A FHIR date, dateTime or instant as a CDA TS: "2019-04-05T10:20:30.123+02:00" becomes
 * "20190405102030+0200". Precision is kept as the source gave it; a time always has its zone.
 */
export function cdaTime(value: unknown): string | undefined {
  const s = str(value);
  if (!s) return undefined;
  const m =
    /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(
      s,
    );
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, zone] = m;
  let out = `${y}${mo ?? ''}${d ?? ''}`;
  if (h && mi) {
    out += `${h}${mi}${sec ?? '00'}`;
    out += !zone || zone === 'Z' ? '+0000' : zone.replace(':', '');
  }
  return out;
}

/** Now, to the second, in UTC: the time a document or author was made. */
export function cdaNow(now: Date): string {
  return `${now.toISOString().slice(0, 19).replace(/[-:T]/g, '')}+0000`;
}

/** Writes a TS element, or one with nullFlavor="UNK" when the source gave no usable date. */
export function writeTime(w: XmlWriter, name: string, value: unknown, extra: Attributes = {}): boolean {
  const time = cdaTime(value);
  w.el(name, time ? { ...extra, value: time } : { ...extra, nullFlavor: 'UNK' });
  return time !== undefined;
}

/** An interval with a start and, when known, an end. */
export function writeInterval(w: XmlWriter, low: unknown, high?: unknown, xsiType = false): boolean {
  let ok = true;
  w.el('effectiveTime', xsiType ? { 'xsi:type': 'IVL_TS' } : {}, () => {
    ok = writeTime(w, 'low', low);
    if (high !== undefined && cdaTime(high)) writeTime(w, 'high', high);
  });
  return ok;
}

/**
 * A stable UUID for a record: the same record keeps the same CDA id across exports, so a
 * receiving system can recognise what it already has. Built from the vault's own row identity
 * (never the record's content), shaped like a version-5 UUID.
 */
export function stableUuid(...parts: (string | number)[]): string {
  const h = createHash('sha1').update(parts.join('\u0000')).digest('hex');
  const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function periodOf(value: unknown): { start?: string; end?: string } {
  if (!isObject(value)) return {};
  const out: { start?: string; end?: string } = {};
  const start = str(value.start);
  const end = str(value.end);
  if (start) out.start = start;
  if (end) out.end = end;
  return out;
}

export type { Json };
