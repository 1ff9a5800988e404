import {
  buildXmlTree,
  CDATA_SECTION_NODE,
  ELEMENT_NODE,
  TEXT_NODE,
  XmlTreeError,
  type XmlElement as Element,
  type XmlNode as Node,
} from './xml-tree.js';
import type { DocumentBlock, DocumentSection, ReadableDocument } from '../../../shared/attachments.js';

const HL7_V3 = 'urn:hl7-org:v3';
/** Deeper markup than this is not a narrative anyone wrote; it is dropped rather than recursed into. */
const MAX_DEPTH = 64;

/** Why an XML attachment is not shown: said to the person, so in their words. */
export class UnreadableXml extends Error {
  override readonly name = 'UnreadableXml';
}

/**
 * Parses XML into a small element tree (xml-tree.ts, from saxes: no network or file access). A DTD
 * is refused outright before parsing: a C-CDA never needs one, and it is where XXE and
 * entity-expansion ("billion laughs") attacks live. saxes knows only XML's five predefined
 * entities and refuses any other reference, so this is belt and braces.
 */
export function parseXml(xml: string): Element {
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) {
    throw new UnreadableXml('it declares a DTD or entities, which PHR Vault does not read');
  }
  try {
    return buildXmlTree(xml);
  } catch (failure) {
    if (!(failure instanceof XmlTreeError)) throw failure;
    if (failure.kind === 'empty') throw new UnreadableXml('it is empty');
    if (failure.kind === 'too-deep') throw new UnreadableXml('it is nested more deeply than any document');
    throw new UnreadableXml('it is not well-formed XML');
  }
}

/** True for the root of an HL7 CDA document (C-CDA is CDA R2 with templates). */
export function isClinicalDocument(root: Element): boolean {
  return root.localName === 'ClinicalDocument' && root.namespaceURI === HL7_V3;
}

function children(node: Node, name?: string): Element[] {
  const out: Element[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.nodeType !== ELEMENT_NODE) continue;
    const el = child as Element;
    if (el.namespaceURI !== HL7_V3) continue;
    if (name === undefined || el.localName === name) out.push(el);
  }
  return out;
}

function child(node: Node | null | undefined, ...path: string[]): Element | null {
  let at: Node | null | undefined = node;
  for (const name of path) {
    if (!at) return null;
    at = children(at, name)[0] ?? null;
  }
  return (at as Element | null) ?? null;
}

function squash(text: string): string {
  return text.replace(/[ \t\r\n\f]+/g, ' ').trim();
}

function textOf(node: Node | null | undefined): string | null {
  const text = node ? squash(node.textContent ?? '') : '';
  return text || null;
}

/** A person's or organisation's name: its parts in document order, or its plain text. */
function nameOf(name: Element | null): string | null {
  if (!name) return null;
  const parts = children(name)
    .filter((part) => ['prefix', 'given', 'family', 'suffix'].includes(part.localName ?? ''))
    .map((part) => textOf(part))
    .filter((part): part is string => part !== null);
  return parts.length > 0 ? parts.join(' ') : textOf(name);
}

/** An HL7 TS (YYYYMMDDHHMMSS.UUUU±ZZZZ, any precision) as a FHIR date or dateTime. */
export function hl7Time(value: string | null | undefined): string | null {
  const m = /^(\d{4})(\d{2})?(\d{2})?(?:(\d{2})(\d{2})?(\d{2})?(?:\.\d+)?)?([+-]\d{4})?$/.exec(
    value?.trim() ?? '',
  );
  if (!m) return null;
  const [, year, month, day, hour, minute, second, zone] = m;
  if (!month) return year!;
  if (!day) return `${year}-${month}`;
  if (!hour) return `${year}-${month}-${day}`;
  const offset = zone ? `${zone.slice(0, 3)}:${zone.slice(3)}` : 'Z';
  return `${year}-${month}-${day}T${hour}:${minute ?? '00'}:${second ?? '00'}${offset}`;
}

function header(root: Element): Pick<ReadableDocument, 'title' | 'date' | 'facts'> {
  const facts: ReadableDocument['facts'] = [];
  const add = (label: string, value: string | null, isDate = false) => {
    if (value) facts.push(isDate ? { label, value, isDate } : { label, value });
  };
  const patient = child(root, 'recordTarget', 'patientRole', 'patient');
  add('Patient', nameOf(child(patient, 'name')));
  add('Born', hl7Time(child(patient, 'birthTime')?.getAttribute('value')), true);
  const authors = children(root, 'author').map((author) => {
    const assigned = child(author, 'assignedAuthor');
    return (
      nameOf(child(assigned, 'assignedPerson', 'name')) ??
      textOf(child(assigned, 'assignedAuthoringDevice', 'softwareName')) ??
      textOf(child(assigned, 'representedOrganization', 'name'))
    );
  });
  add('Written by', [...new Set(authors.filter(Boolean))].join(', ') || null);
  add(
    'From',
    textOf(child(root, 'custodian', 'assignedCustodian', 'representedCustodianOrganization', 'name')),
  );
  return {
    title: textOf(child(root, 'title')) ?? child(root, 'code')?.getAttribute('displayName') ?? null,
    date: hl7Time(child(root, 'effectiveTime')?.getAttribute('value')),
    facts,
  };
}

/**
 * The CDA Narrative Block as plain blocks. Inline markup (content, linkHtml, sub, sup, footnote)
 * becomes its text, br a line break, renderMultiMedia nothing; paragraphs, lists and tables keep
 * their shape. Whitespace collapses as HTML would show it.
 */
function narrative(container: Element, depth: number): DocumentBlock[] {
  const blocks: DocumentBlock[] = [];
  let line = '';
  const flush = () => {
    const paragraph = tidy(line);
    if (paragraph) blocks.push({ type: 'paragraph', text: paragraph });
    line = '';
  };
  const walk = (node: Node, level: number) => {
    for (let at = node.firstChild; at; at = at.nextSibling) {
      if (at.nodeType === TEXT_NODE || at.nodeType === CDATA_SECTION_NODE) {
        line += at.nodeValue ?? '';
        continue;
      }
      if (at.nodeType !== ELEMENT_NODE || level > MAX_DEPTH) continue;
      const el = at as Element;
      switch (el.localName) {
        case 'br':
          line += '\n';
          break;
        case 'renderMultiMedia':
          break;
        case 'paragraph': {
          flush();
          const caption = child(el, 'caption');
          const words = inlineText(el, level, caption);
          const paragraph = tidy(caption ? `${textOf(caption) ?? ''}: ${words}` : words);
          if (paragraph) blocks.push({ type: 'paragraph', text: paragraph });
          break;
        }
        case 'list':
          flush();
          blocks.push({
            type: 'list',
            ordered: el.getAttribute('listType') === 'ordered',
            caption: textOf(child(el, 'caption')),
            items: children(el, 'item').map((item) => narrative(item, level + 1)),
          });
          break;
        case 'table':
          flush();
          blocks.push(table(el, level));
          break;
        case 'caption':
          // A list's or table's caption is taken by its owner; this one captions the whole text.
          flush();
          if (textOf(el)) blocks.push({ type: 'heading', text: textOf(el)! });
          break;
        default:
          walk(el, level + 1);
      }
    }
  };
  if (depth <= MAX_DEPTH) walk(container, depth);
  flush();
  return blocks;
}

function table(el: Element, depth: number): DocumentBlock {
  const rows = (trs: Element[]) =>
    trs.map((tr) =>
      children(tr)
        .filter((cell) => cell.localName === 'th' || cell.localName === 'td')
        .map((cell) => tidy(inlineText(cell, depth + 1))),
    );
  const head: string[][] = [];
  const body: string[][] = [];
  for (const part of children(el)) {
    if (part.localName === 'thead') head.push(...rows(children(part, 'tr')));
    else if (part.localName === 'tbody' || part.localName === 'tfoot') {
      body.push(...rows(children(part, 'tr')));
    }
    // Not valid CDA, but some systems write rows straight under the table.
    else if (part.localName === 'tr') body.push(...rows([part]));
  }
  return { type: 'table', caption: textOf(child(el, 'caption')), head, body };
}

/** The text of an element, paragraph breaks kept as line breaks, captions left to the caller. */
function inlineText(el: Element, depth: number, skip: Element | null = null): string {
  let out = '';
  const walk = (node: Node, level: number) => {
    for (let at = node.firstChild; at; at = at.nextSibling) {
      if (at === skip) continue;
      if (at.nodeType === TEXT_NODE || at.nodeType === CDATA_SECTION_NODE) out += at.nodeValue ?? '';
      else if (at.nodeType === ELEMENT_NODE && level <= MAX_DEPTH) {
        const name = (at as Element).localName;
        if (name === 'renderMultiMedia') continue;
        if (name === 'br') {
          out += '\n';
          continue;
        }
        const block = name === 'paragraph' || name === 'item' || name === 'tr' || name === 'list';
        if (block) out += '\n';
        walk(at, level + 1);
        if (block) out += '\n';
        else if (name === 'td' || name === 'th') out += ' ';
      }
    }
  };
  walk(el, depth);
  return out;
}

/** Collapses spaces within lines and drops empty lines, as a browser would show the markup. */
function tidy(text: string): string {
  return text
    .split('\n')
    .map((part) => part.replace(/[ \t\r\f]+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}

function sectionsOf(body: Element): DocumentSection[] {
  const out: DocumentSection[] = [];
  const visit = (holder: Element, depth: number) => {
    if (depth > MAX_DEPTH) return;
    for (const component of children(holder, 'component')) {
      const section = child(component, 'section');
      if (!section) continue;
      const text = child(section, 'text');
      out.push({
        title: textOf(child(section, 'title')) ?? child(section, 'code')?.getAttribute('displayName') ?? null,
        depth,
        blocks: text ? narrative(text, 0) : [],
      });
      visit(section, depth + 1);
    }
  };
  visit(body, 1);
  return out;
}

/** An unstructured document's body: shown when it is text, named when it is not. */
function nonXmlBody(body: Element): DocumentSection[] {
  const text = child(body, 'text');
  const mediaType = (text?.getAttribute('mediaType') || 'text/plain').toLowerCase();
  let words: string | null = null;
  if (text && mediaType === 'text/plain' && !child(text, 'reference')) {
    const raw = text.textContent ?? '';
    words =
      text.getAttribute('representation') === 'B64'
        ? Buffer.from(raw.replace(/\s+/g, ''), 'base64').toString('utf8')
        : raw;
  }
  return [
    {
      title: null,
      depth: 1,
      blocks: [
        {
          type: 'paragraph',
          text:
            words?.trim() ||
            `The body of this document is a file (${mediaType}) that PHR Vault does not show inside a C-CDA.`,
        },
      ],
    },
  ];
}

/**
 * A C-CDA (any CDA R2 document) as a readable tree: title, patient, author and date, then each
 * section's title and narrative. The coded entries are not shown: the narrative is what the
 * sender meant a person to read, and it must say the same as the entries.
 */
export function readClinicalDocument(root: Element): ReadableDocument {
  const component = child(root, 'component');
  const structured = child(component, 'structuredBody');
  const unstructured = child(component, 'nonXMLBody');
  return {
    ...header(root),
    sections: structured ? sectionsOf(structured) : unstructured ? nonXmlBody(unstructured) : [],
  };
}
