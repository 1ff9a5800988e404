import { z } from 'zod';
import { categories, relationships, resultFlags } from './vocabulary.js';

export { categories, relationships, resultFlags, timelineCategories } from './vocabulary.js';

export const Category = z.enum(categories);
export type Category = z.infer<typeof Category>;

export const ResultFlag = z.enum(resultFlags);
export type ResultFlag = z.infer<typeof ResultFlag>;

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
  /** Records arrived since this person's records were last looked at (the list marks them); only in persons.list. */
  hasNew: z.boolean().optional(),
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
  /** The source "Entered by you": what the patient entered themselves. */
  enteredByYou: z.boolean().optional(),
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
  /** The number the value says, in `unit`, when it is one number. */
  valueNum: z.number().nullable().optional(),
  abnormal: z.boolean(),
  /** High, low or critical, for a result: from the source's interpretation, else its range. */
  flag: ResultFlag.nullable().optional(),
  status: z.string().nullable(),
  source: z.object({ connectionId: z.number().int(), label: z.string() }),
  /**
   * How many sources sent this record: 1, or the size of its group of likely duplicates (the same
   * code, day and value from other connections), which the timeline shows once.
   */
  sources: z.number().int().min(1),
  /**
   * Arrived in the vault (a sync, an import) since the person last looked at this person's
   * records. Only timeline pages and "what is new" say; elsewhere it is left out.
   */
  isNew: z.boolean().optional(),
  /**
   * The record came from a SMART Health Card: whether the card verified, who issued it, and
   * exactly why not when it did not. Left out for every other record.
   */
  healthCard: z
    .object({
      status: z.enum(['verified', 'unknown-issuer', 'invalid', 'revoked']),
      issuer: z.string().nullable(),
      reason: z.string(),
    })
    .optional(),
  /**
   * What the patient said about the record themselves (a note, "this is wrong", hidden), so a
   * row can show it; left out for a record they said nothing about.
   */
  marks: z.object({ note: z.boolean(), wrong: z.boolean(), hidden: z.boolean() }).optional(),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

/**
 * The patient's own annotation of a record: kept beside it, never in it (the source's record
 * stays as received). `markedWrong` keeps it, shown marked, out of the Summary and of exports
 * unless asked for; `hidden` keeps it off the timeline unless hidden records are shown.
 */
export const RecordNote = z.object({
  note: z.string().nullable(),
  markedWrong: z.boolean(),
  hidden: z.boolean(),
  updatedAt: z.string(),
});
export type RecordNote = z.infer<typeof RecordNote>;

const EntryText = z.string().trim().min(1).max(200);
const EntryInstant = z.iso.datetime({ offset: true }).or(FhirDate);

/**
 * What the patient enters themselves, one short form per kind. The core checks the ranges and
 * says what is wrong in words (own-entries.ts); the shapes here only bound what may cross.
 */
export const OwnEntry = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('medicine'),
      name: EntryText,
      dose: z.string().trim().max(200).optional(),
      since: FhirDate.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('allergy'),
      substance: EntryText,
      reaction: z.string().trim().max(200).optional(),
    })
    .strict(),
  z.object({ kind: z.literal('condition'), name: EntryText, since: FhirDate.optional() }).strict(),
  z
    .object({
      kind: z.literal('blood-pressure'),
      systolic: z.number().finite(),
      diastolic: z.number().finite(),
      at: EntryInstant,
    })
    .strict(),
  z
    .object({
      kind: z.literal('weight'),
      value: z.number().finite(),
      unit: z.enum(['kg', '[lb_av]']),
      at: EntryInstant,
    })
    .strict(),
  z
    .object({
      kind: z.literal('glucose'),
      value: z.number().finite(),
      unit: z.enum(['mg/dL', 'mmol/L']),
      at: EntryInstant,
    })
    .strict(),
]);
export type OwnEntry = z.infer<typeof OwnEntry>;
export type OwnEntryKind = OwnEntry['kind'];

/** A record as the Summary lists it: what it decided about it, beside the timeline's columns. */
export const SummaryEntry = TimelineEntry.extend({
  /** The other sources that sent the same medicine, problem or allergy, by name. */
  alsoFrom: z.array(z.string()).optional(),
  /** The date as its source wrote it, when only a year or a month ("2000", "2012-05"). */
  dateText: z.string().optional(),
  /** A medicine's latest pharmacy fill or administration: ISO instant. */
  lastFilled: z.string().nullable().optional(),
});
export type SummaryEntry = z.infer<typeof SummaryEntry>;

/** What a result's detail shows: its flag, and its value against the range its source gave. */
export const ResultReading = z.object({
  flag: ResultFlag.nullable(),
  value: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  unit: z.string().nullable(),
  /** The LOINC code its trend is charted by (trends.series), when it has one. */
  trendCode: z.string().nullable(),
});
export type ResultReading = z.infer<typeof ResultReading>;

export const PatientSummary = z.object({
  problems: z.array(SummaryEntry),
  medications: z.array(SummaryEntry),
  allergies: z.array(SummaryEntry),
  /** A record saying the person has no known allergies, when no allergy is listed. */
  noKnownAllergies: SummaryEntry.nullable(),
  immunizations: z.array(SummaryEntry),
  /** The latest of each lab or vital sign whose latest value is high, low or critical. */
  flagged: z.array(SummaryEntry),
  vitals: z.array(SummaryEntry),
  labs: z.array(SummaryEntry),
});
export type PatientSummary = z.infer<typeof PatientSummary>;

export const VaultState = z.enum(['absent', 'locked', 'unlocked']);
export type VaultState = z.infer<typeof VaultState>;

export const VaultStatus = z.object({
  state: VaultState,
  /** Where the vault file lives, so the user knows what to back up. */
  location: z.string(),
});
export type VaultStatus = z.infer<typeof VaultStatus>;
