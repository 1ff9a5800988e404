import { z } from 'zod';
import { ConnectionSummary, FhirDate, Person, Relationship } from '../../domain.js';
import { Empty, PersonId } from './common.js';

/** The people whose records the vault keeps, and where their records come from. */
export const peopleChannels = {
  'persons.list': { request: Empty, response: z.array(Person) },
  'persons.add': {
    request: z
      .object({
        name: z.string().trim().min(1).max(200),
        birthDate: FhirDate.optional(),
        relationship: Relationship.default('other'),
      })
      .strict(),
    response: Person,
  },
  'connections.list': {
    request: z.object({ personId: PersonId.optional() }).strict(),
    response: z.array(ConnectionSummary),
  },
} as const;

export const peopleEvents = {} as const;
