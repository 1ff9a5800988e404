import { describe, expect, it } from 'vitest';
import {
  concept,
  narrativeIds,
  observationValue,
  when,
} from '../../electron/core/exchange/ccda/cda-nodes.js';
import { buildXmlTree, type XmlElement } from '../../electron/core/records/xml-tree.js';

const V3 = 'xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
const el = (xml: string): XmlElement => buildXmlTree(xml.replace(/^<(\w+)/, `<$1 ${V3}`));
const value = (xml: string) => observationValue(el(xml), new Map());

describe('CDA data types as FHIR R4', () => {
  it('reads times at their precision, with their zone', () => {
    expect(when(el('<effectiveTime value="20141015103026-0500"/>'))).toEqual({
      at: '2014-10-15T10:30:26-05:00',
    });
    expect(when(el('<effectiveTime value="201410"/>'))).toEqual({ at: '2014-10' });
    expect(
      when(el('<effectiveTime><low value="20120806"/><high value="20120807"/></effectiveTime>')),
    ).toEqual({
      at: '2012-08-06',
      period: { start: '2012-08-06', end: '2012-08-07' },
    });
    expect(when(el('<effectiveTime><low nullFlavor="UNK"/></effectiveTime>'))).toEqual({});
  });

  it('reads values into the value[x] they fit, with UCUM units', () => {
    expect(value('<value xsi:type="PQ" value="13.2" unit="g/dL"/>')).toEqual({
      valueQuantity: { value: 13.2, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' },
    });
    // "1" is UCUM's unity: a count without a unit.
    expect(value('<value xsi:type="PQ" value="3" unit="1"/>')).toEqual({ valueQuantity: { value: 3 } });
    expect(value('<value xsi:type="PQ" nullFlavor="NA"/>')).toEqual({});
    expect(value('<value xsi:type="IVL_PQ"><low value="4.3" unit="10*9/L"/></value>')).toEqual({
      valueRange: {
        low: { value: 4.3, unit: '10*9/L', system: 'http://unitsofmeasure.org', code: '10*9/L' },
      },
    });
    expect(value('<value xsi:type="BL" value="true"/>')).toEqual({ valueBoolean: true });
    expect(value('<value xsi:type="INT" value="2"/>')).toEqual({ valueInteger: 2 });
    expect(value('<value xsi:type="ST">Negative</value>')).toEqual({ valueString: 'Negative' });
    expect(value('<value xsi:type="TS" value="20200101"/>')).toEqual({ valueDateTime: '2020-01-01' });
  });

  it('reads codes with their translations, systems by OID, and the words the narrative gives', () => {
    const narrative = narrativeIds(
      el('<text><content ID="problem1">Pneumonia, <b>right lower lobe</b></content></text>'),
    );
    const code =
      el(`<value xsi:type="CD" code="233604007" codeSystem="2.16.840.1.113883.6.96" displayName="Pneumonia">
        <originalText><reference value="#problem1"/></originalText>
        <translation code="J18.9" codeSystem="2.16.840.1.113883.6.90"/>
        <translation code="X1" codeSystem="1.2.3.4"/>
      </value>`);
    expect(concept(code, narrative)).toEqual({
      coding: [
        { system: 'http://snomed.info/sct', code: '233604007', display: 'Pneumonia' },
        { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'J18.9' },
        { system: 'urn:oid:1.2.3.4', code: 'X1' },
      ],
      text: 'Pneumonia, right lower lobe',
    });
    expect(concept(el('<code nullFlavor="UNK"/>'), narrative)).toBeUndefined();
  });
});
