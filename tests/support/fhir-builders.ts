import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Json } from '../../electron/core/records/fhir-values.js';

/**
 * A laboratory Observation with a LOINC code and a numeric result: what most tests that write
 * their own records need. Defaults to a glucose in mg/dL.
 */
export function labResult(o: {
  id: string;
  date: string;
  value: number;
  loinc?: string;
  display?: string;
  /** code.text, when the record should carry one. */
  text?: string;
  unit?: string;
  /** The unit also as a UCUM code (valueQuantity.system and code). */
  ucum?: boolean;
  /** A usual range in the result's unit. */
  range?: { low: number; high: number };
  /** The Patient id the record is about (subject), when a server must tell whose it is. */
  patient?: string;
}): Json {
  const unit = o.unit ?? 'mg/dL';
  return {
    resourceType: 'Observation',
    id: o.id,
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' },
        ],
      },
    ],
    code: {
      coding: [{ system: 'http://loinc.org', code: o.loinc ?? '2345-7', display: o.display ?? 'Glucose' }],
      ...(o.text ? { text: o.text } : {}),
    },
    ...(o.patient ? { subject: { reference: `Patient/${o.patient}` } } : {}),
    effectiveDateTime: o.date,
    valueQuantity: {
      value: o.value,
      unit,
      ...(o.ucum ? { system: 'http://unitsofmeasure.org', code: unit } : {}),
    },
    ...(o.range
      ? { referenceRange: [{ low: { value: o.range.low, unit }, high: { value: o.range.high, unit } }] }
      : {}),
  };
}

/** An HbA1c result in %, the trend tests' usual measurement. */
export function hba1cResult(
  id: string,
  date: string,
  value: number,
  range?: { low: number; high: number },
): Json {
  return labResult({
    id,
    date,
    value,
    loinc: '4548-4',
    display: 'Hemoglobin A1c',
    unit: '%',
    ucum: true,
    range,
  });
}

/**
 * Writes `total` glucose results, an hour apart from 2000-01-01, as NDJSON (one a line, as a bulk
 * export writes them): imports large enough to span several transactions.
 */
export async function writeGlucoseNdjson(path: string, total: number): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < total; i++) {
    const date = new Date(Date.UTC(2000, 0, 1) + i * 3_600_000).toISOString();
    const line = JSON.stringify(labResult({ id: `obs-${i}`, date, value: 80 + (i % 60), text: 'Glucose' }));
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
