import type { CoreChannel } from '../../../shared/ipc/contract.js';
import type { WhatsNew } from '../vault/whats-new.js';
import { readAttachment } from '../records/attachments.js';
import { readRecord } from '../records/record-detail.js';
import { isObject } from '../records/fhir-values.js';
import { entryOf } from '../records/own-entries.js';
import { ownEntryRecord } from '../vault/own-entries.js';
import { readRecordNote } from '../vault/record-notes.js';
import { patientSummary } from '../records/summary.js';
import { recentTrends, trendChoices, trendSeries, type TrendPoint } from '../records/trends.js';
import { convertReading, detailInUnits, inUnits, readingInUnits, systemUnits } from '../records/units.js';
import { chosenUnits } from '../vault/display-settings.js';
import type { ReadableDB } from '../vault/database.js';
import { listPersons, personRemoval } from '../vault/persons.js';
import { searchRecords } from '../vault/search.js';
import { timelineCounts } from '../vault/timeline-counts.js';
import { getRecord, recordStats, timelinePage } from '../vault/timeline.js';
import { hasArrivals, newAbove, readWhatsNew } from '../vault/whats-new.js';
import type { HandlersFor } from './context.js';
import type { TimelineEntry } from '../../../shared/domain.js';
import type { UnitSystem } from '../../../shared/ipc/areas/settings.js';

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
  'trends.recent',
  'settings.units',
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
  // Weight, height and temperature as the person reads them: read per request, so a new choice
  // shows at once in both connections' answers.
  const units = () => chosenUnits(db()) ?? systemUnits();
  const shown = <E extends TimelineEntry>(entries: E[]): E[] => {
    const system = units();
    return entries.map((e) => inUnits(e, system));
  };
  // "New only": records above the person's last look; with no look stored, nothing is new.
  const arrived = <R extends { personId: number; newOnly?: boolean | undefined }>(req: R) =>
    req.newOnly ? { ...req, arrivedAbove: newAbove(db(), req.personId) ?? Number.MAX_SAFE_INTEGER } : req;
  return {
    'persons.list': () =>
      // Said only of a person who has something new, so everyone else reads as before.
      listPersons(db()).map((p) => (hasArrivals(db(), p.id) ? { ...p, hasNew: true } : p)),
    'persons.removal': (req) => {
      const { connections: _connections, ...removal } = personRemoval(db(), req.personId);
      return removal;
    },
    'records.stats': (req) => recordStats(db(), req.personId),
    'records.get': (req) => {
      const { resource, ...record } = getRecord(db(), req.id);
      const own = ownEntryRecord(db(), req.id);
      const system = units();
      return {
        ...record,
        entry: inUnits(record.entry, system),
        ...detailInUnits(record.entry, readRecord(resource), system),
        note: readRecordNote(db(), req.id),
        ownEntry: own && isObject(resource) ? entryOf(resource) : null,
      };
    },
    'records.attachment': (req) => readAttachment(db(), req.recordId, req.index),
    'records.whatsNew': (req) => {
      const found = readWhatsNew(db(), req.personId);
      const news = found === 'first-look' ? firstLook(req.personId) : found;
      return { ...news, entries: shown(news.entries) };
    },
    'timeline.page': (req) => {
      const page = timelinePage(db(), arrived(req), newAbove(db(), req.personId));
      return { ...page, entries: shown(page.entries) };
    },
    'timeline.search': (req) => ({ entries: shown(searchRecords(db(), req, newAbove(db(), req.personId))) }),
    'timeline.counts': (req) => timelineCounts(db(), arrived(req)),
    'timeline.find': (req) => ({
      entries: shown(searchRecords(db(), arrived(req), newAbove(db(), req.personId))),
    }),
    'summary.get': (req) => {
      const s = patientSummary(db(), req.personId);
      return { ...s, flagged: shown(s.flagged), vitals: shown(s.vitals), labs: shown(s.labs) };
    },
    'trends.choices': (req) => {
      const system = units();
      return trendChoices(db(), req.personId).map((c) => ({
        ...c,
        unit: (c.unit && convertReading(1, c.unit, system)?.unit) ?? c.unit,
      }));
    },
    'trends.series': (req) => {
      const system = units();
      return trendSeries(db(), req.personId, req.code).map((s) => ({
        ...s,
        points: s.points.map((p) => pointInUnits(p, system)),
      }));
    },
    'trends.recent': (req) => recentTrends(db(), req.personId, req.recordIds),
    'settings.units': () => {
      const chosen = chosenUnits(db());
      return { units: chosen ?? systemUnits(), chosen: chosen !== null };
    },
  };
}

/** A point of a trend, with its usual range, in the person's units (vital signs only convert). */
function pointInUnits(p: TrendPoint, system: UnitSystem): TrendPoint {
  const converted = p.unit ? readingInUnits({ ...p, unit: p.unit }, system) : null;
  return converted ? { ...p, ...converted } : p;
}
