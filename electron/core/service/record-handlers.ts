import type { recordChannels, RecordsChanged } from '../../../shared/ipc/areas/records.js';
import { markLooked } from '../vault/whats-new.js';
import type { HandlersFor, ServiceContext } from './context.js';
import type { ReadChannel } from './read-handlers.js';

/** The record channels that write; the rest are read channels (read-handlers.ts). */
export function recordHandlers(
  ctx: ServiceContext,
): HandlersFor<Exclude<keyof typeof recordChannels, ReadChannel>> {
  return {
    'records.markLooked': (req) => {
      markLooked(ctx.vault.db, req.personId, req.through);
      return {};
    },
  };
}

/** What `records.changed` says when a person or a source went, with this many records. */
export function removedChange(personId: number, records: number): RecordsChanged {
  return {
    personId,
    cause: 'removed',
    added: 0,
    updated: 0,
    removed: records,
    categories: [],
    ongoing: false,
  };
}
