import type { ResultFlag } from '../../../shared/domain.js';
import { VaultError } from '../errors.js';
import type { ReadableDB } from '../vault/database.js';
import {
  codings,
  hasCode,
  isObject,
  list,
  num,
  quantity,
  readableUnit,
  str,
  type Json,
} from './fhir-values.js';
import { LOINC_NAMES } from './loinc-names.generated.js';
import { resultFlag } from './result-flags.js';

/** One measurement on a trend chart, with the range the lab called normal for it, when it said. */
export type TrendPoint = {
  recordId: number;
  date: string;
  value: number;
  unit: string | null;
  low: number | null;
  high: number | null;
  /** High, low or critical, as the result's own flag says (the same rule as the stored `flag`). */
  flag: ResultFlag | null;
  /** The line does not join this point to the one before: the gap between them is too long. */
  breakBefore: boolean;
  /** What was measured in ("Serum or Plasma", "Blood"), when one choice gathers several specimens. */
  specimen: string | null;
};

export type TrendSeries = { code: string; label: string; points: TrendPoint[] };

/** Where the picker lists a measurement. */
export type TrendKind = 'vitals' | 'labs' | 'other';

/** A measurement a person can chart: how it is called, its code and how many readings there are. */
export type TrendChoice = {
  code: string;
  label: string;
  unit: string | null;
  count: number;
  kind: TrendKind;
};

/**
 * The analyte and specimen of a LOINC code, from the long common name LOINC publishes:
 * "Glucose [Mass/volume] in Serum or Plasma" is Glucose by mass in serum or plasma. The
 * property in brackets stays in the key, so mg/dL and mmol/L are never drawn on one axis. LOINC
 * gives no machine-readable part table in the bundled names, so the name is read by hand here.
 */
export function analyteOf(code: string): { key: string; component: string; specimen: string } | null {
  const name = LOINC_NAMES[code]?.[0];
  const m = name ? /^(([^[\]]+?)\s*\[[^\]]+\])\s+(?:in|of)\s+(.+?)(?:\s+by\s+.*)?$/.exec(name.trim()) : null;
  if (!m) return null;
  const specimen = m[3]!.trim();
  // Blood, serum and plasma are offered together; urine or spinal fluid is another measurement.
  const bloodLike = /^(serum or plasma|serum|plasma|blood|capillary blood|venous blood|arterial blood)$/i;
  const key = `${m[1]!} in ${bloodLike.test(specimen) ? 'blood' : specimen}`;
  return { key, component: m[2]!.trim(), specimen };
}

let analyteCodes: Map<string, string[]> | undefined;

/** Every bundled LOINC code of the same analyte and property, the given one first. */
export function sameAnalyteCodes(code: string): string[] {
  const own = analyteOf(code);
  if (!own) return [code];
  if (!analyteCodes) {
    analyteCodes = new Map();
    for (const c of Object.keys(LOINC_NAMES)) {
      const a = analyteOf(c);
      if (!a) continue;
      const codes = analyteCodes.get(a.key) ?? [];
      codes.push(c);
      analyteCodes.set(a.key, codes);
    }
  }
  return [code, ...(analyteCodes.get(own.key) ?? []).filter((c) => c !== code)];
}

/** The panel codes of blood pressure: LOINC's current one and the older one Synthea still sends. */
export const BLOOD_PRESSURE_CODES = ['85354-9', '55284-4'];
const SYSTOLIC = '8480-6';
const DIASTOLIC = '8462-4';

type ObservationRow = { id: number; sort_date: string; display: string; raw: string };

function referenceRange(holder: Json): { low: number | null; high: number | null } {
  const range = list(holder.referenceRange).filter(isObject)[0];
  if (!range) return { low: null, high: null };
  return {
    low: (isObject(range.low) ? num(range.low.value) : undefined) ?? null,
    high: (isObject(range.high) ? num(range.high.value) : undefined) ?? null,
  };
}

function point(id: number, date: string, holder: Json): TrendPoint | null {
  const q = quantity(holder.valueQuantity);
  if (!q) return null;
  const range = referenceRange(holder);
  const flag = resultFlag(holder);
  return {
    recordId: id,
    date,
    value: q.value,
    unit: q.unit ?? null,
    ...range,
    flag,
    breakBefore: false,
    specimen: null,
  };
}

const DAY = 86_400_000;
/** A gap must be this many times the usual spacing, and at least this long, to break the line. */
const GAP_FACTOR = 3;
const GAP_MIN_DAYS = 180;

/**
 * Which readings start a new stretch of the line. A line implies the value moved smoothly between
 * two readings; across years without any it would invent a history. The rule: a gap longer than
 * 3× the median interval of the series and longer than 180 days breaks the line, so a weekly
 * series breaks after half a year of silence and a yearly one only after more than three years.
 * Written here because Chart.js only knows "skip null points", not a rule for when to leave one.
 */
export function lineBreaks(dates: string[]): boolean[] {
  const times = dates.map((d) => Date.parse(d));
  const intervals = times.slice(1).map((t, i) => t - times[i]!);
  const sorted = intervals.filter((n) => n > 0).sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const limit = Math.max(median * GAP_FACTOR, GAP_MIN_DAYS * DAY);
  return times.map((t, i) => i > 0 && t - times[i - 1]! > limit);
}

function withBreaks(series: TrendSeries): TrendSeries {
  const breaks = lineBreaks(series.points.map((p) => p.date));
  return { ...series, points: series.points.map((p, i) => ({ ...p, breakBefore: breaks[i]! })) };
}

/**
 * Candidates by code through the full-text index, which holds each record's `system|code` words:
 * "4548-4" is the phrase "4548 4" there. Reading every Observation instead costs seconds for a
 * 100k-record person. The JSON check in trendSeries makes the match exact.
 */
function observationsWithCode(db: ReadableDB, personId: number, code: string): ObservationRow[] {
  const phrase = code
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .join(' ');
  if (!phrase) return [];
  return db
    .prepare(
      `SELECT r.id, r.sort_date, r.display, r.raw FROM resources_fts JOIN resources r ON r.id = resources_fts.rowid
       WHERE resources_fts MATCH ? AND r.person_id = ? AND r.resource_type = 'Observation' AND r.sort_date <> ''
       ORDER BY r.sort_date, r.id`,
    )
    .all(`codes : "${phrase}"`, personId) as ObservationRow[];
}

/**
 * A person's readings of one measurement over time, oldest first. Blood pressure (and any panel
 * whose numbers live in components) comes back as one series per component, systolic first.
 */
export function trendSeries(db: ReadableDB, personId: number, code: string): TrendSeries[] {
  if (!/^[A-Za-z0-9.-]{1,64}$/.test(code)) {
    throw new VaultError('invalid-request', 'That measurement code was not understood.');
  }
  const own = seriesOfCode(db, personId, code);
  const others = sameAnalyteCodes(code)
    .slice(1)
    .map((c) => ({ code: c, series: seriesOfCode(db, personId, c) }))
    .filter((o) => o.series.length === 1);
  if (own.length !== 1 || others.length === 0) return own.map(withBreaks);
  // The same analyte from more than one specimen: one series, each point saying its specimen.
  const parts = [{ code, series: own }, ...others];
  const points = parts
    .flatMap((p) => p.series[0]!.points.map((point) => ({ ...point, specimen: analyteOf(p.code)!.specimen })))
    .sort((a, b) => a.date.localeCompare(b.date) || a.recordId - b.recordId);
  const label = analyteOf(code)!.component;
  return [withBreaks({ code, label, points })];
}

function seriesOfCode(db: ReadableDB, personId: number, code: string): TrendSeries[] {
  const rows = observationsWithCode(db, personId, code);
  const direct: TrendSeries = { code, label: '', points: [] };
  const byComponent = new Map<string, TrendSeries>();
  for (const row of rows) {
    const r = JSON.parse(row.raw) as Json;
    if (!hasCode(r.code, [code])) continue;
    if (!direct.label) direct.label = row.display;
    const own = point(row.id, row.sort_date, r);
    if (own) {
      direct.points.push(own);
      continue;
    }
    for (const component of list(r.component).filter(isObject)) {
      const coding = codings(component.code)[0];
      const componentCode = str(coding?.code);
      if (!componentCode) continue;
      const p = point(row.id, row.sort_date, component);
      if (!p) continue;
      let series = byComponent.get(componentCode);
      if (!series) {
        const label = str(isObject(component.code) ? component.code.text : undefined) ?? str(coding?.display);
        series = { code: componentCode, label: label ?? componentCode, points: [] };
        byComponent.set(componentCode, series);
      }
      series.points.push(p);
    }
  }
  const rank = (c: string) => (c === SYSTOLIC ? 0 : c === DIASTOLIC ? 1 : 2);
  const components = [...byComponent.values()].sort((a, b) => rank(a.code) - rank(b.code));
  for (const c of components) {
    if (c.code === SYSTOLIC) c.label = 'Systolic';
    if (c.code === DIASTOLIC) c.label = 'Diastolic';
  }
  return [...(direct.points.length > 0 ? [direct] : []), ...components];
}

/**
 * The measurements a person has numbers for, most often measured first: the menu of the trends
 * view. One sample row per name gives the code, so the JSON of only those rows is read.
 */
export function trendChoices(db: ReadableDB, personId: number): TrendChoice[] {
  const rows = db
    .prepare(
      `SELECT display, min(id) AS sample, count(*) AS n, max(value_unit) AS unit, min(category) AS category FROM resources
       WHERE person_id = ? AND resource_type = 'Observation' AND sort_date <> ''
         AND (value_num IS NOT NULL OR value_text LIKE '%/% mmHg')
       GROUP BY display ORDER BY n DESC, display LIMIT 300`,
    )
    .all(personId) as { display: string; sample: number; n: number; unit: string | null; category: string }[];
  const raw = db.prepare('SELECT raw FROM resources WHERE id = ?').pluck();
  const choices = new Map<string, TrendChoice>();
  for (const row of rows) {
    const r = JSON.parse(raw.get(row.sample) as string) as Json;
    const coding = codings(r.code).find((c) => str(c.system) === 'http://loinc.org') ?? codings(r.code)[0];
    const code = str(coding?.code);
    if (!code || !/^[A-Za-z0-9.-]{1,64}$/.test(code)) continue;
    // The same analyte from another specimen joins the choice already offered (trendSeries
    // gathers them again by the same table).
    const analyte = analyteOf(code);
    const key = analyte?.key ?? code;
    const known = choices.get(key);
    if (known) {
      known.count += row.n;
      if (analyte && known.code !== code) known.label = `${analyte.component} (blood, serum or plasma)`;
    } else
      choices.set(key, {
        code,
        label: row.display,
        unit: readableUnit(row.unit ?? undefined) ?? null,
        count: row.n,
        kind: row.category === 'vitals' ? 'vitals' : row.category === 'labs' ? 'labs' : 'other',
      });
  }
  return [...choices.values()];
}

/** How many of the latest readings a Summary's small trend shows. */
const RECENT = 8;

/** A latest reading's small trend: its measurement's code, its last values and which way they go. */
export type RecentTrend = {
  recordId: number;
  code: string;
  values: number[];
  direction: 'rising' | 'falling' | 'steady';
};

/**
 * Which way the last readings go: the newest against the oldest shown, "steady" within 5% of it.
 * A fit would weigh every reading, but a patient reads the ends of a small line.
 */
export function direction(values: number[]): RecentTrend['direction'] {
  const first = values[0];
  const last = values.at(-1);
  if (first === undefined || last === undefined || values.length < 2) return 'steady';
  const change = last - first;
  if (Math.abs(change) <= Math.abs(first) * 0.05) return 'steady';
  return change > 0 ? 'rising' : 'falling';
}

/**
 * The small trend of each given record (the Summary's latest vital signs), up to and including
 * it: blood pressure by its systolic number. A record without a LOINC code, or with a single
 * reading, has none.
 */
export function recentTrends(db: ReadableDB, personId: number, recordIds: number[]): RecentTrend[] {
  const raw = db.prepare('SELECT raw FROM resources WHERE id = ? AND person_id = ?').pluck();
  const out: RecentTrend[] = [];
  for (const recordId of recordIds) {
    const text = raw.get(recordId, personId) as string | undefined;
    if (!text) continue;
    const r = JSON.parse(text) as Json;
    const code = codings(r.code)
      .filter((c) => str(c.system) === 'http://loinc.org')
      .map((c) => str(c.code))
      .find((c): c is string => c !== undefined && /^[A-Za-z0-9.-]{1,64}$/.test(c));
    if (!code) continue;
    const [first] = trendSeries(db, personId, code);
    if (!first) continue;
    const upTo = first.points.findLastIndex((p) => p.recordId === recordId);
    const points = first.points.slice(0, upTo === -1 ? undefined : upTo + 1).slice(-RECENT);
    if (points.length < 2) continue;
    const values = points.map((p) => p.value);
    out.push({ recordId, code, values, direction: direction(values) });
  }
  return out;
}
