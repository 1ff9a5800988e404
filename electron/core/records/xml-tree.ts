import { SaxesParser, type SaxesAttributeNS, type SaxesTagNS } from 'saxes';

/**
 * A small read-only element tree built from saxes events, with only the part of the DOM that the
 * C-CDA reader and the document viewer use: nodeType, firstChild, nextSibling, nodeValue,
 * textContent, localName, namespaceURI, getAttribute, getAttributeNS.
 *
 * Written by hand because no maintained npm package offers this: @xmldom/xmldom, which gave the
 * full DOM, took 2.4 s of CPU to parse a 10 MB C-CDA where saxes and this tree take a fraction of
 * that (bench/import-bench.ts), and the lighter tree parsers (txml, ltx) do not resolve namespaces,
 * which the CDA check needs. saxes never reads a DTD, never fetches anything and knows only XML's
 * five predefined entities.
 */

export const ELEMENT_NODE = 1;
export const TEXT_NODE = 3;
export const CDATA_SECTION_NODE = 4;

/** Deeper than any clinical document nests; past it a file is refused rather than walked. */
export const MAX_XML_DEPTH = 1000;

export class XmlText {
  nextSibling: XmlNode | null = null;
  readonly firstChild = null;
  constructor(
    readonly parentNode: XmlElement,
    readonly nodeType: typeof TEXT_NODE | typeof CDATA_SECTION_NODE,
    readonly nodeValue: string,
  ) {}
  get textContent(): string {
    return this.nodeValue;
  }
}

export class XmlElement {
  readonly nodeType = ELEMENT_NODE;
  readonly nodeValue = null;
  firstChild: XmlNode | null = null;
  lastChild: XmlNode | null = null;
  nextSibling: XmlNode | null = null;
  constructor(
    readonly parentNode: XmlElement | null,
    readonly localName: string,
    readonly namespaceURI: string | null,
    private readonly attributes: Record<string, SaxesAttributeNS>,
  ) {}

  getAttribute(name: string): string | null {
    return Object.hasOwn(this.attributes, name) ? this.attributes[name]!.value : null;
  }

  getAttributeNS(uri: string, local: string): string | null {
    for (const name in this.attributes) {
      const attribute = this.attributes[name]!;
      if (attribute.local === local && attribute.uri === uri) return attribute.value;
    }
    return null;
  }

  /** The text of every descendant in document order, walked without recursion so no depth overflows the stack. */
  get textContent(): string {
    let out = '';
    let at: XmlNode | XmlElement | null = this.firstChild;
    while (at) {
      if (at.nodeType === ELEMENT_NODE && at.firstChild) {
        at = at.firstChild;
        continue;
      }
      if (at.nodeType !== ELEMENT_NODE) out += at.nodeValue;
      while (at && at !== this && !at.nextSibling) at = at.parentNode;
      at = at && at !== this ? at.nextSibling : null;
    }
    return out;
  }
}

export type XmlNode = XmlElement | XmlText;

/** Why a file is not a tree: not well-formed, or nested past MAX_XML_DEPTH. */
export class XmlTreeError extends Error {
  override readonly name = 'XmlTreeError';
  constructor(readonly kind: 'not-well-formed' | 'too-deep' | 'empty') {
    super(kind);
  }
}

/** The document's root element. DOCTYPE and entity declarations are refused by the caller first. */
export function buildXmlTree(xml: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: false });
  let root: XmlElement | null = null;
  let open: XmlElement | null = null;
  let depth = 0;
  const append = (node: XmlNode) => {
    if (!open) return;
    if (open.lastChild) open.lastChild.nextSibling = node;
    else open.firstChild = node;
    open.lastChild = node;
  };
  parser.on('error', () => {
    throw new XmlTreeError('not-well-formed');
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (++depth > MAX_XML_DEPTH) throw new XmlTreeError('too-deep');
    const el = new XmlElement(open, tag.local, tag.uri || null, tag.attributes);
    if (open) append(el);
    else root = el;
    open = el;
  });
  parser.on('closetag', () => {
    depth--;
    open = open?.parentNode ?? null;
  });
  // Text outside the root is only whitespace (saxes refuses anything else), so it is dropped.
  parser.on('text', (text) => open && append(new XmlText(open, TEXT_NODE, text)));
  parser.on('cdata', (text) => open && append(new XmlText(open, CDATA_SECTION_NODE, text)));
  parser.write(xml).close();
  if (!root) throw new XmlTreeError('empty');
  return root;
}
