import { createHash } from 'node:crypto';
import type { XmlElement as Element, XmlNode as Node } from '../../records/xml-tree.js';
import { VaultError } from '../../errors.js';
import { hl7Time, parseXml, UnreadableXml } from '../../records/clinical-document.js';
import type { Json } from '../../records/fhir-values.js';
import { attr, concept, hasTemplate, kid, kids, narrativeIds, textOf, time } from './cda-nodes.js';
import { convertEntry, sectionKind, type SectionKind } from './ccda-entries.js';

/**
 * A C-CDA document (R1.1 or R2.1, any document type) read into FHIR R4 records.
 *
 * Why our own reading rather than @medplum/ccda's convertXmlToCcda + convertCcdaToFhir: tried
 * (5.1.10) on the 13 HL7 example documents, it threw on 7 of them ("Unhandled substance
 * administration templateId", "Unhandled act templateId": History and Physical, Operative Note,
 * Progress Note, Procedure Note, Care Plan, Transfer Summary, Diagnostic Imaging Report,
 * Discharge Summary), so a patient holding any of those would get nothing; it also keeps no
 * narrative of sections without entries and names no source document. Here each kind of
 * clinical statement is a small function (ccda-entries.ts) and an entry not read keeps its
 * section's narrative as a note, so nothing the document says is dropped silently.
 */

export const CCDA_MAX_BYTES = 200 * 1024 * 1024;
/** More records than any real document holds; past it the file is refused, not read for minutes. */
const MAX_RECORDS = 500_000;
const MAX_SECTION_DEPTH = 8;

export type ReadSection = {
  title: string;
  code: string | null;
  kind: SectionKind;
  records: number;
  /** The section had no entry read as a record, so its narrative was kept as a note. */
  note: boolean;
};

export type ReadCcda = {
  /** "Continuity of Care Document", "Discharge Summary"…: what the document says it is. */
  documentType: string;
  title: string | null;
  date: string | null;
  /** The organisation that wrote it (author, else custodian), the name of its source. */
  organization: string | null;
  patient: Json;
  /** The document itself (a DocumentReference holding the XML), then every record, then Provenance. */
  records: Json[];
  /** Records read from entries (not counting the document, notes, the patient or the Provenance). */
  entries: number;
  sections: ReadSection[];
};

const DOCUMENT_TYPES: Record<string, string> = {
  '2.16.840.1.113883.10.20.22.1.2': 'Continuity of Care Document',
  '2.16.840.1.113883.10.20.22.1.4': 'Consultation Note',
  '2.16.840.1.113883.10.20.22.1.8': 'Discharge Summary',
  '2.16.840.1.113883.10.20.22.1.3': 'History and Physical',
  '2.16.840.1.113883.10.20.22.1.9': 'Progress Note',
  '2.16.840.1.113883.10.20.22.1.14': 'Referral Note',
  '2.16.840.1.113883.10.20.22.1.13': 'Transfer Summary',
  '2.16.840.1.113883.10.20.22.1.7': 'Operative Note',
  '2.16.840.1.113883.10.20.22.1.6': 'Procedure Note',
  '2.16.840.1.113883.10.20.22.1.5': 'Diagnostic Imaging Report',
  '2.16.840.1.113883.10.20.22.1.15': 'Care Plan',
  '2.16.840.1.113883.10.20.22.1.10': 'Unstructured Document',
};

const refuse = (name: string, why: string) => new VaultError('bad-input', `${name} ${why}.`);

/** Text a person can read from a section's narrative: rows, paragraphs and items on lines of their own. */
function plainNarrative(text: Element | null): string {
  if (!text) return '';
  const lines: string[] = [];
  let line = '';
  const flush = () => {
    const tidy = line.replace(/[ \t\r\n\f]+/g, ' ').trim();
    if (tidy) lines.push(tidy);
    line = '';
  };
  const walk = (node: Node, depth: number) => {
    if (depth > 64) return;
    for (let at = node.firstChild; at; at = at.nextSibling) {
      if (at.nodeType === 3 || at.nodeType === 4) line += at.nodeValue ?? '';
      else if (at.nodeType === 1) {
        const name = (at as Element).localName;
        if (name === 'br') flush();
        else if (
          ['paragraph', 'tr', 'item', 'caption', 'list', 'table', 'thead', 'tbody'].includes(name ?? '')
        ) {
          flush();
          walk(at, depth + 1);
          flush();
        } else if (name === 'td' || name === 'th') {
          walk(at, depth + 1);
          line += '  ';
        } else walk(at, depth + 1);
      }
    }
  };
  walk(text, 0);
  flush();
  return lines.join('\n');
}

function personName(name: Element | null): Json | undefined {
  if (!name) return undefined;
  const given = kids(name, 'given')
    .map((g) => textOf(g))
    .filter((g): g is string => !!g);
  const family = textOf(kid(name, 'family'));
  const out: Json = {};
  if (family) out.family = family;
  if (given.length > 0) out.given = given;
  if (!family && given.length === 0) {
    const text = textOf(name);
    if (!text) return undefined;
    out.text = text;
  }
  return out;
}

function patientOf(root: Element, id: string): Json {
  const role = kid(root, 'recordTarget', 'patientRole');
  const patient = kid(role, 'patient');
  const out: Json = { resourceType: 'Patient', id };
  const names = kids(patient, 'name')
    .map(personName)
    .filter((n): n is Json => !!n);
  if (names.length > 0) out.name = names;
  const gender = attr(kid(patient, 'administrativeGenderCode'), 'code');
  const genders: Record<string, string> = { M: 'male', F: 'female', UN: 'other' };
  if (gender && genders[gender]) out.gender = genders[gender];
  const born = hl7Time(attr(kid(patient, 'birthTime'), 'value'));
  if (born) out.birthDate = born.slice(0, 10);
  const addresses = kids(role, 'addr')
    .map((a) => {
      const lines = kids(a, 'streetAddressLine')
        .map((l) => textOf(l))
        .filter(Boolean);
      const address: Json = {};
      if (lines.length > 0) address.line = lines;
      for (const [cda, fhir] of [
        ['city', 'city'],
        ['state', 'state'],
        ['postalCode', 'postalCode'],
        ['country', 'country'],
      ] as const) {
        const value = textOf(kid(a, cda));
        if (value) address[fhir] = value;
      }
      return address;
    })
    .filter((a) => Object.keys(a).length > 0);
  if (addresses.length > 0) out.address = addresses;
  return out;
}

function organizationOf(root: Element): string | null {
  for (const author of kids(root, 'author')) {
    const name = textOf(kid(author, 'assignedAuthor', 'representedOrganization', 'name'));
    if (name) return name;
  }
  return (
    textOf(kid(root, 'custodian', 'assignedCustodian', 'representedCustodianOrganization', 'name')) ?? null
  );
}

function documentTypeOf(root: Element): string {
  for (const template of kids(root, 'templateId')) {
    const name = DOCUMENT_TYPES[attr(template, 'root') ?? ''];
    if (name) return name;
  }
  return attr(kid(root, 'code'), 'displayName') ?? textOf(kid(root, 'title')) ?? 'Clinical document';
}

/** Every section of the body, sections inside sections included, in document order. */
function sectionsOf(body: Element): Element[] {
  const out: Element[] = [];
  const walk = (container: Element, depth: number) => {
    if (depth > MAX_SECTION_DEPTH) return;
    for (const component of kids(container, 'component')) {
      for (const section of kids(component, 'section')) {
        out.push(section);
        walk(section, depth + 1);
      }
    }
  };
  walk(body, 0);
  return out;
}

function instant(date: string | null): string {
  if (!date) return '1970-01-01T00:00:00Z';
  if (date.length === 4) return `${date}-01-01T00:00:00Z`;
  if (date.length === 7) return `${date}-01T00:00:00Z`;
  if (date.length === 10) return `${date}T00:00:00Z`;
  return date;
}

/**
 * Reads a C-CDA from its bytes. DTDs and entity declarations are refused before any parsing
 * (parseXml), as are files that are not well-formed, not CDA, or have no sections: each with a
 * message naming the file. Record ids come from the document's own hash, so the same file read
 * twice gives the same records (and importing it again adds nothing).
 */
export function readCcda(name: string, bytes: Buffer): ReadCcda {
  if (bytes.length > CCDA_MAX_BYTES) throw refuse(name, 'is too large to read as a C-CDA document');
  const xml = bytes.toString('utf8').replace(/^\uFEFF/, '');
  let root: Element;
  try {
    root = parseXml(xml);
  } catch (failure) {
    if (failure instanceof UnreadableXml) {
      const why = failure.message.startsWith('it declares')
        ? 'declares a DTD or entities, which PHR Vault does not read for safety'
        : failure.message.replace(/^it /, '');
      throw refuse(name, why);
    }
    throw failure;
  }
  if (root.localName !== 'ClinicalDocument') throw refuse(name, 'is XML but not a C-CDA document');
  if (root.namespaceURI !== 'urn:hl7-org:v3')
    throw refuse(name, 'is not a C-CDA document: its ClinicalDocument is not in the HL7 v3 namespace');
  const body = kid(root, 'component', 'structuredBody');
  if (!body) throw refuse(name, 'is a C-CDA document without sections (no structured body) to read');
  const sections = sectionsOf(body);
  if (sections.length === 0) throw refuse(name, 'is a C-CDA document without sections to read');

  const key = createHash('sha256').update(bytes).digest('hex').slice(0, 24);
  const documentId = `ccda-${key}`;
  let sequence = 0;
  const records: Json[] = [];
  const emit = (resource: Json) => {
    if (records.length >= MAX_RECORDS)
      throw refuse(name, 'holds more entries than PHR Vault reads from one document');
    const id = `${documentId}-${++sequence}`;
    records.push({ resourceType: resource.resourceType, id, ...resource });
    return `${String(resource.resourceType)}/${id}`;
  };

  const patientReference = { reference: `Patient/${documentId}-patient` };
  const read: ReadSection[] = [];
  const notes: Json[] = [];
  const date = time(kid(root, 'effectiveTime')) ?? null;
  for (const [index, section] of sections.entries()) {
    const kind = sectionKind(section);
    const narrative = narrativeIds(kid(section, 'text'));
    const before = records.length;
    for (const entry of kids(section, 'entry')) {
      const statement = kids(entry)[0];
      if (statement) convertEntry(statement, { section: kind, narrative, emit, patient: patientReference });
    }
    const title = textOf(kid(section, 'title')) ?? attr(kid(section, 'code'), 'displayName') ?? 'Section';
    const count = records.length - before;
    const text = count === 0 ? plainNarrative(kid(section, 'text')) : '';
    if (text) {
      const noteRecord: Json = {
        resourceType: 'DocumentReference',
        id: `${documentId}-note-${index + 1}`,
        status: 'current',
        type: concept(kid(section, 'code'), new Map()) ?? { text: title },
        category: [
          {
            coding: [
              {
                system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category',
                code: 'clinical-note',
                display: 'Clinical Note',
              },
            ],
          },
        ],
        description: title,
        content: [
          {
            attachment: {
              contentType: 'text/plain; charset=utf-8',
              data: Buffer.from(text, 'utf8').toString('base64'),
              title,
            },
          },
        ],
        subject: patientReference,
        context: { related: [{ reference: `DocumentReference/${documentId}` }] },
      };
      if (date) noteRecord.date = instant(date);
      notes.push(noteRecord);
    }
    read.push({
      title,
      code: attr(kid(section, 'code'), 'code') ?? null,
      kind,
      records: count,
      note: !!text,
    });
  }

  const organization = organizationOf(root);
  const documentType = documentTypeOf(root);
  const title = textOf(kid(root, 'title')) ?? null;
  const documentRecord: Json = {
    resourceType: 'DocumentReference',
    id: documentId,
    status: 'current',
    type: concept(kid(root, 'code'), new Map()) ?? { text: documentType },
    category: [
      {
        coding: [
          {
            system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category',
            code: 'clinical-note',
            display: 'Clinical Note',
          },
        ],
      },
    ],
    description: title ?? documentType,
    subject: patientReference,
    content: [
      {
        attachment: {
          contentType: 'application/xml',
          data: bytes.toString('base64'),
          size: bytes.length,
          hash: createHash('sha1').update(bytes).digest('base64'),
          title: title ?? documentType,
        },
        format: {
          system: 'http://terminology.hl7.org/CodeSystem/v3-HL7DocumentFormatCodes',
          code: hasTemplate(root, '2.16.840.1.113883.10.20.22.1.1')
            ? 'urn:hl7-org:sdwg:ccda-structuredBody:2.1'
            : 'urn:hl7-org:sdwg:ccda-structuredBody:1.1',
        },
      },
    ],
  };
  if (date) documentRecord.date = instant(date);
  if (organization) {
    documentRecord.author = [{ display: organization }];
    documentRecord.custodian = { display: organization };
  }
  const docId = kid(root, 'id');
  if (attr(docId, 'root')) {
    documentRecord.masterIdentifier = attr(docId, 'extension')
      ? { system: `urn:oid:${attr(docId, 'root')}`, value: attr(docId, 'extension') }
      : { system: 'urn:ietf:rfc:3986', value: `urn:oid:${attr(docId, 'root')}` };
  }

  const patient = patientOf(root, `${documentId}-patient`);
  const entries = records.length;
  const all = [documentRecord, patient, ...records, ...notes];
  // One Provenance names the document as the source of everything read from it, so each record
  // can say where it came from and the document stays the record behind its entries.
  const provenance: Json = {
    resourceType: 'Provenance',
    id: `${documentId}-provenance`,
    target: all.map((r) => ({ reference: `${String(r.resourceType)}/${String(r.id)}` })),
    recorded: instant(date),
    agent: [
      {
        type: {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author' },
          ],
        },
        who: { display: organization ?? 'The author of the document' },
      },
    ],
    entity: [
      {
        role: 'source',
        what: { reference: `DocumentReference/${documentId}`, display: title ?? documentType },
      },
    ],
  };
  return {
    documentType,
    title,
    date,
    organization,
    patient,
    records: [...all, provenance],
    entries,
    sections: read,
  };
}
