import type { ResultFlag, ResultReading } from '../../../shared/domain.js';
import {
  codings,
  conceptText,
  hasCode,
  isObject,
  list,
  num,
  readableUnit,
  str,
  type Json,
} from './fhir-values.js';

/**
 * Whether a result is high, low or critical, and who says so. The source's own interpretation
 * wins (the lab knows its method and the patient); without one, the reference range the source
 * sent; for vital signs without either, the usual adult categories below.
 */

// HL7 v3 ObservationInterpretation codes (used by every FHIR version), by what they tell a patient.
const INTERPRETATION_FLAGS: Record<string, ResultFlag> = {
  HH: 'critical-high',
  HU: 'critical-high',
  LL: 'critical-low',
  LU: 'critical-low',
  AA: 'critical',
  H: 'high',
  '>': 'high',
  L: 'low',
  '<': 'low',
  A: 'abnormal',
  POS: 'abnormal',
  DET: 'abnormal',
  R: 'abnormal',
};

// Codes that say "nothing to flag": a normal result must not be flagged by a range that disagrees.
const NORMAL_INTERPRETATIONS = ['N', 'NEG', 'ND', 'S'];

// Words some sources send as the interpretation's only text.
const INTERPRETATION_WORDS: Record<string, ResultFlag> = {
  high: 'high',
  low: 'low',
  abnormal: 'abnormal',
  'critical high': 'critical-high',
  'critically high': 'critical-high',
  'critical low': 'critical-low',
  'critically low': 'critical-low',
  critical: 'critical',
};

function fromInterpretation(r: Json): ResultFlag | null | 'normal' {
  const concepts = list(r.interpretation);
  for (const c of concepts.flatMap(codings)) {
    const flag = INTERPRETATION_FLAGS[String(c.code ?? '')];
    if (flag) return flag;
  }
  if (hasCode(concepts, NORMAL_INTERPRETATIONS)) return 'normal';
  for (const concept of concepts) {
    const words = conceptText(concept)?.toLowerCase();
    if (!words) continue;
    if (words === 'normal') return 'normal';
    const flag = INTERPRETATION_WORDS[words];
    if (flag) return flag;
  }
  return null;
}

function rangeBound(value: unknown): number | undefined {
  return isObject(value) ? num(value.value) : undefined;
}

/** The first range that gives a bound (the "normal" one when a source sends several). */
function referenceRange(r: Json): { low: number | undefined; high: number | undefined } | null {
  const ranges = list(r.referenceRange).filter(isObject);
  const normal = ranges.find((range) => hasCode(range.type, ['normal'])) ?? ranges[0];
  for (const range of normal ? [normal, ...ranges] : []) {
    const low = rangeBound(range.low);
    const high = rangeBound(range.high);
    if (low !== undefined || high !== undefined) return { low, high };
  }
  return null;
}

function fromRange(r: Json, value: number): ResultFlag | null {
  const range = referenceRange(r);
  if (!range) return null;
  if (range.low !== undefined && value < range.low) return 'low';
  if (range.high !== undefined && value > range.high) return 'high';
  return null;
}

const SYSTOLIC = '8480-6';
const DIASTOLIC = '8462-4';
const OXYGEN_SATURATION = ['2708-6', '59408-5', '59417-6'];
const BODY_TEMPERATURE = ['8310-5', '8331-1', '8332-9', '8333-7', '8328-7', '8334-5'];

function componentValue(r: Json, code: string): number | undefined {
  const component = list(r.component)
    .filter(isObject)
    .find((c) => hasCode(c.code, [code]));
  return component && isObject(component.valueQuantity) ? num(component.valueQuantity.value) : undefined;
}

/**
 * Blood pressure by the 2017 ACC/AHA adult categories: 180 or more systolic, or 120 or more
 * diastolic, is a hypertensive crisis; 130/80 or more is high (stage 1 and 2 hypertension);
 * under 90 systolic or 60 diastolic is low.
 */
function bloodPressureFlag(systolic: number | undefined, diastolic: number | undefined): ResultFlag | null {
  const s = systolic ?? Number.NaN;
  const d = diastolic ?? Number.NaN;
  if (s >= 180 || d >= 120) return 'critical-high';
  if (s >= 130 || d >= 80) return 'high';
  if (s < 90 || d < 60) return 'low';
  return null;
}

/** Oxygen saturation: under 95 % is below what healthy lungs give, under 90 % needs care now. */
function oxygenFlag(value: number): ResultFlag | null {
  if (value < 90) return 'critical-low';
  if (value < 95) return 'low';
  return null;
}

/**
 * Body temperature by its UCUM unit: fever from 38.0 °C (100.4 °F), high fever from 40 °C
 * (104 °F), hypothermia under 35 °C (95 °F). These are the clinical thresholds as stated in
 * each unit, not conversions, so no factor is written here.
 */
function temperatureFlag(value: number, unit: string | undefined): ResultFlag | null {
  const celsius = unit === 'Cel' || unit === '°C' || unit === 'C';
  const fahrenheit = unit === '[degF]' || unit === '°F' || unit === 'F' || unit === 'degF';
  if (!celsius && !fahrenheit) return null;
  const [fever, highFever, cold] = celsius ? [38, 40, 35] : [100.4, 104, 95];
  if (value >= highFever) return 'critical-high';
  if (value >= fever) return 'high';
  if (value < cold) return 'low';
  return null;
}

function vitalSignFlag(r: Json): ResultFlag | null {
  const systolic = componentValue(r, SYSTOLIC);
  const diastolic = componentValue(r, DIASTOLIC);
  if (systolic !== undefined || diastolic !== undefined) return bloodPressureFlag(systolic, diastolic);
  const q = isObject(r.valueQuantity) ? r.valueQuantity : undefined;
  const value = q ? num(q.value) : undefined;
  if (value === undefined || !q) return null;
  if (hasCode(r.code, [SYSTOLIC])) return bloodPressureFlag(value, undefined);
  if (hasCode(r.code, [DIASTOLIC])) return bloodPressureFlag(undefined, value);
  if (hasCode(r.code, OXYGEN_SATURATION)) return oxygenFlag(value);
  if (hasCode(r.code, BODY_TEMPERATURE)) return temperatureFlag(value, str(q.code) ?? str(q.unit));
  return null;
}

/** The flag a result carries, or null when it is in range or nothing says either way. */
export function resultFlag(r: Json): ResultFlag | null {
  const said = fromInterpretation(r);
  if (said === 'normal') return null;
  if (said) return said;
  const value = isObject(r.valueQuantity) ? num(r.valueQuantity.value) : undefined;
  if (value !== undefined) {
    const byRange = fromRange(r, value);
    if (byRange) return byRange;
  }
  return vitalSignFlag(r);
}

const TREND_CODE = /^[A-Za-z0-9.-]{1,64}$/;

/**
 * What a result's detail shows beside its value: its flag, the numbers a range bar needs (the
 * source's range, where it gave one), and the LOINC code its trend is charted by. Null for a
 * record that is not an Observation.
 */
export function resultReading(resource: unknown): ResultReading | null {
  if (!isObject(resource) || resource.resourceType !== 'Observation') return null;
  const q = isObject(resource.valueQuantity) ? resource.valueQuantity : undefined;
  const value = q ? (num(q.value) ?? null) : null;
  const range = value === null ? null : referenceRange(resource);
  const trendCode =
    codings(resource.code)
      .filter((c) => c.system === 'http://loinc.org')
      .map((c) => str(c.code))
      .find((code): code is string => code !== undefined && TREND_CODE.test(code)) ?? null;
  return {
    flag: resultFlag(resource),
    value,
    low: range?.low ?? null,
    high: range?.high ?? null,
    unit: (q && readableUnit(str(q.unit) ?? str(q.code))) || null,
    trendCode,
  };
}
