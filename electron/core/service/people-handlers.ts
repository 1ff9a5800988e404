import type { peopleChannels } from '../../../shared/ipc/areas/people.js';
import { addPerson } from '../vault/persons.js';
import type { HandlersFor, ServiceContext } from './context.js';
import type { ReadChannel } from './read-handlers.js';

/** Adding a person; listing them is a read channel (read-handlers.ts). */
export function peopleHandlers(
  ctx: ServiceContext,
): HandlersFor<Exclude<keyof typeof peopleChannels, ReadChannel>> {
  return {
    'persons.add': (req) => addPerson(ctx.vault.db, req),
  };
}
