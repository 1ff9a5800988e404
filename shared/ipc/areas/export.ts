import { z } from 'zod';
import { Category, FhirDate } from '../../domain.js';
import { PersonId } from './common.js';

/**
 * Handing the records to a new provider: C-CDA CCD, FHIR bundle, International Patient Summary
 * or a printable PDF. The core never receives a file path from the renderer: `export.run`
 * returns the document's bytes, and only the shell writes them, to the place the user picked in
 * its own save dialog.
 */
export const ExportFormat = z.enum(['ccda', 'fhir', 'ips', 'pdf']);

const ExportRequest = z
  .object({
    personId: PersonId,
    format: ExportFormat,
    from: z.iso.datetime({ offset: true }).or(FhirDate).optional(),
    to: z.iso.datetime({ offset: true }).or(FhirDate).optional(),
    categories: z.array(Category).max(32).optional(),
    /** Records the patient marked as wrong are left out unless this is true. */
    includeMarkedWrong: z.boolean().optional(),
  })
  .strict();

export const ExportIssue = z.object({
  recordId: z.number().int(),
  resourceType: z.string(),
  title: z.string(),
  kind: z.enum(['left-out', 'incomplete']),
  reason: z.string(),
  group: z.string().optional(),
});

/** Issues of one kind, record type and cause, in the patient's words ("23 pharmacy fills"). */
const IssueGroup = z.object({
  kind: z.enum(['left-out', 'incomplete']),
  count: z.number().int(),
  what: z.string(),
  why: z.string(),
});

const SectionCount = z.object({ key: z.string(), title: z.string(), entries: z.number().int() });

const ExportPreview = z.object({
  format: ExportFormat,
  records: z.number().int(),
  sections: z.array(SectionCount),
  issues: z.array(ExportIssue),
  groups: z.array(IssueGroup),
});

export const exportChannels = {
  'export.preview': { request: ExportRequest, response: ExportPreview },
  'export.run': {
    request: ExportRequest,
    response: ExportPreview.extend({
      mediaType: z.string(),
      /** A name to offer in the save dialog; never a path. */
      fileName: z.string(),
      /** The document itself, base64, for the shell to write where the user chose. */
      contentBase64: z.string(),
    }),
  },
} as const;

export const exportEvents = {
  'export.progress': z.object({
    personId: z.number().int(),
    format: ExportFormat,
    stage: z.enum(['reading', 'writing', 'done']),
    done: z.number().int(),
    total: z.number().int(),
  }),
} as const;
