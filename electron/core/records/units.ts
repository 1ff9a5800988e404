import ucum from '@lhncbc/ucum-lhc';
import type { ResultReading, TimelineEntry } from '../../../shared/domain.js';
import type { RecordFact } from '../../../shared/ipc/areas/records.js';
import { rangeWords } from '../../../shared/range-words.js';
import type { UnitSystem } from '../../../shared/ipc/areas/settings.js';

/**
 * Weight, height and body temperature in the units the person reads them in. The numbers are
 * converted by the UCUM library of the U.S. National Library of Medicine (@lhncbc/ucum-lhc), never
 * by factors written here; the record keeps the value its source sent.
 */

type Measure = 'mass' | 'length' | 'temperature';

/** The units a stored value may carry (as records/fhir-values.ts writes them), by their UCUM code. */
const KNOWN: Record<string, { ucum: string; measure: Measure }> = {
  kg: { ucum: 'kg', measure: 'mass' },
  g: { ucum: 'g', measure: 'mass' },
  lb: { ucum: '[lb_av]', measure: 'mass' },
  lbs: { ucum: '[lb_av]', measure: 'mass' },
  oz: { ucum: '[oz_av]', measure: 'mass' },
  cm: { ucum: 'cm', measure: 'length' },
  m: { ucum: 'm', measure: 'length' },
  mm: { ucum: 'mm', measure: 'length' },
  in: { ucum: '[in_i]', measure: 'length' },
  ft: { ucum: '[ft_i]', measure: 'length' },
  '°C': { ucum: 'Cel', measure: 'temperature' },
  '°F': { ucum: '[degF]', measure: 'temperature' },
};

/** What each measure is shown in, and how it is written. */
const SHOWN_IN: Record<UnitSystem, Record<Measure, { ucum: string; unit: string }>> = {
  us: {
    mass: { ucum: '[lb_av]', unit: 'lb' },
    length: { ucum: '[in_i]', unit: 'in' },
    temperature: { ucum: '[degF]', unit: '°F' },
  },
  metric: {
    mass: { ucum: 'kg', unit: 'kg' },
    length: { ucum: 'cm', unit: 'cm' },
    temperature: { ucum: 'Cel', unit: '°C' },
  },
};

// Regions whose people read pounds, inches and °F (CLDR's measurement system "US").
const US_CUSTOMARY_REGIONS = new Set(['US', 'LR', 'MM']);

/** The units a locale reads weight, height and temperature in: "en-US" → us, "en-GB" → metric. */
export function unitsForLocale(locale: string | undefined): UnitSystem {
  try {
    const region = locale ? new Intl.Locale(locale).maximize().region : undefined;
    return region && US_CUSTOMARY_REGIONS.has(region) ? 'us' : 'metric';
  } catch {
    return 'metric';
  }
}

/** The computer's own locale, as the process sees it (the system's region settings). */
export function systemUnits(): UnitSystem {
  return unitsForLocale(Intl.DateTimeFormat().resolvedOptions().locale);
}

let converter: ReturnType<typeof ucum.UcumLhcUtils.getInstance> | undefined;

/** `value` in `from` (a unit as stored) in `system`'s unit for its measure, or null if it is none. */
export function convertReading(
  value: number,
  from: string,
  system: UnitSystem,
): { value: number; unit: string } | null {
  const known = KNOWN[from];
  if (!known) return null;
  const target = SHOWN_IN[system][known.measure];
  if (target.unit === from) return { value, unit: from };
  converter ??= ucum.UcumLhcUtils.getInstance();
  const result = converter.convertUnitTo(known.ucum, value, target.ucum);
  if (result.status !== 'succeeded' || result.toVal === null || !Number.isFinite(result.toVal)) return null;
  return { value: result.toVal, unit: target.unit };
}

/** One decimal, as scales and thermometers show them ("155.2 lb", "37.8 °C", "68.9 in"). */
function readingText(value: number): string {
  return String(Number(value.toFixed(1)));
}

/**
 * A vital sign's entry in the person's units. Only a value that is exactly one number and its
 * unit ("86 kg") is converted: "<2.5 kg" or "120/80 mmHg" stay as their source wrote them, and
 * results in other categories keep the units their lab reports them in.
 */
export function inUnits<E extends TimelineEntry>(entry: E, system: UnitSystem): E {
  if (entry.category !== 'vitals' || entry.valueNum == null || !entry.unit || !entry.value) return entry;
  if (!/^-?\d+(\.\d+)? /.test(entry.value) || !entry.value.endsWith(` ${entry.unit}`)) return entry;
  const shown = convertReading(entry.valueNum, entry.unit, system);
  if (!shown || shown.unit === entry.unit) return entry;
  return {
    ...entry,
    value: `${readingText(shown.value)} ${shown.unit}`,
    unit: shown.unit,
    valueNum: shown.value,
  };
}

type Reading = { value: number; low: number | null; high: number | null; unit: string };

/**
 * A reading and its usual range in `system`'s unit for its measure (a trend's point, a detail's
 * range bar), or null when it is not a weight, height or temperature or is already in that unit.
 */
export function readingInUnits(reading: Reading, system: UnitSystem): Reading | null {
  const value = convertReading(reading.value, reading.unit, system);
  if (!value || value.unit === reading.unit) return null;
  const bound = (n: number | null) =>
    n === null ? null : (convertReading(n, reading.unit, system)?.value ?? null);
  return { value: value.value, unit: value.unit, low: bound(reading.low), high: bound(reading.high) };
}

type Detail = { facts: RecordFact[]; result: ResultReading | null };

/**
 * A vital sign's detail in the person's units, as its timeline row (`inUnits`): the range bar's
 * value and usual range, and the usual range in words. What the source sent stays beside it
 * ("As sent"), so a converted number can always be checked against the record.
 */
export function detailInUnits<D extends Detail>(entry: TimelineEntry, detail: D, system: UnitSystem): D {
  const result = detail.result;
  // Only where the row itself is converted, so the number above the bar and the bar agree.
  if (inUnits(entry, system) === entry || !result?.unit || result.value === null) return detail;
  const converted = readingInUnits({ ...result, value: result.value, unit: result.unit }, system);
  if (converted === null) return detail;
  const { low, high, unit } = converted;
  const range = rangeWords(low, high, unit, readingText);
  const facts = detail.facts.flatMap((fact): RecordFact[] =>
    fact.kind === 'words' && fact.label === 'Usual range' && range
      ? [{ ...fact, words: `${range} (as sent: ${fact.words})` }]
      : [fact],
  );
  // After the date, where the detail's lines begin.
  const at = facts[0]?.label === 'Date' ? 1 : 0;
  facts.splice(at, 0, { kind: 'words', label: 'As sent', words: entry.value! });
  return {
    ...detail,
    facts,
    result: { ...result, ...converted },
  };
}
