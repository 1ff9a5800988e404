import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOMParser, type Element, type Node } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import {
  buildXmlTree,
  MAX_XML_DEPTH,
  type XmlElement,
  type XmlNode,
} from '../../electron/core/records/xml-tree.js';
import { parseXml } from '../../electron/core/records/clinical-document.js';

const documents = join(import.meta.dirname, '../fixtures/cda-documents');
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

type Shape =
  | {
      name: string | null;
      ns: string | null;
      attributes: unknown[];
      xsiType: unknown;
      text: string;
      children: unknown[];
    }
  | unknown[];

/**
 * What the C-CDA reader can see of a node through the DOM subset. Both trees are walked in step and
 * asked for the attributes the full DOM (xmldom) lists, so an attribute the tree lost shows as null.
 */
function shapes(dom: Node, tree: XmlNode | null): [Shape, Shape] {
  if (dom.nodeType === 3 || dom.nodeType === 4) {
    return [[dom.nodeType, dom.nodeValue], tree ? [tree.nodeType, tree.nodeValue] : []];
  }
  const el = dom as Element;
  const names = Array.from(el.attributes, (a) => a.name);
  const treeEl = tree?.nodeType === 1 ? tree : null;
  const expected = {
    name: el.localName,
    ns: el.namespaceURI,
    attributes: names.map((n) => [n, el.getAttribute(n)]),
    xsiType: el.getAttributeNS(XSI, 'type'),
    text: el.textContent ?? '',
    children: [] as unknown[],
  };
  const actual = {
    name: treeEl?.localName ?? null,
    ns: treeEl?.namespaceURI ?? null,
    attributes: names.map((n) => [n, treeEl?.getAttribute(n) ?? null]),
    xsiType: treeEl?.getAttributeNS(XSI, 'type') ?? null,
    text: treeEl?.textContent ?? '',
    children: [] as unknown[],
  };
  let at: XmlNode | null = treeEl?.firstChild ?? null;
  for (let child = el.firstChild; child; child = child.nextSibling) {
    // Comments and processing instructions are not in the tree: nothing the reader walks stops at them.
    if (child.nodeType !== 1 && child.nodeType !== 3 && child.nodeType !== 4) continue;
    const [e, a] = shapes(child, at);
    expected.children.push(e);
    actual.children.push(a);
    at = at?.nextSibling ?? null;
  }
  for (; at; at = at.nextSibling) actual.children.push(['extra', at.nodeType]);
  return [expected, actual];
}

describe('the element tree the C-CDA reader walks', () => {
  it('shows every HL7 example exactly as the full DOM does: names, namespaces, attributes, text', () => {
    const files = readdirSync(documents).filter((file) => file.endsWith('.xml'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const xml = readFileSync(join(documents, file), 'utf8');
      const dom = new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
      const [expected, actual] = shapes(dom, buildXmlTree(xml));
      expect(actual, file).toEqual(expected);
    }
  });

  it('reads CDATA and the predefined entities, and reads text however deep without recursion', () => {
    const root = buildXmlTree(
      '<a xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="PQ"><b>1 &lt; 2</b><![CDATA[<x>]]>&amp;</a>',
    );
    expect(root.textContent).toBe('1 < 2<x>&');
    expect(root.getAttributeNS(XSI, 'type')).toBe('PQ');
    expect(root.getAttribute('xsi:type')).toBe('PQ');
    expect(root.getAttribute('missing')).toBeNull();
    const deep = MAX_XML_DEPTH - 1;
    expect(buildXmlTree(`${'<a>'.repeat(deep)}word${'</a>'.repeat(deep)}`).textContent).toBe('word');
  });

  it('resolves namespaces by their scope, whatever prefix a sender chose', () => {
    const root = buildXmlTree(
      '<v3:ClinicalDocument xmlns:v3="urn:hl7-org:v3" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><v3:value i:type="CD"/><plain xmlns=""/><v3:x xmlns:v3="urn:other"/></v3:ClinicalDocument>',
    );
    expect([root.localName, root.namespaceURI]).toEqual(['ClinicalDocument', 'urn:hl7-org:v3']);
    const [value, plain, other] = [
      root.firstChild,
      root.firstChild?.nextSibling,
      root.lastChild,
    ] as XmlElement[];
    expect([value!.localName, value!.namespaceURI, value!.getAttributeNS(XSI, 'type')]).toEqual([
      'value',
      'urn:hl7-org:v3',
      'CD',
    ]);
    expect(plain!.namespaceURI).toBeNull();
    expect(other!.namespaceURI).toBe('urn:other');
    expect(root.namespaceURI).toBe('urn:hl7-org:v3');
    expect(() => parseXml('<v3:a/>')).toThrow('it is not well-formed XML');
  });

  it('refuses in plain words what is not a tree a document could be', () => {
    const deep = MAX_XML_DEPTH + 1;
    expect(() => parseXml(`${'<a>'.repeat(deep)}${'</a>'.repeat(deep)}`)).toThrow(
      'it is nested more deeply than any document',
    );
    expect(() => parseXml('<a>&custom;</a>')).toThrow('it is not well-formed XML');
    expect(() => parseXml('<a><b></a>')).toThrow('it is not well-formed XML');
    expect(() => parseXml('<a xsi:type="PQ"/>')).toThrow('it is not well-formed XML');
    expect(() => parseXml('')).toThrow(/it is (empty|not well-formed XML)/);
    expect(() => parseXml('<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>')).toThrow(/DTD/);
  });
});
