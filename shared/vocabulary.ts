/**
 * The app's plain vocabulary, free of zod so the renderer can import it without pulling the
 * schema library into its bundle. shared/domain.ts builds the contract's schemas from these.
 */

/**
 * What the patient sees a record as. Several FHIR types land in one category (a DSTU2
 * MedicationOrder and an R4 MedicationRequest are both "medications"); `administrative` holds the
 * resources that explain others (Patient, Practitioner, Organization, ...) and `billing` the claims
 * some servers return: both are stored but left out of the timeline unless asked for.
 */
export const categories = [
  'allergies',
  'conditions',
  'immunizations',
  'labs',
  'medications',
  'procedures',
  'vitals',
  'documents',
  'visits',
  'care-plans',
  'social-history',
  'devices',
  'insurance',
  'other',
  'billing',
  'administrative',
] as const;
export type Category = (typeof categories)[number];

export type TimelineCategory = Exclude<Category, 'billing' | 'administrative'>;

/** The categories a timeline shows when the user has not picked any, in the order people read them. */
export const timelineCategories = categories.filter(
  (c): c is TimelineCategory => c !== 'billing' && c !== 'administrative',
);

/**
 * Each kind of record counted in a sentence ("3 lab results"), lower case, one and many: the
 * notification after a sync and the "since you last looked" banner say it the same way.
 */
export const categoryNouns: Record<Category, [string, string]> = {
  labs: ['lab result', 'lab results'],
  vitals: ['vital sign', 'vital signs'],
  conditions: ['condition', 'conditions'],
  medications: ['medication', 'medications'],
  allergies: ['allergy', 'allergies'],
  immunizations: ['immunization', 'immunizations'],
  procedures: ['procedure', 'procedures'],
  documents: ['document', 'documents'],
  visits: ['visit', 'visits'],
  'care-plans': ['care plan', 'care plans'],
  'social-history': ['social history note', 'social history notes'],
  devices: ['device', 'devices'],
  insurance: ['insurance record', 'insurance records'],
  other: ['other record', 'other records'],
  billing: ['claim', 'claims'],
  administrative: ['care team record', 'care team records'],
};

export const relationships = ['self', 'child', 'parent', 'partner', 'relative', 'other'] as const;
export type Relationship = (typeof relationships)[number];

/** Marks highlighted spans in search results; control characters never appear in record text we show. */
export const HIGHLIGHT_START = '\u0002';
export const HIGHLIGHT_END = '\u0003';

/**
 * What a result's flag says: from the source's interpretation, its reference range, or the usual
 * adult categories for vital signs (electron/core/records/result-flags.ts). `critical` and
 * `abnormal` are for sources that say so without saying which way.
 */
export const resultFlags = ['critical-high', 'critical-low', 'critical', 'high', 'low', 'abnormal'] as const;
export type ResultFlag = (typeof resultFlags)[number];
