import { z } from 'zod';
import { PersonId } from './common.js';

/**
 * SMART Health Links a person pastes into the window (`shlink:/…`, or a viewer's address holding
 * one): opened by the core, which fetches, decrypts and imports what the link shares. A link
 * that needs a passcode fails with `link-passcode-needed` (or `link-wrong-passcode`, saying how
 * many attempts are left), so the window can ask for it and try again.
 */
export const HealthLinkFile = z.object({
  contentType: z.string(),
  format: z.enum(['fhir', 'ips', 'smart-health-card']).nullable(),
  /** What the file is: "SMART Health Card, verified: issued by …", "FHIR R4 file, 12 records". */
  about: z.string(),
  added: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  /** Why the file was left out (a kind PHR Vault does not read); null when it was imported. */
  skipped: z.string().nullable(),
});
export type HealthLinkFile = z.infer<typeof HealthLinkFile>;

export const healthLinkChannels = {
  'healthLinks.open': {
    request: z
      .object({
        personId: PersonId,
        link: z.string().trim().min(1).max(8192),
        passcode: z.string().max(200).optional(),
        /** As for files: false asks first about a link whose records name another patient. */
        anyPatient: z.boolean().default(false),
      })
      .strict(),
    response: z.discriminatedUnion('outcome', [
      z.object({
        outcome: z.literal('imported'),
        /** What its sender called the link. */
        label: z.string().nullable(),
        files: z.array(HealthLinkFile),
      }),
      z.object({
        outcome: z.literal('other-patient'),
        otherPatients: z.array(z.object({ name: z.string(), birthDate: z.string().nullable() })).min(1),
      }),
    ]),
  },
} as const;
