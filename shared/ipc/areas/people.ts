import { z } from 'zod';
import { FhirDate, Person, Relationship } from '../../domain.js';
import { Empty } from './common.js';

const PersonId = z.number().int().positive();
const PersonName = z.string().trim().min(1).max(200);

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
  'persons.rename': {
    request: z.object({ personId: PersonId, name: PersonName }).strict(),
    response: Person,
  },
  /** What is known of the person; a birth date of null forgets the one given before. */
  'persons.update': {
    request: z
      .object({
        personId: PersonId,
        name: PersonName,
        birthDate: FhirDate.nullable(),
        relationship: Relationship,
      })
      .strict(),
    response: Person,
  },
  /** What removing the person would take with them, for the question asked first. */
  'persons.removal': {
    request: z.object({ personId: PersonId }).strict(),
    response: z.object({
      personId: PersonId,
      name: z.string(),
      records: z.number().int(),
      sources: z.number().int(),
    }),
  },
  /** Removes the person, their sources and their records; nothing else in the vault. */
  'persons.remove': {
    request: z.object({ personId: PersonId }).strict(),
    response: z.object({ records: z.number().int(), sources: z.number().int() }),
  },
} as const;

export const peopleEvents = {} as const;
