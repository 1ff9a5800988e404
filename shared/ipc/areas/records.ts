import { z } from 'zod';
import { AttachmentContent } from '../../attachments.js';
import { Category, FhirDate, OwnEntry, RecordNote, ResultReading, TimelineEntry } from '../../domain.js';
import { PersonId } from './common.js';

/** One record of a group of likely duplicates: what its source sent, to list and to open. */
export const RecordSource = z.object({
  id: z.number().int(),
  connectionId: z.number().int(),
  label: z.string(),
  date: z.string().nullable(),
  title: z.string(),
  value: z.string().nullable(),
  unit: z.string().nullable(),
  arrivedAt: z.string(),
  /** The group's leader: the record the timeline shows. */
  leader: z.boolean(),
});
export type RecordSource = z.infer<typeof RecordSource>;

/** Reading records: counts, one record in full, the timeline and search. */
export const recordChannels = {
  'records.stats': {
    request: z.object({ personId: PersonId.optional() }).strict(),
    response: z.object({
      total: z.number().int(),
      byType: z.record(z.string(), z.number().int()),
      byCategory: z.record(z.string(), z.number().int()),
    }),
  },
  'records.get': {
    request: z.object({ id: z.number().int().positive() }).strict(),
    response: z.object({
      entry: TimelineEntry,
      fhirVersion: z.string(),
      resource: z.unknown(),
      versions: z.number().int(),
      firstSeenAt: z.string(),
      updatedAt: z.string(),
      /** Every record of its group of likely duplicates, leader first (only itself when none). */
      sources: z.array(RecordSource),
      /** For an Observation: its flag and range, and the trend it belongs to. */
      result: ResultReading.nullable().optional(),
      /** The patient's own note and marks on it (notes.ts), null when they said nothing. */
      note: RecordNote.nullable().optional(),
      /** For a record the patient entered themselves: what they entered, to edit it. */
      ownEntry: OwnEntry.nullable().optional(),
    }),
  },
  /** One attachment of a record (by its place among the record's attachments), ready to show. */
  'records.attachment': {
    request: z
      .object({ recordId: z.number().int().positive(), index: z.number().int().min(0).max(999) })
      .strict(),
    response: AttachmentContent,
  },
  'timeline.page': {
    request: z
      .object({
        personId: PersonId,
        limit: z.number().int().min(1).max(500).default(100),
        cursor: z.string().max(200).nullable().optional(),
        categories: z.array(Category).max(32).optional(),
        connectionIds: z.array(z.number().int()).max(200).optional(),
        from: z.iso.datetime({ offset: true }).or(FhirDate).optional(),
        to: z.iso.datetime({ offset: true }).or(FhirDate).optional(),
        /** Records the patient hid are left out unless this is true. */
        showHidden: z.boolean().optional(),
      })
      .strict(),
    response: z.object({ entries: z.array(TimelineEntry), nextCursor: z.string().nullable() }),
  },
  /**
   * What arrived for a person since they last looked (records/whats-new.ts). `since` is null when
   * they never have: then nothing is new, and the look is stored.
   */
  'records.whatsNew': {
    request: z.object({ personId: PersonId }).strict(),
    response: z.object({
      since: z.string().nullable(),
      total: z.number().int(),
      byCategory: z.partialRecord(Category, z.number().int()),
      sources: z.array(z.string()),
      /** The newest of them by date (a few), to show at once. */
      entries: z.array(TimelineEntry),
      /** Pass back to `records.markLooked` so what arrived after this answer stays new. */
      through: z.number().int(),
    }),
  },
  /** The person has seen what is new: later arrivals count from now. */
  'records.markLooked': {
    request: z.object({ personId: PersonId, through: z.number().int().min(0).optional() }).strict(),
    response: z.object({}),
  },
  'timeline.search': {
    request: z
      .object({
        personId: PersonId,
        query: z.string().max(500),
        limit: z.number().int().min(1).max(500).default(50),
        categories: z.array(Category).max(32).optional(),
      })
      .strict(),
    response: z.object({
      entries: z.array(
        TimelineEntry.extend({
          /** The matching text, with each match between \u0002 and \u0003 so no HTML crosses IPC. */
          highlight: z.string(),
        }),
      ),
    }),
  },
} as const;

export const recordEvents = {} as const;
