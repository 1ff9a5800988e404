import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../shared/domain.js';
import { convertReading, inUnits, unitsForLocale } from '../../electron/core/records/units.js';

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
});
