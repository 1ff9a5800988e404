import { z } from 'zod';
import { FhirDate, Person, Relationship } from '../../domain.js';
import { Empty } from './common.js';

/** The people whose records the vault keeps (their connections are in areas/connections.ts). */
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
} as const;

export const peopleEvents = {} as const;
