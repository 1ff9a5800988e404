import type { peopleChannels } from '../../../shared/ipc/areas/people.js';
import { addPerson, listPersons } from '../vault/persons.js';
import type { HandlersFor, ServiceContext } from './context.js';

export function peopleHandlers(ctx: ServiceContext): HandlersFor<keyof typeof peopleChannels> {
  return {
    'persons.list': () => listPersons(ctx.vault.db),
    'persons.add': (req) => addPerson(ctx.vault.db, req),
  };
}
