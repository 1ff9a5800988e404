import {
  codings,
  conceptText,
  hasCode,
  isObject,
  list,
  num,
  str,
  type Json,
} from '../../../records/fhir-values.js';
import type { ExportIssue } from '../export-request.js';
import type { SectionKey, SummaryEntry, SummaryRow } from '../health-summary.js';
import type { ExportRecord } from '../selection.js';
import {
  cdaCodes,
  cdaTime,
  OID,
  periodOf,
  stableUuid,
  writeCode,
  writeInterval,
  writeTime,
} from './cda-values.js';
import type { XmlWriter } from './xml-writer.js';

/**
 * The C-CDA R2.1 entry templates, one writer per section. Each takes a summary entry and the ids
 * of its narrative rows, so the coded entry points at the words a clinician reads (originalText
 * references), and reports through `issues` whatever it had to leave out or leave unknown.
 */
export type EntryContext = {
  w: XmlWriter;
  issues: ExportIssue[];
  /** Narrative ids of the rows of this entry, in order (`#…` references point at these). */
  rowIds: string[];
  /** The vault's identity for ids: same vault, same record → same CDA id. */
  idSeed: string;
  /**
   * Writes the patient as an entry's author (Author Participation), for what the patient entered
   * themselves: how C-CDA says information is patient-reported.
   */
  patientAuthor?: (w: XmlWriter, record: ExportRecord) => void;
};

/** The patient as author of an entry they entered themselves; nothing for any other record. */
function reportedBy(ctx: EntryContext, record: ExportRecord): void {
  if (record.enteredByPatient) ctx.patientAuthor?.(ctx.w, record);
}

/**
 * R2.1 asks for the R1.1 templateId (the root alone) beside each versioned one, so that systems
 * that only know R1.1 still recognise the entry (CONF:1198-32934).
 */
function template(w: XmlWriter, root: string, extension: string): void {
  w.el('templateId', { root });
  w.el('templateId', { root, extension });
}

function id(ctx: EntryContext, record: ExportRecord, part = ''): void {
  ctx.w.el('id', { root: stableUuid(ctx.idSeed, record.id, part) });
}

function incomplete(ctx: EntryContext, record: ExportRecord, reason: string): void {
  ctx.issues.push({
    recordId: record.id,
    resourceType: record.resourceType,
    title: record.title,
    kind: 'incomplete',
    reason,
  });
}

function leftOut(ctx: EntryContext, record: ExportRecord, reason: string): void {
  ctx.issues.push({
    recordId: record.id,
    resourceType: record.resourceType,
    title: record.title,
    kind: 'left-out',
    reason,
  });
}

const NO_CODE = 'It has no standard code a C-CDA can carry; its name goes as text.';
const NO_DATE = 'It has no date; the document says the date is unknown.';

function code(
  ctx: EntryContext,
  record: ExportRecord,
  name: string,
  concept: unknown,
  options: {
    xsiType?: 'CD';
    preferred?: readonly string[];
    ref?: string | undefined;
    onlySystem?: string;
  } = {},
): void {
  const coded = writeCode(ctx.w, name, concept, {
    xsiType: options.xsiType,
    preferred: options.preferred,
    onlySystem: options.onlySystem,
    textRef: options.ref,
    fallbackText: record.title,
  });
  if (!coded) incomplete(ctx, record, NO_CODE);
}

function nameRef(ctx: EntryContext, index = 0): string | undefined {
  const rowId = ctx.rowIds[index];
  return rowId ? `#${rowId}-name` : undefined;
}

function textRef(ctx: EntryContext, index = 0): void {
  const rowId = ctx.rowIds[index];
  if (rowId) ctx.w.el('text', {}, () => ctx.w.el('reference', { value: `#${rowId}` }));
}

/** A record's time: a point when it is one, an interval otherwise; unknown said as such. */
function time(ctx: EntryContext, record: ExportRecord, start: unknown, end?: unknown): void {
  const ok = writeInterval(ctx.w, start, end);
  if (!ok) incomplete(ctx, record, NO_DATE);
}

function pointTime(ctx: EntryContext, record: ExportRecord, value: unknown): void {
  if (!writeTime(ctx.w, 'effectiveTime', value)) incomplete(ctx, record, NO_DATE);
}

// ─── Allergies ───────────────────────────────────────────────────────────────────────────────

function allergyType(r: Json): { code: string; display: string } {
  const categories = list(r.category).map(String);
  if (r.type === 'intolerance') {
    if (categories.includes('food')) return { code: '235719002', display: 'Intolerance to food' };
    if (categories.includes('medication')) return { code: '59037007', display: 'Intolerance to drug' };
    return { code: '418038007', display: 'Propensity to adverse reactions to substance' };
  }
  if (categories.includes('food')) return { code: '414285001', display: 'Allergy to food' };
  if (categories.includes('medication')) return { code: '416098002', display: 'Allergy to drug' };
  if (categories.includes('environment')) return { code: '426232007', display: 'Environmental allergy' };
  return { code: '419199007', display: 'Allergy to substance' };
}

function concernStatus(r: Json): 'active' | 'completed' {
  return hasCode(r.clinicalStatus, ['resolved', 'inactive', 'remission']) ? 'completed' : 'active';
}

/**
 * The concern act that wraps an allergy or a problem (C-CDA's Allergy Concern Act and Problem
 * Concern Act differ only in template): the patient's concern is active or completed, and a
 * completed one ends when known, or at an unknown time.
 */
function writeConcern(
  ctx: EntryContext,
  record: ExportRecord,
  templateId: string,
  status: 'active' | 'completed',
  start: string | undefined,
  end: string | undefined,
  inner: () => void,
): void {
  const { w } = ctx;
  w.el('entry', { typeCode: 'DRIV' }, () =>
    w.el('act', { classCode: 'ACT', moodCode: 'EVN' }, () => {
      template(w, templateId, '2015-08-01');
      id(ctx, record, 'concern');
      w.el('code', {
        code: 'CONC',
        codeSystem: '2.16.840.1.113883.5.6',
        codeSystemName: 'HL7ActClass',
        displayName: 'Concern',
      });
      w.el('statusCode', { code: status });
      w.el('effectiveTime', {}, () => {
        writeTime(w, 'low', start);
        // An unknown end is written as such (nullFlavor UNK).
        if (status === 'completed') writeTime(w, 'high', end);
      });
      inner();
    }),
  );
}

function writeAllergy(ctx: EntryContext, entry: SummaryEntry): void {
  const { w } = ctx;
  const row = entry.rows[0] as SummaryRow;
  const record = row.record;
  const r = record.resource;
  const onset = str(r.onsetDateTime) ?? periodOf(r.onsetPeriod).start ?? str(r.recordedDate);
  const status = concernStatus(r);
  const type = allergyType(r);
  writeConcern(
    ctx,
    record,
    '2.16.840.1.113883.10.20.22.4.30',
    status,
    str(r.recordedDate) ?? onset,
    undefined,
    () => {
      w.el('entryRelationship', { typeCode: 'SUBJ' }, () =>
        w.el('observation', { classCode: 'OBS', moodCode: 'EVN' }, () => {
          template(w, '2.16.840.1.113883.10.20.22.4.7', '2014-06-09');
          id(ctx, record);
          w.el('code', { code: 'ASSERTION', codeSystem: OID.actCode });
          textRef(ctx);
          w.el('statusCode', { code: 'completed' });
          time(ctx, record, onset);
          w.el('value', {
            'xsi:type': 'CD',
            code: type.code,
            displayName: type.display,
            codeSystem: OID.snomed,
            codeSystemName: 'SNOMED CT',
          });
          reportedBy(ctx, record);
          w.el('participant', { typeCode: 'CSM' }, () =>
            w.el('participantRole', { classCode: 'MANU' }, () =>
              w.el('playingEntity', { classCode: 'MMAT' }, () =>
                code(ctx, record, 'code', r.code ?? r.substance, {
                  preferred: [OID.rxnorm, OID.snomed],
                  ref: nameRef(ctx),
                }),
              ),
            ),
          );
          list(r.reaction)
            .filter(isObject)
            .forEach((reaction, i) => {
              for (const [j, manifestation] of list(reaction.manifestation).entries()) {
                w.el('entryRelationship', { typeCode: 'MFST', inversionInd: 'true' }, () =>
                  w.el('observation', { classCode: 'OBS', moodCode: 'EVN' }, () => {
                    template(w, '2.16.840.1.113883.10.20.22.4.9', '2014-06-09');
                    id(ctx, record, `reaction-${i}-${j}`);
                    w.el('code', { code: 'ASSERTION', codeSystem: OID.actCode });
                    w.el('statusCode', { code: 'completed' });
                    writeCode(w, 'value', manifestation, { xsiType: 'CD', preferred: [OID.snomed] });
                  }),
                );
              }
            });
        }),
      );
    },
  );
}

// ─── Medications ─────────────────────────────────────────────────────────────────────────────

function medicationConcept(r: Json): unknown {
  if (r.medicationCodeableConcept) return r.medicationCodeableConcept;
  const contained = list(r.contained)
    .filter(isObject)
    .find((c) => c.resourceType === 'Medication');
  if (contained) return contained.code;
  const ref = isObject(r.medicationReference) ? r.medicationReference : undefined;
  return ref ? { text: str(ref.display) } : undefined;
}

function medicationStatus(r: Json): string {
  switch (str(r.status)) {
    case 'active':
    case 'intended':
      return 'active';
    case 'on-hold':
      return 'suspended';
    case 'cancelled':
    case 'stopped':
    case 'not-taken':
      return 'aborted';
    default:
      return 'completed';
  }
}

function writeMedication(ctx: EntryContext, entry: SummaryEntry): void {
  const { w } = ctx;
  const record = (entry.rows[0] as SummaryRow).record;
  const r = record.resource;
  const statement = record.resourceType === 'MedicationStatement';
  const period = statement
    ? periodOf(r.effectivePeriod)
    : periodOf(isObject(r.dispenseRequest) ? r.dispenseRequest.validityPeriod : undefined);
  const start = statement ? (str(r.effectiveDateTime) ?? period.start) : (str(r.authoredOn) ?? period.start);
  w.el('entry', { typeCode: 'DRIV' }, () =>
    w.el('substanceAdministration', { classCode: 'SBADM', moodCode: statement ? 'EVN' : 'INT' }, () => {
      template(w, '2.16.840.1.113883.10.20.22.4.16', '2014-06-09');
      id(ctx, record);
      textRef(ctx);
      w.el('statusCode', { code: medicationStatus(r) });
      if (!writeInterval(w, start, period.end, true)) incomplete(ctx, record, NO_DATE);
      writeDose(w, r);
      w.el('consumable', {}, () =>
        w.el('manufacturedProduct', { classCode: 'MANU' }, () => {
          template(w, '2.16.840.1.113883.10.20.22.4.23', '2014-06-09');
          w.el('manufacturedMaterial', {}, () =>
            code(ctx, record, 'code', medicationConcept(r), { preferred: [OID.rxnorm], ref: nameRef(ctx) }),
          );
        }),
      );
      reportedBy(ctx, record);
    }),
  );
}

/** The amount per dose when the source gave one with a unit CDA can carry; unknown otherwise. */
function writeDose(w: XmlWriter, r: Json): void {
  const dosage = list(r.dosageInstruction ?? r.dosage).filter(isObject)[0];
  const rate = dosage ? list(dosage.doseAndRate).filter(isObject)[0] : undefined;
  const dose = rate && isObject(rate.doseQuantity) ? rate.doseQuantity : undefined;
  const value = dose ? num(dose.value) : undefined;
  const unit = dose ? ucumUnit(dose) : undefined;
  if (dose && value !== undefined && unit !== undefined)
    w.el('doseQuantity', { value: decimal(value), unit });
  else w.el('doseQuantity', { nullFlavor: 'UNK' });
}

// ─── Problems ────────────────────────────────────────────────────────────────────────────────

function writeProblem(ctx: EntryContext, entry: SummaryEntry): void {
  const { w } = ctx;
  const record = (entry.rows[0] as SummaryRow).record;
  const r = record.resource;
  const onset = str(r.onsetDateTime) ?? periodOf(r.onsetPeriod).start ?? str(r.recordedDate);
  const abatement = str(r.abatementDateTime) ?? periodOf(r.abatementPeriod).end;
  const status = concernStatus(r);
  writeConcern(
    ctx,
    record,
    '2.16.840.1.113883.10.20.22.4.3',
    status,
    str(r.recordedDate) ?? onset,
    abatement,
    () => {
      w.el('entryRelationship', { typeCode: 'SUBJ' }, () =>
        w.el('observation', { classCode: 'OBS', moodCode: 'EVN' }, () => {
          template(w, '2.16.840.1.113883.10.20.22.4.4', '2015-08-01');
          id(ctx, record);
          w.el(
            'code',
            { code: '55607006', codeSystem: OID.snomed, codeSystemName: 'SNOMED CT', displayName: 'Problem' },
            () =>
              w.el('translation', {
                code: '75326-9',
                codeSystem: OID.loinc,
                codeSystemName: 'LOINC',
                displayName: 'Problem',
              }),
          );
          textRef(ctx);
          w.el('statusCode', { code: 'completed' });
          w.el('effectiveTime', {}, () => {
            if (!writeTime(w, 'low', onset)) incomplete(ctx, record, NO_DATE);
            if (abatement) writeTime(w, 'high', abatement);
          });
          code(ctx, record, 'value', r.code, { xsiType: 'CD', preferred: [OID.snomed], ref: nameRef(ctx) });
          reportedBy(ctx, record);
        }),
      );
    },
  );
}

// ─── Procedures ──────────────────────────────────────────────────────────────────────────────

function procedureStatus(r: Json): string {
  switch (str(r.status)) {
    case 'in-progress':
    case 'preparation':
    case 'on-hold':
      return 'active';
    case 'stopped':
      return 'aborted';
    case 'not-done':
    case 'entered-in-error':
      return 'cancelled';
    default:
      return 'completed';
  }
}

function writeProcedure(ctx: EntryContext, entry: SummaryEntry): void {
  const { w } = ctx;
  const record = (entry.rows[0] as SummaryRow).record;
  const r = record.resource;
  const period = periodOf(r.performedPeriod);
  w.el('entry', { typeCode: 'DRIV' }, () =>
    w.el('procedure', { classCode: 'PROC', moodCode: 'EVN' }, () => {
      template(w, '2.16.840.1.113883.10.20.22.4.14', '2014-06-09');
      id(ctx, record);
      code(ctx, record, 'code', r.code, { preferred: [OID.snomed], ref: nameRef(ctx) });
      textRef(ctx);
      w.el('statusCode', { code: procedureStatus(r) });
      time(ctx, record, str(r.performedDateTime) ?? period.start, period.end);
    }),
  );
}

// ─── Observations: results, vital signs, social history ─────────────────────────────────────

/** A number as xs:decimal wants it: never in exponent form. */
function decimal(n: number): string {
  const s = String(n);
  return /e/i.test(s) ? n.toFixed(12).replace(/\.?0+$/, '') : s;
}

/** The UCUM unit of a FHIR Quantity, or undefined when the source wrote a unit CDA cannot carry. */
function ucumUnit(q: Json): string | undefined {
  const code = str(q.code);
  if (code && str(q.system) === 'http://unitsofmeasure.org' && !/\s/.test(code)) return code;
  const unit = str(q.unit);
  if (unit === undefined && code === undefined) return '1';
  return unit && /^[\x21-\x7e]+$/.test(unit) ? unit : undefined;
}

/** Writes a measured quantity as PQ; false when it is not one. */
function writeQuantity(w: XmlWriter, q: unknown): boolean {
  if (!isObject(q)) return false;
  const value = num(q.value);
  const unit = ucumUnit(q);
  if (value === undefined || unit === undefined) return false;
  w.el('value', { 'xsi:type': 'PQ', value: decimal(value), unit });
  return true;
}

/** Writes an observation's value in the CDA type that fits it; false when it has none. */
function writeObservationValue(w: XmlWriter, r: Json): boolean {
  if (writeQuantity(w, r.valueQuantity)) return true;
  if (isObject(r.valueQuantity)) {
    const q = r.valueQuantity;
    const text = [num(q.value), str(q.unit)].filter((x) => x !== undefined).join(' ');
    if (text) {
      w.text('value', text, { 'xsi:type': 'ST' });
      return true;
    }
  }
  if (isObject(r.valueCodeableConcept)) {
    writeCode(w, 'value', r.valueCodeableConcept, { xsiType: 'CD', preferred: [OID.snomed] });
    return true;
  }
  const s = str(r.valueString);
  if (s) {
    w.text('value', s, { 'xsi:type': 'ST' });
    return true;
  }
  if (typeof r.valueBoolean === 'boolean') {
    w.el('value', { 'xsi:type': 'BL', value: String(r.valueBoolean) });
    return true;
  }
  const n = num(r.valueInteger);
  if (n !== undefined && Number.isInteger(n)) {
    w.el('value', { 'xsi:type': 'INT', value: String(n) });
    return true;
  }
  return false;
}

function effectiveOf(r: Json): string | undefined {
  return (
    str(r.effectiveDateTime) ?? str(r.effectiveInstant) ?? periodOf(r.effectivePeriod).start ?? str(r.issued)
  );
}

function interpretation(w: XmlWriter, r: Json): void {
  for (const concept of list(r.interpretation)) {
    const usable = codings(concept).find((c) => str(c.code) && /^[A-Z<>]+$/.test(String(c.code)));
    if (usable) {
      w.el('interpretationCode', {
        code: String(usable.code),
        codeSystem: '2.16.840.1.113883.5.83',
        codeSystemName: 'ObservationInterpretation',
      });
      return;
    }
  }
}

function referenceRange(w: XmlWriter, r: Json): void {
  const range = list(r.referenceRange).filter(isObject)[0];
  if (!range) return;
  const low = isObject(range.low) ? range.low : undefined;
  const high = isObject(range.high) ? range.high : undefined;
  const lowValue = low ? num(low.value) : undefined;
  const highValue = high ? num(high.value) : undefined;
  const unit = (low && ucumUnit(low)) ?? (high && ucumUnit(high));
  const text = str(range.text);
  if ((lowValue === undefined && highValue === undefined) || !unit) {
    if (!text) return;
    w.el('referenceRange', {}, () =>
      w.el('observationRange', {}, () => {
        w.text('text', text);
        w.el('value', { 'xsi:type': 'ED' }, () => w.raw(text));
      }),
    );
    return;
  }
  w.el('referenceRange', {}, () =>
    w.el('observationRange', {}, () => {
      if (text) w.text('text', text);
      w.el('value', { 'xsi:type': 'IVL_PQ' }, () => {
        if (lowValue !== undefined) w.el('low', { value: decimal(lowValue), unit });
        if (highValue !== undefined) w.el('high', { value: decimal(highValue), unit });
      });
    }),
  );
}

function resultStatus(r: Json): string {
  switch (str(r.status)) {
    case 'registered':
    case 'preliminary':
    case 'partial':
      return 'active';
    case 'cancelled':
      return 'cancelled';
    case 'entered-in-error':
      return 'aborted';
    default:
      return 'completed';
  }
}

function writeResultObservation(ctx: EntryContext, record: ExportRecord, index: number): void {
  const { w } = ctx;
  const r = record.resource;
  w.el('component', {}, () =>
    w.el('observation', { classCode: 'OBS', moodCode: 'EVN' }, () => {
      template(w, '2.16.840.1.113883.10.20.22.4.2', '2015-08-01');
      id(ctx, record);
      code(ctx, record, 'code', r.code, { preferred: [OID.loinc], ref: nameRef(ctx, index) });
      textRef(ctx, index);
      w.el('statusCode', { code: resultStatus(r) });
      pointTime(ctx, record, effectiveOf(r));
      if (!writeObservationValue(w, r)) {
        w.el('value', { 'xsi:type': 'PQ', nullFlavor: 'NI' });
        incomplete(
          ctx,
          record,
          'It has no value a C-CDA can carry; the document says there is no information.',
        );
      }
      interpretation(w, r);
      referenceRange(w, r);
    }),
  );
}

function writeResult(ctx: EntryContext, entry: SummaryEntry): void {
  const { w } = ctx;
  const head = entry.report ?? (entry.rows[0] as SummaryRow).record;
  const r = head.resource;
  const times = entry.rows
    .map((row) => cdaTime(effectiveOf(row.record.resource)))
    .filter(Boolean) as string[];
  times.sort();
  w.el('entry', { typeCode: 'DRIV' }, () =>
    w.el('organizer', { classCode: entry.report ? 'BATTERY' : 'CLUSTER', moodCode: 'EVN' }, () => {
      template(w, '2.16.840.1.113883.10.20.22.4.1', '2015-08-01');
      id(ctx, head, 'organizer');
      const coded = writeCode(w, 'code', r.code, { preferred: [OID.loinc], fallbackText: head.title });
      if (!coded && entry.report) incomplete(ctx, head, NO_CODE);
      w.el('statusCode', { code: resultStatus(r) });
      if (times.length > 0) {
        w.el('effectiveTime', {}, () => {
          w.el('low', { value: times[0] });
          w.el('high', { value: times[times.length - 1] });
        });
      }
      entry.rows.forEach((row, i) => writeResultObservation(ctx, row.record, i));
    }),
  );
}

const VITAL_SIGNS_PANEL = '85353-1';
const BLOOD_PRESSURE_PANEL = '85354-9';

/**
 * Measurements of one vital-signs record: itself, or its components (a blood pressure is one
 * FHIR record but two CDA observations, systolic and diastolic).
 */
function vitalMeasurements(r: Json): { code: unknown; quantity: unknown }[] {
  if (isObject(r.valueQuantity)) return [{ code: r.code, quantity: r.valueQuantity }];
  if (hasCode(r.code, [BLOOD_PRESSURE_PANEL, VITAL_SIGNS_PANEL]) || list(r.component).length > 0) {
    return list(r.component)
      .filter(isObject)
      .filter((c) => isObject(c.valueQuantity))
      .map((c) => ({ code: c.code, quantity: c.valueQuantity }));
  }
  return [];
}

const VITAL_SIGN_WITHOUT_VALUE =
  'A vital sign in a C-CDA needs a measured value with a unit; this one has none.';

function measurable(record: ExportRecord): boolean {
  return vitalMeasurements(record.resource).some((m) => isObject(m.quantity) && writableQuantity(m.quantity));
}

function writableQuantity(q: Json): boolean {
  return num(q.value) !== undefined && ucumUnit(q) !== undefined;
}

/**
 * Whether a section entry has anything a C-CDA entry can say. Only vital signs can have nothing:
 * a set of measurements none of which has a value. The records of such an entry are returned
 * as reported issues so the section can say "no information" instead of being left empty.
 */
export function unwritable(key: SectionKey, entry: SummaryEntry): ExportIssue[] {
  if (key !== 'vital-signs' || entry.rows.some((row) => measurable(row.record))) return [];
  return entry.rows.map((row) => ({
    recordId: row.record.id,
    resourceType: row.record.resourceType,
    title: row.record.title,
    kind: 'left-out' as const,
    reason: VITAL_SIGN_WITHOUT_VALUE,
  }));
}

function writeVitalSigns(ctx: EntryContext, entry: SummaryEntry): boolean {
  const { w } = ctx;
  const measured = entry.rows
    .map((row, index) => ({ row, index, measurements: vitalMeasurements(row.record.resource) }))
    .filter((m) => {
      const usable = m.measurements.filter((x) => isObject(x.quantity) && ucumUnit(x.quantity) !== undefined);
      if (usable.length === 0)
        leftOut(
          ctx,
          m.row.record,
          'A vital sign in a C-CDA needs a measured value with a unit; this one has none.',
        );
      m.measurements = usable;
      return usable.length > 0;
    });
  const first = measured[0];
  if (!first) return false;
  const moment = effectiveOf(first.row.record.resource);
  w.el('entry', { typeCode: 'DRIV' }, () =>
    w.el('organizer', { classCode: 'CLUSTER', moodCode: 'EVN' }, () => {
      template(w, '2.16.840.1.113883.10.20.22.4.26', '2015-08-01');
      id(ctx, first.row.record, 'vital-signs');
      w.el(
        'code',
        { code: '46680005', codeSystem: OID.snomed, codeSystemName: 'SNOMED CT', displayName: 'Vital signs' },
        () =>
          w.el('translation', {
            code: '74728-7',
            codeSystem: OID.loinc,
            codeSystemName: 'LOINC',
            displayName: 'Vital signs, weight, height, head circumference, oximetry, BMI, and BSA panel',
          }),
      );
      w.el('statusCode', { code: 'completed' });
      pointTime(ctx, first.row.record, moment);
      for (const { row, index, measurements } of measured) {
        measurements.forEach((m, j) =>
          w.el('component', {}, () =>
            w.el('observation', { classCode: 'OBS', moodCode: 'EVN' }, () => {
              template(w, '2.16.840.1.113883.10.20.22.4.27', '2014-06-09');
              id(ctx, row.record, `component-${j}`);
              code(ctx, row.record, 'code', m.code, { preferred: [OID.loinc], ref: nameRef(ctx, index) });
              textRef(ctx, index);
              w.el('statusCode', { code: 'completed' });
              pointTime(ctx, row.record, effectiveOf(row.record.resource));
              writeQuantity(w, m.quantity);
              interpretation(w, row.record.resource);
              reportedBy(ctx, row.record);
            }),
          ),
        );
      }
    }),
  );
  return true;
}

const SMOKING_STATUS = '72166-2';

function writeSocialHistory(ctx: EntryContext, entry: SummaryEntry): void {
  const { w } = ctx;
  const record = (entry.rows[0] as SummaryRow).record;
  const r = record.resource;
  // The smoking-status template wants a SNOMED CT value; anything else is an ordinary social-history observation.
  const smoking =
    hasCode(r.code, [SMOKING_STATUS]) &&
    cdaCodes(r.valueCodeableConcept, [OID.snomed])[0]?.oid === OID.snomed;
  w.el('entry', { typeCode: 'DRIV' }, () =>
    w.el('observation', { classCode: 'OBS', moodCode: 'EVN' }, () => {
      if (smoking) template(w, '2.16.840.1.113883.10.20.22.4.78', '2014-06-09');
      else template(w, '2.16.840.1.113883.10.20.22.4.38', '2015-08-01');
      id(ctx, record);
      if (smoking) w.el('code', { code: SMOKING_STATUS, codeSystem: OID.loinc, codeSystemName: 'LOINC' });
      else
        code(ctx, record, 'code', r.code, {
          preferred: [OID.loinc, OID.snomed],
          ref: nameRef(ctx),
          onlySystem: OID.loinc,
        });
      textRef(ctx);
      w.el('statusCode', { code: 'completed' });
      pointTime(ctx, record, effectiveOf(r));
      if (smoking) {
        writeCode(w, 'value', r.valueCodeableConcept, { xsiType: 'CD', preferred: [OID.snomed] });
      } else if (!writeObservationValue(w, r)) {
        incomplete(ctx, record, 'It has no value a C-CDA can carry.');
      }
    }),
  );
}

// ─── Immunizations, encounters ───────────────────────────────────────────────────────────────

function writeImmunization(ctx: EntryContext, entry: SummaryEntry): void {
  const { w } = ctx;
  const record = (entry.rows[0] as SummaryRow).record;
  const r = record.resource;
  const notDone = str(r.status) === 'not-done';
  w.el('entry', { typeCode: 'DRIV' }, () =>
    w.el(
      'substanceAdministration',
      { classCode: 'SBADM', moodCode: 'EVN', negationInd: notDone ? 'true' : 'false' },
      () => {
        template(w, '2.16.840.1.113883.10.20.22.4.52', '2015-08-01');
        id(ctx, record);
        textRef(ctx);
        w.el('statusCode', { code: 'completed' });
        pointTime(ctx, record, str(r.occurrenceDateTime) ?? str(r.recorded));
        w.el('consumable', {}, () =>
          w.el('manufacturedProduct', { classCode: 'MANU' }, () => {
            template(w, '2.16.840.1.113883.10.20.22.4.54', '2014-06-09');
            w.el('manufacturedMaterial', {}, () => {
              code(ctx, record, 'code', r.vaccineCode, { preferred: [OID.cvx], ref: nameRef(ctx) });
              const lot = str(r.lotNumber);
              if (lot) w.text('lotNumberText', lot);
            });
          }),
        );
      },
    ),
  );
}

function writeEncounter(ctx: EntryContext, entry: SummaryEntry): void {
  const { w } = ctx;
  const record = (entry.rows[0] as SummaryRow).record;
  const r = record.resource;
  const period = periodOf(r.period);
  const type =
    list(r.type)[0] ?? (isObject(r.class) ? { coding: [r.class], text: conceptText(r.type) } : undefined);
  w.el('entry', { typeCode: 'DRIV' }, () =>
    w.el('encounter', { classCode: 'ENC', moodCode: 'EVN' }, () => {
      template(w, '2.16.840.1.113883.10.20.22.4.49', '2015-08-01');
      id(ctx, record);
      code(ctx, record, 'code', type, { preferred: [OID.snomed], ref: nameRef(ctx) });
      textRef(ctx);
      time(ctx, record, period.start, period.end);
    }),
  );
}

export const ENTRY_WRITERS: Record<SectionKey, (ctx: EntryContext, entry: SummaryEntry) => boolean | void> = {
  allergies: writeAllergy,
  medications: writeMedication,
  problems: writeProblem,
  procedures: writeProcedure,
  results: writeResult,
  'vital-signs': writeVitalSigns,
  immunizations: writeImmunization,
  encounters: writeEncounter,
  'social-history': writeSocialHistory,
};
