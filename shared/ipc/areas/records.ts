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

/**
 * One line of a record's detail, read from the record by the core (records/record-detail.ts), so
 * the window only puts it on screen. Dates stay as the source wrote them (a year, a month, a day,
 * a time), for the window to say in the reader's own language.
 */
export const RecordFact = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('words'), label: z.string(), words: z.string() }),
  z.object({ kind: z.literal('date'), label: z.string(), date: z.string() }),
  /** From a date to another, or only from or only until one. */
  z.object({
    kind: z.literal('period'),
    label: z.string(),
    start: z.string().nullable(),
    end: z.string().nullable(),
  }),
]);
export type RecordFact = z.infer<typeof RecordFact>;

/** An attachment as the record names it, numbered as `records.attachment` asks for it. */
export const RecordAttachment = z.object({
  index: z.number().int(),
  title: z.string(),
  contentType: z.string().nullable(),
});
export type RecordAttachment = z.infer<typeof RecordAttachment>;

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
      versions: z.number().int(),
      firstSeenAt: z.string(),
      updatedAt: z.string(),
      /** Every record of its group of likely duplicates, leader first (only itself when none). */
      sources: z.array(RecordSource),
      /** For an Observation: its flag and range, and the trend it belongs to. */
      result: ResultReading.nullable(),
      /** What the record says, in the order the detail lists it. */
      facts: z.array(RecordFact),
      attachments: z.array(RecordAttachment),
      /** The record as received, as indented JSON text, for "View FHIR JSON". */
      json: z.string(),
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
        /** Only what arrived since the person last looked (the records marked "New"). */
        newOnly: z.boolean().optional(),
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

/**
 * A person's records changed in the vault: a page of a sync was stored, an import ended, a person
 * or a source was removed with their records. Roughly what changed, so an open window can look
 * again at what it shows instead of asking on a timer.
 */
export const RecordsChanged = z.object({
  personId: PersonId,
  cause: z.enum(['sync', 'import', 'removed']),
  added: z.number().int(),
  updated: z.number().int(),
  /** Records removed with a person or a source, or marked "no longer at the source" by a sync. */
  removed: z.number().int(),
  /** The kinds of record added, where the core knows them (a sync counts them; an import does not). */
  categories: z.array(Category),
  /** More is coming from the same cause: a sync between its pages. False once it has ended. */
  ongoing: z.boolean(),
});
export type RecordsChanged = z.infer<typeof RecordsChanged>;

export const recordEvents = {
  'records.changed': RecordsChanged,
} as const;
