import { z } from 'zod';
import { Category, FhirDate, PatientSummary, ResultFlag, TimelineEntry } from '../../domain.js';
import { PersonId } from './common.js';

const Instant = z.iso.datetime({ offset: true }).or(FhirDate);

/** The filters the timeline combines, apart from the categories (which the counts leave open). */
const TimelineFilters = {
  personId: PersonId,
  connectionIds: z.array(z.number().int()).max(200).optional(),
  from: Instant.optional(),
  to: Instant.optional(),
  /** Only what arrived since the person last looked (the records marked "New"). */
  newOnly: z.boolean().optional(),
  /** Records the patient hid are left out unless this is true. */
  showHidden: z.boolean().optional(),
};

const TrendPoint = z.object({
  recordId: z.number().int(),
  date: z.string(),
  value: z.number(),
  unit: z.string().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  /** High, low or critical by the source's flag or range; null when in range or unknown. */
  flag: ResultFlag.nullable(),
  /** No line is drawn from the reading before: the gap is far longer than the usual spacing. */
  breakBefore: z.boolean(),
  /** The specimen, when the series gathers one analyte measured in several ("Blood"). */
  specimen: z.string().nullable(),
});

/** Reading a person's records as a whole: counts under filters, search under filters, summary, trends. */
export const insightChannels = {
  'timeline.counts': {
    request: z.object({ ...TimelineFilters, query: z.string().max(500).optional() }).strict(),
    response: z.object({
      total: z.number().int(),
      byCategory: z.partialRecord(Category, z.number().int()),
      /** The person's records they hid, left out of `total` (unless shown), so the page can say so. */
      hidden: z.number().int().optional(),
    }),
  },
  /** Search with every timeline filter at once; `timeline.search` keeps its simpler shape. */
  'timeline.find': {
    request: z
      .object({
        ...TimelineFilters,
        query: z.string().max(500),
        limit: z.number().int().min(1).max(500).default(200),
        categories: z.array(Category).max(32).optional(),
      })
      .strict(),
    response: z.object({
      entries: z.array(TimelineEntry.extend({ highlight: z.string() })),
    }),
  },
  'summary.get': {
    request: z.object({ personId: PersonId }).strict(),
    response: PatientSummary,
  },
  'trends.choices': {
    request: z.object({ personId: PersonId }).strict(),
    response: z.array(
      z.object({
        code: z.string(),
        label: z.string(),
        unit: z.string().nullable(),
        count: z.number().int(),
        /** The picker's group: vital signs, blood tests and labs, or anything else. */
        kind: z.enum(['vitals', 'labs', 'other']),
      }),
    ),
  },
  'trends.series': {
    request: z
      .object({
        personId: PersonId,
        code: z
          .string()
          .regex(/^[A-Za-z0-9.-]{1,64}$/)
          .describe('a LOINC (or other) code of an Observation'),
      })
      .strict(),
    response: z.array(z.object({ code: z.string(), label: z.string(), points: z.array(TrendPoint) })),
  },
  /** The Summary's small trends: the last readings of the measurement of each given record. */
  'trends.recent': {
    request: z.object({ personId: PersonId, recordIds: z.array(z.number().int()).max(50) }).strict(),
    response: z.array(
      z.object({
        recordId: z.number().int(),
        code: z.string(),
        values: z.array(z.number()),
        direction: z.enum(['rising', 'falling', 'steady']),
      }),
    ),
  },
} as const;

export const insightEvents = {} as const;
