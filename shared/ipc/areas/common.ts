import { z } from 'zod';

/** Building blocks shared by the areas of the contract. */
export const Empty = z.object({}).strict();
export const Passphrase = z.string().min(1).max(1024);
export const PersonId = z.number().int().positive();

/** What an area of the contract looks like: channel → request and response schemas. */
export type ChannelSpec = { request: z.ZodType; response: z.ZodType };

/**
 * Who may call a channel. Every channel is the page's (the renderer's) unless its area marks it
 * with `shellOnly`: then only the shell (Electron's main, or the test host acting for it) calls it,
 * typically with something a page must never be able to name (a path chosen in a dialog, what the
 * machine is doing). Preload, the IPC bridge and the test host all ask `isChannel` in
 * contract.ts, which reads this mark; there is no other list.
 */
export type Audience = 'page' | 'shell';

export function shellOnly<const S extends ChannelSpec>(spec: S): S & { audience: 'shell' } {
  return { ...spec, audience: 'shell' };
}
