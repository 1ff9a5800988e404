import { z } from 'zod';
import { OwnEntry, RecordNote } from '../../domain.js';
import { PersonId } from './common.js';

const RecordId = z.number().int().positive();

/**
 * The patient's own words: notes and marks on any record (kept beside it, never changing what
 * the source sent), and the records they enter themselves under their source "Entered by you".
 */
export const noteChannels = {
  /**
   * Sets what is given of a record's note and marks; what is left out stays as it was. A note of
   * null (or only spaces) removes it. Answers the annotation as it now is, null when nothing is left.
   */
  'records.annotate': {
    request: z
      .object({
        id: RecordId,
        note: z.string().max(4000).nullable().optional(),
        markedWrong: z.boolean().optional(),
        hidden: z.boolean().optional(),
      })
      .strict(),
    response: RecordNote.nullable(),
  },
  /** Stores a new entry of the patient's own, or (with `id`) replaces one of theirs. */
  'entries.save': {
    request: z.object({ personId: PersonId, id: RecordId.optional(), entry: OwnEntry }).strict(),
    response: z.object({ id: RecordId }),
  },
  /** Deletes one of the patient's own entries; a record any other source sent cannot be. */
  'entries.remove': {
    request: z.object({ id: RecordId }).strict(),
    response: z.object({}),
  },
} as const;

export const noteEvents = {} as const;
