import {
  timelineCategories,
  type Category,
  type Relationship,
  type ResultFlag,
} from '../../../shared/vocabulary.js';

/**
 * What each kind of record is called on screen. A Record over the shared union makes the compiler
 * insist on words for every category, so a new one in the core cannot show up unnamed. The order
 * is the order the summary lists them in.
 */
export const categoryWords: Record<Category, string> = {
  conditions: 'Conditions',
  medications: 'Medications',
  allergies: 'Allergies',
  labs: 'Lab results',
  vitals: 'Vital signs',
  immunizations: 'Immunizations',
  procedures: 'Procedures',
  visits: 'Visits',
  documents: 'Documents',
  'care-plans': 'Care plans',
  'social-history': 'Social history',
  devices: 'Devices',
  insurance: 'Insurance',
  billing: 'Claims',
  administrative: 'Care team',
  other: 'Other records',
};

/** The kinds a timeline can be filtered by, in the order its chips show them. */
export const timelineKinds = timelineCategories;

export const relationshipWords: Record<Relationship, string> = {
  self: 'You',
  child: 'Child',
  parent: 'Parent',
  partner: 'Partner',
  relative: 'Relative',
  other: 'Other',
};

/** `self` is the vault's owner, made with the vault; everyone added later is someone else. */
export const relationshipsToAdd = [
  'child',
  'parent',
  'partner',
  'relative',
  'other',
] as const satisfies readonly Relationship[];

const count = new Intl.NumberFormat();

/** The question before a person is removed: what goes with them, counted. */
export function removalWords(name: string, records: number, sources: number): string {
  const what = [
    records > 0 && `${count.format(records)} ${records === 1 ? 'record' : 'records'}`,
    sources > 0 && `${count.format(sources)} ${sources === 1 ? 'source' : 'sources'}`,
  ].filter(Boolean);
  if (what.length === 0) return `${name} will be removed from this vault. They have no records or sources.`;
  return `${name}’s ${what.join(' and ')} will be removed from this vault.`;
}

export function recordCountWords(n: number): string {
  if (n === 0) return 'No records yet';
  return `${count.format(n)} ${n === 1 ? 'record' : 'records'}`;
}

export { meaningfulStatus, statusWords } from '../../../shared/status-words.js';

/** What a result's flag says, in words and with a mark, so it never rests on colour alone. */
export const flagWords: Record<ResultFlag, { words: string; mark: string }> = {
  'critical-high': { words: 'Very high', mark: '▲▲' },
  'critical-low': { words: 'Very low', mark: '▼▼' },
  critical: { words: 'Critical', mark: '!!' },
  high: { words: 'High', mark: '▲' },
  low: { words: 'Low', mark: '▼' },
  abnormal: { words: 'Abnormal', mark: '!' },
};

/**
 * What a row says beside its value. A result says which way it is out (from the source's own
 * interpretation, else its range); an allergy its source marked high-risk says so; anything else
 * its source flagged without saying why is "Abnormal".
 */
export function entryFlagWords(entry: {
  flag?: ResultFlag | null | undefined;
  abnormal: boolean;
  resourceType: string;
}): { words: string; mark: string; critical: boolean } | null {
  if (entry.flag) return { ...flagWords[entry.flag], critical: entry.flag.startsWith('critical') };
  if (!entry.abnormal) return null;
  if (entry.resourceType === 'AllergyIntolerance') return { words: 'High risk', mark: '!', critical: false };
  return { ...flagWords.abnormal, critical: false };
}

export function formatCount(n: number): string {
  return count.format(n);
}

/** A FHIR date (year, year-month or full date) as a person reads it, without shifting time zones. */
export function birthDateWords(date: string): string {
  const [year, month, day] = date.split('-').map(Number);
  if (!year) return date;
  const options: Intl.DateTimeFormatOptions = { year: 'numeric', timeZone: 'UTC' };
  if (month) options.month = 'long';
  if (month && day) options.day = 'numeric';
  return new Intl.DateTimeFormat(undefined, options).format(Date.UTC(year, (month ?? 1) - 1, day ?? 1));
}

/**
 * A measured number as a lab report prints it: four significant digits (5.995, 92, 0.0123),
 * every whole digit of larger values. Devices send 5.994941401945218; nobody reads that.
 */
export function readingWords(n: number): string {
  if (Number.isInteger(n)) return count.format(n);
  if (Math.abs(n) >= 1000) return count.format(Math.round(n));
  return String(Number(n.toPrecision(4)));
}
