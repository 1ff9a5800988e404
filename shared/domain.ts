import { z } from 'zod';

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
export const Category = z.enum(categories);
export type Category = z.infer<typeof Category>;

/** The categories a timeline shows when the user has not picked any. */
export const timelineCategories: readonly Category[] = categories.filter(
  (c) => c !== 'billing' && c !== 'administrative',
);

export const relationships = ['self', 'child', 'parent', 'partner', 'relative', 'other'] as const;
export const Relationship = z.enum(relationships);
export type Relationship = z.infer<typeof Relationship>;

/** A calendar date as FHIR writes it (year, year-month or full date). */
export const FhirDate = z.string().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'a date like 1980-04-21');

export const Person = z.object({
  id: z.number().int(),
  name: z.string(),
  birthDate: z.string().nullable(),
  relationship: Relationship,
  recordCount: z.number().int(),
});
export type Person = z.infer<typeof Person>;

export const ConnectionSummary = z.object({
  id: z.number().int(),
  personId: z.number().int(),
  kind: z.enum(['smart', 'import']),
  label: z.string(),
  fhirBase: z.string().nullable(),
  state: z.string(),
  recordCount: z.number().int(),
});
export type ConnectionSummary = z.infer<typeof ConnectionSummary>;

export const TimelineEntry = z.object({
  id: z.number().int(),
  personId: z.number().int(),
  resourceType: z.string(),
  category: Category,
  /** ISO 8601 in UTC, or null for a record that carries no date. */
  date: z.string().nullable(),
  title: z.string(),
  value: z.string().nullable(),
  unit: z.string().nullable(),
  abnormal: z.boolean(),
  status: z.string().nullable(),
  source: z.object({ connectionId: z.number().int(), label: z.string() }),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

export const VaultState = z.enum(['absent', 'locked', 'unlocked']);
export type VaultState = z.infer<typeof VaultState>;

export const VaultStatus = z.object({
  state: VaultState,
  /** Where the vault file lives, so the user knows what to back up. */
  location: z.string(),
});
export type VaultStatus = z.infer<typeof VaultStatus>;
