import type { peopleChannels } from '../../../shared/ipc/areas/people.js';
import { addPerson, personRemoval, removePerson, updatePerson } from '../vault/persons.js';
import type { HandlersFor, ServiceContext } from './context.js';
import { removedChange } from './record-handlers.js';
import type { ReadChannel } from './read-handlers.js';

/** Adding, changing and removing people; listing them is a read channel (read-handlers.ts). */
export function peopleHandlers(
  ctx: ServiceContext,
): HandlersFor<Exclude<keyof typeof peopleChannels, ReadChannel>> {
  const db = () => ctx.vault.db;
  return {
    'persons.add': (req) => addPerson(db(), req),
    'persons.rename': (req) => updatePerson(db(), req.personId, { name: req.name }),
    'persons.update': (req) => updatePerson(db(), req.personId, req),
    'persons.remove': async (req) => {
      const { connections } = personRemoval(db(), req.personId);
      // A run under way would write records back for someone no longer here, or use tokens being
      // dropped; the servers are told to forget the sign-ins too, as a disconnection does.
      for (const connection of connections) {
        await ctx.sync.finish(connection.id);
        if (connection.kind === 'smart') await ctx.access.revoke(connection.id);
      }
      const removed = removePerson(db(), req.personId);
      for (const { id } of connections) ctx.emit('connections.changed', { connectionId: id });
      if (removed.records > 0) ctx.emit('records.changed', removedChange(req.personId, removed.records));
      return removed;
    },
  };
}
