import type { recordChannels } from '../../../shared/ipc/areas/records.js';
import { readAttachment } from '../records/attachments.js';
import { resultReading } from '../records/result-flags.js';
import { markLooked, newAbove, whatsNew } from '../records/whats-new.js';
import { searchRecords } from '../vault/search.js';
import { getRecord, recordStats, timelinePage } from '../vault/timeline.js';
import type { HandlersFor, ServiceContext } from './context.js';

export function recordHandlers(ctx: ServiceContext): HandlersFor<keyof typeof recordChannels> {
  return {
    'records.stats': (req) => recordStats(ctx.vault.db, req.personId),
    'records.get': (req) => {
      const record = getRecord(ctx.vault.db, req.id);
      return { ...record, result: resultReading(record.resource) };
    },
    'records.attachment': (req) => readAttachment(ctx.vault.db, req.recordId, req.index),
    'records.whatsNew': (req) => whatsNew(ctx.vault.db, req.personId),
    'records.markLooked': (req) => {
      markLooked(ctx.vault.db, req.personId, req.through);
      return {};
    },
    'timeline.page': (req) => timelinePage(ctx.vault.db, req, newAbove(ctx.vault.db, req.personId)),
    'timeline.search': (req) => ({
      entries: searchRecords(ctx.vault.db, req, newAbove(ctx.vault.db, req.personId)),
    }),
  };
}
