import { SaxesParser, type SaxesTagPlain } from 'saxes';

/**
 * A small read-only element tree built from saxes events, with only the part of the DOM that the
 * C-CDA reader and the document viewer use: nodeType, firstChild, nextSibling, nodeValue,
 * textContent, localName, namespaceURI, getAttribute, getAttributeNS.
 *
 * Written by hand because @xmldom/xmldom, which gave the full DOM, took 2.4 s of CPU to parse a
 * 10 MB C-CDA where saxes and this tree take about 0.7 s (measured by bench/import-bench.ts).
 * saxes rather than a lighter tree parser (txml, ltx; not measured): it checks well-formedness in
 * full, is already used for Apple Health, never reads a DTD, never fetches anything and knows only
 * XML's five predefined entities.
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
    private readonly attributes: Record<string, string>,
    /** The namespaces in scope, by prefix ('' for the default one). */
    readonly scope: Namespaces,
  ) {}

  getAttribute(name: string): string | null {
    return Object.hasOwn(this.attributes, name) ? this.attributes[name]! : null;
  }

  /** Only a prefixed attribute has a namespace (an unprefixed one has none, not the default). */
  getAttributeNS(uri: string, local: string): string | null {
    for (const name in this.attributes) {
      const colon = name.indexOf(':');
      if (colon > 0 && name.slice(colon + 1) === local && this.scope[name.slice(0, colon)] === uri) {
        return this.attributes[name]!;
      }
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

type Namespaces = Readonly<Record<string, string>>;

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
const BUILT_IN: Namespaces = { xml: XML_NS, xmlns: XMLNS_NS };

/** Why a file is not a tree: not well-formed, or nested past MAX_XML_DEPTH. */
export class XmlTreeError extends Error {
  override readonly name = 'XmlTreeError';
  constructor(readonly kind: 'not-well-formed' | 'too-deep' | 'empty') {
    super(kind);
  }
}

/** The document's root element. DOCTYPE and entity declarations are refused by the caller first. */
export function buildXmlTree(xml: string): XmlElement {
  // Namespaces are resolved here rather than by saxes (xmlns: true), which made an object for every
  // attribute and took a fifth of the parse; an element shares its parent's scope unless it
  // declares a namespace, and an unbound prefix is refused as saxes would.
  const parser = new SaxesParser({ xmlns: false, position: false });
  let root: XmlElement | null = null;
  let open: XmlElement | null = null;
  let depth = 0;
  const append = (node: XmlNode) => {
    if (!open) return;
    if (open.lastChild) open.lastChild.nextSibling = node;
    else open.firstChild = node;
    open.lastChild = node;
  };
  const split = (name: string): [string, string] => {
    const colon = name.indexOf(':');
    return colon < 0 ? ['', name] : [name.slice(0, colon), name.slice(colon + 1)];
  };
  parser.on('error', () => {
    throw new XmlTreeError('not-well-formed');
  });
  parser.on('opentag', (tag: SaxesTagPlain) => {
    if (++depth > MAX_XML_DEPTH) throw new XmlTreeError('too-deep');
    let scope = open ? open.scope : BUILT_IN;
    const attributes = tag.attributes;
    for (const name in attributes) {
      if (name !== 'xmlns' && !name.startsWith('xmlns:')) continue;
      const prefix = name === 'xmlns' ? '' : name.slice(6);
      if (prefix === 'xmlns' || (prefix === 'xml') !== (attributes[name] === XML_NS)) {
        throw new XmlTreeError('not-well-formed');
      }
      if (prefix && !attributes[name]) throw new XmlTreeError('not-well-formed');
      if (scope === (open ? open.scope : BUILT_IN)) scope = { ...scope };
      (scope as Record<string, string>)[prefix] = attributes[name]!;
    }
    for (const name in attributes) {
      const [prefix] = split(name);
      if (prefix && prefix !== 'xmlns' && scope[prefix] === undefined)
        throw new XmlTreeError('not-well-formed');
    }
    const [prefix, local] = split(tag.name);
    const uri = scope[prefix];
    if (prefix && uri === undefined) throw new XmlTreeError('not-well-formed');
    const el = new XmlElement(open, local, uri || null, attributes as Record<string, string>, scope);
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
