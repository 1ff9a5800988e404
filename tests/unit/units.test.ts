import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../shared/domain.js';
import { readRecord } from '../../electron/core/records/record-detail.js';
import { convertReading, detailInUnits, inUnits, unitsForLocale } from '../../electron/core/records/units.js';

const vital = (value: string, valueNum: number | null, unit: string | null): TimelineEntry => ({
  id: 1,
  personId: 1,
  resourceType: 'Observation',
  category: 'vitals',
  date: '2014-09-16T13:45:00.000Z',
  title: 'Body weight',
  value,
  valueNum,
  unit,
  abnormal: false,
  flag: null,
  status: null,
  source: { connectionId: 1, label: 'Clinic' },
  sources: 1,
});

describe('units people read', () => {
  it('default from the region: the United States, Liberia and Myanmar read pounds and °F', () => {
    expect(unitsForLocale('en-US')).toBe('us');
    expect(unitsForLocale('es-US')).toBe('us');
    expect(unitsForLocale('en-LR')).toBe('us');
    expect(unitsForLocale('my-MM')).toBe('us');
    expect(unitsForLocale('my')).toBe('us');
    expect(unitsForLocale('en-GB')).toBe('metric');
    expect(unitsForLocale('en-CA')).toBe('metric');
    expect(unitsForLocale('de-DE')).toBe('metric');
    expect(unitsForLocale('fr')).toBe('metric');
    expect(unitsForLocale('not a locale!')).toBe('metric');
    expect(unitsForLocale(undefined)).toBe('metric');
  });

  it('converts weight, height and temperature through UCUM both ways', () => {
    expect(convertReading(86, 'kg', 'us')!.value).toBeCloseTo(189.5975, 3);
    expect(convertReading(189.6, 'lb', 'metric')!.value).toBeCloseTo(86.0, 1);
    expect(convertReading(3500, 'g', 'us')!.value).toBeCloseTo(7.716, 3);
    expect(convertReading(177, 'cm', 'us')).toEqual({
      value: expect.closeTo(69.685, 3) as number,
      unit: 'in',
    });
    expect(convertReading(1.77, 'm', 'metric')).toEqual({
      value: expect.closeTo(177, 6) as number,
      unit: 'cm',
    });
    expect(convertReading(37, '°C', 'us')).toEqual({ value: expect.closeTo(98.6, 6) as number, unit: '°F' });
    expect(convertReading(100.4, '°F', 'metric')!.value).toBeCloseTo(38, 6);
    // Already in the person's units: as it is.
    expect(convertReading(86, 'kg', 'metric')).toEqual({ value: 86, unit: 'kg' });
    // Not a weight, a height or a temperature: not converted.
    expect(convertReading(5.6, 'mg/dL', 'us')).toBeNull();
    expect(convertReading(120, 'mmHg', 'metric')).toBeNull();
  });

  it('shows a vital sign’s entry in the person’s units, one decimal', () => {
    expect(inUnits(vital('86 kg', 86, 'kg'), 'us')).toMatchObject({ value: '189.6 lb', unit: 'lb' });
    expect(inUnits(vital('86 kg', 86, 'kg'), 'us').valueNum).toBeCloseTo(189.5975, 3);
    expect(inUnits(vital('98.6 °F', 98.6, '°F'), 'metric')).toMatchObject({ value: '37 °C', unit: '°C' });
    expect(inUnits(vital('86 kg', 86, 'kg'), 'metric')).toMatchObject({ value: '86 kg' });
  });

  it('leaves alone what is not one plain number: a comparator, a pair, a lab result, no number', () => {
    const under = vital('<2.5 kg', 2.5, 'kg');
    expect(inUnits(under, 'us')).toBe(under);
    const pressure = vital('120/80 mmHg', null, 'mmHg');
    expect(inUnits(pressure, 'metric')).toBe(pressure);
    const lab = { ...vital('12 g', 12, 'g'), category: 'labs' as const };
    expect(inUnits(lab, 'us')).toBe(lab);
    const words = vital('Normal', null, null);
    expect(inUnits(words, 'us')).toBe(words);
  });

  it('shows a vital sign’s detail in the person’s units too: its range bar, its usual range, and what was sent', () => {
    // A body temperature as FHIR R4 writes one (vital-signs profile, UCUM Cel), with a usual range.
    const temperature = {
      resourceType: 'Observation',
      status: 'final',
      category: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
          ],
        },
      ],
      code: { coding: [{ system: 'http://loinc.org', code: '8310-5', display: 'Body temperature' }] },
      effectiveDateTime: '2024-02-03',
      valueQuantity: { value: 38.2, unit: 'Cel', system: 'http://unitsofmeasure.org', code: 'Cel' },
      referenceRange: [
        { low: { value: 36.1, unit: 'Cel', code: 'Cel' }, high: { value: 37.2, unit: 'Cel', code: 'Cel' } },
      ],
    };
    const entry = { ...vital('38.2 °C', 38.2, '°C'), title: 'Body temperature', flag: 'high' as const };
    const detail = readRecord(temperature);
    expect(detail.result).toMatchObject({ value: 38.2, low: 36.1, high: 37.2, unit: '°C', flag: 'high' });

    const us = detailInUnits(entry, detail, 'us');
    expect(us.result).toMatchObject({ unit: '°F', flag: 'high' });
    expect(us.result!.value).toBeCloseTo(100.76, 2);
    expect(us.result!.low).toBeCloseTo(96.98, 2);
    expect(us.result!.high).toBeCloseTo(98.96, 2);
    const words = Object.fromEntries(us.facts.map((f) => [f.label, f.kind === 'words' ? f.words : null]));
    expect(words['Usual range']).toBe('97 to 99 °F (as sent: 36.1 to 37.2 °C)');
    expect(words['As sent']).toBe('38.2 °C');
    // Right after the date, where the detail begins.
    expect(us.facts.map((f) => f.label).slice(0, 2)).toEqual(['Date', 'As sent']);

    // Already in the person's units, or not a plain reading: nothing changes.
    expect(detailInUnits(entry, detail, 'metric')).toBe(detail);
    expect(detailInUnits(vital('<35 °C', 35, '°C'), detail, 'us')).toBe(detail);
    expect(detailInUnits({ ...entry, category: 'labs' }, detail, 'us')).toBe(detail);
  });
});
