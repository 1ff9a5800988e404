import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { importFhirFiles } from '../../electron/core/exchange/import-fhir.js';
import { patientSummary } from '../../electron/core/records/summary.js';
import {
  BLOOD_PRESSURE_CODES,
  analyteOf,
  direction,
  recentTrends,
  lineBreaks,
  sameAnalyteCodes,
  trendChoices,
  trendSeries,
} from '../../electron/core/records/trends.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { searchRecords } from '../../electron/core/vault/search.js';
import { timelineCounts } from '../../electron/core/vault/timeline-counts.js';
import { recordStats } from '../../electron/core/vault/timeline.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { hba1cResult } from '../support/fhir-builders.js';
import { FAST_SCRYPT, GEOFFREY, US_CORE_355, tempDir } from '../support/temp-dir.js';
import { SMART_2502813, SMART_2502813_VITALS } from '../../testkit/fixture-paths.js';

describe('summary, trends and timeline counts', () => {
  let vault: VaultFile;
  let geoffrey: number;
  let uscore: number;
  let ruth: number;

  beforeAll(async () => {
    vault = new VaultFile(join(tempDir(), 'vault.phrvault'), { scrypt: FAST_SCRYPT });
    await vault.create('correct horse battery');
    geoffrey = addPerson(vault.db, { name: 'Geoffrey', relationship: 'parent' }).id;
    uscore = addPerson(vault.db, { name: 'Amy', relationship: 'partner' }).id;
    await importFhirFiles(vault.db, [GEOFFREY], { personId: geoffrey, sourceLabel: 'Example Clinic' });
    await importFhirFiles(vault.db, [US_CORE_355], { personId: uscore, sourceLabel: 'Example Hospital' });
    ruth = addPerson(vault.db, { name: 'Ruth', relationship: 'parent' }).id;
    await importFhirFiles(vault.db, [SMART_2502813, SMART_2502813_VITALS], {
      personId: ruth,
      sourceLabel: 'Pharmacy and clinic',
    });
    // No fixture carries a numeric reference range, so two HbA1c results bring one.
    const hba1c = hba1cResult;
    const file = join(tempDir(), 'hba1c.ndjson');
    writeFileSync(
      file,
      [hba1c('a', '2021-02-11', 5.4), hba1c('b', '2020-01-10', 6.1, { low: 4, high: 5.6 })]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    await importFhirFiles(vault.db, [file], { personId: uscore, sourceLabel: 'Example Lab' });
    return () => vault.lock();
  });

  it('charts blood pressure as systolic and diastolic series, oldest first', () => {
    const series = trendSeries(vault.db, geoffrey, '55284-4');
    expect(series.map((s) => s.label)).toEqual(['Systolic', 'Diastolic']);
    const [systolic, diastolic] = series;
    expect(systolic!.points.length).toBeGreaterThan(1);
    expect(systolic!.points.length).toBe(diastolic!.points.length);
    const dates = systolic!.points.map((p) => p.date);
    expect([...dates].sort()).toEqual(dates);
    expect(systolic!.points.every((p, i) => p.value > diastolic!.points[i]!.value)).toBe(true);
    expect(systolic!.points[0]!.unit).toBe('mmHg');
  });

  it('charts a single measurement by its LOINC code, and nothing for a code it does not have', () => {
    const weight = trendSeries(vault.db, geoffrey, '29463-7');
    expect(weight).toHaveLength(1);
    expect(weight[0]!.label).toBe('Body Weight');
    expect(weight[0]!.points.every((p) => p.unit === 'kg' && p.value > 0)).toBe(true);
    expect(trendSeries(vault.db, geoffrey, '99999-9')).toEqual([]);
    expect(() => trendSeries(vault.db, geoffrey, "1' OR 1=1")).toThrow();
  });

  it('reads reference ranges where the record gives them', () => {
    const [hba1c] = trendSeries(vault.db, uscore, '4548-4');
    expect(hba1c!.points.map((p) => [p.date.slice(0, 10), p.value, p.unit, p.low, p.high])).toEqual([
      ['2020-01-10', 6.1, '%', 4, 5.6],
      ['2021-02-11', 5.4, '%', null, null],
    ]);
  });

  it('marks the reading out of its usual range, by the same flag the Summary uses', () => {
    const [hba1c] = trendSeries(vault.db, uscore, '4548-4');
    expect(hba1c!.points.map((p) => p.flag)).toEqual(['high', null]);
  });

  it('marks each blood pressure reading above the usual numbers, systolic and diastolic apart', () => {
    const [systolic, diastolic] = trendSeries(vault.db, geoffrey, '55284-4');
    for (const p of systolic!.points) expect(p.flag !== null).toBe(p.value >= 130);
    for (const p of diastolic!.points) expect(p.flag !== null).toBe(p.value >= 80);
  });

  it('breaks the line across a gap far longer than the usual spacing, and nowhere else', () => {
    const [systolic] = trendSeries(vault.db, geoffrey, '55284-4');
    const dates = systolic!.points.map((p) => p.date);
    // The fixture's readings come one to three years apart (two in the middle): none breaks.
    expect(systolic!.points.every((p) => !p.breakBefore)).toBe(true);
    expect(systolic!.points.map((p) => p.breakBefore)).toEqual(lineBreaks(dates));
    // The same readings with ten silent years before the last one: only that gap breaks.
    const last = new Date(Date.parse(dates.at(-1)!) + 10 * 365 * 86_400_000).toISOString();
    const breaks = lineBreaks([...dates, last]);
    expect(breaks.filter(Boolean)).toHaveLength(1);
    expect(breaks.at(-1)).toBe(true);
    // Monthly readings break after a silent year, though a year is not long for yearly ones.
    const monthly = ['2020-01-01', '2020-02-01', '2020-03-01', '2020-04-01', '2021-04-01'];
    expect(lineBreaks(monthly)).toEqual([false, false, false, false, true]);
    expect(lineBreaks(['2019-01-01', '2020-01-01', '2021-01-01', '2022-01-01'])).toEqual([
      false,
      false,
      false,
      false,
    ]);
    // Nothing to break in one or two readings' worth of spacing shorter than half a year.
    expect(lineBreaks(['2020-01-01', '2020-01-08', '2020-05-01'])).toEqual([false, false, false]);
  });

  it('reads analyte and specimen from LOINC, keeping blood, serum and plasma together and urine apart', () => {
    expect(analyteOf('2345-7')).toMatchObject({ component: 'Glucose', specimen: 'Serum or Plasma' });
    expect(analyteOf('2339-0')).toMatchObject({ component: 'Glucose', specimen: 'Blood' });
    expect(analyteOf('2345-7')!.key).toBe(analyteOf('2339-0')!.key);
    // Urine glucose and glucose in mmol/L are other measurements.
    expect(sameAnalyteCodes('2345-7')).toContain('2339-0');
    expect(sameAnalyteCodes('2345-7')).not.toContain('5792-7');
    expect(sameAnalyteCodes('2345-7')).not.toContain('14749-6');
    expect(sameAnalyteCodes('8480-6')).toEqual(['8480-6']);
  });

  it('offers glucose from serum and from blood as one choice, whose series says each specimen', () => {
    const choices = trendChoices(vault.db, ruth);
    const glucose = choices.filter((c) => ['2345-7', '2339-0'].includes(c.code));
    expect(glucose).toHaveLength(1);
    expect(glucose[0]!.label).toBe('Glucose (blood, serum or plasma)');
    const [series, ...more] = trendSeries(vault.db, ruth, glucose[0]!.code);
    expect(more).toEqual([]);
    const specimens = new Set(series!.points.map((p) => p.specimen));
    expect(specimens).toEqual(new Set(['Serum or Plasma', 'Blood']));
    const dates = series!.points.map((p) => p.date);
    expect([...dates].sort()).toEqual(dates);
    // Either code leads to the same readings.
    const other = glucose[0]!.code === '2345-7' ? '2339-0' : '2345-7';
    expect(trendSeries(vault.db, ruth, other)[0]!.points).toHaveLength(series!.points.length);
    // A single-specimen measurement says no specimen.
    expect(trendSeries(vault.db, geoffrey, '29463-7')[0]!.points.every((p) => p.specimen === null)).toBe(
      true,
    );
  });

  it('groups the picker by kind: vital signs, labs and the rest', () => {
    const choices = trendChoices(vault.db, ruth);
    const kindOf = (code: string) => choices.find((c) => c.code === code)?.kind;
    expect(kindOf('55284-4') ?? kindOf('85354-9')).toBe('vitals');
    expect(choices.find((c) => c.label.startsWith('Glucose'))!.kind).toBe('labs');
    expect(choices.find((c) => c.code === '2823-3' || c.code === '6298-4')!.kind).toBe('labs');
    expect(choices.every((c) => ['vitals', 'labs', 'other'].includes(c.kind))).toBe(true);
  });

  it("gives each of the Summary's latest vital signs its last readings and which way they go", () => {
    const vitals = patientSummary(vault.db, ruth).vitals;
    const bp = vitals.find((v) => v.title.toLowerCase().includes('blood pressure'))!;
    const trends = recentTrends(
      vault.db,
      ruth,
      vitals.map((v) => v.id),
    );
    const own = trends.find((t) => t.recordId === bp.id)!;
    expect(BLOOD_PRESSURE_CODES).toContain(own.code);
    const systolic = trendSeries(vault.db, ruth, own.code)[0]!.points.map((p) => p.value);
    // The latest reading is the last value: blood pressure is followed by its systolic number.
    expect(own.values).toEqual(systolic.slice(-8));
    expect(own.values.at(-1)).toBe(134);
    expect(own.direction).toBe(direction(own.values));
    // Another person's record gives nothing.
    expect(recentTrends(vault.db, geoffrey, [bp.id])).toEqual([]);
    expect(direction([100, 102, 104])).toBe('steady');
    expect(direction([100, 120])).toBe('rising');
    expect(direction([80, 70, 60])).toBe('falling');
  });

  it('offers every numeric measurement a person has, most measured first', () => {
    const choices = trendChoices(vault.db, geoffrey);
    const codes = choices.map((c) => c.code);
    expect(codes.some((c) => BLOOD_PRESSURE_CODES.includes(c))).toBe(true);
    expect(codes).toContain('29463-7');
    const counts = choices.map((c) => c.count);
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);
  });

  it('summarises active problems, current medications, allergies, immunizations, vitals and labs', () => {
    const summary = patientSummary(vault.db, geoffrey);
    expect(summary.problems.length).toBeGreaterThan(0);
    expect(summary.problems.every((p) => p.category === 'conditions')).toBe(true);
    expect(summary.immunizations.length).toBeGreaterThan(0);
    expect(summary.vitals.length).toBeGreaterThan(0);
    // Latest of each: no measurement is listed twice.
    const vitalNames = summary.vitals.map((v) => v.title);
    expect(new Set(vitalNames).size).toBe(vitalNames.length);
    expect(summary.labs.every((l) => l.category === 'labs')).toBe(true);
    const other = patientSummary(vault.db, uscore);
    expect(other.problems.every((p) => p.personId === uscore)).toBe(true);
  });

  it('counts each category under the search words and date range', () => {
    const all = timelineCounts(vault.db, { personId: geoffrey });
    const stats = recordStats(vault.db, geoffrey);
    expect(all.byCategory.vitals).toBe(stats.byCategory.vitals);
    expect(all.byCategory.billing).toBeUndefined();

    const searched = timelineCounts(vault.db, { personId: geoffrey, query: 'blood pressure' });
    const found = searchRecords(vault.db, { personId: geoffrey, query: 'blood pressure', limit: 500 });
    expect(searched.total).toBe(found.length);
    expect(searched.total).toBeGreaterThan(0);

    const recent = timelineCounts(vault.db, { personId: geoffrey, from: '2018-01-01' });
    expect(recent.total).toBeLessThan(all.total);
    const nothing = timelineCounts(vault.db, { personId: geoffrey, query: '!!!' });
    expect(nothing.total).toBe(0);
  });

  it('searches under source and date filters together', () => {
    const recent = searchRecords(vault.db, {
      personId: geoffrey,
      query: 'blood',
      limit: 500,
      from: '2018-01-01',
    });
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.every((e) => e.date! >= '2018-01-01')).toBe(true);
    expect(
      searchRecords(vault.db, { personId: geoffrey, query: 'blood', limit: 500, connectionIds: [-1] }),
    ).toEqual([]);
  });
});
