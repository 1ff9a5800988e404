import type { CoreChannel } from '../../../shared/ipc/contract.js';
import type { WhatsNew } from '../vault/whats-new.js';
import { readAttachment } from '../records/attachments.js';
import { isObject } from '../records/fhir-values.js';
import { entryOf } from '../records/own-entries.js';
import { ownEntryRecord } from '../vault/own-entries.js';
import { readRecordNote } from '../vault/record-notes.js';
import { resultReading } from '../records/result-flags.js';
import { patientSummary } from '../records/summary.js';
import { trendChoices, trendSeries } from '../records/trends.js';
import type { ReadableDB } from '../vault/database.js';
import { listPersons, personRemoval } from '../vault/persons.js';
import { searchRecords } from '../vault/search.js';
import { timelineCounts } from '../vault/timeline-counts.js';
import { getRecord, recordStats, timelinePage } from '../vault/timeline.js';
import { newAbove, readWhatsNew } from '../vault/whats-new.js';
import type { HandlersFor } from './context.js';

/**
 * The channels that only read the vault. In the app they are answered by the read worker, on its
 * own connection, so the timeline, the Summary and trends never queue behind an import, a sync or
 * an export in the writer; the writer answers them too (the command line, tests, and whenever the
 * read worker cannot: not yet open, or a request that turns out to need a write).
 */
export const READ_CHANNELS = [
  'persons.list',
  'persons.removal',
  'records.stats',
  'records.get',
  'records.attachment',
  'records.whatsNew',
  'timeline.page',
  'timeline.search',
  'timeline.counts',
  'timeline.find',
  'summary.get',
  'trends.choices',
  'trends.series',
] as const satisfies readonly CoreChannel[];

export type ReadChannel = (typeof READ_CHANNELS)[number];

const readChannelSet: ReadonlySet<string> = new Set(READ_CHANNELS);

export function isReadChannel(channel: unknown): channel is ReadChannel {
  return typeof channel === 'string' && readChannelSet.has(channel);
}

/** Thrown by a read handler whose request needs the writer after all; the writer answers it. */
export class WriterNeeded extends Error {
  override readonly name = 'WriterNeeded';
}

/**
 * One definition of every read channel for both connections. `firstLook`: what a person's first
 * "what is new" does, which stores their first look (the writer does it; the reader hands over).
 */
export function readHandlers(
  db: () => ReadableDB,
  firstLook: (personId: number) => WhatsNew,
): HandlersFor<ReadChannel> {
  return {
    'persons.list': () => listPersons(db()),
    'persons.removal': (req) => {
      const { connections: _connections, ...removal } = personRemoval(db(), req.personId);
      return removal;
    },
    'records.stats': (req) => recordStats(db(), req.personId),
    'records.get': (req) => {
      const record = getRecord(db(), req.id);
      const own = ownEntryRecord(db(), req.id);
      return {
        ...record,
        result: resultReading(record.resource),
        note: readRecordNote(db(), req.id),
        ownEntry: own && isObject(record.resource) ? entryOf(record.resource) : null,
      };
    },
    'records.attachment': (req) => readAttachment(db(), req.recordId, req.index),
    'records.whatsNew': (req) => {
      const found = readWhatsNew(db(), req.personId);
      return found === 'first-look' ? firstLook(req.personId) : found;
    },
    'timeline.page': (req) => timelinePage(db(), req, newAbove(db(), req.personId)),
    'timeline.search': (req) => ({ entries: searchRecords(db(), req, newAbove(db(), req.personId)) }),
    'timeline.counts': (req) => timelineCounts(db(), req),
    'timeline.find': (req) => ({ entries: searchRecords(db(), req) }),
    'summary.get': (req) => patientSummary(db(), req.personId),
    'trends.choices': (req) => trendChoices(db(), req.personId),
    'trends.series': (req) => trendSeries(db(), req.personId, req.code),
  };
}
