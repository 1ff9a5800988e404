import { z } from 'zod';
import { PersonId, shellOnly } from './common.js';

/**
 * Files brought in by the person: the formats the one way in recognises from a file's content.
 * The command line's `import --json` and the window's import answers name them the same way.
 */
export const FileFormat = z.enum([
  'fhir',
  'ccda',
  'smart-health-card',
  'smart-health-link',
  'ips',
  'apple-health',
]);
export type FileFormat = z.infer<typeof FileFormat>;

/** The most files one choice hands over; a folder's worth of a portal's downloads fits. */
export const MAX_FILES_CHOSEN = 200;

/**
 * A file the person chose in the shell's open dialog (or dropped onto the window), as the page
 * knows it: a name to show and a token the core gave for it. The path stays with the shell and the
 * core, so a page can only ever name files the person chose.
 */
export const ChosenFile = z.object({
  token: z.string(),
  name: z.string(),
  bytes: z.number().int().nonnegative(),
});
export type ChosenFile = z.infer<typeof ChosenFile>;

const FileToken = z.string().regex(/^[\w-]{16,64}$/);
const Identity = z.object({ name: z.string(), birthDate: z.string().nullable() });

/** What a chosen file is and whose it looks like, read before anything of it is stored. */
export const FilePreview = z.discriminatedUnion('outcome', [
  z.object({
    outcome: z.literal('ready'),
    token: z.string(),
    name: z.string(),
    bytes: z.number().int().nonnegative(),
    format: FileFormat,
    /** "C-CDA Continuity of Care Document from Example Hospital, 2019-03-04, 214 entries". */
    about: z.string(),
    /** A health card's check: `verified`, `unknown-issuer`, `invalid` or `revoked`, with why. */
    verification: z
      .object({ status: z.string(), issuer: z.string().nullable(), reason: z.string().nullable() })
      .nullable(),
    /** The patients the file names (none: it does not say whose it is). */
    patients: z.array(Identity),
    /** Against the person chosen: nothing known differs, something differs, or the file names no one. */
    whose: z.enum(['match', 'differs', 'unknown']),
  }),
  z.object({
    outcome: z.literal('refused'),
    token: z.string(),
    name: z.string(),
    bytes: z.number().int().nonnegative(),
    /** Why it cannot be imported, in the person's words. */
    message: z.string(),
  }),
]);
export type FilePreview = z.infer<typeof FilePreview>;

/** What became of a file imported from the window. */
export const ImportedFileAnswer = z.object({
  token: z.string(),
  /** Who it was filed under: the person chosen, or the one the import made from the file. */
  personId: PersonId,
  /** Set when "Add as a new person" made someone: their name as the vault now has it. */
  newPerson: z.string().nullable(),
  connectionId: z.number().int(),
  format: FileFormat,
  about: z.string(),
  fhirVersion: z.string(),
  added: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  /** What could not be read (entries, lines), the first 20; `problemCount` is all of them. */
  problems: z.array(z.object({ where: z.string(), problem: z.string() })).max(20),
  problemCount: z.number().int(),
});
export type ImportedFileAnswer = z.infer<typeof ImportedFileAnswer>;

export const importChannels = {
  /**
   * Only the shell calls this, with the paths the person picked in its open dialog or dropped onto
   * the window: the core keeps each path and answers a token for it. A page that could name a
   * path could make the core read any file the user can.
   */
  'imports.useFiles': shellOnly({
    request: z.object({ paths: z.array(z.string().min(1).max(4096)).max(MAX_FILES_CHOSEN) }).strict(),
    response: z.object({ files: z.array(ChosenFile) }),
  }),
  /** What each chosen file is and whose, against the person; nothing is stored. */
  'imports.preview': {
    request: z
      .object({ personId: PersonId, tokens: z.array(FileToken).min(1).max(MAX_FILES_CHOSEN) })
      .strict(),
    response: z.array(FilePreview),
  },
  /**
   * Imports one chosen file, read from disk by the core (any size), for the person chosen, or for a
   * new person made from the name and birth date the file gives. `imports.progress` says how far
   * it has read. Importing the same file again adds nothing.
   */
  'imports.run': {
    request: z
      .object({
        token: FileToken,
        personId: PersonId,
        as: z.enum(['this-person', 'new-person']),
      })
      .strict(),
    response: ImportedFileAnswer,
  },
} as const;

export const importEvents = {
  /** How much of a file being imported has been read. */
  'imports.progress': z.object({
    token: z.string(),
    bytesRead: z.number().int().nonnegative(),
    bytesTotal: z.number().int().nonnegative(),
  }),
} as const;
