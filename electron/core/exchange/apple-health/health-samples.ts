import { createHash } from 'node:crypto';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { VaultError } from '../../errors.js';
import type { Json } from '../../records/fhir-values.js';

/**
 * Reads Apple Health's `export.xml` as a stream: the measurements a clinician asks about become
 * vital-sign Observations, and the `<ClinicalRecord>` rows say which institution (`sourceURL`)
 * each file under clinical-records/ came from. Memory holds one entry per kind of measurement and
 * day, never the samples, so a file of gigabytes reads in the same few megabytes.
 *
 * The export's shape follows what the Health app writes ("Export All Health Data"):
 * `<HealthData>` with `<Record type="HKQuantityTypeIdentifier…" unit value startDate endDate
 * sourceName>`, blood pressure as `<Correlation type="HKCorrelationTypeIdentifierBloodPressure">`
 * around a systolic and a diastolic `<Record>`, and `<ClinicalRecord type identifier sourceName
 * sourceURL fhirVersion receivedDate resourceFilePath>` for each Health Records download.
 *
 * How samples are summarised: for each kind of measurement and each calendar day (the day as the
 * phone recorded it, in its own offset), up to SAMPLES_KEPT_A_DAY samples are kept as they are,
 * one Observation each (a weight, a few blood pressures, a temperature). A day with more (a watch's
 * heart rate every few minutes, a glucose sensor) becomes one Observation for the day: its value
 * the day's mean, its components the lowest, mean and highest, its period from the first to the
 * last sample, and a note with how many samples it sums up.
 */

export const SAMPLES_KEPT_A_DAY = 4;
export const APPLE_HEALTH_SOURCE = 'Apple Health';

type Coding = { code: string; display: string };
type Kind = { key: string; loinc: Coding; text: string };

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';

const KINDS: Record<string, Kind> = {
  HKQuantityTypeIdentifierHeartRate: {
    key: 'heart-rate',
    loinc: { code: '8867-4', display: 'Heart rate' },
    text: 'Heart rate',
  },
  HKQuantityTypeIdentifierBodyMass: {
    key: 'weight',
    loinc: { code: '29463-7', display: 'Body weight' },
    text: 'Weight',
  },
  HKQuantityTypeIdentifierHeight: {
    key: 'height',
    loinc: { code: '8302-2', display: 'Body height' },
    text: 'Height',
  },
  HKQuantityTypeIdentifierOxygenSaturation: {
    key: 'oxygen-saturation',
    loinc: { code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry' },
    text: 'Oxygen saturation',
  },
  HKQuantityTypeIdentifierBloodGlucose: {
    key: 'glucose',
    loinc: { code: '2339-0', display: 'Glucose [Mass/volume] in Blood' },
    text: 'Blood glucose',
  },
  HKQuantityTypeIdentifierBodyTemperature: {
    key: 'temperature',
    loinc: { code: '8310-5', display: 'Body temperature' },
    text: 'Body temperature',
  },
  HKQuantityTypeIdentifierRespiratoryRate: {
    key: 'respiratory-rate',
    loinc: { code: '9279-1', display: 'Respiratory rate' },
    text: 'Respiratory rate',
  },
};
const BLOOD_PRESSURE = 'HKCorrelationTypeIdentifierBloodPressure';
const SYSTOLIC = 'HKQuantityTypeIdentifierBloodPressureSystolic';
const DIASTOLIC = 'HKQuantityTypeIdentifierBloodPressureDiastolic';
const BP_PANEL: Coding = { code: '85354-9', display: 'Blood pressure panel with all children optional' };
const BP_PARTS: Record<string, Coding> = {
  [SYSTOLIC]: { code: '8480-6', display: 'Systolic blood pressure' },
  [DIASTOLIC]: { code: '8462-4', display: 'Diastolic blood pressure' },
};

/** Apple's unit strings as UCUM codes; a unit not listed is refused for that sample (never guessed). */
const UCUM_UNITS: Record<string, string> = {
  lb: '[lb_av]',
  kg: 'kg',
  g: 'g',
  cm: 'cm',
  m: 'm',
  in: '[in_i]',
  ft: '[ft_i]',
  'count/min': '/min',
  mmHg: 'mm[Hg]',
  '%': '%',
  'mg/dL': 'mg/dL',
  degF: '[degF]',
  degC: 'Cel',
};
/** Glucose in mmol/L is written with its molar mass, `mmol<180.1558800000541>/L`. */
const MOLAR_UNIT = /^mmol<[\d.]+>\/L$/;

function ucumOf(unit: string): string | null {
  return UCUM_UNITS[unit] ?? (MOLAR_UNIT.test(unit) ? 'mmol/L' : null);
}

/** `2019-01-01 08:00:00 -0800`, as every date in export.xml is written, as a FHIR dateTime. */
export function fhirDateTime(apple: string): string | null {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ([+-])(\d{2})(\d{2})$/.exec(apple);
  if (!m) return null;
  return `${m[1]}T${m[2]}${m[3]}${m[4]}:${m[5]}`;
}

/**
 * A sample's date as Apple wrote it, checked only for its shape: turned into FHIR's form for the few
 * kept (fhirDateTime), since doing so for every one of millions of samples costs a fifth of the
 * read. Dates of one day compare as text like the FHIR forms they become.
 */
function appleDate(value: string | undefined): string | null {
  return value !== undefined && value.length === 25 && value[10] === ' ' && value[19] === ' ' ? value : null;
}

/**
 * A copy of a string that holds no parser chunk alive: an attribute's value is a slice of the
 * parser's whole chunk of text, and a slice keeps its chunk in memory; kept for each day, those
 * chunks were most of the export again. For what is kept, never for every sample.
 */
const own = (text: string) => Buffer.from(text, 'utf8').toString('utf8');

/** The kinds' names as constants, kept in place of the parser's slices of them. */
const TYPE_NAMES = new Map(Object.keys(KINDS).map((name) => [name, name]));

/** `at` as Apple wrote it (appleDate), copied (own). */
type Sample = { value: number; at: string };
type Day = {
  kind: string;
  unit: string;
  day: string;
  kept: Sample[];
  count: number;
  sum: number;
  min: number;
  max: number;
  first: string;
  last: string;
  /** Blood pressure only: the diastolic side of each sample. */
  second?: { kept: number[]; sum: number; min: number; max: number };
};

export type ClinicalRecordRow = { sourceURL: string | null; fhirVersion: string | null };

export type HealthSamples = {
  /** The Observations made from the measurements, in no particular order. */
  observations: () => Json[];
  /** By the clinical record file's path inside the export (`clinical-records/Observation-1.json`). */
  clinicalRecords: Map<string, ClinicalRecordRow>;
  samples: number;
};

const MAX_CLINICAL_ROWS = 200_000;

/** Apple's DOCTYPE (element and attribute declarations) is a few kilobytes; the root comes soon after. */
const MAX_PROLOG = 1024 * 1024;

/**
 * A reader to be written to chunk by chunk (text) and then `end()`ed.
 *
 * Every real export.xml starts with a DOCTYPE whose internal subset declares HealthData's elements
 * and attributes, so a DOCTYPE alone cannot be refused. What can do harm is refused where it
 * appears, before anything more is read: an ENTITY declaration (entity expansion, "billion
 * laughs"), an external DTD or entity (SYSTEM/PUBLIC: XXE), a prolog longer than MAX_PROLOG. saxes
 * never reads a DTD and knows only XML's five predefined entities, so any other reference is
 * refused as well ("undefined entity").
 */
export function healthSampleReader(fileLabel: string) {
  const days = new Map<string, Day>();
  const clinicalRecords = new Map<string, ClinicalRecordRow>();
  let samples = 0;
  let rootSeen = false;
  let prolog = 0;
  let correlation: { at: string; parts: Map<string, { value: number; unit: string }> } | null = null;

  const refuse = (why: string): never => {
    throw new VaultError('bad-input', `${fileLabel} ${why}`);
  };

  const parser = new SaxesParser({ xmlns: false });
  parser.on('doctype', (doctype) => {
    if (/<!ENTITY/i.test(doctype))
      refuse('declares entities in its DOCTYPE, which no Apple Health export does; nothing was imported.');
    if (/^\s*\S+\s+(?:SYSTEM|PUBLIC)\b/.test(doctype))
      refuse(
        'points its DOCTYPE at an outside file, which no Apple Health export does; nothing was imported.',
      );
  });
  parser.on('error', (error) =>
    refuse(`is not well-formed XML (${error.message.split('\n')[0]}); nothing was imported.`),
  );

  // Health writes a kind's samples together and in order of time, so most samples belong to the day
  // of the one before: that day is kept at hand rather than looked up by a key made each time.
  let current: Day | null = null;
  const note = (kind: string, unit: string, value: number, at: string, second?: number) => {
    let entry = current;
    if (!entry || entry.kind !== kind || entry.unit !== unit || !at.startsWith(entry.day)) {
      // Left for another day: its last time becomes its own string (see own).
      if (entry) entry.last = own(entry.last);
      const day = at.slice(0, 10);
      const key = `${kind}|${unit}|${day}`;
      entry = days.get(key) ?? null;
      if (!entry) {
        entry = {
          kind,
          unit: own(unit),
          day,
          kept: [],
          count: 0,
          sum: 0,
          min: Infinity,
          max: -Infinity,
          first: own(at),
          last: at,
        };
        if (second !== undefined) entry.second = { kept: [], sum: 0, min: Infinity, max: -Infinity };
        days.set(own(key), entry);
      }
      current = entry;
    }
    samples++;
    entry.count++;
    entry.sum += value;
    if (value < entry.min) entry.min = value;
    if (value > entry.max) entry.max = value;
    if (at < entry.first) entry.first = own(at);
    if (at > entry.last) entry.last = at;
    if (entry.kept.length <= SAMPLES_KEPT_A_DAY) entry.kept.push({ value, at: own(at) });
    if (entry.second && second !== undefined) {
      const s = entry.second;
      s.sum += second;
      if (second < s.min) s.min = second;
      if (second > s.max) s.max = second;
      if (s.kept.length <= SAMPLES_KEPT_A_DAY) s.kept.push(second);
    }
  };

  const quantity = (attributes: Record<string, string>) => {
    const value = Number(attributes.value);
    const unit = attributes.unit ?? '';
    if (attributes.value === undefined || !Number.isFinite(value)) return null;
    return { value, unit };
  };

  let lastType = '';
  let lastKind: string | null = null;
  let lastUnit = '';
  let lastUnitKnown = false;
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const a = tag.attributes;
    if (!rootSeen) {
      rootSeen = true;
      if (tag.name !== 'HealthData') refuse('is XML but not an Apple Health export (no HealthData).');
      return;
    }
    if (tag.name === 'Record') {
      const type = a.type ?? '';
      if (correlation && (type === SYSTOLIC || type === DIASTOLIC)) {
        const q = quantity(a);
        if (q) correlation.parts.set(type, q);
        return;
      }
      if (type !== lastType) {
        lastType = type;
        lastKind = TYPE_NAMES.get(type) ?? null;
      }
      const kind = lastKind;
      if (!kind) return;
      const q = quantity(a);
      const at = appleDate(a.startDate);
      if (!q || !at) return;
      if (q.unit !== lastUnit) {
        lastUnit = q.unit;
        lastUnitKnown = ucumOf(q.unit) !== null;
      }
      if (!lastUnitKnown) return;
      note(kind, q.unit, q.value, at);
    } else if (tag.name === 'Correlation' && a.type === BLOOD_PRESSURE) {
      const at = appleDate(a.startDate);
      if (at) correlation = { at, parts: new Map() };
    } else if (tag.name === 'ClinicalRecord') {
      const path = a.resourceFilePath;
      if (!path) return;
      if (clinicalRecords.size >= MAX_CLINICAL_ROWS)
        refuse('lists more clinical records than PHR Vault reads.');
      clinicalRecords.set(path.replace(/^\/+/, ''), {
        sourceURL: a.sourceURL ?? null,
        fhirVersion: a.fhirVersion ?? null,
      });
    }
  });
  parser.on('closetag', (tag) => {
    if (tag.name !== 'Correlation' || !correlation) return;
    const systolic = correlation.parts.get(SYSTOLIC);
    const diastolic = correlation.parts.get(DIASTOLIC);
    if (systolic && diastolic && systolic.unit === 'mmHg' && diastolic.unit === 'mmHg')
      note(BLOOD_PRESSURE, 'mmHg', systolic.value, correlation.at, diastolic.value);
    correlation = null;
  });

  return {
    write(text: string) {
      if (!rootSeen) {
        prolog += text.length;
        if (prolog > MAX_PROLOG)
          refuse('does not start as an Apple Health export does; nothing was imported.');
      }
      parser.write(text);
    },
    end(): HealthSamples {
      parser.close();
      if (!rootSeen) refuse('is empty.');
      return { observations: () => [...days.values()].flatMap(observationsOf), clinicalRecords, samples };
    },
  };
}

function idOf(...parts: string[]): string {
  // FHIR ids are at most 64 characters: a hash keeps the same sample the same record on re-import.
  return `apple-${createHash('sha256').update(parts.join('|')).digest('base64url').slice(0, 40)}`;
}

const VITAL_SIGNS = [
  {
    coding: [
      {
        system: 'http://terminology.hl7.org/CodeSystem/observation-category',
        code: 'vital-signs',
        display: 'Vital Signs',
      },
    ],
  },
];

/** SpO2 is stored by Health as a fraction (0.97) under the unit "%": shown as the percent it is. */
function asMeasured(kind: string, unit: string, value: number): number {
  if (kind === 'HKQuantityTypeIdentifierOxygenSaturation' && unit === '%' && value <= 1)
    return Math.round(value * 1000) / 10;
  return value;
}

function quantityOf(kind: string, unit: string, value: number): Json {
  const code = ucumOf(unit)!;
  return {
    value: asMeasured(kind, unit, value),
    unit: code === '/min' ? 'beats/min' : unit,
    system: UCUM,
    code,
  };
}

const round = (n: number) => Math.round(n * 100) / 100;

function observationsOf(day: Day): Json[] {
  const summarised = day.count > SAMPLES_KEPT_A_DAY;
  const isPressure = day.kind === BLOOD_PRESSURE;
  const kind = isPressure ? null : KINDS[day.kind]!;
  const code = isPressure
    ? { coding: [{ system: LOINC, ...BP_PANEL }], text: 'Blood pressure' }
    : { coding: [{ system: LOINC, ...kind!.loinc }], text: kind!.text };
  const base = { resourceType: 'Observation', status: 'final', category: VITAL_SIGNS, code };
  const part = (coding: Coding, value: number) => ({
    code: { coding: [{ system: LOINC, ...coding }], text: coding.display },
    valueQuantity: quantityOf(day.kind, day.unit, value),
  });

  if (!summarised) {
    return day.kept.flatMap((sample, i) => {
      const at = fhirDateTime(sample.at);
      if (!at) return [];
      const id = idOf(day.kind, day.unit, sample.at, String(sample.value), String(day.second?.kept[i] ?? ''));
      if (isPressure)
        return {
          ...base,
          id,
          effectiveDateTime: at,
          component: [
            part(BP_PARTS[SYSTOLIC]!, sample.value),
            part(BP_PARTS[DIASTOLIC]!, day.second!.kept[i]!),
          ],
        };
      return {
        ...base,
        id,
        effectiveDateTime: at,
        valueQuantity: quantityOf(day.kind, day.unit, sample.value),
      };
    });
  }
  const stat = (text: string, coding: Coding, value: number) => ({
    code: { coding: [{ system: LOINC, ...coding }], text },
    valueQuantity: quantityOf(day.kind, day.unit, round(value)),
  });
  // The timeline shows a record by its code's text: a day's summary says it is one.
  const lowHigh = isPressure ? '' : `, ${round(day.min)}–${round(day.max)}`;
  const summary = {
    ...base,
    code: { ...code, text: `${code.text}, day's mean of ${day.count} samples${lowHigh}` },
    id: idOf(day.kind, day.unit, day.day, 'day'),
    effectivePeriod: { start: fhirDateTime(day.first) ?? day.day, end: fhirDateTime(day.last) ?? day.day },
    note: [
      {
        text: `Summary of ${day.count} samples recorded by Apple Health on ${day.day}: lowest, mean and highest.`,
      },
    ],
  };
  if (isPressure) {
    const s = day.second!;
    const sys = BP_PARTS[SYSTOLIC]!;
    const dia = BP_PARTS[DIASTOLIC]!;
    return [
      {
        ...summary,
        component: [
          stat(`Lowest ${sys.display.toLowerCase()}`, sys, day.min),
          stat(`Mean ${sys.display.toLowerCase()}`, sys, day.sum / day.count),
          stat(`Highest ${sys.display.toLowerCase()}`, sys, day.max),
          stat(`Lowest ${dia.display.toLowerCase()}`, dia, s.min),
          stat(`Mean ${dia.display.toLowerCase()}`, dia, s.sum / day.count),
          stat(`Highest ${dia.display.toLowerCase()}`, dia, s.max),
        ],
      },
    ];
  }
  const loinc = kind!.loinc;
  return [
    {
      ...summary,
      valueQuantity: quantityOf(day.kind, day.unit, round(day.sum / day.count)),
      component: [
        stat(`Lowest ${kind!.text.toLowerCase()}`, loinc, day.min),
        stat(`Mean ${kind!.text.toLowerCase()}`, loinc, day.sum / day.count),
        stat(`Highest ${kind!.text.toLowerCase()}`, loinc, day.max),
      ],
    },
  ];
}
