import { z } from 'zod';

/** Building blocks shared by the areas of the contract. */
export const Empty = z.object({}).strict();
export const Passphrase = z.string().min(1).max(1024);
export const PersonId = z.number().int().positive();

/** What an area of the contract looks like: channel → request and response schemas. */
export type ChannelSpec = { request: z.ZodType; response: z.ZodType };
