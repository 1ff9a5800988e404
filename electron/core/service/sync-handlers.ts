import type { syncChannels } from '../../../shared/ipc/areas/sync.js';
import { readSyncLog } from '../vault/sync-store.js';
import type { HandlersFor, ServiceContext } from './context.js';

/** Sync as the renderer sees it: start, cancel, watch, read the log, set the schedule and
 * how large a document's file to download. */
export function syncHandlers(ctx: ServiceContext): HandlersFor<keyof typeof syncChannels> {
  return {
    'sync.now': (req) => ({ started: ctx.sync.runNow(req.connectionId) }),
    'sync.cancel': (req) => ({ cancelled: ctx.sync.cancel(req.connectionId) }),
    'sync.status': () => ctx.sync.status(),
    'sync.log': (req) => readSyncLog(ctx.vault.db, req.connectionId, req.limit),
    'sync.setSchedule': (req) => ctx.sync.setInterval(req.connectionId, req.intervalMinutes),
    'sync.setDocumentLimit': (req) => ctx.sync.setDocumentLimit(req.connectionId, req.maxBytes),
    'sync.machine': (req) => {
      ctx.sync.machine(req);
      return {};
    },
  };
}
