import { z } from 'zod';
import { Category, FhirDate } from '../../domain.js';
import { PersonId, shellOnly } from './common.js';

/**
 * Handing the records to a new provider: C-CDA CCD, FHIR bundle, International Patient Summary
 * or a printable PDF. The page asks for a document (`files.saveExport`); the shell asks where in
 * its own save dialog and hands that path to the core (`export.toFile`, shell-only), which writes
 * the document there. The document's bytes never cross the window, and no path comes from a page.
 */
export const ExportFormat = z.enum(['ccda', 'fhir', 'ips', 'pdf']);

export const ExportRequest = z
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

export const ExportPreview = z.object({
  format: ExportFormat,
  records: z.number().int(),
  sections: z.array(SectionCount),
  issues: z.array(ExportIssue),
  groups: z.array(IssueGroup),
});

export const exportChannels = {
  'export.preview': { request: ExportRequest, response: ExportPreview },
  /** The name and kind of file the save dialog offers for this export; only the shell asks. */
  'export.suggestion': shellOnly({
    request: ExportRequest,
    response: z.object({ fileName: z.string(), mediaType: z.string() }),
  }),
  /**
   * Writes the document to the path the person chose in the shell's save dialog (readable by
   * them alone, never half written). Shell-only: a page that could name a path could make the core
   * write anywhere the user can.
   */
  'export.toFile': shellOnly({
    request: ExportRequest.extend({ path: z.string().min(1).max(4096) }).strict(),
    response: ExportPreview.extend({
      /** The name it was saved under (the last segment of the path). */
      fileName: z.string(),
      bytes: z.number().int().nonnegative(),
    }),
  }),
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
