import { describe, expect, it } from 'vitest';
import { readableUnit } from '../../electron/core/records/fhir-values.js';
import { friendlierLoincName, plainConceptName } from '../../electron/core/records/plain-names.js';
import { recordColumns } from '../../electron/core/records/record-columns.js';

const loinc = (code: string, text?: string, display?: string) => ({
  ...(text ? { text } : {}),
  coding: [{ system: 'http://loinc.org', code, ...(display ? { display } : {}) }],
});

describe('record titles in plain words', () => {
  it('reads a LOINC short name as its long common name, made friendlier', () => {
    // As the SMART sample patients send them: text and display both the short name.
    expect(plainConceptName(loinc('2160-0', 'Creat SerPl-mCnc', 'Creat SerPl-mCnc'))).toBe(
      'Creatinine (serum or plasma)',
    );
    expect(plainConceptName(loinc('2823-3', 'Potassium SerPl-sCnc'))).toBe('Potassium (serum or plasma)');
    expect(plainConceptName(loinc('789-8', undefined, 'RBC # Bld Auto'))).toBe('Erythrocytes (blood)');
  });

  it('keeps the words a source wrote for people', () => {
    expect(plainConceptName(loinc('29463-7', 'Body Weight'))).toBe('Body Weight');
    expect(plainConceptName(loinc('72166-2', 'Tobacco smoking status'))).toBe('Tobacco smoking status');
  });

  it('names a smoking status or tobacco use sent with its code alone, as C-CDA and US Core name it', () => {
    expect(plainConceptName(loinc('72166-2'))).toBe('Tobacco smoking status');
    expect(plainConceptName(loinc('11367-0'))).toBe('History of Tobacco use');
  });

  it('says a code written as a word in words', () => {
    expect(plainConceptName(loinc('2710-2', 'oxygen_saturation'))).toBe('Oxygen saturation');
    expect(plainConceptName(loinc('8867-4', 'heart_rate'))).toBe('Heart rate');
    expect(plainConceptName({ text: 'bmi' })).toBe('Body mass index');
  });

  it('drops SNOMED CT semantic tags', () => {
    const concept = {
      coding: [
        {
          system: 'http://snomed.info/sct',
          code: '162864005',
          display: 'Body mass index 30+ - obesity (finding)',
        },
      ],
    };
    expect(plainConceptName(concept)).toBe('Body mass index 30+ - obesity');
    const condition = recordColumns({
      resourceType: 'Condition',
      code: { text: 'Chronic congestive heart failure (disorder)' },
    });
    expect(condition.display).toBe('Chronic congestive heart failure');
  });

  it('turns only the shapes it knows into friendlier names', () => {
    expect(friendlierLoincName('Hemoglobin A1c/Hemoglobin.total in Blood')).toBe(
      'Hemoglobin A1c/Hemoglobin.total (blood)',
    );
    expect(friendlierLoincName('Glucose [Mass/volume] in Urine by Test strip')).toBe('Glucose (urine)');
    expect(friendlierLoincName('Body height')).toBe('Body height');
    expect(friendlierLoincName('Carbon dioxide, total [Moles/volume] in Serum or Plasma')).toBe(
      'Carbon dioxide, total (serum or plasma)',
    );
  });
});

describe('units as people write them', () => {
  it.each([
    ['%{HemoglobinSaturation}', '%'],
    ['mL/min/{1.73_m2}', 'mL/min/1.73 m²'],
    ['{cells}/uL', 'cells/µL'],
    ['{tablet}', 'tablet'],
    ['/[HPF]', '/HPF'],
    ['10*3/uL', '×10³/µL'],
    ['uIU/mL', 'µIU/mL'],
    ['m[IU]/L', 'mIU/L'],
    ['mm[Hg]', 'mmHg'],
    ['kg/m2', 'kg/m²'],
    ['mmol/L', 'mmol/L'],
    ['Cel', '°C'],
  ])('%s reads %s', (ucum, words) => {
    expect(readableUnit(ucum)).toBe(words);
  });

  it('leaves pH without a unit, and the value reads alone', () => {
    const ph = recordColumns({
      resourceType: 'Observation',
      code: loinc('5803-2', 'pH Ur Strip'),
      valueQuantity: { value: 6, unit: '[pH]', system: 'http://unitsofmeasure.org', code: '[pH]' },
    });
    expect([ph.display, ph.valueText, ph.valueUnit]).toEqual(['pH of Urine', '6', null]);
    const spo2 = recordColumns({
      resourceType: 'Observation',
      code: loinc('2710-2', 'oxygen_saturation'),
      valueQuantity: { value: 96, unit: '%{HemoglobinSaturation}', code: '%{HemoglobinSaturation}' },
    });
    expect([spo2.display, spo2.valueText, spo2.valueUnit]).toEqual(['Oxygen saturation', '96 %', '%']);
  });
});

describe('the LOINC notice', () => {
  it('is the one the license asks for, shown by the window and shipped with the table', async () => {
    const { readFileSync } = await import('node:fs');
    const { LOINC_NOTICE } = await import('../../shared/loinc-notice.js');
    const generated = await import('../../electron/core/records/loinc-names.generated.js');
    const notice = readFileSync(
      new URL('../../build/loinc/LOINC_short_license.txt', import.meta.url),
      'utf8',
    );
    expect(LOINC_NOTICE).toBe(notice.trim());
    expect(generated.LOINC_NOTICE).toBe(notice.trim());
    expect(generated.LOINC_LICENSE).toBe(
      readFileSync(new URL('../../build/loinc/LoincLicense_5.5.txt', import.meta.url), 'utf8'),
    );
  });
});
