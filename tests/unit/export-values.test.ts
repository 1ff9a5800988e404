import { describe, expect, it } from 'vitest';
import { cdaTime, stableUuid, writeCode } from '../../electron/core/exchange/export/ccda/cda-values.js';
import { escapeXml, XmlWriter } from '../../electron/core/exchange/export/ccda/xml-writer.js';
import { suggestedFileName } from '../../electron/core/exchange/export/export-document.js';
import { referencedId } from '../../electron/core/exchange/export/health-summary.js';
import { printable } from '../../electron/core/exchange/export/printable-summary.js';

const body = (w: XmlWriter) => w.toString().replace(/^<\?xml[^>]*>\n/, '');

describe('CDA values from FHIR values', () => {
  it('turns FHIR dates into CDA timestamps, keeping precision and always a time zone with a time', () => {
    expect(cdaTime('2019')).toBe('2019');
    expect(cdaTime('2019-04')).toBe('201904');
    expect(cdaTime('2019-04-05')).toBe('20190405');
    expect(cdaTime('2019-04-05T10:20:30.123+02:00')).toBe('20190405102030+0200');
    expect(cdaTime('2019-04-05T10:20:30Z')).toBe('20190405102030+0000');
    expect(cdaTime('2019-04-05T10:20')).toBe('20190405102000+0000');
    expect(cdaTime('last autumn')).toBeUndefined();
    expect(cdaTime(undefined)).toBeUndefined();
  });

  it('writes a code with its translations, preferred system first', () => {
    const w = new XmlWriter();
    const coded = writeCode(
      w,
      'value',
      {
        coding: [
          { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9' },
          { system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes' },
        ],
      },
      { xsiType: 'CD', preferred: ['2.16.840.1.113883.6.96'] },
    );
    expect(coded).toBe(true);
    expect(body(w)).toBe(
      '<value xsi:type="CD" code="44054006" codeSystem="2.16.840.1.113883.6.96" codeSystemName="SNOMED CT" displayName="Diabetes">' +
        '<translation code="E11.9" codeSystem="2.16.840.1.113883.6.90" codeSystemName="ICD-10-CM"/></value>',
    );
  });

  it('says OTH for a code from a system CDA cannot name, UNK for none, and keeps the words', () => {
    const local = new XmlWriter();
    expect(
      writeCode(local, 'code', { coding: [{ system: 'http://example.org', code: 'X1' }], text: 'Thing' }),
    ).toBe(false);
    expect(body(local)).toBe('<code nullFlavor="OTH"><originalText>Thing</originalText></code>');
    const none = new XmlWriter();
    writeCode(none, 'code', undefined, { fallbackText: 'Back pain' });
    expect(body(none)).toBe('<code nullFlavor="UNK"><originalText>Back pain</originalText></code>');
  });

  it('gives a record the same id every time, shaped as a UUID', () => {
    expect(stableUuid('vault', 1)).toBe(stableUuid('vault', 1));
    expect(stableUuid('vault', 1)).not.toBe(stableUuid('vault', 2));
    expect(stableUuid('vault', 1)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('the XML writer', () => {
  it('escapes text and attributes and drops characters XML cannot hold', () => {
    expect(escapeXml('a < b & "c" > d\u0001\uFFFE')).toBe('a &lt; b &amp; &quot;c&quot; &gt; d');
    const w = new XmlWriter();
    w.el('a', { x: 'Tom & "Jerry"', skipped: undefined }, () => w.text('b', '<i>'));
    expect(body(w)).toBe('<a x="Tom &amp; &quot;Jerry&quot;"><b>&lt;i&gt;</b></a>');
  });
});

describe('export helpers', () => {
  it('finds the id a reference points at in either form', () => {
    expect(referencedId({ reference: 'Observation/123' })).toBe('123');
    expect(referencedId({ reference: 'urn:uuid:abc-def' })).toBe('abc-def');
    expect(referencedId({ display: 'x' })).toBeUndefined();
  });

  it('suggests a file name that is safe everywhere and says what the file is', () => {
    const now = new Date('2026-01-02T03:04:05Z');
    expect(suggestedFileName('Catalina Cantú', 'ccda', now)).toBe('Catalina-Cantu-ccd-2026-01-02.xml');
    expect(suggestedFileName('../../etc', 'pdf', now)).toBe('etc-summary-2026-01-02.pdf');
    expect(suggestedFileName('///', 'ips', now)).toBe('health-record-patient-summary-2026-01-02.json');
  });

  it('keeps every script the bundled font has, and marks the rest', () => {
    expect(printable('×10⁶/µL ≥ 5 “ok” Σοφία')).toBe('×10⁶/µL ≥ 5 “ok” Σοφία');
    expect(printable('李')).toBe('?');
  });
});
